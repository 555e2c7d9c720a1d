"""Small inline SVG charts for the manager's page: day bars, sparklines and horizontal bars.

Why our own and not a charting library: the page must hold no script and load nothing (it is
opened offline, inside chat apps' browsers), and these three shapes are about a hundred lines of
SVG. Each chart is one `<svg>` with `role="img"`, a `<title>` that says what it shows in words
(screen readers, and a long press on a phone), a viewBox so it scales to any width without
overflowing, no id (many charts share a page), no script, no link and no external reference. Text
is escaped here; values are plain numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

ACCENT = "#1565c0"
MUTED = "#90a4ae"
ERROR = "#c62828"
TEXT = "#37474f"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(width: int, height: int, title: str, body: list[str], css_class: str, extra: str = "") -> str:
    label = escape(title, quote=True)
    return (f'<svg class="{css_class}" viewBox="0 0 {width} {height}"{extra} role="img" aria-label="{label}" '
            f'focusable="false"><title>{escape(title)}</title>' + "".join(body) + "</svg>")


def sparkline(values: Sequence[int], title: str, *, highlight_last: bool = True) -> str:
    """One thin bar per day, oldest left; the last (today) drawn in the accent colour."""
    width, height = 4 * max(len(values), 1), 24
    top = max(max(values, default=0), 1)
    body = [f'<rect x="0" y="{height - 1}" width="{width}" height="1" fill="{MUTED}" opacity="0.5"/>']
    for n, value in enumerate(values):
        if value <= 0:
            continue
        bar = max(value / top * (height - 2), 1.5)
        colour = ACCENT if highlight_last and n == len(values) - 1 else MUTED
        body.append(f'<rect x="{n * 4}" y="{_num(height - 1 - bar)}" width="3" height="{_num(bar)}" '
                    f'fill="{colour}"/>')
    return _svg(width, height, title, body, "spark", ' preserveAspectRatio="none"')


def day_bars(days: Sequence[str], values: Sequence[int], title: str, *, labels: Sequence[str] | None = None) -> str:
    """Vertical bars with the value above each and the day below: a week at a glance."""
    count = max(len(values), 1)
    slot, width, height, base = 44, 44 * count, 132, 108
    top = max(max(values, default=0), 1)
    body = [f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="{MUTED}" stroke-width="1"/>']
    shown = labels if labels is not None else [str(v) for v in values]
    for n, (day, value) in enumerate(zip(days, values)):
        x = n * slot + 8
        bar = value / top * 80 if value > 0 else 0
        colour = ACCENT if n == count - 1 else MUTED
        if bar:
            body.append(f'<rect x="{x}" y="{_num(base - bar)}" width="28" height="{_num(bar)}" rx="2" '
                        f'fill="{colour}"/>')
        body.append(f'<text x="{x + 14}" y="{_num(base - bar - 5)}" text-anchor="middle" font-size="12" '
                    f'fill="{TEXT}">{escape(shown[n])}</text>')
        body.append(f'<text x="{x + 14}" y="{base + 17}" text-anchor="middle" font-size="11" '
                    f'fill="{TEXT}">{escape(day)}</text>')
    return _svg(width, height, title, body, "bars")


def hbars(pairs: Sequence[tuple[str, int]], title: str, *, label_chars: int = 7, danger: bool = False) -> str:
    """One row per label: the label (cut to `label_chars`, whole in the row's own title), a bar as
    long as its share of the largest, and the count."""
    row, width = 26, 320
    height = row * max(len(pairs), 1) + 4
    top = max((v for _, v in pairs), default=1) or 1
    body = []
    for n, (name, value) in enumerate(pairs):
        y = n * row + 4
        short = name if len(name) <= label_chars else name[:label_chars - 1] + "…"
        bar = max(value / top * 170, 2)
        body.append(f'<g><title>{escape(f"{name}：{value}")}</title>'
                    f'<text x="0" y="{y + 15}" font-size="13" fill="{TEXT}">{escape(short)}</text>'
                    f'<rect x="110" y="{y + 3}" width="{_num(bar)}" height="16" rx="2" '
                    f'fill="{ERROR if danger else ACCENT}"/>'
                    f'<text x="{_num(110 + bar + 6)}" y="{y + 15}" font-size="13" fill="{TEXT}">{value}</text></g>')
    return _svg(width, height, title, body, "hbars")
