"""Writing results for staff: CSV that Chinese Excel opens (UTF-8 with BOM, or GBK on request)
and styled xlsx (bold frozen header, autofilter, widths, ids as text, dates as dates, money as
numbers). Every text cell that could be read as a formula is neutralised (PRODUCT §4).

Values arrive already masked by the output layer; money arrives as integer fen.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .. import columns as K
from ..columns import Column

# What Excel or WPS may run as a formula: = + - @, tab and CR in front, and their full-width forms
# (an IME types ＝ for =, and WPS reads ＝SUM(…) as a formula).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
FORMATS = ("csv", "xlsx")


@dataclass
class SheetData:
    name: str
    columns: Sequence[Column]
    rows: Iterable[Mapping]


# The platform's own protection of a long number, ="3712345678901200001": a formula that can only
# yield that text, and the form `import` reads back. Kept as it is.
_TEXT_CONSTANT = re.compile(r'="[0-9A-Za-z_.\-]{0,64}"')


_FIRST = frozenset(start[0] for start in FORMULA_STARTS)


def neutralise(value: str) -> str:
    """A text that Excel would run as a formula gets a leading apostrophe; negative numbers
    written as text ("-5", "-1.50") are left alone."""
    if value and value[0] in _FIRST and value.startswith(FORMULA_STARTS):
        if value[0] in "-+" and value.isascii() and _is_number(value):
            return value
        if value[0] == "=" and _TEXT_CONSTANT.fullmatch(value):
            return value
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
        return True
    except ValueError:
        return False


def format_for(path: str | os.PathLike, fmt: str | None = None) -> str:
    if fmt:
        return fmt
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in ("xlsx", "xlsm"):
        return "xlsx"
    if suffix in ("csv", "txt", "tsv"):
        return "csv"
    raise ValueError(f"cannot tell the format of {Path(path).name}: use .csv or .xlsx")


def write_table(
    path: str | os.PathLike,
    columns: Sequence[Column],
    rows: Iterable[Mapping],
    *,
    fmt: str | None = None,
    encoding: str = "utf-8-sig",
    headers: str = "zh",
    sheet_name: str = "Sheet1",
    excel: bool = True,
) -> int:
    """Write rows to .csv or .xlsx; returns the number of rows written. The file appears whole or
    not at all (written beside, then renamed). `excel=False`: a CSV for programs (see csv_cell)."""
    fmt = format_for(path, fmt)
    if fmt == "xlsx":
        return write_workbook(path, [SheetData(sheet_name, columns, rows)], headers=headers)[0]
    return _atomic(path, lambda tmp: _write_csv(tmp, columns, rows, encoding, headers, excel))


def write_rows(path: str | os.PathLike, columns: Sequence[Column], rows: Iterable[Sequence], *,
               fmt: str | None = None, encoding: str = "utf-8-sig", headers: str = "zh", excel: bool = True) -> int:
    """write_table() of rows given as sequences in the columns' order (the SMS upload sheet's
    80,000 rows): the same file, without a mapping made and read for each row."""
    fmt = format_for(path, fmt)
    if fmt == "xlsx":
        keys = [c.key for c in columns]
        return write_table(path, columns, (dict(zip(keys, row)) for row in rows), fmt=fmt, headers=headers)
    return _atomic(path, lambda tmp: _write_csv(tmp, columns, rows, encoding, headers, excel, positional=True))


def write_workbook(path: str | os.PathLike, sheets: Sequence[SheetData], *, headers: str = "zh") -> list[int]:
    counts: list[int] = []
    _atomic(path, lambda tmp: counts.extend(_write_xlsx(tmp, sheets, headers)) or 0)
    return counts


def _atomic(path, writer) -> int:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        result = writer(Path(tmp))
        os.chmod(tmp, 0o600)  # results carry buyers' data: readable by the owner only
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return result


# ---------------------------------------------------------------- CSV

def _csv_encoding(encoding: str) -> str:
    lowered = encoding.lower().replace("-", "").replace("_", "")
    if lowered in ("gbk", "gb2312", "gb18030", "cp936"):
        return "gb18030"  # GBK-compatible, and can still write an emoji from a buyer message
    if lowered in ("utf8", "utf8sig"):
        return "utf-8-sig" if lowered == "utf8sig" or encoding == "utf-8-sig" else "utf-8"
    return encoding


def csv_cell(column: Column, value, headers: str = "zh", excel: bool = True) -> str:
    """One CSV cell. `excel`: written so a double-click in Excel/WPS keeps it (PRODUCT §4): an id,
    phone or code that Excel would turn into a number or a date (19-digit order numbers, 00123) is
    written the platform's way, ="…", which `import` reads back; False gives the plain form."""
    if value is None:
        return ""
    kind = column.kind
    if kind == K.MONEY:
        return f"{value / 100:.2f}" if isinstance(value, int) else neutralise(str(value))
    if kind == K.TIME:
        return _local_time_text(value)
    if kind == K.LIST:
        # every item, and the cell as a whole: a list whose first item is =HYPERLINK(…) is a formula
        text = "、".join(neutralise(_as_text(v)) for v in value) if isinstance(value, (list, tuple)) else str(value)
        return excel_text(text) if excel and excel_would_change(text, lossy_only=False) else neutralise(text)
    if kind == K.BOOL:
        if isinstance(value, str):  # already in words (labels.for_people)
            return value
        return ("是" if value else "否") if headers == "zh" else ("yes" if value else "no")
    if kind == K.INT and isinstance(value, int):
        return str(value)
    if kind == K.PERCENT and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value * 100:.1f}%" if excel else repr(value)  # Excel reads 42.3% as a percentage
    text = _as_text(value)
    if excel and excel_would_change(text, lossy_only=kind not in (K.ID, K.PHONE)):
        return excel_text(text)
    return neutralise(text)


