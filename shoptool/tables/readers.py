"""Opening any export as rows: CSV in UTF-8/UTF-8-BOM/GBK/GB18030/UTF-16, .xlsx and .xls.

The format is decided by the file's bytes, not its name (platforms name CSV files .xls). The
header row is found by what it says, below any title rows. Hostile files are refused before they
can cost memory: oversized files, zip bombs posing as xlsx, binary junk, absurdly long cells.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from ..errors import InputError

HEADER_SCAN_ROWS = 30
SAMPLE_BYTES = 1 << 20


@dataclass
class Limits:
    max_file_size: int = 512 * 1024**2
    max_cell_length: int = 32767
    max_xlsx_expanded: int = 2 * 1024**3
    max_xlsx_ratio: int = 200


@dataclass
class Table:
    path: Path
    format: str  # csv | xlsx | xls
    encoding: str | None
    sheet: str | None
    header: list[str]
    header_row: int  # 1-based, as Excel numbers rows
    rows: Iterator[tuple[int, list]]  # (row number, cells), blank rows skipped
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for closer in self._closers:
            closer()
        self._closers.clear()

    def __enter__(self) -> "Table":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def unreadable(path: Path, exc: OSError) -> InputError:
    if isinstance(exc, FileNotFoundError):
        return InputError("file not found", file=str(path))
    if isinstance(exc, IsADirectoryError):
        return InputError("is a folder, not a file", file=str(path))
    return InputError(f"cannot read the file ({exc.strerror or exc})", file=str(path))


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 and size of the file's bytes: what the import log remembers to spot a re-import."""
    import hashlib

    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except OSError as exc:
        raise unreadable(path, exc) from None
    return digest.hexdigest(), size


