"""Certificate PDFs: Vietnamese text with every diacritic, bundled fonts only, one page, a readable QR
code, a sandboxed template and a URL fetcher that serves nothing beyond the template folder."""
from __future__ import annotations

import base64
import datetime as dt
import io
import re
import shutil
import socket
import subprocess
import unicodedata
import urllib.request
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from jinja2.exceptions import SecurityError, UndefinedError

from lms import create_app
from lms.certificates.rendering import (
    CertificateRenderError,
    RefusedURL,
    RestrictedFetcher,
    certificate_data,
    png_data_uri,
    preview_data,
    render_document,
    render_pdf,
    suggested_filename,
)
from lms.certificates.templates.default import DefaultTemplate
from lms.certificates.templates_base import (
    CertificateTemplate,
    TemplateError,
    vietnamese_date,
    vietnamese_long_date,
    vietnamese_number,
)
from lms.core import plugins

VERIFY_URL = "https://hoctap.congdoanthainguyen.vn/xac-minh/7KQ2-M9XD-4TPA"
LONG_NAME = "Công Tôn Nữ Huyền Trân Thị Ngọc Bích Hương Quỳnh Phương Uyển"  # padded to 60 below
LONG_COURSE = (
    "Bồi dưỡng chuyên sâu về kỹ năng thương lượng tập thể, đối thoại tại nơi làm việc, giải quyết "
    "tranh chấp lao động và bảo vệ quyền, lợi ích hợp pháp, chính đáng của đoàn viên, người lao động "
    "trong doanh nghiệp ngoài nhà nước"
)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian: poppler-utils / zbar-tools)")
    return path


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, encoding="utf-8").stdout


def _png(size: tuple[int, int], colour: tuple[int, int, int, int]) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((4, 4, size[0] - 4, size[1] - 4), outline=colour, width=8)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _data(**overrides) -> dict:
    values = dict(verify_url=VERIFY_URL)
    values.update(overrides)
    return preview_data(**values)


def _long_data() -> dict:
    name = (LONG_NAME + " Thị Ngọc Ánh")[:60]
    course = (LONG_COURSE + " và các chuyên đề bổ trợ")[:200]
    assert len(name) == 60 and len(course) == 200
    return _data(full_name=name, course_title=course, gender="male", expires_on=dt.date(2031, 3, 5),
                 unit_name="Công đoàn cơ sở Công ty TNHH Một thành viên Xi măng Quang Sơn thuộc Tổng công ty "
                           "Công nghiệp mỏ Việt Bắc - TKV",
                 signature_image=_png((500, 260), (10, 30, 140, 255)), seal_image=_png((400, 400), (200, 20, 30, 200)))


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    """The normal and the very long certificate, rendered once for the module."""
    folder = tmp_path_factory.mktemp("certificates")
    out = {}
    for name, data in (("normal", _data()), ("long", _long_data()),
                       ("phuoc", _data(full_name="Đặng Hữu Phước", gender="male", signer_name="Nguyễn Văn Thành"))):
        out[name] = folder / f"{name}.pdf"
        out[name].write_bytes(render_pdf(DefaultTemplate, data))
    return out


# -- dates and data ------------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "expected"), [
    (dt.date(2026, 3, 5), "ngày 05 tháng 3 năm 2026"),
    (dt.date(2026, 1, 15), "ngày 15 tháng 01 năm 2026"),
    (dt.date(2026, 11, 12), "ngày 12 tháng 11 năm 2026"),
    (dt.date(2026, 2, 1), "ngày 01 tháng 02 năm 2026"),
    (dt.date(2025, 12, 31), "ngày 31 tháng 12 năm 2025"),
    (dt.date(2026, 10, 9), "ngày 09 tháng 10 năm 2026"),
    (dt.datetime(2026, 3, 5, 23, 59), "ngày 05 tháng 3 năm 2026"),
])
def test_vietnamese_long_date(day, expected):
    assert vietnamese_long_date(day) == expected


