"""Authored Markdown is parsed by a real parser and sanitised: every conformance XSS payload, checked
on the rendered HTML's structure (tags, attributes, URL schemes), not on text patterns."""
from __future__ import annotations

import json
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from lms.core.markdown import ATTRIBUTES, TAGS, render
from tests.conftest import SHARED

PAYLOADS_FILE = SHARED / "conformance" / "xss" / "payloads.json"
PAYLOADS = json.loads(PAYLOADS_FILE.read_text()) if PAYLOADS_FILE.exists() else []


class Inspector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name not in ATTRIBUTES.get(tag, set()) and not (tag == "a" and name == "rel"):
                self.problems.append(f"attribute {name} on <{tag}>")
            if name in ("href", "src") and value is not None:
                scheme = urlsplit(value.strip()).scheme.lower()
                if scheme not in ("", "http", "https", "mailto"):
                    self.problems.append(f"{name}={value!r}")
                if tag == "img" and not value.startswith("/"):
                    self.problems.append(f"remote image {value!r}")


def inspect(html: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.problems


@pytest.mark.skipif(not PAYLOADS, reason="../shared/conformance/xss/payloads.json is not present")
@pytest.mark.parametrize("index", range(len(PAYLOADS)))
def test_payload_is_neutralised(index):
    payload = PAYLOADS[index]["payload"]
    html = render(payload, lambda name: f"/assets/{name}")
    assert inspect(html) == [], (payload, html)
    # also as a link target and an image source, the places a Markdown author controls a URL
    for wrapped in (f"[x]({payload})", f"![x]({payload})", f"[x]: {payload}\n\n[x]"):
        assert inspect(render(wrapped, lambda name: f"/assets/{name}")) == [], wrapped


def test_payload_corpus_is_complete():
    assert len(PAYLOADS) == 494 or not PAYLOADS_FILE.exists()


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>", "data:text/html;base64,PHNjcmlwdD4=",
    "&#106;avascript:alert(1)", "file:///etc/passwd",
])
def test_dangerous_link_and_image_urls_are_dropped(url):
    for source in (f"[bấm vào đây]({url})", f"![ảnh]({url})", f"<{url}>"):
        html = render(source)
        assert inspect(html) == []
        assert "href=" not in html and "src=" not in html, (source, html)


def test_markdown_features_survive():
    html = render("## Mục 1\n\n**Đậm** và *nghiêng*\n\n- một\n- hai\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                  "> trích dẫn\n\n[Luật](https://thuvienphapluat.vn) ![Sơ đồ](assets/so-do.png)",
                  lambda name: f"/c/assets/{name}")
    for fragment in ("<h2>Mục 1</h2>", "<strong>Đậm</strong>", "<em>nghiêng</em>", "<li>một</li>", "<table>",
                     "<blockquote>", 'href="https://thuvienphapluat.vn"', 'rel="noopener noreferrer nofollow"',
                     'src="/c/assets/so-do.png"', 'alt="Sơ đồ"'):
        assert fragment in html


def test_raw_html_is_shown_as_text():
    html = render("<b>không in đậm</b><script>alert(1)</script>")
    assert "<b>" not in html and "&lt;script&gt;" in html
