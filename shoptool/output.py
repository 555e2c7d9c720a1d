"""The only module that prints. Renders a command's result as a table (people on a terminal),
JSON (agents, pipes, cron), CSV or xlsx (staff), and writes messages to stderr.

stdout carries data only (PRODUCT §12); masking of personal data happens here, once, for every
format, unless --show-pii.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import columns as K
from .columns import Column
from .result import Result, json_document, masked_rows

FORMATS = ("auto", "table", "json", "csv", "plain-csv", "xlsx")  # plain-csv: CSV for programs


@dataclass
class OutputOptions:
    format: str = "auto"
    output: str | None = None
    headers: str = "zh"
    show_pii: bool = False
    encoding: str = "utf-8-sig"
    quiet: bool = False


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


_err_console = None


def err_console():
    """Rich console on stderr: colour only on a terminal, never in cron or pipes."""
    global _err_console
    if _err_console is None:
        from rich.console import Console

        terminal = stderr_is_terminal()
        _err_console = Console(stderr=True, force_terminal=terminal, no_color=not terminal or None,
                               highlight=False, soft_wrap=not terminal)
    return _err_console


def info(message: str) -> None:
    _err_print(message)


def warn(message: str) -> None:
    _err_print(f"warning: {message}", style="yellow")


def error(message: str, hint: str | None = None) -> None:
    _err_print(f"error: {message}", style="bold red")
    if hint:
        _err_print(f"  hint: {hint}", style="dim")


def note(level: str, text: str) -> None:
    """A job's note (Result.notes) on stderr, by its level."""
    {"warning": warn, "error": error}.get(level, info)(text)


def _err_print(message: str, style: str | None = None) -> None:
    if not stderr_is_terminal():
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
        return
    from rich.markup import escape

    err_console().print(escape(message), style=style)


# ---------------------------------------------------------------- render

def resolve_format(options: OutputOptions) -> str:
    fmt = options.format
    if options.output:
        if fmt in ("auto", "table"):
            suffix = os.path.splitext(options.output)[1].lower()
            return {".xlsx": "xlsx", ".csv": "csv", ".json": "json", ".txt": "csv", ".tsv": "csv"}.get(suffix, "csv")
        return fmt
    if fmt == "auto":
        return "table" if stdout_is_terminal() else "json"
    return fmt


def render(result: Result, options: OutputOptions) -> str:
    """Print or write the result; returns the format used."""
    from .errors import UsageError

    fmt = resolve_format(options)
    for level, text in result.notes:
        note(level, text)
    rows = masked_rows(result.columns, result.rows, options.show_pii)
    if fmt == "xlsx" and not options.output:
        raise UsageError("--format xlsx needs --output FILE.xlsx")
    if options.output:
        _write_file(result, rows, fmt, options)
    elif fmt == "json":
        if not options.quiet:
            _stdout(json.dumps(json_document(result, rows), ensure_ascii=False, indent=2))
    elif fmt in ("csv", "plain-csv"):
        if not options.quiet:
            columns = _file_columns(result)
            _stdout_csv(columns, _people(columns, rows, fmt, options), options, excel=fmt == "csv")
    else:
        if not options.quiet:
            if result.sections:
                _dashboard(result, options)
            else:
                _table(result, _people(result.columns, rows, fmt, options), options)
    if result.summary_line:
        info(result.summary_line)
    return fmt


def _stdout(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _people(columns: Sequence[Column], rows: list[dict], fmt: str, options: OutputOptions) -> list[dict]:
    """Rows for tables and files: codes as Chinese labels (PRODUCT §4), kept for plain-csv."""
    from .labels import for_people

    return for_people(columns, rows, "code" if fmt == "plain-csv" else options.headers)


def _file_columns(result: Result) -> Sequence[Column]:
    """A dashboard's summary sheet holds what its table shows (check, count, note), not the top
    rows as JSON: each check has its own sheet."""
    if result.sections and result.table_keys is not None:
        return [c for c in result.columns if c.key in result.table_keys]
    return result.columns


def _stdout_csv(columns: Sequence[Column], rows: list[dict], options: OutputOptions, excel: bool = True) -> None:
    import csv

    from .tables.writers import csv_cell

    writer = csv.writer(sys.stdout)
    writer.writerow([c.header(options.headers) for c in columns])
    for row in rows:
        writer.writerow([csv_cell(c, row.get(c.key), options.headers, excel=excel) for c in columns])
    sys.stdout.flush()


def _write_file(result: Result, rows: list[dict], fmt: str, options: OutputOptions) -> None:
    from .errors import UsageError
    from .tables import writers

    path = options.output
    try:
        if fmt == "json":
            text = json.dumps(json_document(result, rows), ensure_ascii=False, indent=2)
            writers._atomic(path, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))
            count = len(rows)
        elif fmt == "xlsx":
            main = _file_columns(result)
            sheets = [writers.SheetData(result.title or result.command, main, _people(main, rows, fmt, options))]
            for section in result.sections:
                section_rows = masked_rows(section.columns, section.rows, options.show_pii)
                sheets.append(writers.SheetData(section.title, section.columns,
                                                _people(section.columns, section_rows, fmt, options)))
            for name, columns, extra_rows in result.sheets:
                extra = masked_rows(columns, extra_rows, options.show_pii)
                sheets.append(writers.SheetData(name, columns, _people(columns, extra, fmt, options)))
            count = writers.write_workbook(path, sheets, headers=options.headers)[0]
        elif fmt in ("csv", "plain-csv"):
            columns = _file_columns(result)
            count = writers.write_table(path, columns, _people(columns, rows, fmt, options), fmt="csv",
                                        encoding=options.encoding, headers=options.headers, excel=fmt == "csv")
        else:
            raise UsageError(f"cannot write format {fmt!r} to a file; use .csv, .xlsx or .json")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    info(f"wrote {count} row(s) to {path}")