_EXCEL_NUMBER = re.compile(r"[+-]?(?:\d[\d,]*\.?\d*|\.\d+)(?:[eE][+-]?\d+)?%?")
_EXCEL_DATE = re.compile(r"\d{1,4}[-/]\d{1,2}(?:[-/]\d{1,4})?|\d{1,2}:\d{2}(?::\d{2})?")


def excel_would_change(text: str, *, lossy_only: bool = False) -> bool:
    """Whether Excel/WPS, opening a CSV, would read `text` as a number or a date. With
    `lossy_only` (free text): only when that loses what it says — a leading zero, more digits
    than Excel keeps or shows (12+), an exponent, or a date; 5 or 12.5 stay numbers."""
    text = text.strip()
    if not text or len(text) > 255:
        return False
    if _EXCEL_DATE.fullmatch(text):
        return True
    if not _EXCEL_NUMBER.fullmatch(text):
        return False
    if not lossy_only:
        return True
    digits = re.sub(r"\D", "", text.split("e")[0].split("E")[0])
    return ((len(digits) > 1 and text.lstrip("+-").startswith("0") and not text.lstrip("+-").startswith("0."))
            or len(digits) >= 12 or "e" in text.lower())


def excel_text(text: str) -> str:
    """The platform's own way of keeping a cell text in Excel: ="…" (only digits and signs reach it)."""
    return '="' + text.strip().replace('"', '""') + '"'


