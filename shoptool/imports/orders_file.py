"""An orders export read straight into order rows, nothing stored.

Checks that take `--orders FILE` see the same row dicts as `shoptool import` would store in the
`orders` table (the importer's own reader and converter make them), so a check gives the same
answer on a file as on the database it would become.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

KIND = "orders"


@dataclass(frozen=True, slots=True)
class Rejected:
    row: int  # as Excel numbers rows
    column: str
    reason: str


@dataclass
class OrdersFile:
    path: Path
    rows: list[dict]  # one per order number: a later row of the same order wins, as on import
    rows_in: int = 0
    converted: int = 0  # rows read without rejection, whatever their status
    rejected: list[Rejected] = field(default_factory=list)
    shape: str | None = None
    encoding: str | None = None
    sheet: str | None = None


def read_orders(path: str | Path, settings, *, now_iso: str, sheet: str | None = None, encoding: str | None = None,
                statuses: Collection[str] | None = None, columns: Sequence[str] | None = None) -> OrdersFile:
    """Every order of an orders export (any shape the import reads) as `orders` row dicts.

    `statuses`: keep only orders whose (last) row has one of these canonical statuses; `columns`:
    keep only these keys (absent ones are None). Both keep memory to what the caller needs: an
    export of every order of a season has far more rows than orders waiting to ship.
    A row the import would reject is listed in `.rejected` and left out; a file of which no row
    can be read raises InputError (exit 3), as does a file that is not an orders export."""
    from .kinds import REGISTRY
    from .read import open_export

    path = Path(path)
    table, converter = open_export(path, KIND, settings, now_iso=now_iso, sheet=sheet, encoding=encoding)
    with table:
        result = OrdersFile(path, [], shape=REGISTRY[KIND].shape_of(table.header), encoding=table.encoding,
                            sheet=table.sheet)
        by_id = _rows(converter, table.rows, result, statuses, columns)
    result.rows = list(by_id.values())
    if result.rows_in == 0:
        raise InputError("no orders below the header", file=str(path))
    if not result.converted:
        first = result.rejected[0]
        raise InputError(f"every row was rejected, e.g. {first.reason}", file=str(path), row=first.row,
                         column=first.column)
    return result


def _rows(converter, records, result: OrdersFile, statuses, columns) -> dict[str, dict]:
    from .convert import RowRejected

    names = converter.columns
    wanted = set(statuses) if statuses is not None else None
    if columns is not None:
        position = {name: i for i, name in enumerate(names)}
        picks = [(name, position.get(name)) for name in columns]

        def make(values):
            return {name: None if i is None else values[i] for name, i in picks}
    else:
        def make(values):
            return dict(zip(names, values))
    id_at, status_at = names.index("order_id"), names.index("status")
    by_id: dict[str, dict] = {}
    rejected = result.rejected
    count = converted = 0
    for number, record in records:
        count += 1
        try:
            rows = converter.convert(record, number)
        except RowRejected as exc:
            rejected.append(Rejected(number, exc.column, exc.reason))
            continue
        converted += 1
        for values in rows:
            order_id = values[id_at]
            by_id.pop(order_id, None)  # a later row of the order replaces it, and its place in file order
            if wanted is None or values[status_at] in wanted:
                by_id[order_id] = make(values)
    result.rows_in, result.converted = count, converted
    return by_id
