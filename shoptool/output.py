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
from .result import Result, iter_masked, json_document, json_row, masked_rows

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


def safe_line(message: str) -> str:
    """What may reach stderr and logs: one line per message (a newline or an ANSI escape inside a
    file name could forge log lines or repaint the terminal: control characters are written as
    escapes), and no phone in any spelling (masked where it stands)."""
    from .privacy import mask_free_text

    text = str(message)
    if _CONTROL.search(text):
        text = _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)
    return mask_free_text(text)


_CONTROL = __import__("re").compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _err_print(message: str, style: str | None = None) -> None:
    message = safe_line(message)
    if not stderr_is_terminal():
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
        return
    from rich.markup import escape

    err_console().print(escape(message), style=style)


# ---------------------------------------------------------------- render

_SUFFIX_FORMATS = {".xlsx": "xlsx", ".csv": "csv", ".json": "json", ".txt": "csv", ".tsv": "csv"}


def resolve_format(options: OutputOptions) -> str:
    from .errors import UsageError

    fmt = options.format
    if options.output:
        if fmt in ("auto", "table"):
            suffix = os.path.splitext(options.output)[1].lower()
            if suffix not in _SUFFIX_FORMATS:
                raise UsageError(f"--output {os.path.basename(options.output)}: cannot tell the format from "
                                 f"{suffix or 'a name without an extension'}",
                                 hint="name the file .csv, .xlsx or .json, or give --format")
            return _SUFFIX_FORMATS[suffix]
        return fmt
    if fmt == "auto":
        return "table" if stdout_is_terminal() else "json"
    return fmt


def render(result: Result, options: OutputOptions) -> str:
    """Print or write the result; returns the format used."""
    from .errors import UsageError

    fmt = resolve_format(options)
    if fmt == "xlsx" and not options.output:  # before anything is printed: a usage error says only that
        raise UsageError("--format xlsx needs --output FILE.xlsx")
    for level, text in result.notes:
        note(level, text)
    # Rows are masked and written one at a time: an export of a million orders never holds them all.
    rows = iter_masked(result.columns, result.rows, options.show_pii)
    if options.output:
        _write_file(result, rows, fmt, options)
    elif fmt == "json":
        if not options.quiet:
            write_json(result, rows, sys.stdout, options.show_pii)
            sys.stdout.flush()
    elif fmt in ("csv", "plain-csv"):
        if not options.quiet:
            columns = _file_columns(result)
            _stdout_csv(columns, _people(columns, rows, fmt, options), options, excel=fmt == "csv")
    else:
        if not options.quiet:
            if result.sections:
                _dashboard(result, options)
            else:
                _table(result, list(_people(result.columns, rows, fmt, options)), options)
    if result.summary_line:
        info(result.summary_line)
    return fmt


def _stdout(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _people(columns: Sequence[Column], rows, fmt: str, options: OutputOptions):
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
            def write(tmp) -> int:
                with open(tmp, "w", encoding="utf-8") as fh:
                    return write_json(result, rows, fh, options.show_pii)

            count = writers._atomic(path, write)
        elif fmt == "xlsx":
            main = _file_columns(result)
            sheets = [writers.SheetData(result.title or result.command, main, _people(main, rows, fmt, options))]
            for section in result.sections:  # masked as written: a section may hold 100,000 rows
                section_rows = iter_masked(section.columns, section.rows, options.show_pii)
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


def write_json(result: Result, rows, fh, show_pii: bool = False) -> int:
    """The JSON document of json_document(), written row by row (the same text, indent 2), so
    its size never sits in memory. The summary is masked like the rows (it may quote a note).
    Returns the rows written."""
    from .privacy import mask_free_text

    document = {k: v for k, v in json_document(result, []).items() if k != "rows"}
    if not show_pii:
        document["summary"] = mask_free_text(document["summary"])
    head = json.dumps(document, ensure_ascii=False, indent=2)
    fh.write(head[:-2] + ',\n  "rows": [')
    count = 0
    by_key = {c.key: c for c in result.columns}
    for row in rows:
        item = json.dumps(json_row(by_key, row), ensure_ascii=False, indent=2)
        fh.write(("\n    " if count == 0 else ",\n    ") + item.replace("\n", "\n    "))
        count += 1
    fh.write("\n  ]\n}\n" if count else "]\n}\n")
    return count


def table_cell(column: Column, value: Any) -> str:
    if value is None:
        return ""
    kind = column.kind
    if kind == K.MONEY and isinstance(value, int):
        return f"{value / 100:.2f}"
    if kind == K.PERCENT and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value * 100:.1f}%"
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

    console = Console(highlight=False)
    if not rows:
        err_console().print(f"{result.title or result.command}: nothing to show", style="dim")
        return
    shown = [c for c in result.columns if result.table_keys is None or c.key in result.table_keys]
    _print_rows(console, result.title, shown, rows, options)


def _print_rows(console, title, shown: Sequence[Column], rows: list[dict], options: OutputOptions,
                **table_style) -> None:
    """A table when its cells fit the terminal whole; otherwise one small key/value block per row
    (a narrow terminal must never cut an order number or hide a column: Rich would)."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold", **table_style)
    for column in shown:
        justify = "right" if column.kind in (K.MONEY, K.INT, K.PERCENT) else "left"
        if column.kind in (K.TEXT, K.ADDRESS, K.LIST):
            table.add_column(column.header(options.headers), justify=justify, overflow="fold", max_width=40,
                             min_width=_min_width(column, rows))
        else:  # ids, numbers, times and phones are read whole or not at all
            table.add_column(column.header(options.headers), justify=justify, no_wrap=True, overflow="fold")
    cells = [[table_cell(c, row.get(c.key)) for c in shown] for row in rows]
    for line in cells:
        table.add_row(*(escape(text) for text in line))
    if _fits(table, shown, cells, console.width):
        console.print(table)
        return
    if title:
        console.print(f"[bold]{escape(title)}[/bold]")
    for line in cells:
        block = Table(show_header=False, box=None, pad_edge=False)
        block.add_column(style="bold", no_wrap=True)
        block.add_column(overflow="fold")
        for column, text in zip(shown, line):
            block.add_row(escape(column.header(options.headers)), escape(text))
        console.print(block)
        console.print()


def _fits(table, shown: Sequence[Column], cells: list[list[str]], width: int) -> bool:
    """Whether the table fits `width` with nothing cut: ids, numbers, times and phones on one line
    each (a list of order numbers one whole number a line), free text folded to a dozen columns."""
    from .tables.writers import display_width

    needed = 1
    for index, column in enumerate(shown):
        parts = [part for line in cells for part in line[index].replace(", ", "\n").split("\n")]
        if column.kind == K.LIST:
            parts = [p if p.isascii() and " " not in p else p[:6] for p in parts]  # text items fold
        longest = max((display_width(part) for part in parts), default=0)
        if column.kind in (K.TEXT, K.ADDRESS):
            longest = min(longest, 12)
        needed += max(longest, min(display_width(column.header("zh")), 8)) + 3
    return needed <= width


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
        rows = list(_people(section.columns, masked_rows(section.columns, section.rows[:result.top],
                                                         options.show_pii), "table", options))
        _print_rows(console, heading, shown, rows, options, title_justify="left", title_style="bold")
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