def test_short_dates_and_numbers():
    assert vietnamese_date(dt.date(2026, 1, 5)) == "05/01/2026"
    assert vietnamese_date(None) == ""
    assert vietnamese_number(40) == "40"
    assert vietnamese_number(7.5) == "7,5"
    assert vietnamese_number(1234.5) == "1.234,5"
    with pytest.raises(TypeError):
        vietnamese_long_date("2026-03-05")


def test_certificate_data_is_plain_nfc_text_and_dates():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết")
    data = _data(full_name=f"  {decomposed} ", gender="female", hours=7.5, result=8.5,
                 unit_name="\u00d0oàn cơ sở")  # a look-alike Icelandic eth instead of Đ
    assert data["full_name"] == "Nguyễn Thị Ánh Tuyết"
    assert unicodedata.is_normalized("NFC", data["full_name"])
    assert data["unit_name"] == "Đoàn cơ sở"
    assert data["gender"] == "Bà"
    assert _data(gender="male")["gender"] == "Ông"
    assert _data(gender=None)["gender"] == "Ông/Bà"
    assert data["hours"] == "7,5" and data["result"] == "8,5 điểm"
    assert data["certifier"] == "CHỦ TỊCH LIÊN ĐOÀN LAO ĐỘNG TỈNH THÁI NGUYÊN"
    assert data["issuer_parent"] == "TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM"
    assert data["signer_on_behalf"] == "TM. BAN THƯỜNG VỤ" and data["signer_title"] == "CHỦ TỊCH"
    for key, value in data.items():
        assert value is None or isinstance(value, str | dt.date), key


def test_certificate_data_makes_the_documented_keys():
    data = certificate_data(
        full_name="Đặng Hữu Phước", gender="male", birth_date=None, unit_name="",
        course_title="An toàn vệ sinh lao động", hours=8, start_date=dt.date(2026, 3, 5), end_date=None, result="Đạt", issued_on=dt.date(2026, 3, 5),
        signer_name="Nguyễn Văn Thành", serial="1/GCN-LĐLĐ-2026", register_number=1, verify_url=VERIFY_URL)
    assert set(data) == {
        "issuer_parent", "issuer_name", "certifier", "full_name", "gender", "birth_date", "unit_name", "course_title",
        "hours", "start_date", "end_date", "result", "place", "issued_on", "signer_on_behalf", "signer_title",
        "signer_name", "signature_image", "seal_image", "serial", "register_number", "register_entry", "expires_on",
        "verify_url"}
    assert data["end_date"] == data["start_date"] == dt.date(2026, 3, 5)  # a one-day course
    assert data["register_number"] == "1" and data["signature_image"] is None
    assert data["register_entry"] == "1/2026"  # numbers restart each year: the year makes the entry
    with pytest.raises(TypeError):
        certificate_data("Đặng Hữu Phước")  # keyword arguments only


def test_certificate_data_refuses_bad_values():
    with pytest.raises(ValueError, match="PNG"):
        _data(seal_image=b"\xff\xd8\xff\xe0 a JPEG")
    with pytest.raises(ValueError, match="verify_url"):
        _data(verify_url="javascript:alert(1)")
    with pytest.raises(ValueError, match="before"):
        _data(start_date=dt.date(2026, 3, 5), end_date=dt.date(2026, 3, 1))
    with pytest.raises(ValueError, match="full_name"):
        _data(full_name="  ")
    with pytest.raises(TypeError):
        _data(issued_on="05/03/2026")


def test_images_must_be_the_png_data_uris_certificate_data_makes(tmp_path):
    png = _png((40, 40), (0, 0, 0, 255))
    assert png_data_uri(png).startswith("data:image/png;base64,")
    forged = dict(_data(), seal_image="file:///etc/passwd")
    with pytest.raises(ValueError, match="seal_image"):
        render_pdf(DefaultTemplate, forged)
    not_png = dict(_data(), seal_image="data:image/png;base64," + base64.b64encode(b"<svg/>").decode())
    with pytest.raises(ValueError, match="PNG"):
        render_pdf(DefaultTemplate, not_png)


