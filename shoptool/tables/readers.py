"""Opening any export as rows: CSV (see csv_files.py), .xlsx and .xls, JSON results (json_files.py).

The format is decided by the file's bytes, not its name (platforms name CSV files .xls); the
header row is found below any title rows (table.py). Hostile files are refused before they can
cost memory: oversized files, zip bombs posing as xlsx, binary junk, absurdly long cells.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import InputError
from .csv_files import open_csv
from .table import Limits, Table, long_cell, position
from .xlsx_stream import FAR, extent

__all__ = ["Limits", "Table", "file_digest", "open_table", "sniff_format", "unreadable"]

SAMPLE_BYTES = 1 << 20


def unreadable(path: Path, exc: OSError) -> InputError:
    if isinstance(exc, FileNotFoundError):
        return InputError("file not found", file=str(path))
    if isinstance(exc, IsADirectoryError):
        return InputError("is a folder, not a file", file=str(path))
    return InputError(f"cannot read the file ({exc.strerror or exc})", file=str(path))


def regular_file(path: Path) -> int:
    """The file's size, after making sure it is a plain file: a FIFO would block the import for
    ever and /dev/zero never ends, so anything else is refused before it is opened."""
    import stat

    try:
        info = path.stat()
    except OSError as exc:
        raise unreadable(path, exc) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError("is a folder, not a file", file=str(path))
    if not stat.S_ISREG(info.st_mode):
        what = ("a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else
                "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else
                "a socket" if stat.S_ISSOCK(info.st_mode) else "not a regular file")
        raise InputError(f"{what}, not an export file: refused unread", file=str(path))
    return info.st_size


def file_digest(path: Path, max_size: int | None = None) -> tuple[str, int]:
    """SHA-256 and size of the file's bytes: what the import log remembers to spot a re-import.
    Only plain files are read, and never more than `max_size` bytes."""
    import hashlib

    size = regular_file(path)
    if max_size is not None and size > max_size:
        raise _too_big(path, size, max_size)
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


def _too_big(path: Path, size: int, limit: int) -> InputError:
    return InputError(f"the file is {size / 1024**2:.0f} MB, more than the {limit / 1024**2:.0f} MB "
                      "allowed (setting import.max_file_size)", file=str(path))


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
    if stripped[:1] in (b"{", b"["):  # a JSON result saved to a file (json_files.py)
        return "json"
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
    size = regular_file(path)
    if size == 0:
        raise InputError("the file is empty", file=str(path))
    if size > limits.max_file_size:
        raise _too_big(path, size, limits.max_file_size)
    try:
        with path.open("rb") as fh:
            head = fh.read(SAMPLE_BYTES)
    except OSError as exc:
        raise unreadable(path, exc) from None
    fmt = sniff_format(path, head)
    if fmt == "json":
        from .json_files import NotJson, open_json

        try:
            return open_json(path, head, encoding, header_score, limits)
        except NotJson:  # a sheet whose first cell starts with { or [
            return open_csv(path, head, encoding, header_score, limits)
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


# A sheet's extent is read from its XML before calamine lays it out as a dense grid (the reasons:
# xlsx_stream.FAR).
_CELL_BYTES = 32
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
_FAR = FAR


def _check_extent(path: Path, infos: list, limits: Limits, *, big: bool = False) -> None:
    """Sheets bigger than limits.xlsx_stream_from are read in pieces, and each piece is checked
    as it is read (_SheetGuard): one pass over the XML instead of two. `big`: check those (for a
    workbook calamine reads whole after all)."""
    budget = limits.max_xlsx_expanded // _CELL_BYTES
    sheets = [i for i in infos if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")
              and (i.file_size > limits.xlsx_stream_from) is big]
    try:
        with zipfile.ZipFile(path) as archive:
            for info in sheets:
                if not any(_FAR.search(chunk) for chunk in _xml_chunks(archive, info)):
                    continue
                rows, columns = sheet_extent(archive, info)
                _refuse_extent(path, info.filename, rows, columns, budget)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, zlib.error):
        raise InputError("damaged xlsx file: a sheet cannot be unpacked", file=str(path)) from None


def _refuse_extent(path: Path, part: str, rows: int, columns: int, budget: int) -> None:
    if rows > EXCEL_ROWS or columns > EXCEL_COLUMNS:
        raise InputError(
            f"a sheet ({part}) claims row {rows:,} or column {columns:,}, beyond Excel's "
            f"{EXCEL_ROWS:,} rows and {EXCEL_COLUMNS:,} columns: refused as damaged or hostile",
            file=str(path), hint="copy the data into a new workbook and save it again",
        )
    if rows * columns > budget:
        raise InputError(
            f"a sheet ({part}) has cells as far as row {rows:,}, column {columns:,}: "
            f"{rows * columns:,} cells to lay out, more than allowed (setting import.max_xlsx_expanded); "
            "refused as damaged or hostile", file=str(path),
            hint="copy the data into a new workbook and save it again",
        )


class _SheetGuard:
    """What the streaming reader (xlsx_stream.iter_rows) asks before calamine lays out a piece
    of a big sheet, and of the rows it gives: the sheet's extent as _check_extent reckons it
    (the furthest row and column so far), and, once `start` is called (below the header), cells
    longer than the limit. Only a piece that could hold one has its rows measured: a cell whose
    XML is longer than the limit (a character is at least a byte, and a cell's text, rich runs
    and all, lies inside it), or a shared-string cell when the table holds a long string."""

    def __init__(self, path: Path, part: str, limits: Limits):
        self.path, self.part = path, part
        self.max_cell = limits.max_cell_length
        self.budget = limits.max_xlsx_expanded // _CELL_BYTES
        self.checking = False
        self.rows = self.columns = 0
        self._long_shared = False

    def start(self) -> None:
        self.checking = True

    def strings(self, strings: list[str]) -> None:
        self._long_shared = max(map(len, strings), default=0) > self.max_cell

    def piece(self, piece: bytes, extent: tuple[int, int] | None, last_row: int) -> bool:
        """Refuse a piece too far out (`extent`: its furthest row and column, when it has cells
        beyond column Z or row 999,999); True when its rows are to be measured."""
        if extent is not None:
            self.rows, self.columns = max(self.rows, extent[0], last_row), max(self.columns, extent[1])
            _refuse_extent(self.path, self.part, self.rows, self.columns, self.budget)
        elif self.columns > 26:  # wide cells seen before: the rows still count
            self.rows = max(self.rows, last_row)
            _refuse_extent(self.path, self.part, self.rows, self.columns, self.budget)
        return _long_cell(piece, self.max_cell) or (self._long_shared and b't="s"' in piece)

    def done(self, last_row: int) -> None:
        if self.columns > 26:
            self.rows = max(self.rows, last_row)
            _refuse_extent(self.path, self.part, self.rows, self.columns, self.budget)

    def check(self, number: int, row: list) -> None:
        from .xlsx_stream import CellTooLong

        if self.checking and max(map(_length, row), default=0) > self.max_cell:
            raise CellTooLong(number, row)


def _long_cell(data: bytes, limit: int) -> bool:
    """Whether `data` (whole rows) may hold a cell of more than `limit` characters: a stretch of
    limit // 2 bytes with no cell's end (</c>) in it. Such a cell's XML is longer than `limit`
    bytes, so it covers one of the positions looked at (every limit // 2 bytes) and the end after
    that one is further on than limit // 2. A find bounded to that stretch reads a few dozen bytes
    (the next cell's end): for megabytes a hundred small finds, where a scan of every byte for
    long text runs or rich text (</r>) cost a twentieth of reading a 千牛 export. A sheet whose
    cells end otherwise (a namespace prefix) has every piece measured."""
    step = max(limit // 2, 1)
    find = data.find
    for at in range(0, len(data) - step, step):
        if find(b"</c>", at, at + step + 4) < 0:
            return True
    return False


def _length(cell) -> int:
    return len(cell) if cell.__class__ is str else 0


def sheet_extent(archive: zipfile.ZipFile, info) -> tuple[int, int]:
    return extent(lambda: _xml_chunks(archive, info))


def _xml_chunks(archive: zipfile.ZipFile, info, size: int = 1 << 22) -> Iterator[bytes]:
    """The part's bytes in pieces cut after a tag's end (>), so no tag is cut in two or seen twice."""
    rest = b""
    with archive.open(info) as fh:
        while chunk := fh.read(size):
            data = rest + chunk
            cut = data.rfind(b">") + 1
            if cut == 0 and len(data) < 1 << 24:
                rest = data
                continue
            rest = data[cut:] if cut else b""
            yield data[:cut] if cut else data
        if rest:
            yield rest


_SUFFIXES = {"xlsx": (".xlsx", ".xlsm"), "xls": (".xls",)}


def _calamine(path: Path, fmt: str):
    """The workbook, read as what its bytes say it is: calamine goes by the name, and an .xlsx
    saved as .xls (or an .xls named .xlsx) is common."""
    from python_calamine import CalamineWorkbook

    if path.suffix.lower() in _SUFFIXES[fmt]:
        return CalamineWorkbook.from_path(str(path))
    with path.open("rb") as fh:
        return CalamineWorkbook.from_filelike(fh)


def _streamed_sheets(path: Path, limits: Limits) -> dict[str, str] | None:
    """{sheet name: part} when the workbook's biggest sheet is too big for calamine's in-memory
    layout (limits.xlsx_stream_from), else None."""
    from .xlsx_stream import sheet_parts

    try:
        with zipfile.ZipFile(path) as archive:
            biggest = max((i.file_size for i in archive.infolist() if i.filename.startswith("xl/worksheets/")),
                          default=0)
            if biggest <= limits.xlsx_stream_from:
                return None
            return sheet_parts(archive)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, NotImplementedError, zlib.error):
        return None  # calamine says what is wrong with it


def _open_streamed(path: Path, parts: dict[str, str], sheet: str | None, header_score, limits: Limits) -> Table:
    from .xlsx_stream import CellTooLong, iter_rows

    names = list(parts)
    candidates = _candidates(path, names, sheet)
    last_error: InputError | None = None
    for name in candidates:
        archive = zipfile.ZipFile(path)
        # the reader checks each piece's extent, and refuses over-long cells below the header
        # itself, measuring only the pieces that could hold one (a check of every cell by
        # `position` cost a tenth of the import)
        guard = _SheetGuard(path, parts[name], limits)

        def records(archive=archive, part=parts[name], guard=guard) -> Iterator[tuple[int, list]]:
            try:
                yield from iter_rows(archive, part, guard)
            except (CellTooLong, InputError):
                raise
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error, KeyError) as exc:
                raise InputError(f"cannot read the sheet: {_short(exc)}", file=str(path)) from None
            finally:
                archive.close()

        def explain(exc: Exception, number: int, header: list[str] | None) -> InputError | None:
            if isinstance(exc, CellTooLong) and header is not None:
                return long_cell(path, header, exc.number, exc.record, limits.max_cell_length)
            return None

        try:
            table = position(path, "xlsx", None, name, records(), header_score, limits, explain=explain,
                             measure=False, on_header=guard.start)
        except InputError as exc:
            archive.close()
            if sheet is not None:
                raise
            last_error = exc
            continue
        table._closers.append(archive.close)
        return table
    raise last_error or InputError("the workbook has no sheets", file=str(path))


def _candidates(path: Path, names: list[str], sheet: str | None) -> list[str]:
    if sheet is None:
        return names
    if sheet in names:
        return [sheet]
    if sheet.isdigit() and 1 <= int(sheet) <= len(names):
        return [names[int(sheet) - 1]]
    raise InputError(f"no sheet {sheet!r}; sheets: {', '.join(names)}", file=str(path))


def _open_workbook(path: Path, fmt: str, sheet: str | None, header_score, limits: Limits) -> Table:
    if fmt == "xlsx":
        parts = _streamed_sheets(path, limits)
        if parts:
            return _open_streamed(path, parts, sheet, header_score, limits)
        with zipfile.ZipFile(path) as archive:  # read by _check_zip: a valid zip
            _check_extent(path, archive.infolist(), limits, big=True)
    try:
        workbook = _calamine(path, fmt)
        names = list(workbook.sheet_names)
    except Exception as exc:  # calamine raises its own family and plain errors for junk
        raise InputError(f"cannot read this {fmt} file: {_short(exc)}", file=str(path)) from None
    candidates = _candidates(path, names, sheet)
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


