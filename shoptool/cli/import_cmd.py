"""`shoptool import`: platform/ERP exports into the shop database (PRODUCT §3)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import columns as K
from .. import output
from ..errors import EXIT_INPUT, InputError, UsageError
from ..output import Result
from .app import app
from .options import ConfigOpt, DbOpt, FormatOpt, NowOpt, OutputOpt, Shop, finish, options

COLUMNS = [
    K.Column("file", "文件", "File"),
    K.Column("kind", "类型", "Kind"),
    K.Column("rows_in", "读入行数", "Rows in", K.INT),
    K.Column("inserted", "新增", "Inserted", K.INT),
    K.Column("updated", "更新", "Updated", K.INT),
    K.Column("unchanged", "未变", "Unchanged", K.INT),
    K.Column("rejected", "拒收", "Rejected", K.INT),
    K.Column("rejects_file", "拒收明细文件", "Rejects file"),
    K.Column("status", "结果", "Status"),
    K.Column("message", "说明", "Message"),
]
KINDS = "orders, items, page-stock, warehouse-stock, shipments, reviews, opt-outs"


@app.command("import")
def import_command(
    files: Annotated[Optional[list[Path]], typer.Argument(help="Export files (.csv, .xlsx, .xls).", show_default=False)] = None,
    kind: Annotated[Optional[str], typer.Option("--as", help=f"Force the kind: {KINDS}.", show_default=False)] = None,
    sheet: Annotated[Optional[str], typer.Option("--sheet", help="Sheet name or number in a workbook.", show_default=False)] = None,
    encoding: Annotated[Optional[str], typer.Option("--encoding", help="CSV encoding (detected: UTF-8, UTF-8 BOM, GBK/GB18030).", show_default=False)] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Store nothing from a file with any rejected row.")] = False,
    inbox: Annotated[Optional[Path], typer.Option("--inbox", help="Import every new file in DIR, moving each to DIR/done or DIR/failed.", show_default=False)] = None,
    now: NowOpt = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = "auto",
    out: OutputOpt = None,
) -> None:
    """Import exports: orders, order lines, page stock, warehouse stock, shipments, reviews, opt-outs.

    The kind is detected from the header row. One transaction per file; rejected rows go to
    FILE.rejects.csv with row, column and reason (exit 3). Importing the same file again changes nothing.
    """
    from ..imports.inbox import import_inbox
    from ..imports.run import import_file

    opts = options(fmt, out)
    if not files and not inbox:
        raise UsageError("give files to import, or --inbox DIR")
    shop = Shop(db, config)
    opts.generated_at = shop.iso(shop.now(now))
    reports = []
    if inbox:
        reports.extend(import_inbox(shop.db, inbox, shop.settings, kind=kind, sheet=sheet, encoding=encoding,
                                    strict=strict, now=now, announce=_announce))
    for path in _expand(files or []):
        with output.Progress(f"importing {path.name}") as progress:
            try:
                report = import_file(shop.db, path, shop.settings, kind=kind, sheet=sheet, encoding=encoding,
                                     strict=strict, now=now, on_progress=progress.update)
            except InputError as exc:
                from ..imports.run import FileReport

                report = FileReport(file=str(path), status="failed", message=_with_hint(exc))
        _announce(report)
        reports.append(report)
    rows = [r.as_row() for r in reports]
    summary: dict = {}
    for r in reports:
        summary[r.status] = summary.get(r.status, 0) + 1
    summary["rejected_rows"] = sum(r.rejected for r in reports)
    bad = any(r.status in ("failed", "refused") or r.rejected for r in reports if r.status != "duplicate")
    for row in rows:
        row["file"] = Path(row["file"]).name if opts.format != "json" else row["file"]
    finish(Result("import", COLUMNS, rows, summary, exit_code=EXIT_INPUT if bad else 0,
                  table_keys=("file", "kind", "rows_in", "inserted", "updated", "unchanged", "rejected", "status")),
           opts, shop)


def _announce(report) -> None:
    """One line per file on stderr, in words staff understand."""
    name = Path(report.file).name
    if report.status == "duplicate":
        output.info(f"{name}: {report.message}")
        return
    if report.status == "failed" and not report.kind:
        output.error(report.message)
        return
    described = report.kind or "?"
    shape = report.shape if report.shape != "generic" else None
    details = ", ".join(p for p in (shape, report.encoding, report.sheet and f"sheet {report.sheet}") if p)
    if details:
        described += f" ({details})"
    if report.status in ("refused", "failed"):
        output.error(f"{name}: {described}: {report.message}")
    else:
        line = (f"{name}: {described}: {report.rows_in} rows — {report.inserted} new, {report.updated} updated, "
                f"{report.unchanged} unchanged, {report.rejected} rejected")
        output.info(line)
        if report.rejected:
            output.warn(f"{name}: {report.message} (all rejects in {report.rejects_file})")
    if report.not_stored_columns and report.stored_anything:
        output.info(f"{name}: personal data not needed, not stored: {', '.join(report.not_stored_columns)}")


def _with_hint(exc: InputError) -> str:
    return f"{exc.message} ({exc.hint})" if exc.hint else exc.message


def _expand(paths: list[Path]) -> list[Path]:
    """A folder stands for its export files, in name order (subfolders and rejects files skipped)."""
    from ..imports.inbox import pending_files

    expanded: list[Path] = []
    for path in paths:
        expanded.extend(pending_files(path) if path.is_dir() else [path])
    return expanded