def test_suggested_filename_is_ascii():
    assert suggested_filename(_data()) == "giay-chung-nhan-125-GCN-LDLD-2026.pdf"


# -- the PDF -------------------------------------------------------------------------------------

def test_text_keeps_every_diacritic(pdfs):
    _tool("pdftotext")
    text = _run("pdftotext", "-layout", str(pdfs["normal"]), "-")
    for expected in ("Nguyễn Thị Ánh Tuyết", "GIẤY CHỨNG NHẬN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                     "Độc lập - Tự do - Hạnh phúc", "TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM",
                     "LIÊN ĐOÀN LAO ĐỘNG TỈNH THÁI NGUYÊN", "125/GCN-LĐLĐ-2026", "Số vào sổ cấp: 125/2026",
                     "Thái Nguyên, ngày 05 tháng 3 năm 2026", "TM. BAN THƯỜNG VỤ", "CHỦ TỊCH", "Đặng Hữu Phước",
                     "Bà: Nguyễn Thị Ánh Tuyết", "Sinh ngày: 12/08/1985", "Kết quả: Đạt",
                     "Bồi dưỡng nghiệp vụ công tác công đoàn", "từ ngày 02/03/2026 đến ngày 04/03/2026"):
        assert expected in text, expected
    assert "?" not in text.replace(VERIFY_URL, "")
    assert "Có giá trị đến" not in text  # no expiry date given

    other = _run("pdftotext", str(pdfs["phuoc"]), "-")
    assert "Ông: Đặng Hữu Phước" in other


def test_long_values_fit_on_one_page_with_all_text(pdfs):
    _tool("pdfinfo")
    for name in ("normal", "long", "phuoc"):
        info = _run("pdfinfo", str(pdfs[name]))
        assert re.search(r"^Pages:\s+1$", info, re.M), name
        assert re.search(r"Page size:\s+841\.89 x 595\.2\d+ pts \(A4\)", info), name  # landscape
    _tool("pdftotext")
    text = " ".join(_run("pdftotext", str(pdfs["long"]), "-").split())
    data = _long_data()
    assert data["full_name"] in text
    assert data["course_title"] in text  # wrapped, but complete
    assert "Có giá trị đến: 05/03/2031" in text
    assert "Kết quả: Đạt" in text


def test_only_the_bundled_fonts_are_used_and_all_are_embedded(pdfs):
    _tool("pdffonts")
    for name in ("normal", "long"):
        rows = _run("pdffonts", str(pdfs[name])).splitlines()[2:]
        assert rows, name
        for row in rows:
            font = row.split()[0].split("+")[-1]
            # The private family name of theme.css: any other font would be a system fallback,
            # i.e. a glyph missing from Liberation Serif.
            assert font.startswith("LMS-Certificate-Serif"), row
            columns = re.search(r"\s(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", row)
            assert columns and columns.group(1) == "yes", f"not embedded: {row}"


def test_the_fonts_come_from_the_template_folder():
    fetcher = RestrictedFetcher(DefaultTemplate.root())
    response = fetcher.fetch((DefaultTemplate.root() / "fonts" / "LiberationSerif-Bold.ttf").as_uri())
    assert response.read()[:4] == b"\x00\x01\x00\x00"
    fonts = DefaultTemplate.root() / "fonts"
    assert {p.name for p in fonts.glob("*.ttf")} == {
        "LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf",
        "LiberationSerif-Italic.ttf", "LiberationSerif-BoldItalic.ttf"}
    licence = (fonts / "LICENSE.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Red Hat" in licence


def test_qr_code_decodes_to_the_verification_url(pdfs, tmp_path):
    _tool("pdftoppm")
    _tool("zbarimg")
    for name in ("normal", "long"):
        prefix = tmp_path / name
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdfs[name]), str(prefix)], check=True)
        decoded = subprocess.run(["zbarimg", "--raw", "-q", f"{prefix}.png"], capture_output=True, text=True)
        assert decoded.stdout.strip().splitlines() == [VERIFY_URL], (name, decoded.stdout, decoded.stderr)


