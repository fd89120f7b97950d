"""``lms questions …``: the quiz engine's command-line tools."""
from __future__ import annotations

import json
import sys

import click

from lms.quizzes.formats import detect_format, parse


@click.group("questions")
def questions_group() -> None:
    """Câu hỏi: đọc và kiểm tra tệp GIFT/Aiken."""


@questions_group.command("parse")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(["gift", "aiken"]), help="Default: guessed from the file.")
def parse_command(file: str, fmt: str | None) -> None:
    """Print FILE's questions as JSON (the public format in the README).

    Exit status: 0 without errors, 1 with errors (valid questions are still listed), 2 for a usage
    error or an unreadable file.
    """
    try:
        if file == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(file, "rb") as fh:
                data = fh.read()
    except OSError as exc:
        click.echo(f"Không đọc được tệp {file}: {exc.strerror}", err=True)
        sys.exit(2)
    fmt = fmt or detect_format(data, filename=None if file == "-" else file)
    result = parse(data, fmt)  # invalid UTF-8 is reported as an error with its line
    click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
    sys.exit(0 if not result.errors else 1)
