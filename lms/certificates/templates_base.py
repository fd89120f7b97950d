"""The contract of certificate-template plugins (entry-point group ``lms.certificate_templates``).

A certificate template is a folder — ``metadata.yaml``, ``template.html``, ``theme.css`` and the
assets they use (``fonts/``, ``images/``) — and a small class that names it::

    class DefaultTemplate(CertificateTemplate):
        name = "default"
        folder = Path(__file__).parent

registered in the plugin distribution's ``setup.cfg``::

    [options.entry_points]
    lms.certificate_templates =
        default = lms.certificates.templates.default:DefaultTemplate

The HTML is rendered in a sandboxed Jinja environment (no access to Python internals, no mutation
of the data) from the plain dict of strings and dates made by
:func:`lms.certificates.rendering.certificate_data` — never from database objects. The PDF is made
by :func:`lms.certificates.rendering.render_pdf`, whose URL fetcher serves only files inside the
template's folder. See docs/certificate-templates.md.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import yaml
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from lms.core.plugins import GROUP_CERTIFICATE_TEMPLATES, register_base

#: The files every template folder holds.
METADATA_FILE = "metadata.yaml"
HTML_FILE = "template.html"
CSS_FILE = "theme.css"

PAGE_SIZES = {"A4", "A5", "A3"}
ORIENTATIONS = {"landscape", "portrait"}


class TemplateError(ValueError):
    """A certificate template folder is incomplete or its metadata is invalid."""


@dataclass(frozen=True)
class TemplateMetadata:
    """``metadata.yaml`` of a template folder."""

    #: Vietnamese title shown to administrators when they choose a template.
    title: str
    description: str = ""
    #: ``A4``, ``A5`` or ``A3``.
    page_size: str = "A4"
    #: ``landscape`` or ``portrait``.
    orientation: str = "landscape"
    version: str = "1"

    @property
    def page_css(self) -> str:
        """The ``@page`` size the metadata declares; applied before ``theme.css``."""
        return f"@page {{ size: {self.page_size} {self.orientation}; }}"

    @classmethod
    def load(cls, path: Path) -> TemplateMetadata:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise TemplateError(f"{path}: cannot read the metadata ({exc})") from exc
        if not isinstance(raw, dict):
            raise TemplateError(f"{path}: the metadata must be a mapping")
        unknown = set(raw) - {"title", "description", "page", "version"}
        if unknown:
            raise TemplateError(f"{path}: unknown keys {sorted(unknown)}")
        title = raw.get("title")
        if not isinstance(title, str) or not title.strip():
            raise TemplateError(f"{path}: 'title' (Vietnamese, shown to administrators) is required")
        page = raw.get("page") or {}
        if not isinstance(page, dict):
            raise TemplateError(f"{path}: 'page' must be a mapping with 'size' and 'orientation'")
        size = str(page.get("size", "A4"))
        orientation = str(page.get("orientation", "landscape"))
        if size not in PAGE_SIZES:
            raise TemplateError(f"{path}: page size {size!r} is not one of {sorted(PAGE_SIZES)}")
        if orientation not in ORIENTATIONS:
            raise TemplateError(f"{path}: orientation {orientation!r} is not one of {sorted(ORIENTATIONS)}")
        return cls(title=title.strip(), description=str(raw.get("description") or "").strip(),
                   page_size=size, orientation=orientation, version=str(raw.get("version", "1")))


# -- formatting helpers, available to templates as filters ---------------------------------------

def vietnamese_long_date(value: dt.date) -> str:
    """A date as written in administrative documents: ``ngày 05 tháng 3 năm 2026``.

    Decree 30/2020/NĐ-CP: days 1–9 and months 1–2 take a leading zero ("ngày 05 tháng 01"),
    other months do not ("tháng 3", "tháng 11").
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        raise TypeError(f"a date is required, not {type(value).__name__}")
    month = f"{value.month:02d}" if value.month <= 2 else str(value.month)
    return f"ngày {value.day:02d} tháng {month} năm {value.year}"