def test_overflowing_text_is_tightened_then_refused():
    huge = _data(course_title=(LONG_COURSE + " ") * 3, unit_name=LONG_COURSE)
    document = render_document(DefaultTemplate, huge)
    assert len(document.pages) == 1 and document.certificate_fit > 0
    normal = render_document(DefaultTemplate, _long_data())
    assert normal.certificate_fit == 0  # 60-character names and 200-character titles need no squeezing
    with pytest.raises(CertificateRenderError, match="one page"):
        render_pdf(DefaultTemplate, _data(course_title=(LONG_COURSE + " ") * 20))


def test_signature_and_seal_are_drawn(pdfs):
    pdfimages = _tool("pdfimages")
    listing = _run(pdfimages, "-list", str(pdfs["long"])).splitlines()[2:]
    # the QR code, the seal and the signature (each with its alpha mask)
    assert [row.split()[2] for row in listing].count("image") == 3
    listing = _run(pdfimages, "-list", str(pdfs["normal"])).splitlines()[2:]
    assert [row.split()[2] for row in listing] == ["image"]  # only the QR code


# -- the sandbox and the fetcher -----------------------------------------------------------------

def _template_class(folder: Path, html: str, css: str = "", name: str = "hostile") -> type[CertificateTemplate]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metadata.yaml").write_text("title: Mẫu thử\npage:\n  size: A4\n  orientation: portrait\n",
                                          encoding="utf-8")
    (folder / "template.html").write_text(html, encoding="utf-8")
    (folder / "theme.css").write_text(css, encoding="utf-8")
    return type(f"T_{name}", (CertificateTemplate,), {"name": name, "folder": folder})