def _as_text(value) -> str:
    if isinstance(value, (dict, list, tuple)):
        import json

        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _write_csv(path: Path, columns, rows, encoding: str, headers: str, excel: bool = True, *,
               positional: bool = False) -> int:
    count = 0
    cells = [(c.key, _csv_writer_for(c, headers, excel)) for c in columns]
    writers = [write for _, write in cells]
    with path.open("w", encoding=_csv_encoding(encoding), newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([c.header(headers) for c in columns])
        if positional:
            for row in rows:
                writer.writerow([write(value) if value is not None else "" for write, value in zip(writers, row)])
                count += 1
            return count
        for row in rows:
            get = row.get
            writer.writerow([write(value) if (value := get(key)) is not None else "" for key, write in cells])
            count += 1
    return count


def _csv_writer_for(column: Column, headers: str, excel: bool = True):
    """csv_cell for one column, its kind decided once per file (a million-row export calls it for
    every cell). Same text as csv_cell."""
    kind = column.kind
    if kind in (K.TEXT, K.ID, K.PHONE, K.NAME, K.ADDRESS):
        lossy_only = kind not in (K.ID, K.PHONE)

        def text_cell(value) -> str:
            if value.__class__ is not str:
                return csv_cell(column, value, headers, excel)
            if not value:
                return value
            first = value[0]
            # only a cell that starts like a number or a date can be changed by Excel
            starts_like_a_number = first in _NUMBER_START or first.isspace()
            if excel and starts_like_a_number and excel_would_change(value, lossy_only=lossy_only):
                return excel_text(value)
            return neutralise(value) if first in _FIRST else value
        return text_cell
    if kind == K.TIME:
        return _local_time_text
    return lambda value: csv_cell(column, value, headers, excel)


_NUMBER_START = frozenset("0123456789+-.")


def _local_time_text(value) -> str:
    """Staff read shop time; the offset stays in JSON and the database."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    text = str(value)
    if len(text) >= 19 and text[10] == "T" and text[4] == "-" and text[13] == ":" and text[16] == ":" \
            and text[:4].isdigit() and (len(text) == 19 or text[19] in "+-Z."):
        return text[:10] + " " + text[11:19]  # what fromisoformat + strftime write, without them
    try:
        return datetime.fromisoformat(text).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return neutralise(text)


# ---------------------------------------------------------------- xlsx

def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


_DEFAULT_WIDTH = {K.ID: 22, K.TIME: 20, K.MONEY: 12, K.INT: 10, K.PERCENT: 10, K.PHONE: 16, K.ADDRESS: 40,
                  K.NAME: 10}


def _write_xlsx(path: Path, sheets: Sequence[SheetData], headers: str) -> list[int]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    counts = []
    used_names: set[str] = set()
    for sheet in sheets:
        ws = workbook.create_sheet(_sheet_title(sheet.name, used_names))
        columns = list(sheet.columns)
        for index, column in enumerate(columns, start=1):
            width = column.width or max(
                display_width(column.header(headers)) + 4, _DEFAULT_WIDTH.get(column.kind, 14)
            )
            ws.column_dimensions[get_column_letter(index)].width = min(width, 60)
        ws.freeze_panes = "A2"
        header_cells = []
        for column in columns:
            cell = WriteOnlyCell(ws, value=column.header(headers))
            cell.font = bold
            header_cells.append(cell)
        ws.append(header_cells)
        count = 0
        for row in sheet.rows:
            ws.append([_xlsx_cell(ws, WriteOnlyCell, c, row.get(c.key), headers) for c in columns])
            count += 1
        last = get_column_letter(max(len(columns), 1))
        ws.auto_filter.ref = f"A1:{last}{count + 1}"
        counts.append(count)
    if not sheets:
        workbook.create_sheet("Sheet1")
    workbook.save(path)
    return counts


def _sheet_title(name: str, used: set[str]) -> str:
    title = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31] or "Sheet"
    base, n = title, 2
    while title in used:
        title = f"{base[:28]}_{n}"
        n += 1
    used.add(title)
    return title


def _xlsx_cell(ws, cell_type, column: Column, value, headers: str):
    kind = column.kind
    if value is None:
        return None
    if kind == K.MONEY and isinstance(value, int):
        cell = cell_type(ws, value=value / 100)
        cell.number_format = "#,##0.00"
        return cell
    if kind in (K.INT,) and isinstance(value, (int, float)):
        return value
    if kind == K.PERCENT and isinstance(value, (int, float)) and not isinstance(value, bool):
        cell = cell_type(ws, value=value)
        cell.number_format = "0.0%"
        return cell
    if kind == K.TIME:
        moment = value if isinstance(value, datetime) else _parse_iso(value)
        if moment is None:
            return _text_cell(ws, cell_type, str(value))
        cell = cell_type(ws, value=moment.replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
        return cell
    if kind == K.BOOL:
        if isinstance(value, str):  # already in words (labels.for_people)
            return value
        return ("是" if value else "否") if headers == "zh" else ("yes" if value else "no")
    if kind == K.LIST and isinstance(value, (list, tuple)):
        return _text_cell(ws, cell_type, "、".join(neutralise(_as_text(v)) for v in value))
    if isinstance(value, (int, float)) and kind not in (K.ID, K.PHONE):
        return value
    if kind in (K.ID, K.PHONE):
        cell = _text_cell(ws, cell_type, _as_text(value))
        cell.number_format = "@"  # stays text when staff edit it: no 1.23457E+18
        return cell
    text = neutralise(_as_text(value))
    # A plain str is written as a text cell (no cell object per value: a million-row export has
    # tens of millions); only a text that still starts with "=" (the platform's ="…") needs the
    # explicit type, or openpyxl would write it as a formula.
    return text if not text.startswith("=") else _text_cell(ws, cell_type, text)


def _text_cell(ws, cell_type, text: str):
    cell = cell_type(ws, value=neutralise(text))
    cell.data_type = "s"  # never a formula, whatever it starts with
    return cell


def _parse_iso(value) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None
