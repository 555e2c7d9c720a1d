"""Reading a big .xlsx sheet row by row, in bounded memory (issue #25).

python-calamine lays a whole sheet out in memory before the first row comes back (1.76 GB for a
million-row 千牛 export); this reads the sheet's XML from the zip a few MB at a time and yields
each row as calamine would: the same cell values (text, float for numbers, bool, datetime / date /
time for cells with a date format, "" for empty cells), rows numbered from 1 as in the sheet, and
columns from the sheet's first used column (its <dimension>). readers.py chooses this path by the
sheet's unpacked size (setting import.xlsx_stream_from); smaller sheets keep calamine.

One regular expression (C) finds every row and cell of a chunk; the common cell shapes (a number,
a shared or inline string) need no more, anything else (rich text, formulas, odd attribute order)
is parsed cell by cell. Shared strings are held as one list (inline strings, which streaming
writers such as POI SXSSF and openpyxl write_only use, need none).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from html import unescape

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_TOKEN = re.compile(  # every group that takes part is non-empty (findall gives b"" for the others)
    rb'(<row\b[^>]*>)'
    rb'|<c r="([A-Z]{1,3})\d*"([^>]*?)(?:/>|>(?:(<v>[^<]*)</v>|<is>(<t(?: [^>]*)?>[^<]*)</t></is>)</c>|>(.*?)</c>)'
    rb'|(<c\b[^>]*?)(?:/>|>(.*?)</c>)', re.S)
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_ATTR_R = re.compile(rb'\br="([A-Z]{1,3})\d*"')
_ATTR_T = re.compile(rb'\bt="(\w+)"')
_ATTR_S = re.compile(rb'\bs="(\d+)"')
_V = re.compile(rb'<v(?: [^>]*)?>([^<]*)</v>')
_T = re.compile(rb'<t(?: [^>]*)?>([^<]*)</t>')
_T_EMPTY = re.compile(rb'<t(?: [^>]*)?/>')
_PHONETIC = re.compile(rb'<rPh\b.*?</rPh>', re.S)
_SI = re.compile(rb'<si>(.*?)</si>|<si/>', re.S)
_SI_PLAIN = re.compile(r'<si><t(?: [^>]*)?>([^<]*)</t></si>')
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]{1,3})\d*')
_SHEET = re.compile(r'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"', re.S)
_SHEET_ID_FIRST = re.compile(r'<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"', re.S)
_REL = re.compile(r'<Relationship\b[^>]*>', re.S)
_XF = re.compile(rb'<xf\b[^>]*?>', re.S)
_NUMFMT = re.compile(rb'<numFmt\b[^>]*?numFmtId="(\d+)"[^>]*?formatCode="([^"]*)"', re.S)
_EPOCH = datetime(1899, 12, 30)
# Built-in number formats that are dates or times (ECMA-376 §18.8.30, and the CJK ones 50–58).
_DATE_FORMATS = frozenset([*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)])
CHUNK = 1 << 21

# calamine builds a sheet as a dense grid of its used range (about 32 bytes a cell) and a failed
# Rust allocation aborts the whole process: one stray cell at XFD1048576, or a row numbered
# 999,999,999 (cells need no reference of their own: calamine then takes the row's number), would
# kill this run, and every cron run after it, instead of refusing the file. So the extent is read
# from the XML before calamine sees it (readers.py for a whole sheet, iter_rows for a piece).
# Sheets whose references all stay in columns A–Z and rows below 1,000,000 are safe (at most 26M
# cells): that is all the fast scan (FAR, in C) looks for.
FAR = re.compile(rb' r="(?:[A-Z]{2}|[A-Z]{0,3}\d{7})')
_CELL_REF = re.compile(rb'<c\b[^>]*?\sr="([A-Z]{1,4})(\d{1,12})"')
_ROW_REF = re.compile(rb'<row\b[^>]*?\sr="(\d{1,12})"')
_BARE_CELL = re.compile(rb'<c(?:\s+(?!r=)[\w:]+="[^"]*")*\s*/?>')
_EXTENT_TOKEN = re.compile(rb'<row\b([^>]*)>|<c\b([^>]*)>')  # in document order
_R_ATTR = re.compile(rb'\sr="([A-Z]{0,4})(\d{0,12})"')


def extent(chunks: Callable[[], Iterable[bytes]]) -> tuple[int, int]:
    """The last row and column a sheet's XML puts a cell in, as calamine will lay them out: from
    the rows' and cells' references, and for cells without one (they follow the previous cell)
    by walking the rows."""
    rows = columns = 0
    bare = False
    for chunk in chunks():
        for letters, digits in _CELL_REF.findall(chunk):
            rows = max(rows, int(digits))
            columns = max(columns, _column_number(letters))
        for digits in _ROW_REF.findall(chunk):
            rows = max(rows, int(digits))
        bare = bare or _BARE_CELL.search(chunk) is not None
    if bare:  # unusual (hand-made or hostile XML): count the cells of each row
        row = column = 0
        for chunk in chunks():
            for token in _EXTENT_TOKEN.finditer(chunk):
                if token.group(0).startswith(b"<row"):
                    ref = _R_ATTR.search(token.group(1))
                    row = int(ref.group(2)) if ref and ref.group(2) else row + 1
                    column = 0
                    rows = max(rows, row)
                    continue
                ref = _R_ATTR.search(token.group(2))
                column = _column_number(ref.group(1)) if ref and ref.group(1) else column + 1
                columns = max(columns, column)
    return rows, columns


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number




def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """{sheet name: its part in the zip}, in workbook order."""
    workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    targets = {}
    for tag in _REL.findall(rels):
        rid, target = re.search(r'\bId="([^"]*)"', tag), re.search(r'\bTarget="([^"]*)"', tag)
        if rid and target:
            path = target.group(1)
            targets[rid.group(1)] = path.lstrip("/") if path.startswith("/") else "xl/" + path
    found = {unescape(name): targets[rid] for name, rid in _SHEET.findall(workbook) if rid in targets}
    for rid, name in _SHEET_ID_FIRST.findall(workbook):
        if rid in targets:
            found.setdefault(unescape(name), targets[rid])
    return found


def shared_strings(archive: zipfile.ZipFile) -> list[str]:
    try:
        data = archive.read("xl/sharedStrings.xml")
    except KeyError:
        return []
    text = data.decode("utf-8", "replace")
    plain = _SI_PLAIN.findall(text)  # the common table: one plain run per string, found in C
    if len(plain) == text.count("<si"):
        if "&" in text or "_x" in text:
            plain = [t if "&" not in t and "_x" not in t else _text(t.encode()) for t in plain]
        return plain
    out: list[str] = []
    for match in _SI.finditer(data):
        body = match.group(1)
        if not body:
            out.append("")
            continue
        if b"<rPh" in body:
            body = _PHONETIC.sub(b"", body)
        out.append(_text(b"".join(_T.findall(body))))
    return out


def date_styles(archive: zipfile.ZipFile) -> frozenset[int]:
    """The cell style numbers (s="…") whose number format shows a date or time."""
    try:
        data = archive.read("xl/styles.xml")
    except KeyError:
        return frozenset()
    custom = {int(i): unescape(code.decode("utf-8", "replace")) for i, code in _NUMFMT.findall(data)}
    start = data.find(b"<cellXfs")
    end = data.find(b"</cellXfs>", start)
    if start < 0 or end < 0:
        return frozenset()
    styles = set()
    for n, xf in enumerate(_XF.findall(data, start, end)):
        found = re.search(rb'numFmtId="(\d+)"', xf)
        number = int(found.group(1)) if found else 0
        if number in _DATE_FORMATS or (number in custom and _is_date_format(custom[number])):
            styles.add(n)
    return frozenset(styles)


def _is_date_format(code: str) -> bool:
    """What calamine counts as a date format: a d, m, y, h or s outside quotes, escapes and
    [colour] brackets ([h] elapsed hours count)."""
    code = re.sub(r'"[^"]*"|\\.|_.|\*.', "", code)
    code = re.sub(r"\[(?![hms]+\])[^\]]*\]", "", code, flags=re.I)
    return bool(re.search(r"[dmyhs]", code, re.I)) and code.lower() != "general"


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    if "&" in text:
        text = unescape(text)
    if "_x" in text:
        text = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text


def _moment(serial: float):
    """A date-formatted number as calamine gives it: time below 1, date when whole, else datetime."""
    if not -693594 < serial < 2958466:
        return serial
    moment = _EPOCH + timedelta(milliseconds=round(serial * 86_400_000))
    if serial < 1 and serial >= 0:
        return moment.time()
    if serial == int(serial):
        return moment.date()
    return moment


class _Cells:
    """Cell values by their attributes and content, with caches for what repeats."""

    def __init__(self, strings: list[str], dates: frozenset[int]):
        self.strings = strings
        self.dates = dates
        self.kinds: dict[bytes, tuple[bytes, int]] = {}
        self._marked: _Marked | None = None

    def marked(self) -> _Marked | None:
        if self._marked is None and len(self.strings) <= _LOOKUP_STRINGS:
            self._marked = _Marked(self.strings)
        return self._marked


    def kind(self, attrs: bytes) -> tuple[bytes, int]:
        found = self.kinds.get(attrs)
        if found is None:
            t, s = _ATTR_T.search(attrs), _ATTR_S.search(attrs)
            found = (t.group(1) if t else b"n", int(s.group(1)) if s else 0)
            if len(self.kinds) < 10_000:
                self.kinds[attrs] = found
        return found

    def value(self, attrs: bytes, v: bytes | None, inline: bytes | None, inner: bytes | None):
        t, style = self.kind(attrs)
        if inline is not None:
            return _text(inline)
        if inner is not None:
            if t == b"inlineStr":
                if b"<rPh" in inner:
                    inner = _PHONETIC.sub(b"", inner)
                return _text(b"".join(_T.findall(inner)))
            found = _V.search(inner)
            v = found.group(1) if found else None
        if not v:
            return ""
        if t == b"n":
            number = float(v)
            return _moment(number) if style in self.dates else number
        if t == b"s":
            try:
                return self.strings[int(v)]
            except (IndexError, ValueError):
                return ""
        if t == b"b":
            return v.strip() in (b"1", b"true")
        return _text(v)  # str (a formula's text), e (an error such as #N/A), d (ISO date)


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


# Small pieces read fastest (what calamine lays out stays in the CPU's caches: 1–4 MB measured
# alike, 16 MB 20% slower); each piece also parses the workbook's styles again, so a piece is at
# least PIECE_PER_PARTS times those.
PIECE_BYTES = 2 << 20
PIECE_PER_PARTS = 16
# A piece whose rows calamine would lay out as more cells than this (a sheet that leaves a
# million rows out, a stray cell far right) is read by this module's parser, which needs no grid.
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
    is read by this module's own parser. A `guard` (readers._SheetGuard) sees the shared
    strings, each piece before it is read (it may refuse it; True: measure its rows) and the
    rows of the pieces it asked to measure (an over-long cell raises CellTooLong)."""
    name = next((n for n, p in sheet_parts(archive).items() if p == part), None)
    cells = _Cells(shared_strings(archive), date_styles(archive))
    parts = {}
    for piece_part in _PIECE_PARTS:
        try:
            parts[piece_part] = archive.read(piece_part)
        except KeyError:
            pass
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
        return 0  # rows without numbers: calamine counts them, one after the other
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
    shared = b't="s"' in piece
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
    except Exception:  # calamine refuses XML this module's parser has always read
        return _regex_rows(original, cells, first_column, previous)
    del sheet, buffer, piece, original
    if start is None:
        return previous + 1, []
    offset = start[1] - first_column
    if shared:
        lookup = cells.marked()
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


