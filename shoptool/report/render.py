"""The manager's page as one self-contained HTML file (PRODUCT §21): inline CSS, inline SVG, no
script, nothing loaded from anywhere, personal data masked.

Jinja2 with autoescape on draws templates/report.html.j2. Two nets keep the promises whatever a
template or a future panel does: every value a template prints passes through the phone masker
(`finalize`), and the finished page is refused if it holds a script, an event handler or any
reference that would load something.
"""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

from ..privacy import mask_free_text
from . import charts
from . import numbers as N
from .items import yuan
from .model import ATTENTION, MISSING, Panel

# What a page that loads nothing and runs nothing never holds (checked on the parsed page, so a
# buyer's text that merely mentions <script> or src= is no false alarm): an element that loads or
# runs, an event handler, a reference other than to an anchor of the page, a url() or @import in
# its style, a refresh; and anywhere, a "//" (a URL's or a protocol-relative reference's).
LOADING_TAGS = frozenset({"script", "iframe", "frame", "frameset", "object", "embed", "applet", "link", "img",
                          "image", "picture", "source", "audio", "video", "track", "base", "use", "form", "input",
                          "button", "portal", "feimage", "foreignobject"})
LOADING_ATTRS = frozenset({"src", "srcset", "action", "formaction", "poster", "data", "background", "ping",
                           "xlink:href", "manifest", "codebase", "cite", "longdesc", "lowsrc", "dynsrc"})
STYLE_FORBIDDEN = re.compile(r"url\(|@import|expression\(|image-set\(", re.IGNORECASE)
# Text may hold a URL (a buyer pasted a link into a review): shown broken, it is neither loaded nor
# made a link by a chat app's browser, and the file holds no "//" at all.
SLASHES = re.compile(r"/(?=/)")
BREAK = "\u200b"  # a zero-width space between the slashes


def inert(text: str) -> str:
    """Text as the page shows it: phones masked, and no "//" (a zero-width space between the slashes)."""
    return SLASHES.sub("/" + BREAK, mask_free_text(text))


class UnsafePage(RuntimeError):
    """The page would run or load something: a bug, never shown to a buyer's detriment."""


def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
    from markupsafe import Markup

    def finalize(value):
        if value is None:
            return ""
        if isinstance(value, Markup):  # charts: their texts masked and broken, kept as markup
            return Markup(inert(str(value)))
        if isinstance(value, str):
            return inert(value)
        return value

    env = Environment(loader=PackageLoader("shoptool.report", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, finalize=finalize, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(yuan=yuan, age=N.age_text, hours=N.duration_text, short=_short_time,
                       signed=_signed)
    env.globals.update(chart=lambda name, *a, **k: Markup(getattr(charts, name)(*a, **k)),
                       bars_title=lambda panel: f"{panel.title}：" + "，".join(f"{k} {v}" for k, v in panel.bars))
    return env


def _short_time(value) -> str:
    from .items import short_time

    return short_time(value) if value else ""


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def render(report) -> str:
    """The page of a jobs.report.ReportResult."""
    panels = {panel.key: panel for panel in report.panels}
    moment = datetime.fromisoformat(report.generated_at) if report.generated_at else None
    page = _environment().get_template("report.html.j2").render(
        report=report, panels=panels, moment=moment, period_label=N.PERIOD_LABELS.get(report.period, report.period),
        page_title=N.PERIOD_TITLES.get(report.period, "经营日报"),
        deadlines=[panels[k] for k in ("refunds_due", "ship_due", "reviews_due") if k in panels],
        attention=[p for p in report.panels if p.state == ATTENTION],
        missing=[p for p in report.panels if p.state == MISSING],
        trend=_trend_view(panels.get("trends"), moment),
    )
    check(page)
    return page


def check(page: str) -> None:
    """Refuse a page that would run or load something, whatever a template or a panel did."""
    found = _Inspector.findings(page)
    if "//" in page:
        found.append("//")
    if found:
        raise UnsafePage(f"the report page would run or load something: {found[0]!r}")


class _Inspector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    @classmethod
    def findings(cls, page: str) -> list[str]:
        inspector = cls()
        inspector.feed(page)
        inspector.close()
        return inspector.found

    def handle_starttag(self, tag, attrs):
        self._in_style = tag == "style"
        if tag in LOADING_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") or name in LOADING_ATTRS:
                self.found.append(f"<{tag} {name}=…>")
            elif name == "href" and not value.startswith("#"):
                self.found.append(f"<{tag} href={value!r}>")
            elif name == "style" and STYLE_FORBIDDEN.search(value):
                self.found.append(f"<{tag} style={value!r}>")
            elif name == "http-equiv" and value.lower() == "refresh":
                self.found.append("<meta http-equiv=refresh>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style and STYLE_FORBIDDEN.search(data):
            self.found.append(f"<style>{STYLE_FORBIDDEN.search(data).group(0)}")


def _trend_view(panel: Panel | None, moment: datetime | None) -> dict | None:
    """Per metric: its 30-day sparkline, 7- and 30-day totals; the paid orders' last 7 days as bars."""
    if panel is None or not panel.series or moment is None:
        return None
    money = yuan
    first = panel.series[0]
    length = len(first.values)
    days = [f"{day:%m-%d}" for day in N.trend_days(moment, length)]
    rows = []
    for series in panel.series:
        fmt = money if series.kind == "money" else str
        rows.append({"label": series.label, "key": series.key,
                     "spark": charts.sparkline(series.values, f"{series.label} 近{length}天每日：" +
                                               "、".join(fmt(v) for v in series.values)),
                     "week": fmt(series.total(7)), "month": fmt(series.total(30)), "today": fmt(series.values[-1])})
    week = first.values[-7:]
    bars = charts.day_bars(days[-7:], week, f"{first.label} 近7天每日：" + "、".join(
        f"{d} {v}" for d, v in zip(days[-7:], week)))
    return {"rows": rows, "bars": bars, "first": days[0], "last": days[-1]}


def write(page: str, path: str | Path | None) -> None:
    """The page to `path` (atomically, owner-only like every file shoptool writes), or to stdout."""
    import sys

    if path is None or str(path) == "-":
        sys.stdout.write(page)
        sys.stdout.flush()
        return
    from ..tables.writers import _atomic

    def write_to(tmp: Path) -> int:
        tmp.write_text(page, encoding="utf-8")
        return len(page)

    _atomic(path, write_to)
