"""import (PRODUCT §3): exports into the shop database, one transaction per file, one row per file."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

from .. import columns as K
from ..errors import EXIT_INPUT, InputError, UsageError
from ..result import Result
from .shop import Shop

COMMAND = "import"
COLUMNS = [
    K.Column("file", "文件", "File"),
    K.Column("kind", "类型", "Kind", labels="import_kind"),
    K.Column("rows_in", "读入行数", "Rows in", K.INT),
    K.Column("inserted", "新增", "Inserted", K.INT),
    K.Column("updated", "更新", "Updated", K.INT),
    K.Column("unchanged", "未变", "Unchanged", K.INT),
    K.Column("stale", "过期", "Stale", K.INT),
    K.Column("rejected", "拒收", "Rejected", K.INT),
    K.Column("rejects_file", "拒收明细文件", "Rejects file"),
    K.Column("status", "结果", "Status", labels="import_status"),
    K.Column("message", "说明", "Message"),
]
TABLE_KEYS = ("file", "kind", "rows_in", "inserted", "updated", "unchanged", "rejected", "status")
# `stale` is in every row of JSON, CSV and xlsx; the table shows its column when a file had any
STALE_TABLE_KEYS = ("file", "kind", "rows_in", "inserted", "updated", "unchanged", "stale", "rejected", "status")


def kinds_help() -> str:
    from ..imports.kinds import NAMES

    return ", ".join(NAMES)


def run(shop: Shop, files=(), *, inbox: Path | None = None, kind: str | None = None, sheet: str | None = None,
        encoding: str | None = None, strict: bool = False, period: str | None = None, full_paths: bool = True,
        announce: Callable[[str, str], None] | None = None, progress: Callable | None = None) -> Result:
    """Import `files` (a folder stands for its export files) and every new file of `inbox`.

    `period` (`2026-10`, `20261001-20261031`…): the days a 客服绩效 sheet without a 日期 column
    covers, when its file name does not say.

    `announce(level, text)` is told about each file as it is done (the command line prints it at
    once); without it the lines land in the Result's notes. `progress(description)` gives a context
    manager with update(rows) (a progress bar); `full_paths=False` names files by their name only."""
    from ..imports.inbox import import_inbox
    from ..imports.run import FileReport, import_file

    if not files and not inbox:
        raise UsageError("give files to import, or --inbox DIR")
    days = _period(period)
    result = Result(COMMAND, COLUMNS, [], {}, table_keys=TABLE_KEYS, generated_at=shop.iso(shop.now()))
    say = announce or (lambda level, text: result.notes.append((level, text)))
    options = dict(kind=kind, sheet=sheet, encoding=encoding, strict=strict, period=days, now=shop.now)
    reports = []
    if inbox:
        reports.extend(import_inbox(shop.db, inbox, shop.settings, announce=lambda r: _announce(r, say), **options))
    for path in expand(files):
        with (progress(f"importing {path.name}") if progress else nullcontext()) as bar:
            try:
                report = import_file(shop.db, path, shop.settings, on_progress=bar.update if bar else None, **options)
            except InputError as exc:
                report = FileReport(file=str(path), status="failed", message=with_hint(exc))
        _announce(report, say)
        reports.append(report)
    rows = [r.as_row() for r in reports]
    summary: dict = {}
    for r in reports:
        summary[r.status] = summary.get(r.status, 0) + 1
    summary["rejected_rows"] = sum(r.rejected for r in reports)
    bad = any(r.status in ("failed", "refused") or r.rejected for r in reports if r.status != "duplicate")
    if not full_paths:
        for row in rows:
            row["file"] = Path(row["file"]).name
    result.rows, result.summary, result.exit_code = rows, summary, EXIT_INPUT if bad else 0
    if any(r.stale for r in reports):
        result.table_keys = STALE_TABLE_KEYS
    return result


def _period(text: str | None):
    """--period as (first, last day), checked before any file is read."""
    if text is None:
        return None
    from ..kpi.periods import PERIOD_HINT, parse_days

    try:
        return parse_days(text)
    except ValueError as exc:
        raise UsageError(f"--period: {exc}", hint=PERIOD_HINT) from None


def _announce(report, say: Callable[[str, str], None]) -> None:
    """One line per file, in words staff understand."""
    name = Path(report.file).name
    if report.status == "duplicate":
        say("info", f"{name}: {report.message}")
        return
    if report.status == "failed" and not report.kind:
        say("error", report.message)
        return
    described = report.kind or "?"
    shape = report.shape if report.shape != "generic" else None
    details = ", ".join(p for p in (shape, report.encoding, report.sheet and f"sheet {report.sheet}") if p)
    if details:
        described += f" ({details})"
    if report.status in ("refused", "failed"):
        say("error", f"{name}: {described}: {report.message}")
    else:
        say("info", f"{name}: {described}: {report.rows_in} rows — {report.inserted} new, {report.updated} updated, "
                    f"{report.unchanged} unchanged, " + (f"{report.stale} stale, " if report.stale else "")
                    + f"{report.rejected} rejected")
        if report.stale:
            say("warning", f"{name}: {report.stale} row(s) older than what the shop already knew (this export was "
                           f"taken {report.snapshot_at}, by its {_SOURCES[report.snapshot_source]}): kept in history; "
                           "they only fill what was not known — no order moves back, nothing newer is overwritten")
        if report.duplicates:
            say("warning", f"{name}: {report.duplicates} key(s) appear more than once in this file with different "
                           "content; the row further along (status, then event time, then place in the file) was kept")
        if report.rejected:
            say("warning", f"{name}: {report.message} (all rejects in {report.rejects_file})")
    if report.not_stored_columns and report.stored_anything:
        say("info", f"{name}: personal data not needed, not stored: {', '.join(report.not_stored_columns)}")


_SOURCES = {"file_name": "file name", "newest_cell": "newest time cell", "import_time": "import time", None: "?"}


def with_hint(exc: InputError) -> str:
    return f"{exc.message} ({exc.hint})" if exc.hint else exc.message


def expand(paths) -> list[Path]:
    """A folder stands for its export files, in name order (subfolders and rejects files skipped)."""
    from ..imports.inbox import pending_files

    expanded: list[Path] = []
    for path in map(Path, paths or ()):
        expanded.extend(pending_files(path) if path.is_dir() else [path])
    return expanded
