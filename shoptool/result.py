"""What a job returns and every face renders: rows with their columns, a summary, an exit code,
and the notes a person should read beside them.

Plain data and pure functions only: the CLI prints a Result through output.py, the MCP server
returns its JSON document, the report reads its rows. Masking by column kind and the JSON form of
values live here so that every face gets them the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from . import columns as K
from .columns import Column
from .privacy import mask_free_text

INFO, WARN = "info", "warning"


@dataclass
class Section:
    """One check on the daily worklist: how many rows need someone, and the first of them."""

    check: str
    title: str
    count: int
    columns: Sequence[Column]
    rows: list[dict]  # the check's rows; the dashboard shows the first few
    table_keys: Sequence[str] | None = None
    note: str | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)  # the check's own notes (Result.notes)
    # rows per code ("finding") of `rows` in first-seen order, kept when `rows` is cut to the top
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Result:
    command: str
    columns: Sequence[Column]
    rows: list[dict]
    summary: dict = field(default_factory=dict)
    exit_code: int = 0
    title: str | None = None
    # Extra sheets for a workbook: name → (columns, rows). The main rows come first.
    sheets: list[tuple[str, Sequence[Column], list[dict]]] = field(default_factory=list)
    summary_line: str | None = None  # one line for stderr
    table_keys: Sequence[str] | None = None  # the columns worth a terminal's width; None = all
    sections: list[Section] = field(default_factory=list)  # a dashboard (daily) instead of one table
    top: int = 5  # rows per section on the dashboard
    # What a person should read beside the rows (stderr on the command line), in order.
    notes: list[tuple[str, str]] = field(default_factory=list)
    generated_at: str | None = None  # the moment the result is about (`--now`), ISO with offset

    def info(self, text: str) -> None:
        self.notes.append((INFO, text))

    def warn(self, text: str) -> None:
        self.notes.append((WARN, text))

    def reveals_pii(self) -> bool:
        """Personal data in the main rows, a dashboard section or an extra sheet."""
        tables = [(self.columns, self.rows)]
        tables += [(section.columns, section.rows) for section in self.sections]
        tables += [(columns, rows) for _, columns, rows in self.sheets]
        return any(rows and any(c.is_pii for c in columns) for columns, rows in tables)


# Kinds whose values are never free text: nothing personal can hide inside them.
_NOT_TEXT = frozenset({K.ID, K.INT, K.MONEY, K.TIME, K.BOOL, K.PERCENT})


def masked_rows(columns: Sequence[Column], rows: Iterable[Mapping], show_pii: bool) -> list[dict]:
    return list(iter_masked(columns, rows, show_pii))


def iter_masked(columns: Sequence[Column], rows: Iterable[Mapping], show_pii: bool):
    """Rows as people may see them (PRODUCT §12): phone, name and address columns masked by their
    kind, and phones inside every free text — text and list columns, and keys that have no column
    at all — masked where they stand. Lazily, one row at a time (an export streams)."""
    if show_pii:
        for row in rows:
            yield dict(row)
        return
    from .privacy import MASKERS

    pii = [(c.key, MASKERS[c.kind]) for c in columns if c.is_pii and c.kind in MASKERS]
    texts = [c.key for c in columns if not c.is_pii and c.kind not in _NOT_TEXT]
    known = {c.key for c in columns}
    for row in rows:
        copy = dict(row)
        for key, masker in pii:
            value = copy.get(key)
            if value.__class__ is str:
                copy[key] = masker(value)
        for key in texts:
            value = copy.get(key)
            # short strings cannot hold a phone: most cells of a big export never reach the scanner
            if value is not None and (value.__class__ is not str or len(value) >= 7):
                copy[key] = mask_free_text(value)
        if not copy.keys() <= known:
            for key in copy.keys() - known:
                copy[key] = mask_free_text(copy[key])
        yield copy


def json_value(column: Column | None, value: Any) -> Any:
    """A row value as JSON has it: money (fen, as int or Decimal) in yuan, booleans, times as ISO
    text, Decimals as numbers, sets and tuples as lists; never a value json.dumps cannot write."""
    if value is None:
        return None
    if column is not None and column.kind == K.MONEY and isinstance(value, (int, Decimal)) \
            and not isinstance(value, bool):
        return round(float(value) / 100, 2)
    if column is not None and column.kind == K.BOOL:
        return bool(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (set, frozenset, tuple)):
        return [json_value(None, v) for v in value]
    return value


def json_rows(columns: Sequence[Column], rows: Iterable[Mapping]) -> list[dict]:
    """Rows as the JSON contract has them: every key of the row dict in its own order (keys
    starting with `_` are the job's own), money in yuan, booleans as booleans."""
    by_key = {c.key: c for c in columns}
    return [json_row(by_key, row) for row in rows]


def json_row(by_key: Mapping[str, Column], row: Mapping) -> dict:
    return {key: json_value(by_key.get(key), value) for key, value in row.items()
            if key in by_key or not key.startswith("_")}


class RowStream:
    """Rows read when they are written, not before: `factory()` gives a fresh iterator each time,
    `count` is known up front (a listing's size is one COUNT away). Iterates, has a len, is false
    when empty, like the list it stands for."""

    def __init__(self, factory, count: int):
        self._factory = factory
        self.count = count

    def __iter__(self):
        return iter(self._factory())

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0


def json_document(result: Result, rows: list[dict]) -> dict:
    """The one JSON document of every command (PRODUCT §15); `rows` already masked."""
    return {
        "command": result.command,
        "generated_at": result.generated_at,
        "summary": result.summary,
        "rows": json_rows(result.columns, rows),
    }