def sniff_format(path: Path, head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<html", b"<!doctype", b"<table", b"<?xml")):
        raise InputError(
            "this is a web page (HTML/XML) saved with a spreadsheet name, not a spreadsheet",
            file=str(path), hint="open it in Excel or WPS and save it as .xlsx or .csv",
        )
    if head.startswith(b"PK"):
        raise InputError("damaged or truncated zip/xlsx file", file=str(path))
    return "csv"


def open_table(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    header_score: Callable[[list[str]], float],
    limits: Limits | None = None,
) -> Table:
    """Open a file and position it just below its header row (the best-scoring of the first rows)."""
    path = Path(path)
    limits = limits or Limits()
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(SAMPLE_BYTES)
    except OSError as exc:
        raise unreadable(path, exc) from None
    if size == 0:
        raise InputError("the file is empty", file=str(path))
    if size > limits.max_file_size:
        raise InputError(
            f"the file is {size / 1024**2:.0f} MB, more than the {limits.max_file_size / 1024**2:.0f} MB "
            "allowed (setting import.max_file_size)", file=str(path),
        )
    fmt = sniff_format(path, head)
    if fmt == "csv":
        return _open_csv(path, head, encoding, header_score, limits)
    if fmt == "xlsx":
        _check_zip(path, limits)
    return _open_workbook(path, fmt, sheet, header_score, limits)


# ---------------------------------------------------------------- CSV

def detect_encoding(head: bytes, path: Path) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise InputError(
            "binary data, not a CSV or Excel file", file=str(path),
            hint="export the sheet again as .csv or .xlsx",
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
        return "gb18030"  # a superset of GBK and GB2312: what Chinese Excel writes
    except UnicodeDecodeError:
        raise InputError(
            "unknown text encoding (neither UTF-8 nor GBK/GB18030)", file=str(path),
            hint="pass --encoding, or save the file again as 'CSV UTF-8'",
        ) from None


def _open_csv(path: Path, head: bytes, encoding: str | None, header_score, limits: Limits) -> Table:
    if encoding:
        try:
            known = codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r}", file=str(path)) from None
        if not getattr(known, "_is_text_encoding", True):  # rot13, base64, zlib: codecs, not encodings
            raise InputError(f"{encoding!r} is not a text encoding", file=str(path))
    chosen = encoding or detect_encoding(head, path)
    sample = head.decode(chosen, errors="replace")
    first_line = sample.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    # The csv module refuses an over-long cell in C, so no data row needs measuring in Python (the
    # error path below finds the column). Title rows above the header may be longer.
    csv.field_size_limit(max(limits.max_cell_length * 4 + 16, 131072))
    # Only the first MB is sniffed for binary data; a NUL further down (a damaged file, or any
    # NUL with --encoding given) would otherwise land in the database inside a cell. Where NUL is
    # the byte 0 and no other character holds one (UTF-8, GBK…), bytes are searched, in C;
    # otherwise (UTF-16, UTF-7…) the decoded lines are.
    nul_is_byte = "a\x00b".encode(chosen).endswith(b"a\x00b")
    raw = path.open("rb", buffering=0)
    fh = io.TextIOWrapper(io.BufferedReader(_NulGuard(raw) if nul_is_byte else raw, 1 << 20),
                          encoding=chosen, newline="", errors="strict")
    fh._CHUNK_SIZE = 1 << 16  # decode 64 KiB at a time rather than 8: a few % of a big import
    reader = csv.reader(fh if nul_is_byte else _nul_checked(fh), delimiter=delimiter)

    def explain(exc: Exception, row: int, header: list[str] | None) -> InputError | None:
        if isinstance(exc, _NulFound):
            return InputError("binary data (a NUL character): the file is damaged or not a text export",
                              file=str(path), row=row, hint="export the sheet again as .csv or .xlsx")
        if isinstance(exc, UnicodeError):  # UnicodeDecodeError, or UTF-16/32 given without a BOM
            # text is decoded 64 KiB at a time: find the row itself
            row = (_undecodable_row(path, chosen, delimiter) if nul_is_byte else None) or row
            return InputError(f"not valid {display_encoding(chosen)} text after row {row - 1}",
                              file=str(path), row=row, hint="pass --encoding gbk or --encoding utf-8")
        if isinstance(exc, csv.Error):
            if "field larger than field limit" in str(exc):
                return _long_cell(path, chosen, delimiter, row, limits.max_cell_length, header or header_score)
            return InputError(str(exc), file=str(path), row=row)
        return None

    def strict_below_header() -> None:
        csv.field_size_limit(limits.max_cell_length)

    # zip/count run in C: this iterator feeds every row of a million-row file
    table = _position(path, "csv", display_encoding(chosen), None, zip(itertools.count(1), reader),
                      header_score, limits, explain=explain, measure=False, on_header=strict_below_header)
    table._closers.append(fh.close)
    return table


class _NulFound(Exception):
    pass


class _NulGuard(io.RawIOBase):
    """The file's bytes, refused from the line holding a NUL. Checked a buffer at a time (in C),
    for encodings where a 0 byte can only be NUL. The lines before it are still delivered, so the
    reader fails on the right row."""

    def __init__(self, raw):
        self._raw = raw
        self._found = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._found:
            raise _NulFound
        data = self._raw.read(len(buffer))
        at = data.find(b"\x00")
        if at >= 0:
            self._found = True
            data = data[:max(data.rfind(b"\n", 0, at), data.rfind(b"\r", 0, at)) + 1]
            if not data:
                raise _NulFound
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


def _nul_checked(lines) -> Iterator[str]:
    for line in lines:
        if "\x00" in line:
            raise _NulFound
        yield line


def _undecodable_row(path: Path, encoding: str, delimiter: str) -> int | None:
    """The row holding the first bytes that are not text in `encoding`, found by decoding line by
    line (an error path; only for encodings where a line break is always the byte 10)."""
    decoder = codecs.getincrementaldecoder(encoding)()

    def lines() -> Iterator[str]:
        with path.open("rb") as fh:
            for line in fh:
                yield decoder.decode(line)

    previous = csv.field_size_limit(sys.maxsize)
    rows = 0
    try:
        for _ in csv.reader(lines(), delimiter=delimiter):
            rows += 1
    except UnicodeError:
        return rows + 1
    except (csv.Error, OSError):
        return None
    finally:
        csv.field_size_limit(previous)
    return None


def _long_cell(path: Path, encoding: str, delimiter: str, row: int, max_cell: int,
               header: list[str] | Callable[[list[str]], float]) -> InputError:
    """The error path of an over-long cell: read the file again, without the limit, to name the
    column as well as the row. While the header row is still being looked for, `header` is the
    scorer that finds it."""
    previous = csv.field_size_limit(sys.maxsize)
    try:
        with path.open("r", encoding=encoding, newline="", errors="replace") as fh:
            above: list[list[str]] = []
            for number, record in enumerate(csv.reader(fh, delimiter=delimiter), start=1):
                if number < row:
                    if callable(header) and number <= HEADER_SCAN_ROWS:
                        above.append([cell.strip() for cell in record])
                    continue
                if callable(header):
                    header = max(above, key=header, default=[])
                for position, cell in enumerate(record):
                    if len(cell) > max_cell:
                        named = position < len(header) and header[position]
                        return InputError(f"cell of {len(cell)} characters, more than the {max_cell} allowed",
                                          file=str(path), row=row, column=named or f"#{position + 1}")
                break
    finally:
        csv.field_size_limit(previous)
    return InputError(f"a cell is longer than {max_cell} characters", file=str(path), row=row)


def display_encoding(name: str) -> str:
    return {"utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "gb18030": "GBK/GB18030", "utf-16": "UTF-16"}.get(
        name, name
    )


# ---------------------------------------------------------------- Excel

def _check_zip(path: Path, limits: Limits) -> None:
    """Read the zip's declared sizes before any XML is parsed: a bomb is refused unopened."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, OSError):
        # NotImplementedError: a damaged header can claim a zip version Python does not support
        raise InputError("damaged or truncated xlsx file (not a valid zip)", file=str(path)) from None
    total = sum(info.file_size for info in infos)
    if total > limits.max_xlsx_expanded:
        raise InputError(
            f"the workbook unpacks to {total / 1024**2:.0f} MB, more than allowed "
            "(setting import.max_xlsx_expanded): refused as a possible zip bomb", file=str(path),
        )
    for info in infos:
        if info.file_size > 8 * 1024**2 and info.file_size > limits.max_xlsx_ratio * max(info.compress_size, 1):
            raise InputError(
                f"part {info.filename} is compressed {info.file_size // max(info.compress_size, 1)} times: "
                "refused as a possible zip bomb", file=str(path),
            )
    if not any(info.filename.startswith("xl/") for info in infos):
        raise InputError("a zip file, but not an Excel workbook", file=str(path))
    _check_extent(path, infos, limits)


# calamine builds a sheet as a dense grid of its used range (about 32 bytes a cell) and a failed
# Rust allocation aborts the whole process: one stray cell at XFD1048576 would kill this run, and
# every cron run after it, instead of refusing the file. Sheets whose cells are all in columns A–Z
# and rows below 2,000,000 are safe (at most 52M cells), so that is all the fast scan looks for.
_CELL_BYTES = 32
_FAR_CELL = re.compile(rb' r="[A-Z](?:[A-Z]|[2-9]\d{6}|\d{8})')
_CELL_REF = re.compile(rb' r="([A-Z]{1,3})(\d{1,10})"')


def _check_extent(path: Path, infos: list, limits: Limits) -> None:
    budget = limits.max_xlsx_expanded // _CELL_BYTES
    sheets = [i for i in infos if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")]
    try:
        with zipfile.ZipFile(path) as archive:
            for info in sheets:
                if not any(_FAR_CELL.search(chunk) for chunk in _xml_chunks(archive, info)):
                    continue
                rows = columns = 0
                for chunk in _xml_chunks(archive, info):
                    for letters, digits in _CELL_REF.findall(chunk):
                        rows = max(rows, int(digits))
                        columns = max(columns, _column_number(letters))
                if rows * columns > budget:
                    raise InputError(
                        f"a sheet ({info.filename}) has cells as far as row {rows:,}, column {columns:,}: "
                        f"{rows * columns:,} cells to lay out, more than allowed (setting import.max_xlsx_expanded); "
                        "refused as damaged or hostile", file=str(path),
                        hint="copy the data into a new workbook and save it again",
                    )
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, zlib.error):
        raise InputError("damaged xlsx file: a sheet cannot be unpacked", file=str(path)) from None


def _xml_chunks(archive: zipfile.ZipFile, info, size: int = 1 << 22) -> Iterator[bytes]:
    """The part's bytes in pieces that overlap by a few bytes, so no cell reference is cut in two."""
    tail = b""
    with archive.open(info) as fh:
        while chunk := fh.read(size):
            yield tail + chunk
            tail = chunk[-24:]


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _open_workbook(path: Path, fmt: str, sheet: str | None, header_score, limits: Limits) -> Table:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = list(workbook.sheet_names)
    except Exception as exc:  # calamine raises its own family and plain errors for junk
        raise InputError(f"cannot read this {fmt} file: {_short(exc)}", file=str(path)) from None
    if sheet is not None:
        if sheet in names:
            candidates = [sheet]
        elif sheet.isdigit() and 1 <= int(sheet) <= len(names):
            candidates = [names[int(sheet) - 1]]
        else:
            raise InputError(f"no sheet {sheet!r}; sheets: {', '.join(names)}", file=str(path))
    else:
        candidates = names
    last_error: InputError | None = None
    for name in candidates:
        try:
            rows = workbook.get_sheet_by_name(name).iter_rows()
        except Exception as exc:
            raise InputError(f"cannot read sheet {name!r}: {_short(exc)}", file=str(path)) from None

        def records(rows=rows) -> Iterator[tuple[int, list]]:
            try:
                for number, record in enumerate(rows, start=1):
                    yield number, record
            except Exception as exc:
                raise InputError(f"cannot read the sheet: {_short(exc)}", file=str(path)) from None

        try:
            return _position(path, fmt, None, name, records(), header_score, limits)
        except InputError as exc:
            if sheet is not None:
                raise
            last_error = exc
    raise last_error or InputError("the workbook has no sheets", file=str(path))


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


# ---------------------------------------------------------------- header

def _position(path, fmt, encoding, sheet, records, header_score, limits: Limits, *,
              explain: Callable[[Exception, int, list[str] | None], InputError | None] | None = None,
              measure: bool = True, on_header: Callable[[], None] | None = None) -> Table:
    """`records` yields (row number, cells). `explain` turns a reading error at a row into an
    InputError naming it; `measure=False` when the reader itself refuses over-long cells below
    the header, from when `on_header` is called (the rows scanned for the header are measured)."""
    buffered: list[tuple[int, list]] = []
    number = 0
    header: list[str] | None = None

    def failed(exc: Exception) -> Exception:
        return (explain(exc, number + 1, header) if explain else None) or exc

    try:
        for number, record in records:
            buffered.append((number, record))
            if len(buffered) >= HEADER_SCAN_ROWS:
                break
    except Exception as exc:
        raise failed(exc) from None
    best_index, best_score = -1, 0.0
    for index, (_, record) in enumerate(buffered):
        score = header_score([_header_text(c) for c in record])
        if score > best_score:
            best_index, best_score = index, score
    where = f" (sheet {sheet})" if sheet else ""
    if best_index < 0:
        raise InputError(
            f"no recognisable header row in the first {HEADER_SCAN_ROWS} rows{where}",
            file=str(path), hint="check the file is a platform/ERP export, or pass --as KIND",
        )
    header_number, header_cells = buffered[best_index]
    header = [_header_text(c) for c in header_cells]
    max_cell = limits.max_cell_length
    if on_header:
        on_header()

    def too_long(number: int, record: list) -> InputError:
        position = next(i for i, cell in enumerate(record) if _length(cell) > max_cell)
        column = header[position] if position < len(header) and header[position] else f"#{position + 1}"
        return InputError(f"cell of {_length(record[position])} characters, more than the {max_cell} allowed",
                          file=str(path), row=number, column=column)

    def data_rows() -> Iterator[tuple[int, list]]:
        nonlocal number
        for number, record in buffered[best_index + 1:]:
            if any(record):
                if max(map(_length, record)) > max_cell:
                    raise too_long(number, record)
                yield number, record
        # This loop sees every row of a million-row file: only C calls (any, max/map) per row.
        try:
            if measure:
                for number, record in records:
                    if any(record):
                        if max(map(_length, record)) > max_cell:
                            raise too_long(number, record)
                        yield number, record
            else:
                for number, record in records:
                    if any(record):
                        yield number, record
        except InputError:
            raise
        except Exception as exc:
            raise failed(exc) from None

    return Table(path, fmt, encoding, sheet, header, header_number, data_rows())


def _length(cell) -> int:
    return len(cell) if cell.__class__ is str else 0


def _header_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


