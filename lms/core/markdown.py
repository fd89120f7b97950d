"""Authored Markdown to safe HTML: a real CommonMark parser, then an allow-list sanitiser.

Raw HTML in Markdown is not interpreted (it shows as text); the parser refuses ``javascript:``,
``vbscript:``, ``file:`` and ``data:`` links; nh3 (ammonia) then keeps only the tags, attributes and
URL schemes listed here, so whatever an author writes can never run script in a learner's browser.
Relative image and link targets ``assets/<name>`` are rewritten to the course's asset URL.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Callable

import nh3
from markdown_it import MarkdownIt

TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}
_ASSET = re.compile(r"^assets/([A-Za-z0-9._-]+)$")


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table").enable("strikethrough")
    return md


_MD = _parser()


def render(text: str, asset_url: Callable[[str], str] | None = None) -> str:
    """Safe HTML for authored Markdown. ``asset_url(filename)`` maps ``assets/x.png`` to a served URL."""
    html = _MD.render(text or "")

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if attr in ("href", "src"):
            value = value.strip()
            match = _ASSET.match(value)
            if match:
                return asset_url(match.group(1)) if asset_url else None
            if tag == "img" and not value.startswith("/"):
                return None  # no remote images: the platform works without internet and leaks no reads
        return value

    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=attribute_filter,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


_RENDERED: OrderedDict[tuple, str] = OrderedDict()
_RENDERED_LOCK = threading.Lock()
RENDERED_MAX = 2048


def render_cached(key: Hashable, text: str, asset_url: Callable[[str], str] | None = None) -> str:
    """:func:`render`, remembered per process for ``(key, text)`` (the most recent ``RENDERED_MAX``).

    ``key`` must determine what ``asset_url`` returns (a course version's id does): the text itself
    is part of the key, so edited content is never served from an older rendering. Parsing and
    sanitising a module is most of a module page's time; a module is read many times.
    """
    entry = (key, text)
    with _RENDERED_LOCK:
        html = _RENDERED.get(entry)
        if html is not None:
            _RENDERED.move_to_end(entry)
            return html
    html = render(text, asset_url)
    with _RENDERED_LOCK:
        _RENDERED[entry] = html
        while len(_RENDERED) > RENDERED_MAX:
            _RENDERED.popitem(last=False)
    return html


def plain(text: str) -> str:
    """Text for places where no markup is wanted (titles): escaped by the template, no tags."""
    return nh3.clean(text or "", tags=set())
