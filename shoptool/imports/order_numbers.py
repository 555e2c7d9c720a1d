"""A list of order numbers from a file staff have at hand: any export or sheet with an order-number
column (订单编号, 主订单编号… — the orders kind's aliases, below title rows), or a bare list with one
number per line. For marking commands (`rate-buyers --done FILE`), nothing is imported."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_BARE = re.compile(r"^\s*(?:=\"|'|`)?\s*\d{8,25}\s*\"?\s*$")


@dataclass(frozen=True, slots=True)
class Rejected:
    row: int  # as Excel numbers rows
    column: str
    reason: str


@dataclass
class OrderNumbers:
    path: Path
    column: str | None  # the header read, None for a bare list
    numbers: list[tuple[str, int]] = field(default_factory=list)  # (order number, row), first time each
    rejected: list[Rejected] = field(default_factory=list)


def read_order_numbers(path: str | Path, settings) -> OrderNumbers:
    """Order numbers of the file, each once, in file order; cells Excel mangled are rejected with
    their row (an InputError when the file has no order-number column at all)."""
    from ..errors import InputError
    from ..tables import cells
    from ..tables.readers import open_table
    from .header import normalise_header
    from .kinds.orders import ORDERS
    from .run import limits_from

    aliases = [normalise_header(a) for a in ORDERS.field("order_id").aliases]

    def score(header: list[str]) -> float:
        names = {normalise_header(c) for c in header}
        if any(a in names for a in aliases):
            return 1.0
        return 0.5 if header and _BARE.match(str(header[0] or "")) else 0.0

    path = Path(path)
    table = open_table(path, header_score=score, limits=limits_from(settings))
    with table:
        names = [normalise_header(c) for c in table.header]
        index = next((names.index(a) for a in aliases if a in names), None)
        result = OrderNumbers(path, table.header[index] if index is not None else None)
        records = table.rows
        if index is None:
            if not _BARE.match(str(table.header[0] or "")):
                raise InputError("no order-number column (订单编号, 主订单编号, 订单号…)", file=str(path))
            index = 0
            records = _with_first(table.header_row, table.header, records)
        seen: set[str] = set()
        column = result.column or "#1"
        for number, record in records:
            cell = record[index] if index < len(record) else None
            try:
                order_id = cells.identifier(cell) if cell is not None else None
            except cells.CellError as exc:
                result.rejected.append(Rejected(number, column, str(exc)))
                continue
            if order_id and order_id not in seen:
                seen.add(order_id)
                result.numbers.append((order_id, number))
    return result


def _with_first(number: int, first: list, rest):
    yield number, first
    yield from rest
