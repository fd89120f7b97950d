"""Plugins: question types, certificate templates and record exporters, found through entry points.

Built-ins register through the same ``setup.cfg`` groups as third-party plugins. A registry
checks every plugin's base class and unique name when the app starts and refuses to start on a
broken one; a name stored in the database whose plugin is not installed is reported as missing
instead of breaking pages.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from flask import Flask

GROUP_QUESTION_TYPES = "lms.question_types"
GROUP_CERTIFICATE_TEMPLATES = "lms.certificate_templates"
GROUP_RECORD_EXPORTERS = "lms.record_exporters"
GROUPS = (GROUP_QUESTION_TYPES, GROUP_CERTIFICATE_TEMPLATES, GROUP_RECORD_EXPORTERS)


class PluginError(RuntimeError):
    """A plugin could not be loaded or does not satisfy its group's contract."""


@dataclass
class Registry:
    """The plugins of one entry-point group, keyed by their stable ``name``."""

    group: str
    base: type | None = None
    items: dict[str, Any] = field(default_factory=dict)

    def load(self, enabled: list[str] | None = None) -> None:
        self.items.clear()
        for ep in entry_points(group=self.group):
            if enabled is not None and ep.name not in enabled:
                continue
            try:
                obj = ep.load()
            except Exception as exc:  # a plugin that cannot even import stops the start-up
                raise PluginError(f"{self.group}: cannot load {ep.name!r} ({ep.value}): {exc}") from exc
            self.add(ep.name, obj)

    def add(self, name: str, obj: Any) -> None:
        if self.base is not None and not (isinstance(obj, type) and issubclass(obj, self.base)):
            raise PluginError(f"{self.group}: {name!r} is not a subclass of {self.base.__name__}")
        declared = getattr(obj, "name", name)
        if declared != name:
            raise PluginError(f"{self.group}: entry point {name!r} declares the name {declared!r}")
        if name in self.items:
            raise PluginError(f"{self.group}: two plugins are named {name!r}")
        self.items[name] = obj

    def get(self, name: str) -> Any | None:
        """The plugin, or None when it is not installed (callers show "not installed")."""
        return self.items.get(name)

    def __contains__(self, name: str) -> bool:
        return name in self.items

    def __iter__(self):
        return iter(self.items.values())


_BASES: dict[str, type | None] = {group: None for group in GROUPS}


def register_base(group: str, base: type) -> None:
    """Areas declare the base class their group's plugins must derive from."""
    _BASES[group] = base


def init_app(app: Flask) -> None:
    enabled_by_group = app.config.get("ENABLED_PLUGINS") or {}
    registries = {}
    for group in GROUPS:
        registry = Registry(group, base=_BASES.get(group))
        registry.load(enabled_by_group.get(group))
        registries[group] = registry
    app.extensions["lms.plugins"] = registries


def registry(app: Flask, group: str) -> Registry:
    return app.extensions["lms.plugins"][group]
