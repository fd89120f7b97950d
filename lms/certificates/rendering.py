"""Certificate PDFs: plain data → sandboxed HTML → WeasyPrint, fetching only the template's own files.

The caller (issuing) builds the data with :func:`certificate_data`, renders once with
:func:`render_pdf` and stores the bytes; verification pages serve the stored file and never
render again, so a later change of template or of the cadre's record cannot alter an issued
certificate.
"""
from __future__ import annotations

import base64
import datetime as dt
import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import segno
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from lms.core.text import fold, nfc

from .templates_base import CertificateTemplate, vietnamese_number

#: Default issuing body (Decision 933/QĐ-TLĐ: the superior body over the issuing one, top-left).
ISSUER_PARENT = "TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM"
ISSUER_NAME = "LIÊN ĐOÀN LAO ĐỘNG TỈNH THÁI NGUYÊN"
PLACE = "Thái Nguyên"
SIGNER_ON_BEHALF = "TM. BAN THƯỜNG VỤ"
SIGNER_TITLE = "CHỦ TỊCH"

#: The keys of the data dict that may hold images (``data:image/png;base64,…`` made here).
IMAGE_KEYS = ("signature_image", "seal_image")
#: How many times render_pdf tightens the layout (``fit`` 0, 1, 2) before giving up on one page.
MAX_FIT = 2
#: Largest signature or seal image accepted, in bytes.
MAX_IMAGE_BYTES = 2 * 1024 * 1024

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Asset types the fetcher serves from a template folder.
ASSET_TYPES = {
    ".css": "text/css", ".ttf": "font/ttf", ".otf": "font/otf", ".woff": "font/woff", ".woff2": "font/woff2",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml",
}


class CertificateRenderError(RuntimeError):
    """The certificate could not be rendered as a one-page PDF from its bundled assets."""


class RefusedURL(ValueError):
    """The URL fetcher refused a URL: only the template folder's files and our own images are served."""


# -- the data a template receives ----------------------------------------------------------------

def png_data_uri(image: bytes | None) -> str | None:
    """A ``data:image/png;base64,…`` URI for PNG bytes (sniffed by signature, not trusted by name)."""
    if not image:
        return None
    if not isinstance(image, bytes | bytearray):
        raise TypeError("images are given as PNG bytes")
    if not bytes(image).startswith(PNG_SIGNATURE):
        raise ValueError("signature and seal images must be PNG files")
    if len(image) > MAX_IMAGE_BYTES:
        raise ValueError(f"images larger than {MAX_IMAGE_BYTES // 1024} KiB are refused")
    return "data:image/png;base64," + base64.b64encode(bytes(image)).decode("ascii")


def _date(value: dt.date | None, field: str, required: bool = True) -> dt.date | None:
    if value is None:
        if required:
            raise ValueError(f"{field} is required")
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if not isinstance(value, dt.date):
        raise TypeError(f"{field} must be a date, not {type(value).__name__}")
    return value


def _text(value: Any, field: str, required: bool = True) -> str:
    text = nfc(str(value)) if value is not None else ""
    if required and not text:
        raise ValueError(f"{field} is required")
    return text


def _salutation(gender: str | None) -> str:
    return {"male": "Ông", "female": "Bà", "ông": "Ông", "bà": "Bà"}.get(nfc(gender or "").lower(), "Ông/Bà")


