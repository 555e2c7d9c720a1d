"""Opening any export as rows: CSV (see csv_files.py), .xlsx and .xls.

The format is decided by the file's bytes, not its name (platforms name CSV files .xls); the
header row is found below any title rows (table.py). Hostile files are refused before they can
cost memory: oversized files, zip bombs posing as xlsx, binary junk, absurdly long cells.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import InputError
from .csv_files import open_csv
from .table import Limits, Table, position

__all__ = ["Limits", "Table", "file_digest", "open_table", "sniff_format", "unreadable"]

SAMPLE_BYTES = 1 << 20


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
        return open_csv(path, head, encoding, header_score, limits)
    if fmt == "xlsx":
        _check_zip(path, limits)
    return _open_workbook(path, fmt, sheet, header_score, limits)


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


_SUFFIXES = {"xlsx": (".xlsx", ".xlsm"), "xls": (".xls",)}


def _calamine(path: Path, fmt: str):
    """The workbook, read as what its bytes say it is: calamine goes by the name, and an .xlsx
    saved as .xls (or an .xls named .xlsx) is common."""
    from python_calamine import CalamineWorkbook

    if path.suffix.lower() in _SUFFIXES[fmt]:
        return CalamineWorkbook.from_path(str(path))
    with path.open("rb") as fh:
        return CalamineWorkbook.from_filelike(fh)


def _open_workbook(path: Path, fmt: str, sheet: str | None, header_score, limits: Limits) -> Table:
    try:
        workbook = _calamine(path, fmt)
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
                yield from enumerate(rows, start=1)
            except Exception as exc:
                raise InputError(f"cannot read the sheet: {_short(exc)}", file=str(path)) from None

        try:
            return position(path, fmt, None, name, records(), header_score, limits)
        except InputError as exc:
            if sheet is not None:
                raise
            last_error = exc
    raise last_error or InputError("the workbook has no sheets", file=str(path))


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


