"""`lms questions parse FILE [--format gift|aiken]`: JSON on standard output and the documented exit codes."""
import json

from click.testing import CliRunner

from lms.quizzes.commands import questions_group


def run(*args, input=None):
    return CliRunner().invoke(questions_group, ["parse", *args], input=input)


def test_valid_file_exits_0_with_json(tmp_path):
    path = tmp_path / "q.gift"
    path.write_text("::Q1:: Công đoàn Việt Nam thành lập năm nào? {=1929 ~1930 ~1945}\n", encoding="utf-8")
    result = run(str(path))
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["format"] == "gift" and data["errors"] == []
    assert data["questions"][0]["type"] == "single_choice" and data["questions"][0]["name"] == "Q1"


def test_errors_exit_1_and_still_list_valid_questions(tmp_path):
    path = tmp_path / "q.gift"
    path.write_bytes("Câu đúng {T}\r\n\r\nCâu sai {#abc}\r\n".encode())
    result = run(str(path))
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert len(data["questions"]) == 1 and data["errors"][0]["line"] == 3


def test_aiken_by_option_and_by_content(tmp_path):
    path = tmp_path / "q.txt"
    path.write_text("Đoàn phí từ 1/7/2025 là bao nhiêu?\nA. 1%\nB. 0,5%\nANSWER: B\n", encoding="utf-8")
    for args in ([str(path), "--format", "aiken"], [str(path)]):
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["format"] == "aiken"


def test_usage_errors_and_unreadable_files_exit_2(tmp_path):
    assert run(str(tmp_path / "missing.gift")).exit_code == 2
    assert run(str(tmp_path), "--format", "gift").exit_code == 2
    path = tmp_path / "q.gift"
    path.write_text("x {T}\n")
    assert run(str(path), "--format", "xml").exit_code == 2