def certificate_data(
    *,
    full_name: str,
    gender: str | None,
    birth_date: dt.date | None,
    unit_name: str,
    course_title: str,
    hours: int | float | Decimal | str | None,
    start_date: dt.date | None,
    end_date: dt.date | None,
    result: str | int | float | Decimal,
    issued_on: dt.date,
    signer_name: str,
    serial: str,
    register_number: str | int,
    verify_url: str,
    expires_on: dt.date | None = None,
    signature_image: bytes | None = None,
    seal_image: bytes | None = None,
    issuer_parent: str = ISSUER_PARENT,
    issuer_name: str = ISSUER_NAME,
    place: str = PLACE,
    signer_on_behalf: str = SIGNER_ON_BEHALF,
    signer_title: str = SIGNER_TITLE,
    certifier: str | None = None,
) -> dict[str, Any]:
    """The plain dict a certificate template receives: strings (NFC), ``datetime.date`` values and None.

    ========================  =====================================================================
    ``issuer_parent``         superior body, top-left line 1 ("TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM")
    ``issuer_name``           issuing body, top-left line 2 ("LIÊN ĐOÀN LAO ĐỘNG TỈNH THÁI NGUYÊN")
    ``certifier``             who certifies in the body ("CHỦ TỊCH LIÊN ĐOÀN LAO ĐỘNG TỈNH THÁI NGUYÊN")
    ``full_name``             the cadre's full name, family–middle–given ("Nguyễn Thị Ánh Tuyết")
    ``gender``                the salutation: "Ông", "Bà" (from ``male``/``female``), else "Ông/Bà"
    ``birth_date``            date or None
    ``unit_name``             the cadre's unit (đơn vị)
    ``course_title``          the course (khóa bồi dưỡng)
    ``hours``                 "40", "7,5" (Vietnamese decimal comma); "" when unknown or 0
    ``start_date``            date or None (both None when the dates are unknown; equal for one day)
    ``end_date``              date or None
    ``result``                "Đạt", or a score as text ("8,5 điểm") when a number is given
    ``place``                 "Thái Nguyên"
    ``issued_on``             date; templates write it with ``|long_date`` → "ngày 05 tháng 3 năm 2026"
    ``signer_on_behalf``      "TM. BAN THƯỜNG VỤ" (empty when the chair signs in their own name)
    ``signer_title``          "CHỦ TỊCH"
    ``signer_name``           full name, no academic titles
    ``signature_image``       ``data:image/png;base64,…`` or None
    ``seal_image``            ``data:image/png;base64,…`` or None
    ``serial``                số hiệu ("125/GCN-LĐLĐ-2026")
    ``register_number``       the entry's number in the issuing unit's register of its year ("125")
    ``register_entry``        số vào sổ cấp as the register and the verification page write it,
                              number/year ("125/2026"): numbers restart each year, so a number alone
                              is ambiguous
    ``expires_on``            date or None
    ``verify_url``            the public verification URL, encoded in the QR code
    ========================  =====================================================================

    ``render_pdf`` adds ``qr_code`` (a data URI of the QR code's SVG) and ``fit`` (0 normally, 1–2
    when the layout had to be tightened to stay on one page).
    """
    start = _date(start_date, "start_date", required=False)
    end = _date(end_date, "end_date", required=False)
    if start and end and end < start:
        raise ValueError("end_date is before start_date")
    start, end = start or end, end or start  # one known day: a one-day course
    url = _text(verify_url, "verify_url")
    if urlsplit(url).scheme not in {"http", "https"}:
        raise ValueError("verify_url must be an http(s) URL")
    issuer = _text(issuer_name, "issuer_name")
    title = _text(signer_title, "signer_title")
    issued = _date(issued_on, "issued_on")
    number = _text(register_number, "register_number")
    return {
        "issuer_parent": _text(issuer_parent, "issuer_parent", required=False),
        "issuer_name": issuer,
        "certifier": _text(certifier, "certifier") if certifier else f"{title} {issuer}",
        "full_name": _text(full_name, "full_name"),
        "gender": _salutation(gender),
        "birth_date": _date(birth_date, "birth_date", required=False),
        "unit_name": _text(unit_name, "unit_name", required=False),
        "course_title": _text(course_title, "course_title"),
        "hours": vietnamese_number(hours) if hours not in (None, "", 0) else "",
        "start_date": start,
        "end_date": end,
        "result": _text(result, "result") if isinstance(result, str) else f"{vietnamese_number(result)} điểm",
        "place": _text(place, "place"),
        "issued_on": issued,
        "signer_on_behalf": _text(signer_on_behalf, "signer_on_behalf", required=False),
        "signer_title": title,
        "signer_name": _text(signer_name, "signer_name"),
        "signature_image": png_data_uri(signature_image),
        "seal_image": png_data_uri(seal_image),
        "serial": _text(serial, "serial"),
        "register_number": number,
        # A unit's register restarts every year (the year of issue), as the register page writes it.
        "register_entry": f"{number}/{issued.year}",
        "expires_on": _date(expires_on, "expires_on", required=False),
        "verify_url": url,
    }


