"""Reading a big .xlsx sheet row by row, in bounded memory (issue #25).

python-calamine lays a whole sheet out in memory before the first row comes back (1.76 GB for a
million-row 千牛 export). This cuts the sheet's XML, as it is unzipped, into pieces of a couple of
MB (each after a row's end) and has calamine read each piece as a workbook of its own: calamine's
own cells, at calamine's speed, in memory bounded by the piece. Rows are numbered from 1 as in the
sheet, columns from the sheet's first used column (its <dimension>). readers.py chooses this path
by the sheet's unpacked size (setting import.xlsx_stream_from); smaller sheets keep calamine.
Shared strings are held as one list (inline strings, which streaming writers such as POI SXSSF
and openpyxl write_only use, need none).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator

from .heap import reuse_big_buffers
from .xlsx_xml import (  # noqa: F401  (sheet_parts, FAR, extent: this module's public names too)
    _DIMENSION,
    _ROW_NUMBER,
    CHUNK,
    FAR,
    _Cells,
    _column,
    date_styles,
    extent,
    shared_strings,
    sheet_parts,
)
from .xlsx_xml import regex_rows as _regex_rows

# Small pieces read fastest (what calamine lays out stays in the CPU's caches: 1–4 MB measured
# alike, 16 MB 20% slower); each piece also parses the workbook's styles again, so a piece is at
# least PIECE_PER_PARTS times those.
PIECE_BYTES = 2 << 20
PIECE_PER_PARTS = 16
# A piece whose rows calamine would lay out as more cells than this (a sheet that leaves a
# million rows out, a stray cell far right) is read by xlsx_xml's parser, which needs no grid.
PIECE_CELLS = 4_000_000
# Shared-string cells are handed to calamine as formula text behind this mark (a private-use
# character), so no piece needs the shared-string table: each is looked up here instead.
_MARK = "\ue000"
_MARK_BYTES = _MARK.encode()
# The type is the last attribute in what Excel, WPS, POI and openpyxl write; a piece with another
# order is read by the parser (a regular expression's replacement template runs in Python).
_SHARED_CELL = b' t="s"><v>'
_SHARED_AS_TEXT = b' t="str"><v>' + _MARK_BYTES
# Below this many shared strings, a marked cell is looked up in a dict of the marked spellings
# (C speed, about 100 bytes a string); above it, cell by cell.
_LOOKUP_STRINGS = 300_000
_PIECE_PARTS = ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                "xl/styles.xml")
_DIMENSION_TAG = re.compile(rb"<(?:\w+:)?dimension\b[^>]*>")


class CellTooLong(Exception):
    def __init__(self, number: int, record: list):
        super().__init__(f"row {number}: a cell is too long")
        self.number = number
        self.record = record


def iter_rows(archive: zipfile.ZipFile, part: str, guard=None) -> Iterator[tuple[int, list]]:
    """(row number, cells) of one sheet, every row from 1 to the last, blank ones as [].

    The sheet's XML is cut after a row every PIECE_BYTES and each piece is read by calamine as a
    workbook of its own (the sheet's head, a slice of its rows, the workbook's styles and date
    system): calamine's own cells at calamine's speed, in memory bounded by the piece. A piece
    calamine cannot take alone (a shared-string cell of an unusual shape, text holding the mark)
    is read by xlsx_xml's parser. A `guard` (readers._SheetGuard) sees the shared
    strings, each piece before it is read (it may refuse it; True: measure its rows) and the
    rows of the pieces it asked to measure (an over-long cell raises CellTooLong)."""
    reuse_big_buffers()  # pieces of a few MB, hundreds of times: on the heap, not fresh pages
    name = next((n for n, p in sheet_parts(archive).items() if p == part), None)
    cells = _Cells(shared_strings(archive), date_styles(archive))
    parts = {}
    for piece_part in _PIECE_PARTS:
        try:
            parts[piece_part] = archive.read(piece_part)
        except (KeyError, zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError):
            pass  # missing or damaged: calamine reads without it, or the parser reads the pieces
    number = 0  # the last row yielded
    first_column = 0
    with archive.open(part) as fh:
        head, data = _head(fh)
        if head is None:  # no <sheetData>: the parser says what there is
            yield from _regex_rows(data, cells, first_column, 0)
            return
        found = _DIMENSION.search(head)
        if found:
            first_column = _column(found.group(1))
        head = _DIMENSION_TAG.sub(b"", head)
        if guard is not None:
            guard.strings(cells.strings)
        size = max(PIECE_BYTES, PIECE_PER_PARTS * sum(map(len, parts.values())))
        for piece in _pieces(fh, data, size):
            far = extent(lambda piece=piece: (piece,)) if FAR.search(piece) else None
            suspect = guard is not None and guard.piece(piece, far, number)
            if name is None or parts.get("xl/workbook.xml") is None or _grid(piece, far) > PIECE_CELLS:
                rows = _regex_rows(piece, cells, first_column, number)
            else:
                rows = _calamine_rows(parts, part, name, head, piece, cells, first_column, number)
            if rows.__class__ is tuple and not suspect:  # (first row's number, rows): no row to measure
                first, rows = rows
                while number + 1 < first:  # rows the sheet leaves out are blank
                    number += 1
                    yield number, []
                if rows:
                    yield from zip(range(first, first + len(rows)), rows)
                    number = first + len(rows) - 1
                continue
            for row_number, row in (enumerate(rows[1], rows[0]) if rows.__class__ is tuple else rows):
                while number + 1 < row_number:
                    number += 1
                    yield number, []
                number = row_number
                if suspect:
                    guard.check(row_number, row)
                yield row_number, row
        if guard is not None:
            guard.done(number)


def _grid(piece: bytes, far: tuple[int, int] | None) -> int:
    """About how many cells calamine would lay out for the piece: its rows from the first to the
    last (a sheet may leave thousands out between two) by its furthest column."""
    first = _ROW_NUMBER.search(piece, 0, piece.find(b">") + 1)
    last_tag = piece.rfind(b"<row ")
    last = _ROW_NUMBER.search(piece, last_tag, piece.find(b">", last_tag) + 1) if last_tag >= 0 else None
    if first is None or last is None:
        # a piece that starts or ends with a row without its number: calamine would count rows
        # from the piece's start, the parser counts on from the rows before
        return PIECE_CELLS + 1
    rows = int(last.group(1)) - int(first.group(1)) + 1
    if far is not None:
        rows = max(rows, far[0] - int(first.group(1)) + 1)
    return rows * (far[1] if far is not None else 26)


def _pieces(fh, data: bytes, size: int) -> Iterator[bytes]:
    """The rows of <sheetData> in pieces of about `size` bytes, each cut after a row's end
    (</row>); `data` is what was read after <sheetData>."""
    ended = False
    while True:
        end = data.find(b"</sheetData")
        if end >= 0:
            data, ended = data[:end], True
        while len(data) >= size or (ended and data):
            cut = data.rfind(b"</row>", 0, size) + 6
            if cut < 6:
                cut = data.find(b"</row>", size) + 6
            if cut < 6:
                if not ended:
                    break  # a row longer than a piece: read on
                cut = len(data)
            yield data[:cut]
            data = data[cut:]
        if ended:
            return
        chunk = fh.read(max(size, CHUNK))
        if not chunk:
            ended = True
        data += chunk


def _head(fh) -> tuple[bytes | None, bytes]:
    """(the sheet's XML up to and including <sheetData…>, what was read after it); (None, all
    of it) for a sheet without one."""
    data = b""
    while chunk := fh.read(CHUNK):
        data += chunk
        start = data.find(b"<sheetData")
        if start >= 0:
            end = data.find(b">", start)
            if end >= 0:
                if data[end - 1:end] == b"/":  # <sheetData/>: no rows at all
                    return data[:end - 1] + b">", b""
                return data[:end + 1], data[end + 1:]
    return None, data


def _calamine_rows(parts: dict, part: str, name: str, head: bytes, piece: bytes, cells: _Cells,
                   first_column: int, previous: int):
    """The piece's rows as calamine reads them, as (the first one's number, rows); or, for a
    piece calamine cannot take alone, an iterator of (row number, cells) from the parser."""
    import io

    from python_calamine import CalamineWorkbook

    original = piece
    # A workbook without a shared-string table (inline strings: 千牛's exports, streaming writers)
    # needs no scan of every piece for shared cells: calamine refuses any such cell (an index into
    # no table) and the parser reads the piece, the cell blank, as a lookup here would have.
    shared = bool(cells.strings) and b't="s"' in piece
    if shared:
        if _MARK_BYTES in piece:
            return _regex_rows(original, cells, first_column, previous)
        piece = piece.replace(_SHARED_CELL, _SHARED_AS_TEXT)
        if b't="s"' in piece:  # a shape the rewrite does not know
            return _regex_rows(original, cells, first_column, previous)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as book:
        for piece_part, data in parts.items():
            book.writestr(piece_part, data)
        book.writestr(part, head + piece + b"</sheetData></worksheet>")
    buffer.seek(0)
    try:
        sheet = CalamineWorkbook.from_filelike(buffer).get_sheet_by_name(name)
        start = sheet.start
        rows = sheet.to_python(skip_empty_area=True) if start is not None else []
    except Exception:  # calamine refuses XML the regex parser has always read
        return _regex_rows(original, cells, first_column, previous)
    except BaseException as exc:  # a panic in calamine's Rust (pyo3's PanicException)
        if type(exc).__name__ != "PanicException":
            raise
        return _regex_rows(original, cells, first_column, previous)
    del sheet, buffer, piece, original
    if start is None:
        return previous + 1, []
    offset = start[1] - first_column
    if shared:
        lookup = _marked(cells)
        if lookup is not None:
            get = lookup.__getitem__
            rows = [list(map(get, row)) for row in rows]
        else:
            strings = cells.strings
            rows = [[_shared(strings, c) if c.__class__ is str and c[:1] == _MARK else c for c in row]
                    for row in rows]
    if offset > 0:
        pad = [""] * offset
        rows = [pad + row for row in rows]
    elif offset < 0:
        rows = [row[-offset:] for row in rows]
    return start[0] + 1, rows


def _shared(strings: list[str], cell: str) -> str:
    try:
        return strings[int(cell[1:])]
    except (IndexError, ValueError):
        return ""


class _Marked(dict):
    """{mark + index: shared string, "": ""}, for a table of up to _LOOKUP_STRINGS strings: a
    piece's cells are looked up in C. Only text can equal a key (a number or a date finds none);
    a cell that is no key is what it was, or for a marked one, what its index says."""

    def __init__(self, strings: list[str]):
        super().__init__((f"{_MARK}{i}", text) for i, text in enumerate(strings))
        self[""] = ""
        self.strings = strings

    def __missing__(self, cell):
        return _shared(self.strings, cell) if cell.__class__ is str and cell[:1] == _MARK else cell


def _marked(cells: _Cells) -> _Marked | None:
    if cells.marked is None and len(cells.strings) <= _LOOKUP_STRINGS:
        cells.marked = _Marked(cells.strings)
    return cells.marked
