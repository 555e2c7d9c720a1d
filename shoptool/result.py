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
from typing import Any

from . import columns as K
from .columns import Column
from .privacy import mask

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


def masked_rows(columns: Sequence[Column], rows: Iterable[Mapping], show_pii: bool) -> list[dict]:
    pii = [c for c in columns if c.is_pii]
    if show_pii or not pii:
        return [dict(r) for r in rows]
    result = []
    for row in rows:
        copy = dict(row)
        for column in pii:
            if column.key in copy:
                copy[column.key] = mask(column.kind, copy[column.key])
        result.append(copy)
    return result


def json_value(column: Column | None, value: Any) -> Any:
    if value is None:
        return None
    if column is not None and column.kind == K.MONEY and isinstance(value, int):
        return round(value / 100, 2)
    if column is not None and column.kind == K.BOOL:
        return bool(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value


def json_rows(columns: Sequence[Column], rows: Iterable[Mapping]) -> list[dict]:
    """Rows as the JSON contract has them: every key of the row dict in its own order (keys
    starting with `_` are the job's own), money in yuan, booleans as booleans."""
    by_key = {c.key: c for c in columns}
    out = []
    for row in rows:
        out.append({key: json_value(by_key.get(key), value) for key, value in row.items()
                    if key in by_key or not key.startswith("_")})
    return out


def json_document(result: Result, rows: list[dict]) -> dict:
    """The one JSON document of every command (PRODUCT §15); `rows` already masked."""
    return {
        "command": result.command,
        "generated_at": result.generated_at,
        "summary": result.summary,
        "rows": json_rows(result.columns, rows),
    }