def qr_code_data_uri(url: str) -> str:
    """The QR code of ``url`` as a ``data:image/png`` URI: black modules, a 4-module quiet zone.

    A PNG (4 pixels a module) rather than an SVG: WeasyPrint draws an SVG path of a few hundred
    segments in ~10 ms, a small PNG in well under 1 ms. Templates show it with
    ``image-rendering: pixelated`` so that PDF viewers do not blur the modules.
    """
    qr = segno.make(url, error="m", micro=False)
    return qr.png_data_uri(scale=4, border=4)


# -- the URL fetcher -----------------------------------------------------------------------------

class RestrictedFetcher(URLFetcher):
    """Serves the files inside one template folder and the data URIs made for this render; refuses the rest.

    Refused: ``http(s):``, ``ftp:``, ``file:`` paths outside the folder (``file:///etc/passwd``,
    ``../`` and symlinks that leave it), file types other than fonts, images and CSS, and every
    ``data:`` URI we did not make ourselves. Every request is recorded in :attr:`requests` as
    ``(url, served)`` so tests can see what a template asked for.
    """

    def __init__(self, folder: Path, data_uris: frozenset[str] = frozenset(), *, strict: bool = True):
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, fail_on_errors=strict)
        # The OpenerDirector handlers (HTTP, FTP…) are never used: fetch() below answers everything.
        self.handlers = []
        self.handle_open = {}
        self.folder = Path(folder).resolve()
        self.data_uris = data_uris
        self.requests: list[tuple[str, bool]] = []

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        try:
            response = self._serve(url)
        except Exception:
            self.requests.append((url, False))
            raise
        self.requests.append((url, True))
        return response

    def _serve(self, url: str) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            if url not in self.data_uris:
                raise RefusedURL("data: URI not made by the renderer")
            header, _, payload = url.partition(",")
            if not header.endswith(";base64"):
                raise RefusedURL("data: URI not made by the renderer")
            mime = header[len("data:"):].split(";")[0]
            return URLFetcherResponse(url, base64.b64decode(payload), {"Content-Type": mime})
        if scheme != "file":
            raise RefusedURL(f"refused {scheme or 'relative'} URL {url[:80]!r}: certificates fetch nothing "
                             "from the network")
        parts = urlsplit(url)
        if parts.netloc not in {"", "localhost"}:
            raise RefusedURL(f"refused file URL on host {parts.netloc!r}")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.folder):
            raise RefusedURL(f"refused {path}: outside the template folder")
        mime = ASSET_TYPES.get(path.suffix.lower())
        if mime is None:
            raise RefusedURL(f"refused {path.name}: not a font, image or stylesheet")
        if not path.is_file():
            raise RefusedURL(f"{path.relative_to(self.folder)} does not exist in the template folder")
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})


# -- rendering -----------------------------------------------------------------------------------

@dataclass
class _Prepared:
    """What a template needs on every render, prepared once per process: fonts and parsed CSS."""

    font_config: FontConfiguration
    stylesheets: list[CSS]
    base_url: str


_prepared: dict[type, _Prepared] = {}
# WeasyPrint's font configuration (a Pango font map) is shared between renders; one render at a
# time keeps it safe in threaded servers. Certificates are issued rarely; renders take milliseconds.
_render_lock = threading.Lock()


def _template_class(template: type[CertificateTemplate] | CertificateTemplate) -> type[CertificateTemplate]:
    cls = template if isinstance(template, type) else type(template)
    if not issubclass(cls, CertificateTemplate):
        raise TypeError(f"{cls.__name__} is not a CertificateTemplate")
    return cls


def _prepare(cls: type[CertificateTemplate]) -> _Prepared:
    prepared = _prepared.get(cls)
    if prepared is None:
        root = cls.root()
        fetcher = RestrictedFetcher(root, strict=True)
        font_config = FontConfiguration()
        base_url = root.as_uri() + "/"
        css_text = cls.stylesheet_text()
        try:
            stylesheets = [
                CSS(string=cls.metadata().page_css, base_url=base_url, url_fetcher=fetcher, font_config=font_config),
                CSS(string=css_text, base_url=base_url, url_fetcher=fetcher, font_config=font_config),
            ]
        except FatalURLFetchingError as exc:
            raise CertificateRenderError(f"{cls.name}: theme.css asks for {exc.__cause__}") from exc
        prepared = _prepared[cls] = _Prepared(font_config, stylesheets, base_url)
    return prepared


