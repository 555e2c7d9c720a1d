"""stock-check (PRODUCT §5): page stock against warehouse stock, from the database or from files."""

from __future__ import annotations

from pathlib import Path

from .. import columns as K
from ..errors import InputError, UsageError
from ..result import Result
from .shop import Shop

COMMAND = "stock-check"
COLUMNS = [
    K.Column("sku", "商家编码", "SKU code", K.ID),
    K.Column("title", "宝贝标题", "Title"),
    K.Column("finding", "问题", "Finding", labels="stock_finding"),
    K.Column("severity", "级别", "Severity", labels="severity"),
    K.Column("page_stock", "页面库存", "Page stock", K.INT),
    K.Column("on_hand", "实际库存", "On hand", K.INT),
    K.Column("reserved", "锁定+待发", "Reserved", K.INT),
    K.Column("available", "可售库存", "Available", K.INT),
    K.Column("suggested_page_stock", "建议库存", "Suggested", K.INT),
    K.Column("difference", "差额", "Difference", K.INT),
    K.Column("attrs", "销售属性", "Attributes"),
    K.Column("unpaid_held", "未付款占用", "Unpaid held", K.INT),
    K.Column("warehouse_available", "仓库可用", "Warehouse available", K.INT),
    K.Column("item_id", "商品ID", "Item ID", K.ID),
    K.Column("sku_id", "SKU ID", "SKU ID", K.ID),
    K.Column("page_row", "页面表行号", "Page row", K.INT),
    K.Column("warehouse_row", "仓库表行号", "Warehouse row", K.INT),
    K.Column("warehouse", "仓库", "Warehouse"),
    K.Column("advice", "处理建议", "Advice"),
]
# What fits a terminal; files and JSON carry every column.
TABLE_KEYS = ("sku", "title", "finding", "page_stock", "available", "suggested_page_stock", "difference", "unpaid_held")
# The platform's batch edit reads Chinese headers whatever --headers says.
FIX_COLUMNS = [
    K.Column("sku", "商家编码", kind=K.ID),
    K.Column("title", "宝贝标题"),
    K.Column("attrs", "销售属性"),
    K.Column("page_stock", "当前库存", kind=K.INT),
    K.Column("suggested_page_stock", "建议库存", kind=K.INT),
    K.Column("item_id", "商品ID", kind=K.ID),
    K.Column("sku_id", "SKU ID", kind=K.ID),
]
OPTION = {"page-stock": "--page", "warehouse-stock": "--warehouse"}


def run(shop: Shop, *, page: Path | None = None, warehouse: Path | None = None, fail_on: str | None = None,
        fix_file: Path | None = None) -> Result:
    """Findings for the shop's stock now; `page`/`warehouse` files are read instead of the imported
    snapshots and nothing is stored. `fail_on`: codes that make the exit code 1 (comma separated)."""
    from .. import stock

    fails = stock.parse_fail_on(fail_on)
    moment = shop.now()
    now_iso = shop.iso(moment)
    rules = stock.StockRules.from_settings(shop.settings)
    notes: list[str] = []
    # Both sides from the database are streamed code by code; a file is read whole.
    page_rows = _stock_rows(shop, "page-stock", page, now_iso, notes)
    warehouse_rows = _stock_rows(shop, "warehouse-stock", warehouse, now_iso, notes)
    held = {}
    if shop.db_exists:  # files alone must not create a database as a side effect
        from ..db import stock as queries

        closes = moment - shop.settings.duration("shop.unpaid_close_after")
        held = queries.unpaid_held(shop.db, opened_after=shop.iso(closes), now=now_iso)
    if page_rows is None and warehouse_rows is None:
        from ..db import stock as queries

        checked = stock.check_grouped(queries.rows_by_code(shop.db), rules, held)
    else:
        from ..db import stock as queries  # noqa: F811 (one side from the database, read whole)

        page_rows = queries.page_rows(shop.db) if page_rows is None else page_rows
        warehouse_rows = queries.warehouse_rows(shop.db) if warehouse_rows is None else warehouse_rows
        checked = stock.check_stock(page_rows, warehouse_rows, rules, held)
    if fix_file:
        count = _write_fix_file(fix_file, stock.fix_rows(checked.rows))
        notes.append(f"wrote {count} listing(s) to change to {fix_file}")
    summary = stock.summarise(checked.rows)
    failing = any(summary[code] for code in fails)
    counts = ", ".join(f"{n} {code}" for code, n in summary.items() if n) or "nothing to report"
    result = Result(COMMAND, COLUMNS, checked.rows, summary, exit_code=1 if failing else 0, title="库存核对",
                    summary_line=f"stock-check: {checked.skus} SKU codes, {counts}", table_keys=TABLE_KEYS,
                    generated_at=now_iso)
    for note in notes:
        result.info(note)
    if checked.warehouse_without_code:
        result.warn(f"{checked.warehouse_without_code} warehouse row(s) without a SKU code were skipped")
    if checked.other_warehouses:
        skipped = ", ".join(f"{name} ({n})" for name, n in sorted(checked.other_warehouses.items()))
        result.info(f"rows of warehouses not in stock.warehouses were not counted: {skipped}")
    return result


def _stock_rows(shop: Shop, kind: str, path: Path | None, now_iso: str, notes: list[str]) -> list[dict] | None:
    """One side of the check: the file given (its rows), else None once the snapshot imported
    last is known to hold rows (the caller reads it)."""
    from ..db import stock as queries

    if path is not None:
        return _rows_from_file(shop, kind, path, now_iso)
    option = OPTION[kind]
    if not queries.has_rows(shop.db, "page_stock" if kind == "page-stock" else "warehouse_stock"):
        raise InputError(f"no {kind} in the shop database",
                         hint=f"run `shoptool import FILE` first, or pass {option} FILE")
    source = queries.snapshot_source(shop.db, kind)
    if source:
        notes.append(f"{kind}: {source['file']}, imported {source['imported_at']}")
    return None


def _rows_from_file(shop: Shop, kind: str, path: Path, now_iso: str) -> list[dict]:
    """A stock sheet → the same row dicts the import stores in its table, nothing stored. A row the
    import would reject stops the check: an unread row is an unchecked SKU."""
    from ..imports.convert import RowRejected
    from ..imports.read import open_export

    option = OPTION[kind]
    table, converter = open_export(path, kind, shop.settings, now_iso=now_iso, given_as=option)
    with table:
        names = converter.columns
        rows = []
        for number, record in table.rows:
            try:
                rows.extend(dict(zip(names, values)) for values in converter.convert(record, number))
            except RowRejected as exc:
                raise InputError(exc.reason, file=str(path), row=number, column=exc.column,
                                 hint="fix that row, or import the file (rejected rows go to a .rejects.csv) "
                                      f"and run stock-check without {option}") from None
    if not rows:
        raise InputError("no rows below the header", file=str(path))
    return rows


def _write_fix_file(path: Path, rows: list[dict]) -> int:
    from ..tables.writers import format_for, write_table

    try:
        format_for(path)
    except ValueError as exc:
        raise UsageError(f"--fix-file: {exc}") from None
    # Item and SKU ids help the batch edit find the listing; columns nobody filled are left out.
    columns = [c for c in FIX_COLUMNS if c.key not in ("item_id", "sku_id") or any(r.get(c.key) for r in rows)]
    try:
        return write_table(path, columns, rows, sheet_name="批量修改库存")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
