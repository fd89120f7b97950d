"""Plugins through entry points: groups named as constants, loaded at start-up, broken ones refused."""
from __future__ import annotations

import configparser
import secrets
from pathlib import Path

import pytest

from lms import ROOT, create_app
from lms.core import plugins


def _install(tmp_path: Path, monkeypatch, group: str, lines: list[str], module: str, source: str) -> None:
    """Make a tiny distribution visible to importlib.metadata, as `pip install` would."""
    dist = tmp_path / "tiny_lms_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: tiny-lms-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[{group}]\n" + "\n".join(lines) + "\n")
    (tmp_path / f"{module}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))


TINY_EXPORTER = (
    "from lms.records.exporters import RecordExporter\n"
    "class Tiny(RecordExporter):\n"
    "    name = 'tiny'\n"
    "    label = 'Tiny'\n"
    "    mimetype = 'text/plain'\n"
    "    extension = 'txt'\n"
    "    def export(self, record):\n"
    "        return b''\n"
)


def _app():
    return create_app({"TESTING": True, "SECRET_KEY": secrets.token_hex(8), "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_groups_are_declared_in_setup_cfg():
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    declared = set(parser["options.entry_points"])
    assert set(plugins.GROUPS) <= declared
    assert plugins.GROUPS == ("lms.question_types", "lms.certificate_templates", "lms.record_exporters")


def test_a_plugin_installed_through_an_entry_point_is_loaded(tmp_path, monkeypatch):
    _install(tmp_path, monkeypatch, plugins.GROUP_RECORD_EXPORTERS, ["tiny = tiny_exporter:Tiny"],
             "tiny_exporter", TINY_EXPORTER)
    app = _app()
    registry = plugins.registry(app, plugins.GROUP_RECORD_EXPORTERS)
    assert "tiny" in registry and registry.get("tiny").__name__ == "Tiny"
    assert registry.get("not-installed") is None


def test_a_plugin_that_fails_to_import_stops_start_up(tmp_path, monkeypatch):
    _install(tmp_path, monkeypatch, plugins.GROUP_RECORD_EXPORTERS, ["broken = broken_exporter:Nope"],
             "broken_exporter", "raise ImportError('missing dependency')\n")
    with pytest.raises(plugins.PluginError, match="broken"):
        _app()


def test_registry_checks_base_class_and_unique_names():
    class Base:
        pass

    class Good(Base):
        name = "good"

    class Stranger:
        name = "stranger"

    registry = plugins.Registry("lms.test", base=Base)
    registry.add("good", Good)
    with pytest.raises(plugins.PluginError, match="subclass"):
        registry.add("stranger", Stranger)
    with pytest.raises(plugins.PluginError, match="two plugins"):
        registry.add("good", Good)
    with pytest.raises(plugins.PluginError, match="declares the name"):
        registry.add("other", Good)


def test_only_enabled_plugins_load(tmp_path, monkeypatch):
    _install(tmp_path, monkeypatch, plugins.GROUP_RECORD_EXPORTERS, ["tiny = tiny_exporter2:Tiny"],
             "tiny_exporter2", TINY_EXPORTER)
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "ENABLED_PLUGINS": {plugins.GROUP_RECORD_EXPORTERS: []}})
    assert "tiny" not in plugins.registry(app, plugins.GROUP_RECORD_EXPORTERS)