def _data_uris(data: dict[str, Any], qr_code: str) -> frozenset[str]:
    uris = {qr_code}
    for key in IMAGE_KEYS:
        value = data.get(key)
        if value:
            if not isinstance(value, str) or not value.startswith("data:image/png;base64,"):
                raise ValueError(f"{key} must be made by certificate_data (a PNG data URI)")
            if not base64.b64decode(value.partition(",")[2]).startswith(PNG_SIGNATURE):
                raise ValueError(f"{key} is not a PNG image")
            uris.add(value)
    return frozenset(uris)


def render_document(template: type[CertificateTemplate] | CertificateTemplate, data: dict[str, Any],
                    *, strict: bool = True, fetcher: RestrictedFetcher | None = None):
    """The laid-out WeasyPrint document (one page), before it is written as PDF.

    The layout is tightened (``fit`` = 1, 2) when the text does not fit on one page; a template
    that still overflows raises :class:`CertificateRenderError`.
    """
    cls = _template_class(template)
    qr_code = qr_code_data_uri(data["verify_url"])
    if fetcher is None:
        fetcher = RestrictedFetcher(cls.root(), strict=strict)
    fetcher.data_uris = fetcher.data_uris | _data_uris(data, qr_code)
    with _render_lock:
        prepared = _prepare(cls)
        for fit in range(MAX_FIT + 1):
            html = cls.render_html({**data, "qr_code": qr_code, "fit": fit})
            try:
                document = HTML(string=html, base_url=prepared.base_url, url_fetcher=fetcher).render(
                    stylesheets=prepared.stylesheets, font_config=prepared.font_config)
            except FatalURLFetchingError as exc:
                raise CertificateRenderError(
                    f"{cls.name}: refused to fetch a resource ({exc}: {exc.__cause__})") from exc
            if len(document.pages) == 1:
                document.certificate_fit = fit  # how much the layout had to be tightened
                return document
    raise CertificateRenderError(f"{cls.name}: the certificate does not fit on one page ({len(document.pages)} pages)")


def render_pdf(template: type[CertificateTemplate] | CertificateTemplate, data: dict[str, Any],
               *, strict: bool = True, fetcher: RestrictedFetcher | None = None) -> bytes:
    """The certificate as PDF bytes, rendered from ``data`` (see :func:`certificate_data`).

    Only the template folder's files and the images in ``data`` are fetched. With ``strict`` (the
    default, for issuing) a refused or missing resource raises :class:`CertificateRenderError`
    instead of producing a certificate without its seal or fonts; with ``strict=False`` the
    refused resource is left out, as browsers do (template previews). A ``fetcher`` given by the
    caller (tests inspect its ``requests``) brings its own strictness; the data URIs of this
    render are added to it.
    """
    document = render_document(template, data, strict=strict, fetcher=fetcher)
    return document.write_pdf()


def suggested_filename(data: dict[str, Any]) -> str:
    """An ASCII file name for downloads, from the serial: ``giay-chung-nhan-125-GCN-LDLD-2026.pdf``."""
    serial = "".join(ch if ch.isalnum() else "-" for ch in fold(data.get("serial", "")).upper()).strip("-")
    return f"giay-chung-nhan-{serial or 'gcn'}.pdf"


__all__ = [
    "CertificateRenderError", "RefusedURL", "RestrictedFetcher", "certificate_data", "png_data_uri",
    "preview_data", "qr_code_data_uri", "render_document", "render_pdf", "suggested_filename",
]


def preview_data(**overrides: Any) -> dict[str, Any]:
    """Plausible data for previewing a template (administration pages, docs, benchmarks)."""
    values: dict[str, Any] = dict(
        full_name="Nguyễn Thị Ánh Tuyết", gender="female", birth_date=dt.date(1985, 8, 12),
        unit_name="Công đoàn cơ sở Công ty Cổ phần Gang thép Thái Nguyên",
        course_title="Bồi dưỡng nghiệp vụ công tác công đoàn cho cán bộ công đoàn cơ sở năm 2026",
        hours=40, start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 3, 4), result="Đạt",
        issued_on=dt.date(2026, 3, 5), signer_name="Đặng Hữu Phước", serial="125/GCN-LĐLĐ-2026",
        register_number="125", verify_url="https://hoctap.congdoanthainguyen.vn/xac-minh/7KQ2-M9XD-4TPA",
    )
    values.update(overrides)
    return certificate_data(**values)