def vietnamese_date(value: dt.date | None) -> str:
    """``dd/mm/yyyy`` (05/01/2026); empty for no date."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        raise TypeError(f"a date is required, not {type(value).__name__}")
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


def vietnamese_number(value: int | float | Decimal | str) -> str:
    """A number with Vietnamese separators (``1.234,5``); integral values have no decimals."""
    if isinstance(value, str):
        return value
    number = Decimal(str(value))
    text = f"{int(number):,}" if number == number.to_integral_value() else f"{number.normalize():,f}"
    return text.translate(str.maketrans(",.", ".,"))


def size_class(value: Any, *limits: int) -> str:
    """``""``, ``"long"``, ``"longer"``, ``"longest"`` as ``len(value)`` passes each of ``limits``.

    Templates use it to shrink the type of long names and titles: ``class="name {{ full_name|size_class(30, 45) }}"``.
    """
    length = len(str(value or ""))
    passed = sum(length > limit for limit in limits)
    return ("", "long", "longer", "longest")[min(passed, 3)]


FILTERS = {
    "long_date": vietnamese_long_date,
    "date": vietnamese_date,
    "number": vietnamese_number,
    "size_class": size_class,
}


# -- the plugin base class -----------------------------------------------------------------------

class CertificateTemplate:
    """Base class of certificate-template plugins.

    Subclasses set :attr:`name` (stable: stored with every issued certificate, equal to the entry
    point's name) and :attr:`folder`. Everything else — metadata, the sandboxed Jinja environment,
    the parsed stylesheet and fonts — is derived from the folder and cached per class.
    """

    #: Stable identifier, equal to the entry-point name.
    name: ClassVar[str]
    #: The folder holding ``metadata.yaml``, ``template.html``, ``theme.css`` and the assets.
    folder: ClassVar[Path]

    _metadata_cache: ClassVar[dict[type, TemplateMetadata]] = {}
    _env_cache: ClassVar[dict[type, ImmutableSandboxedEnvironment]] = {}

    @classmethod
    def root(cls) -> Path:
        """The template folder, resolved; the URL fetcher serves nothing outside it."""
        folder = getattr(cls, "folder", None)
        if folder is None:
            raise TemplateError(f"{cls.__name__} does not set 'folder'")
        return Path(folder).resolve()

    @classmethod
    def metadata(cls) -> TemplateMetadata:
        """The parsed ``metadata.yaml`` (checked once, then cached)."""
        cached = cls._metadata_cache.get(cls)
        if cached is None:
            root = cls.root()
            for required in (METADATA_FILE, HTML_FILE, CSS_FILE):
                if not (root / required).is_file():
                    raise TemplateError(f"{cls.__name__}: {root / required} is missing")
            cached = cls._metadata_cache[cls] = TemplateMetadata.load(root / METADATA_FILE)
        return cached

    @classmethod
    def environment(cls) -> ImmutableSandboxedEnvironment:
        """The sandboxed Jinja environment: autoescaped HTML, templates from the folder only.

        The sandbox refuses access to internals (``__class__``, ``mro``, ``func_globals``…) and the
        immutable variant refuses calls that change lists and dicts; undefined names raise instead
        of printing nothing, so a typo never produces a certificate with a blank field.
        """
        env = cls._env_cache.get(cls)
        if env is None:
            env = ImmutableSandboxedEnvironment(
                loader=FileSystemLoader(str(cls.root())),
                autoescape=True,
                undefined=StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
            )
            env.filters.update(FILTERS)
            cls._env_cache[cls] = env
        return env

    @classmethod
    def render_html(cls, data: dict[str, Any]) -> str:
        """``template.html`` rendered from ``data`` (plain strings and dates, see ``certificate_data``)."""
        cls.metadata()
        context = dict(data)
        context.setdefault("metadata", cls.metadata())
        return cls.environment().get_template(HTML_FILE).render(context)

    @classmethod
    def stylesheet_text(cls) -> str:
        """``theme.css`` as text (``render_pdf`` parses it once per process, fonts included)."""
        return (cls.root() / CSS_FILE).read_text(encoding="utf-8")


register_base(GROUP_CERTIFICATE_TEMPLATES, CertificateTemplate)