def table_cell(column: Column, value: Any) -> str:
    if value is None:
        return ""
    kind = column.kind
    if kind == K.MONEY and isinstance(value, int):
        return f"{value / 100:.2f}"
    if kind == K.TIME:
        try:
            return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return str(value)
    if kind == K.LIST and isinstance(value, (list, tuple)):
        # order numbers one per line: a folded 19-digit number is unreadable
        separator = "\n" if any(len(str(v)) > 12 for v in value) else ", "
        return separator.join(str(v) for v in value)
    if kind == K.BOOL and not isinstance(value, str):  # already in words (labels.for_people)
        return "是" if value else "否"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _table(result: Result, rows: list[dict], options: OutputOptions) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    if not rows:
        err_console().print(f"{result.title or result.command}: nothing to show", style="dim")
        return
    table = Table(title=result.title, show_lines=False, header_style="bold")
    shown = [c for c in result.columns if result.table_keys is None or c.key in result.table_keys]
    for column in shown:
        justify = "right" if column.kind in (K.MONEY, K.INT) else "left"
        if column.kind in (K.TEXT, K.ADDRESS, K.LIST):
            table.add_column(column.header(options.headers), justify=justify, overflow="fold", max_width=40,
                             min_width=_min_width(column, rows))
        else:  # ids, numbers, times and phones are read whole or not at all
            table.add_column(column.header(options.headers), justify=justify, no_wrap=True)
    for row in rows:
        table.add_row(*(escape(table_cell(c, row.get(c.key))) for c in shown))
    console.print(table)


def _min_width(column: Column, rows: list[dict]) -> int | None:
    """Lists of order numbers keep each number on one line."""
    if column.kind != K.LIST:
        return None
    longest = max((len(str(v)) for row in rows for v in (row.get(column.key) or ()) if row.get(column.key)), default=0)
    return longest if longest > 12 else None


def _dashboard(result: Result, options: OutputOptions) -> None:
    """The morning screen: one small table per check, biggest worries first in each."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    if result.title:
        console.print(f"[bold]{escape(result.title)}[/bold]")
    for section in result.sections:
        heading = f"{section.title}  {section.count}"
        if section.note:
            heading += f"  ({section.note})"
        if not section.count:
            console.print(f"[green]✓[/green] {escape(heading)}")
            continue
        shown = [c for c in section.columns if section.table_keys is None or c.key in section.table_keys]
        rows = _people(section.columns, masked_rows(section.columns, section.rows[:result.top], options.show_pii),
                       "table", options)
        table = Table(title=heading, title_justify="left", title_style="bold", header_style="bold")
        for column in shown:
            if column.kind in (K.TEXT, K.ADDRESS, K.LIST):
                table.add_column(column.header(options.headers), overflow="fold", max_width=40,
                                 min_width=_min_width(column, rows))
            else:
                table.add_column(column.header(options.headers), no_wrap=True,
                                 justify="right" if column.kind in (K.MONEY, K.INT) else "left")
        for row in rows:
            table.add_row(*(escape(table_cell(c, row.get(c.key))) for c in shown))
        console.print(table)
        if section.count > len(rows):
            console.print(f"  … {section.count - len(rows)} more", style="dim")


class Progress:
    """A progress bar on stderr for long imports and sends, only when a person is watching."""

    def __init__(self, description: str, total: int | None = None):
        self.description = description
        self.total = total
        self._progress = None
        self._task = None

    def __enter__(self) -> Progress:
        if stderr_is_terminal():
            from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn() if self.total else TextColumn(""),
                       MofNCompleteColumn() if self.total else TextColumn("{task.completed} rows"), TimeElapsedColumn()]
            self._progress = RichProgress(*columns, console=err_console(), transient=True)
            self._progress.__enter__()
            self._task = self._progress.add_task(self.description, total=self.total)
        return self

    def update(self, completed: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=completed)

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)