@pytest.fixture()
def no_network(monkeypatch):
    """Any attempt to open a socket or a urllib request fails the test."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse)
    return attempts


def test_the_fetcher_refuses_the_network_and_files_outside_the_folder(tmp_path, no_network):
    (tmp_path / "secret.png").write_bytes(_png((20, 20), (0, 0, 0, 255)))
    (tmp_path / "tpl" / "images").mkdir(parents=True)
    (tmp_path / "tpl" / "images" / "ok.png").write_bytes(_png((20, 20), (0, 0, 0, 255)))
    (tmp_path / "tpl" / "images" / "escape.png").symlink_to(tmp_path / "secret.png")
    html = """<!DOCTYPE html><html><head><style>
      @import url("https://example.invalid/remote.css");
      @font-face { font-family: Remote; src: url("http://example.invalid/font.ttf"); }
      p { background: url("http://example.invalid/bg.png"); }
      .x { background-image: url("file:///etc/passwd?css"); }
    </style><link rel="stylesheet" href="../outside.css"></head><body class="x">
      <p>{{ full_name }}</p>
      <img src="file:///etc/passwd"><img src="http://example.invalid/a.png">
      <img src="https://example.invalid/b.png"><img src="../secret.png"><img src="images/escape.png">
      <img src="data:image/png;base64,iVBORw0KGgo="><img src="ftp://example.invalid/c.png">
      <img src="images/ok.png"><img src="{{ qr_code }}">
    </body></html>"""
    (tmp_path / "outside.css").write_text("p { color: red }")
    template = _template_class(tmp_path / "tpl", html)
    fetcher = RestrictedFetcher(template.root(), strict=False)
    data = _data()

    pdf = render_pdf(template, data, strict=False, fetcher=fetcher)
    assert pdf.startswith(b"%PDF")
    asked = dict(fetcher.requests)
    for url in ("file:///etc/passwd", "http://example.invalid/a.png", "https://example.invalid/b.png",
                "https://example.invalid/remote.css", "http://example.invalid/font.ttf",
                "http://example.invalid/bg.png", "file:///etc/passwd?css", "ftp://example.invalid/c.png",
                "data:image/png;base64,iVBORw0KGgo="):
        assert asked.get(url) is False, (url, fetcher.requests)
    refused = {url for url, served in fetcher.requests if not served}
    assert (tmp_path / "secret.png").as_uri() in refused
    assert (tmp_path / "outside.css").as_uri() in refused
    assert (tmp_path / "tpl" / "images" / "escape.png").as_uri() in refused  # symlink leaving the folder
    assert asked.get((tmp_path / "tpl" / "images" / "ok.png").as_uri()) is True
    ours = [served for url, served in fetcher.requests
            if url.startswith("data:image/png") and "iVBORw0KGgo=" not in url]
    assert ours == [True]  # the QR code the renderer made
    assert no_network == []

    # Issuing renders strictly: a refused resource stops the render instead of dropping the seal.
    with pytest.raises(CertificateRenderError, match="refused"):
        render_pdf(template, data)


def test_fetcher_unit_rules(tmp_path):
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "__init__.py").write_text("SECRET = 1\n")
    (folder / "theme.css").write_text("p {}")
    fetcher = RestrictedFetcher(folder)
    assert fetcher.fetch((folder / "theme.css").as_uri()).read() == b"p {}"
    for url in ("file:///etc/passwd", (folder / "__init__.py").as_uri(), (folder / "missing.png").as_uri(),
                "file://evil.example/etc/passwd", (folder / ".." / "tpl" / ".." / "x.css").as_uri(),
                "http://127.0.0.1/", "https://example.invalid/", "data:text/html,<p>hi</p>", "about:blank"):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


def test_a_network_font_in_theme_css_is_refused(tmp_path):
    template = _template_class(tmp_path / "tpl", "<p>{{ full_name }}</p>",
                               '@font-face { font-family: X; src: url("https://example.invalid/x.ttf"); }',
                               name="netfont")
    with pytest.raises(CertificateRenderError):
        render_pdf(template, _data())


def test_the_sandbox_refuses_internals(tmp_path):
    template = _template_class(tmp_path / "a", "{{ ''.__class__.__mro__ }}", name="mro")
    with pytest.raises(SecurityError):
        template.render_html(_data())
    template = _template_class(tmp_path / "b", "{{ full_name.__class__.__subclasses__() }}", name="subclasses")
    with pytest.raises(SecurityError):
        template.render_html(_data())
    template = _template_class(tmp_path / "c", "{% set x = [1] %}{{ x.append(2) }}", name="mutate")
    with pytest.raises(SecurityError):
        template.render_html(_data())


def test_templates_escape_and_refuse_undefined_names(tmp_path):
    html = DefaultTemplate.render_html(
        {**_data(full_name="<b>Trần</b> & Lê"), "qr_code": "data:,", "fit": 0})
    assert "&lt;b&gt;Trần&lt;/b&gt; &amp; Lê" in html and "<b>Trần</b>" not in html
    template = _template_class(tmp_path / "d", "{{ full_nmae }}", name="typo")
    with pytest.raises(UndefinedError):
        template.render_html(_data())
    template = _template_class(tmp_path / "e", "{% include '../../etc/passwd' %}", name="include")
    with pytest.raises(Exception, match="passwd"):
        template.render_html(_data())


def test_metadata_is_checked(tmp_path):
    template = _template_class(tmp_path / "m", "<p></p>", name="meta")
    assert template.metadata().title == "Mẫu thử" and template.metadata().orientation == "portrait"
    (tmp_path / "m2").mkdir()
    (tmp_path / "m2" / "metadata.yaml").write_text("title: X\npage: {size: Letter}\n")
    (tmp_path / "m2" / "template.html").write_text("")
    (tmp_path / "m2" / "theme.css").write_text("")
    bad = type("Bad", (CertificateTemplate,), {"name": "bad", "folder": tmp_path / "m2"})
    with pytest.raises(TemplateError, match="Letter"):
        bad.metadata()
    missing = type("Missing", (CertificateTemplate,), {"name": "missing", "folder": tmp_path / "nowhere"})
    with pytest.raises(TemplateError, match="missing"):
        missing.metadata()
    meta = DefaultTemplate.metadata()
    assert (meta.page_size, meta.orientation) == ("A4", "landscape")
    assert "Giấy chứng nhận" in meta.title


# -- plugins -------------------------------------------------------------------------------------

def test_the_default_template_is_an_entry_point():
    found = {ep.name: ep for ep in entry_points(group=plugins.GROUP_CERTIFICATE_TEMPLATES)}
    assert found["default"].value == "lms.certificates.templates.default:DefaultTemplate"
    assert found["default"].load() is DefaultTemplate
    assert DefaultTemplate.name == "default"


def _install(tmp_path: Path, monkeypatch, lines: list[str], module: str, source: str) -> None:
    """Make a tiny distribution visible to importlib.metadata, as `pip install` would."""
    dist = tmp_path / f"{module}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module.replace('_', '-')}\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[{plugins.GROUP_CERTIFICATE_TEMPLATES}]\n" + "\n".join(lines) + "\n")
    (tmp_path / f"{module}.py").write_text(source, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))


def test_a_template_plugin_installed_through_an_entry_point_is_registered_and_renders(tmp_path, monkeypatch):
    folder = tmp_path / "tiny_certificate_folder"
    _template_class(folder, '<!DOCTYPE html><html lang="vi"><body><h1>Giấy khen {{ full_name }}</h1>'
                            '<p>{{ place }}, {{ issued_on|long_date }}</p><img src="{{ qr_code }}"></body></html>',
                    "@font-face { font-family: T; src: url(fonts/LiberationSerif-Regular.ttf); }\n"
                    "body { font-family: T }")
    (folder / "fonts").mkdir()
    shutil.copy(DefaultTemplate.root() / "fonts" / "LiberationSerif-Regular.ttf", folder / "fonts")
    _install(tmp_path, monkeypatch, ["tiny = tiny_certificate:Tiny"], "tiny_certificate",
             "from pathlib import Path\n"
             "from lms.certificates.templates_base import CertificateTemplate\n"
             "class Tiny(CertificateTemplate):\n"
             "    name = 'tiny'\n"
             "    folder = Path(__file__).parent / 'tiny_certificate_folder'\n")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    registry = plugins.registry(app, plugins.GROUP_CERTIFICATE_TEMPLATES)
    assert registry.base is CertificateTemplate
    assert registry.get("default") is DefaultTemplate
    tiny = registry.get("tiny")
    assert tiny is not None and tiny.__name__ == "Tiny" and tiny.metadata().orientation == "portrait"
    pdf = render_pdf(tiny, _data())
    if shutil.which("pdftotext"):
        out = tmp_path / "tiny.pdf"
        out.write_bytes(pdf)
        assert "Giấy khen Nguyễn Thị Ánh Tuyết" in _run("pdftotext", str(out), "-")


def test_a_template_plugin_must_derive_from_the_base(tmp_path, monkeypatch):
    _install(tmp_path, monkeypatch, ["stray = stray_certificate:Stray"], "stray_certificate",
             "class Stray:\n    name = 'stray'\n")
    with pytest.raises(plugins.PluginError, match="subclass"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_the_same_data_renders_the_same_bytes():
    """Issuing stores the PDF once; a re-render (e.g. to check a stored file's hash) is byte-identical."""
    first = render_pdf(DefaultTemplate, _data())
    assert render_pdf(DefaultTemplate, _data()) == first
    assert render_pdf(DefaultTemplate, _data(serial="126/GCN-LĐLĐ-2026")) != first


@pytest.mark.parametrize(("overrides", "expected"), [
    ({}, "Thời lượng: 40 giờ, từ ngày 02/03/2026 đến ngày 04/03/2026"),
    ({"start_date": dt.date(2026, 3, 4), "end_date": None}, "Thời lượng: 40 giờ, ngày 04/03/2026"),
    ({"hours": 0}, "Thời gian: từ ngày 02/03/2026 đến ngày 04/03/2026"),
    ({"hours": None, "start_date": None, "end_date": None}, None),
])
def test_hours_and_dates_lines(overrides, expected):
    html = DefaultTemplate.render_html({**_data(**overrides), "qr_code": "data:,", "fit": 0})
    if expected is None:
        assert "Thời lượng" not in html and "Thời gian" not in html
    else:
        assert expected in html
