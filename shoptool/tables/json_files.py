"""Reading JSON results saved to files (快递100 and 快递鸟 query or push answers) as a table: one row
per record, its keys as the header.

A file holds one document (an object, or a list of objects) or one JSON value per line. Push
envelopes are opened: 快递100's `lastResult`, 快递鸟's `Data` list. Nested values (the event list)
become one cell holding their JSON text. Rows are numbered by record (1 = the first record), so
a rejected record is named by its number. A whole document is parsed at once (files are bounded
by import.max_file_size); a JSON-lines file is read one line at a time.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError
from .table import Limits, Table

HEADER_RECORDS = 1000  # the header is the union of the keys of this many first records


class NotJson(Exception):
    """The file starts like JSON ({ or [) but its first line is no JSON value: read it as CSV."""


def looks_like_json(head: bytes) -> bool:
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return stripped[:1] in (b"{", b"[")


def _encoding(head: bytes, encoding: str | None) -> str:
    if encoding:
        return encoding
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _unwrap(value) -> Iterator:
    """The records a value holds: itself, or the results inside a push envelope."""
    if isinstance(value, list):
        for item in value:
            yield from _unwrap(item)
        return
    if isinstance(value, dict):
        if isinstance(value.get("lastResult"), dict):  # 快递100 push: {"status": "polling", "lastResult": {...}}
            yield value["lastResult"]
            return
        data = value.get("Data")
        if "LogisticCode" not in value and isinstance(data, list) and all(isinstance(d, dict) for d in data):
            yield from data  # 快递鸟 push: {"EBusinessID", "PushTime", "Count", "Data": [...]}
            return
    yield value


def _records(path: Path, encoding: str) -> Iterator[object]:
    try:
        with path.open("r", encoding=encoding, newline="") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError, LookupError) as exc:
        raise InputError(f"cannot read the JSON file ({exc})", file=str(path)) from None
    try:
        document = json.loads(text)
    except RecursionError:
        raise InputError("the JSON is nested too deeply", file=str(path)) from None
    except ValueError:
        document = None
    if document is not None:
        yield from _unwrap(document)
        return
    # one JSON value per line (a blank line is skipped; a broken line is named by its number)
    first = True
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except RecursionError:
            raise InputError("the JSON is nested too deeply", file=str(path), row=number) from None
        except ValueError as exc:
            if first and not path.suffix.lower().startswith((".json", ".ndjson")):
                raise NotJson() from None
            raise InputError(f"not valid JSON ({exc.msg}, column {exc.colno})", file=str(path), row=number) from None
        first = False
        yield from _unwrap(value)


def _cell(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def open_json(path: Path, head: bytes, encoding: str | None, header_score, limits: Limits) -> Table:
    chosen = _encoding(head, encoding)
    records = _records(path, chosen)
    first: list = []
    for record in records:
        first.append(record)
        if len(first) >= HEADER_RECORDS:
            break
    header: list[str] = []
    seen: set[str] = set()
    for record in first:
        if isinstance(record, dict):
            for key in record:
                if key not in seen:
                    seen.add(key)
                    header.append(str(key))
    if not first:
        raise InputError("the JSON file holds no records", file=str(path))
    if not header or header_score(header) <= 0:
        raise InputError(f"no recognisable fields in the JSON records (keys: {', '.join(header[:8]) or 'none'})",
                         file=str(path), hint="a 快递100 or 快递鸟 tracking result, or pass --as KIND")
    width = len(header)
    max_cell = limits.max_cell_length

    def rows() -> Iterator[tuple[int, list]]:
        number = 0
        for source in (first, records):
            for record in source:
                number += 1
                if not isinstance(record, dict):
                    yield number, [None] * width  # rejected by the converter: no tracking number
                    continue
                cells = [_cell(record.get(key)) for key in header]
                for index, cell in enumerate(cells):
                    if cell is not None and len(cell) > max_cell:
                        raise InputError(f"value of {len(cell)} characters, more than the {max_cell} allowed",
                                         file=str(path), row=number, column=header[index])
                yield number, cells

    return Table(path, "json", chosen, None, header, 0, rows())
