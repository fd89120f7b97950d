"""Charts drawn on the server as inline SVG: no JavaScript, no CDN, nothing fetched.

The Content-Security-Policy forbids ``style`` attributes and ``<style>`` elements, so the charts use
SVG presentation attributes (``fill``, ``font-size``…), which are not styles. Each chart is an
``<svg role="img">`` with a ``<title>`` and a ``<desc>`` (read by screen readers), a ``viewBox`` and
``width="100%"`` so that it scales down to a 360-pixel phone; the numbers it shows are also in the
table next to it, which is what the exports contain.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

from markupsafe import Markup, escape

from lms.core.i18n import format_number

WIDTH = 360          # the viewBox width: one user unit is one CSS pixel on a 360-px phone
LABEL_HEIGHT = 16
BAR_HEIGHT = 14
GAP = 8
INK = "#1f2933"
MUTED = "#52606d"
TRACK = "#e4e7eb"
COLOURS = ("#1d6fa5", "#d97706", "#2f855a", "#9b2c2c", "#6b46c1")

_ids = itertools.count(1)


@dataclass
class Bar:
    label: str
    value: float        # 0..1, the share drawn
    text: str           # what is written after the bar ("98,5%", "41/2.701")


def _svg(height: float, title: str, desc: str, body: list[str]) -> Markup:
    n = next(_ids)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="100%" '
        f'viewBox="0 0 {WIDTH} {height:g}" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="chart-{n}-title chart-{n}-desc">'
        f'<title id="chart-{n}-title">{escape(title)}</title><desc id="chart-{n}-desc">{escape(desc)}</desc>'
        + "".join(body) + "</svg>"
    )


def _truncate(label: str, limit: int = 52) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(title: str, bars: list[Bar], colour: str = COLOURS[0]) -> Markup:
    """Horizontal bars, one per row: the label above its bar, the figure to the right of the bar."""
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars) or title
    body: list[str] = []
    y = 4.0
    bar_width = WIDTH - 70
    for bar in bars:
        share = min(max(bar.value or 0.0, 0.0), 1.0)
        body.append(f'<text x="0" y="{y + 12:g}" font-size="12" fill="{INK}">{escape(_truncate(bar.label))}</text>')
        y += LABEL_HEIGHT
        body.append(f'<rect x="0" y="{y:g}" width="{bar_width}" height="{BAR_HEIGHT}" fill="{TRACK}"/>')
        if share:
            body.append(f'<rect x="0" y="{y:g}" width="{bar_width * share:.1f}" height="{BAR_HEIGHT}" fill="{colour}"/>')
        body.append(f'<text x="{bar_width + 6}" y="{y + 11:g}" font-size="12" fill="{INK}">{escape(bar.text)}</text>')
        y += BAR_HEIGHT + GAP
    return _svg(max(y, 20), title, desc, body)


def split_chart(title: str, parts: list[tuple[str, int]]) -> Markup:
    """One bar split into parts (e.g. full-time / part-time), with a legend of counts and shares below."""
    total = sum(n for _, n in parts)
    desc = "; ".join(f"{label}: {format_number(n)}" for label, n in parts)
    body: list[str] = [f'<rect x="0" y="4" width="{WIDTH}" height="24" fill="{TRACK}"/>']
    x = 0.0
    for (label, n), colour in zip(parts, itertools.cycle(COLOURS)):
        width = WIDTH * n / total if total else 0
        if width:
            body.append(f'<rect x="{x:.1f}" y="4" width="{width:.1f}" height="24" fill="{colour}"/>')
        x += width
    y = 36.0
    for (label, n), colour in zip(parts, itertools.cycle(COLOURS)):
        share = format_number(100 * n / total, 1) + "%" if total else "–"
        body.append(f'<rect x="0" y="{y:g}" width="12" height="12" fill="{colour}"/>')
        body.append(f'<text x="18" y="{y + 11:g}" font-size="12" fill="{INK}">'
                    f'{escape(label)}: {escape(format_number(n))} ({escape(share)})</text>')
        y += 18
    return _svg(y + 2, title, desc, body)
