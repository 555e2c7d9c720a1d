"""Reading a CSV export: the encoding sniffed (UTF-8, UTF-8-BOM, GBK/GB18030, UTF-16), the
delimiter guessed, NULs and over-long cells refused with their row, at the speed of the csv module."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import InputError
from .table import HEADER_SCAN_ROWS, Limits, Table, position


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


def open_csv(path: Path, head: bytes, encoding: str | None, header_score, limits: Limits) -> Table:
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
    fh = io.TextIOWrapper(io.BufferedReader(_NulGuard(raw, nul_is_byte, limits.max_line_bytes), 1 << 20),
                          encoding=chosen, newline="", errors="strict")
    fh._CHUNK_SIZE = 1 << 16  # decode 64 KiB at a time rather than 8: a few % of a big import
    reader = csv.reader(fh if nul_is_byte else _nul_checked(fh), delimiter=delimiter)

    def explain(exc: Exception, row: int, header: list[str] | None) -> InputError | None:
        if isinstance(exc, _LineTooLong):
            return InputError(f"a line of more than {limits.max_line_bytes // 1024**2} MB: not a spreadsheet export "
                              "(refused before reading it whole)", file=str(path), row=row)
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
    table = position(path, "csv", display_encoding(chosen), None, zip(itertools.count(1), reader),
                      header_score, limits, explain=explain, measure=False, on_header=strict_below_header)
    table._closers.append(fh.close)
    return table


class _NulFound(Exception):
    pass


class _LineTooLong(Exception):
    pass


class _NulGuard(io.RawIOBase):
    """The file's bytes, refused from the line holding a NUL (for encodings where a 0 byte can only
    be NUL), and refused once a line runs longer than `max_line` bytes (any encoding: a line break
    is always the byte 10 or 13). Checked a buffer at a time, in C. The lines before are still
    delivered, so the reader fails on the right row."""

    def __init__(self, raw, nul_is_byte: bool = True, max_line: int | None = None):
        self._raw = raw
        self._found = False
        self._nul = nul_is_byte
        self._max_line = max_line
        self._run = 0  # bytes since the last line break

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._found:
            raise _NulFound
        data = self._raw.read(len(buffer))
        at = data.find(b"\x00") if self._nul else -1
        if at >= 0:
            self._found = True
            data = data[:max(data.rfind(b"\n", 0, at), data.rfind(b"\r", 0, at)) + 1]
            if not data:
                raise _NulFound
        if self._max_line is not None and data:
            last = max(data.rfind(b"\n"), data.rfind(b"\r"))
            if last < 0:
                self._run += len(data)
            else:
                first = min(i for i in (data.find(b"\n"), data.find(b"\r")) if i >= 0)
                if self._run + first > self._max_line:
                    raise _LineTooLong
                self._run = len(data) - last - 1
            if self._run > self._max_line:
                raise _LineTooLong
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
