"""The built-in PDF exporter: the record on A4 portrait pages, rendered by WeasyPrint from plain data.

The HTML comes from ``templates/records/record_pdf.html`` rendered in a sandboxed Jinja environment
(the record dict only). The fonts are the Liberation Serif files bundled with the default
certificate template (metric-compatible with Times New Roman, which Decision 933/QĐ-TLĐ asks for);
the URL fetcher serves those font files and refuses everything else — no network, no other file.
When the fonts are not there, the system's serif font is used and the fetcher still refuses all.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from lms import ROOT
from lms.records.exporters import RecordExporter

FONTS = ROOT / "lms" / "certificates" / "templates" / "default" / "fonts"
TEMPLATES = Path(__file__).resolve().parent / "templates" / "records"
TEMPLATE = "record_pdf.html"
FONT_FILES = {
    ("normal", "normal"): "LiberationSerif-Regular.ttf",
    ("bold", "normal"): "LiberationSerif-Bold.ttf",
    ("normal", "italic"): "LiberationSerif-Italic.ttf",
    ("bold", "italic"): "LiberationSerif-BoldItalic.ttf",
}

_environment: ImmutableSandboxedEnvironment | None = None
# WeasyPrint's font configuration is not safe to share between threads rendering at once.
_lock = threading.Lock()


def _date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _number(value) -> str:
    return f"{int(value or 0):,}".replace(",", ".")


def environment() -> ImmutableSandboxedEnvironment:
    global _environment
    if _environment is None:
        env = ImmutableSandboxedEnvironment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                                            undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        env.filters.update(date=_date, number=_number)
        _environment = env
    return _environment


def font_faces() -> str:
    """@font-face rules for the bundled Liberation Serif files that exist ("" when none do)."""
    rules = []
    for (weight, style), filename in FONT_FILES.items():
        path = FONTS / filename
        if path.is_file():
            rules.append(f'@font-face {{ font-family: "Liberation Serif"; font-weight: {weight}; font-style: {style}; '
                         f'src: url("{path.resolve().as_uri()}"); }}')
    return "\n".join(rules)


def render_html(record: dict[str, Any]) -> str:
    return environment().get_template(TEMPLATE).render(record)


class PdfExporter(RecordExporter):
    name = "pdf"
    label = "PDF"
    mimetype = "application/pdf"
    extension = "pdf"

    def export(self, record: dict[str, Any]) -> bytes:
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration

        from lms.certificates.rendering import RestrictedFetcher

        # Serves files inside the fonts folder only (fonts, by type); refuses http(s), data: and the rest.
        fetcher = RestrictedFetcher(FONTS if FONTS.is_dir() else TEMPLATES, strict=True)
        html = render_html(record)
        with _lock:
            font_config = FontConfiguration()
            fonts = CSS(string=font_faces(), url_fetcher=fetcher, font_config=font_config)
            return HTML(string=html, base_url=TEMPLATES.as_uri() + "/", url_fetcher=fetcher).write_pdf(
                stylesheets=[fonts], font_config=font_config)
