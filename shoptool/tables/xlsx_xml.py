"""A workbook's XML read with regular expressions (C): its sheets, shared strings and date
styles, a sheet's extent, and rows parsed cell by cell exactly as calamine reads them: the same
cell values (text, float for numbers, bool, datetime / date / time for cells with a date format,
"" for empty cells), columns from the sheet's first used column (its <dimension>).

One regular expression finds every row and cell of a chunk; the common cell shapes (a number, a
shared or inline string) need no more, anything else (rich text, formulas, odd attribute order)
is parsed cell by cell. xlsx_stream.py reads big sheets with calamine a piece at a time and leaves
to `regex_rows` the pieces calamine cannot take alone.
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
        self.marked = None  # xlsx_stream's lookup of marked shared strings, made once

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


def regex_rows(data: bytes, cells: _Cells, first_column: int, previous: int) -> Iterator[tuple[int, list]]:
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
