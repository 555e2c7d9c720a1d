"""What the manager's page is made of: panels, each computed by a job and drawn by a template.

Plain data only. `jobs/report.py` fills these from the jobs' Results and the report's queries,
already masked; `report/render.py` draws them; the JSON document of `shoptool report --format
json` is their `json_row()`. A panel whose data does not exist yet (a feature not installed, a
kind never imported) is a panel too, in state MISSING, with a note saying what is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .. import columns as K
from ..result import json_value

OK, ATTENTION, MISSING = "ok", "attention", "missing"
STATES = (OK, ATTENTION, MISSING)

# How a panel is drawn (a macro of the template of the same name).
LIST, CHECKS, NUMBERS, TRENDS, FRESHNESS = "list", "checks", "numbers", "trends", "freshness"


@dataclass
class Item:
    """One line of a list panel: what it is about, what to know, and how urgent."""

    title: str  # an order number, a SKU, a tracking number: kept whole
    detail: str = ""
    badge: str | None = None  # e.g. 已逾期 5 小时, 剩 2 天
    level: str = "warning"  # error | warning | info (its colour)


@dataclass
class Number:
    """One figure of the period, with the previous period's for comparison."""

    key: str
    label: str
    value: int
    previous: int | None = None
    kind: str = K.INT  # K.INT or K.MONEY (fen)
    detail: str | None = None
    level: str | None = None  # "error" draws it in red

    def json(self) -> dict:
        column = K.Column(self.key, self.label, kind=self.kind)
        return {"key": self.key, "label": self.label, "value": json_value(column, self.value),
                "previous": json_value(column, self.previous)}


@dataclass
class Series:
    """One metric per day, oldest first, the last day being the report's own (so far)."""

    key: str
    label: str
    values: list[int]
    kind: str = K.INT

    def total(self, days: int) -> int:
        return sum(self.values[-days:])

    def json(self) -> dict:
        column = K.Column(self.key, self.label, kind=self.kind)
        return {"key": self.key, "label": self.label, "values": [json_value(column, v) for v in self.values],
                "total_7d": json_value(column, self.total(7)), "total_30d": json_value(column, self.total(30))}


@dataclass
class Freshness:
    """How old one kind of imported data is."""

    kind: str
    label: str
    imported_at: str | None  # ISO; None: never imported
    age_hours: float | None
    stale_after_hours: float
    file: str | None = None

    @property
    def stale(self) -> bool:
        return self.age_hours is not None and self.age_hours > self.stale_after_hours

    def json(self) -> dict:
        return {"kind": self.kind, "label": self.label, "imported_at": self.imported_at,
                "age_hours": None if self.age_hours is None else round(self.age_hours, 1),
                "stale_after_hours": round(self.stale_after_hours, 1), "stale": self.stale, "file": self.file}


@dataclass
class Panel:
    key: str
    title: str
    kind: str = LIST
    state: str = OK
    count: int = 0  # rows needing someone (list panels), checks waiting, kinds stale…
    note: str | None = None
    items: list[Item] = field(default_factory=list)
    more: int = 0  # items not shown
    numbers: list[Number] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    freshness: list[Freshness] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)  # daily's rows: check, title, count, note
    bars: list[tuple[str, int]] = field(default_factory=list)  # a breakdown: label → count
    top: list[dict] = field(default_factory=list)  # the source rows as JSON has them (masked)
    empty: str = "暂无"  # what an OK panel with nothing in it says

    def json_row(self) -> dict:
        data: dict = {}
        if self.numbers:
            data["numbers"] = [n.json() for n in self.numbers]
        if self.series:
            data["series"] = [s.json() for s in self.series]
        if self.freshness:
            data["freshness"] = [f.json() for f in self.freshness]
        if self.checks:
            data["checks"] = [{k: c.get(k) for k in ("check", "title", "count", "note")} for c in self.checks]
        if self.bars:
            data["bars"] = [{"label": label, "count": count} for label, count in self.bars]
        return {"panel": self.key, "title": self.title, "state": self.state, "count": self.count,
                "note": self.note, "top": self.top, "data": data}


def panels_by_key(panels: Sequence[Panel]) -> dict[str, Panel]:
    return {panel.key: panel for panel in panels}
