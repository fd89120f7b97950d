"""Question types are plugins: the built-ins register through the same entry-point group as anyone's,
an installed extra type is loaded, and a broken one stops the start-up."""
from __future__ import annotations

import configparser
import secrets
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from lms import ROOT, create_app
from lms.core import plugins
from lms.quizzes.types import QuestionType

BUILT_INS = {"single_choice", "multiple_response", "true_false", "short_answer", "numeric", "matching", "ordering",
             "essay", "description"}


def _app(**config):
    return create_app({"TESTING": True, "SECRET_KEY": secrets.token_hex(8), "SQLALCHEMY_DATABASE_URI": "sqlite://",
                       **config})


def _install(tmp_path: Path, monkeypatch, line: str, module: str, source: str) -> None:
    """Make a tiny distribution with one question type visible to importlib.metadata, as `pip install` would."""
    dist = tmp_path / f"{module}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[{plugins.GROUP_QUESTION_TYPES}]\n{line}\n")
    (tmp_path / f"{module}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))


TINY = '''
from lms.core.i18n import _l
from lms.quizzes.types import QuestionType


class YesNo(QuestionType):
    name = "{name}"
    label = _l("Có/Không")
    template = "yes_no.html"

    @classmethod
    def from_parsed(cls, question):
        return {{}}

    @classmethod
    def to_parsed(cls, data):
        return {{}}
'''


def test_the_group_name_is_the_one_setup_cfg_declares():
    assert plugins.GROUP_QUESTION_TYPES == "lms.question_types"
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    declared = {line.split("=")[0].strip()
                for line in parser["options.entry_points"][plugins.GROUP_QUESTION_TYPES].splitlines() if line.strip()}
    assert declared == BUILT_INS


def test_every_built_in_is_registered_through_the_entry_point():
    found = {ep.name: ep for ep in entry_points(group=plugins.GROUP_QUESTION_TYPES)}
    assert set(found) >= BUILT_INS, "run `pip install -e .` after changing setup.cfg"
    for name in BUILT_INS:
        qtype = found[name].load()
        assert issubclass(qtype, QuestionType) and qtype.name == name
        assert found[name].value.startswith(f"lms.quizzes.types.{name}:")


def test_the_app_loads_every_built_in_into_its_registry():
    app = _app()
    registry = plugins.registry(app, plugins.GROUP_QUESTION_TYPES)
    assert {t.name for t in registry} == BUILT_INS
    with app.app_context():
        from lms.quizzes.types import question_type, question_types

        assert question_types() is registry
        assert question_type("numeric").label is not None
        assert question_type("drag_and_drop") is None  # stored but not installed: "not installed", no crash


def test_an_extra_question_type_installed_through_an_entry_point_is_loaded(tmp_path, monkeypatch):
    _install(tmp_path, monkeypatch, "yes_no = tiny_yes_no:YesNo", "tiny_yes_no", TINY.format(name="yes_no"))
    registry = plugins.registry(_app(), plugins.GROUP_QUESTION_TYPES)
    assert registry.get("yes_no").__name__ == "YesNo"
    assert {t.name for t in registry} == BUILT_INS | {"yes_no"}


def test_a_plugin_that_is_not_a_question_type_stops_start_up(tmp_path, monkeypatch):
    _install(tmp_path, monkeypatch, "stranger = tiny_stranger:Stranger", "tiny_stranger",
             "class Stranger:\n    name = 'stranger'\n")
    with pytest.raises(plugins.PluginError, match="not a subclass of QuestionType"):
        _app()


def test_a_plugin_whose_name_differs_from_its_entry_point_stops_start_up(tmp_path, monkeypatch):
    _install(tmp_path, monkeypatch, "yes_no = tiny_misnamed:YesNo", "tiny_misnamed", TINY.format(name="yesno"))
    with pytest.raises(plugins.PluginError, match="declares the name 'yesno'"):
        _app()


def test_a_plugin_reusing_a_built_in_name_stops_start_up(tmp_path, monkeypatch):
    _install(tmp_path, monkeypatch, "essay = tiny_essay:YesNo", "tiny_essay", TINY.format(name="essay"))
    with pytest.raises(plugins.PluginError, match="two plugins are named 'essay'"):
        _app()
