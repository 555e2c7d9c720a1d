"""export: any table of the shop database, with each column's kind (masked unless show_pii)."""

from __future__ import annotations

from ..errors import UsageError
from ..result import Result, RowStream
from .shop import Shop


def run(shop: Shop, table: str, *, show_pii: bool = False) -> Result:
    from ..db.tables import EXPORTABLE, count_rows, table_columns, table_rows

    if table not in EXPORTABLE:
        raise UsageError(f"unknown table {table!r}; tables: {', '.join(EXPORTABLE)}")
    columns = table_columns(shop.db, table)
    # Streamed: rows are read from the database as the writer takes them (memory stays flat).
    rows = RowStream(lambda: table_rows(shop.db, table, show_pii), count_rows(shop.db, table))
    return Result("export", columns, rows, {"table": table, "rows": len(rows)}, title=table,
                  generated_at=shop.iso(shop.now()))