def _regex_rows(data: bytes, cells: _Cells, first_column: int, previous: int) -> Iterator[tuple[int, list]]:
    """(row number, cells) of the rows in `data` (whole rows of a sheet's XML), parsed here.
    One regular expression (C) finds every row and cell; the common cell shapes (a number, a
    shared or inline string) need no more, anything else (rich text, formulas, odd attribute
    order) is parsed cell by cell."""
    value = cells.value
    columns: dict[bytes, int] = {}
    row: list | None = None
    row_number = previous
    for row_tag, letters, attrs, v, inline, inner, other, other_inner in _TOKEN.findall(data):
        if row_tag:  # a row starts
            if row is not None:
                yield row_number, row
            found = _ROW_NUMBER.search(row_tag)
            row_number = int(found.group(1)) if found else row_number + 1
            row = []
            continue
        if row is None:
            continue
        if inline:  # the commonest cells first, without a call
            text = inline[inline.index(b">") + 1:]
            cell = text.decode() if b"&" not in text and b"_x" not in text else _text(text)
        elif v and (not attrs or attrs == b' t="n"'):  # a number without a style
            cell = float(v[3:]) if len(v) > 3 else ""
        elif letters:
            cell = value(attrs, v[3:] if v else None, None, inner or None)
        else:
            attrs, inner = other[2:], other_inner or None
            found = _ATTR_R.search(attrs)
            letters = found.group(1) if found else None
            cell = value(attrs, None, None, inner)
        if letters is None:
            row.append(cell)
            continue
        index = columns.get(letters)
        if index is None:
            index = columns[letters] = _column(letters) - first_column
        if index == len(row):
            row.append(cell)
        elif index > len(row):
            row.extend([""] * (index - len(row)))
            row.append(cell)
        elif index >= 0:
            row[index] = cell
    if row is not None:
        yield row_number, row


def _column(letters: bytes) -> int:
    """0-based column index of A, B, …, XFD."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number - 1
