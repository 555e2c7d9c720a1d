"""One export row → the database row(s) it stands for, or a rejection naming the column and why.

A row is rejected only when it cannot be stored faithfully: a missing or mangled key, an
unreadable required value. A questionable but storable value (an invalid phone, an odd address)
is stored and left to the checks.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter

from ..db.store import extra_json
from ..tables import cells
from .codegen import SEEN_LIMIT, compile_fields
from .header import Kind, Mapping_, normalise_header

# Columns a rejects file adds; ignored when staff import a fixed rejects file again.
REJECT_META = ("行号", "出错列", "原因")
_REJECT_META = {normalise_header(name) for name in REJECT_META}


class RowRejected(Exception):
    def __init__(self, column: str, reason: str):
        super().__init__(reason)
        self.column = column
        self.reason = reason


def _cleaners(tz) -> dict[str, Callable]:
    return {
        "id": cells.identifier,
        "text": cells.text,
        "label": cells.label,
        "money": cells.money,
        "int": cells.integer,
        "time": cells.TimeCleaner(tz),
        "phone": cells.phone,
        "tracking": cells.tracking,
        "flag": cells.flag,
    }


class Converter:
    """Built once per file from its header mapping; `convert` runs once per row."""

    columns: tuple[str, ...]  # database columns, in the order of the tuples `convert` returns
    stateless = True  # each row converts alone (rows of one file may be converted in two processes)
    present: frozenset[str]  # export fields this file has

    def __init__(self, mapping: Mapping_, header: list[str], tz, *, now_iso: str, import_id: int | None,
                 all_text: bool = False, file_name: str = "", period=None):
        self.kind: Kind = mapping.kind
        self.header = header
        self.tz = tz
        self.now_iso = now_iso
        self.import_id = import_id
        # the file's name and `import --period` (first, last day): the days a sheet without dates covers
        self.file_name = file_name
        self.period = period
        cleaners = _cleaners(tz)
        plan = []
        for fld in self.kind.fields:
            indexes = mapping.columns.get(fld.name)
            if indexes:
                plan.append((fld.name, indexes, cleaners[fld.cleaner], fld.sum_all))
        self.plan = plan
        self._simple = [(name, ix[0], clean) for name, ix, clean, summed in plan if not summed]
        self._summed = [(name, ix, clean) for name, ix, clean, summed in plan if summed]
        self.present = frozenset(mapping.columns)
        self.extra_columns = [
            (i, header[i]) for i in mapping.unknown if normalise_header(header[i]) not in _REJECT_META
        ]
        self._extra_cells = getter([i for i, _ in self.extra_columns])
        self._extra_seen: dict[tuple, str] = {}
        used = [i for _, ix, _, _ in plan for i in ix] + [i for i, _ in self.extra_columns]
        self.width = max(used, default=-1) + 1
        # CSV cells are always text, so blanks can be "" and text cells can be cleaned inline
        self.all_text = all_text
        self._padding = ["" if all_text else None] * self.width
        self._clean_simple = compile_fields(self._simple, all_text)

    def header_of(self, field: str) -> str:
        for name, indexes, _, _ in self.plan:
            if name == field:
                return self.header[indexes[0]]
        return field

    def pad(self, record: list) -> list:
        """Short rows (trailing empty cells cut off) are read as if the cells were blank."""
        return record if len(record) >= self.width else [*record, *self._padding[len(record):]]

    def fields(self, record: list) -> dict:
        """Clean every mapped cell; on a bad cell, raise RowRejected naming its column.
        `record` must be padded (see `pad`)."""
        try:
            values = self._clean_simple(record)
        except cells.CellError:
            values = self._find_bad_cell(record)
        for name, indexes, clean in self._summed:
            try:
                parts = [p for p in (clean(record[i]) for i in indexes) if p is not None]
            except cells.CellError as exc:
                raise RowRejected(self.header_of(name), str(exc)) from None
            values[name] = sum(parts) if parts else None
        return values

    def _find_bad_cell(self, record: list) -> dict:
        # the slow path, only for rejected rows: which column was it?
        for _, index, clean in self._simple:
            try:
                clean(record[index])
            except cells.CellError as exc:
                raise RowRejected(self.header[index], str(exc)) from None
        raise AssertionError("a cell failed once and then passed")

    def extra(self, record: list) -> str:
        """Unknown columns as JSON. The same cells give the same text (often every row has the
        same shop id and the same 手机订单), so it is built once per distinct set of cells."""
        values = self._extra_cells(record)
        if not any(values):
            return "{}"
        known = self._extra_seen.get(values)
        # As dict keys a workbook's TRUE, 1 and 1.0 are one key: a workbook's cells are
        # remembered with their types, and only the same types find them.
        if known is not None and not self.all_text:
            known = known[1] if known[0] == tuple(map(type, values)) else None
        if known is None:
            found = {}
            for (_, name), value in zip(self.extra_columns, values):
                if value:
                    value = value.strip() if value.__class__ is str else cells.text(value)
                    if value:
                        found[name] = value
            known = extra_json(found)
            if len(self._extra_seen) < SEEN_LIMIT:
                self._extra_seen[values] = known if self.all_text else (tuple(map(type, values)), known)
        return known

    def convert(self, record: list, number: int) -> list[tuple]:
        raise NotImplementedError


def require(values: dict, field: str, conv: Converter, what: str):
    value = values.get(field)
    if value is None:
        raise RowRejected(conv.header_of(field), f"missing {what}")
    return value


def getter(names: list):
    """A C-speed `lambda v: tuple(v[n] for n in names)`."""
    if not names:
        return lambda values: ()
    pick = itemgetter(*names)
    return pick if len(names) > 1 else (lambda values: (pick(values),))
