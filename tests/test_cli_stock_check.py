"""`shoptool stock-check`: real page and warehouse sheets, from files and from the database."""

import csv

import pytest
from builders import (
    GENERIC_STOCK_HEADER,
    JST_STOCK_HEADER,
    LEGACY_ITEM_HEADER,
    LEGACY_ORDER_HEADER,
    PAGE_STOCK_HEADER,
    PAID,
    UNPAID,
    WDT_STOCK_HEADER,
    generic_stock_row,
    jst_stock_row,
    legacy_item,
    legacy_order,
    page_stock_row,
    wdt_stock_row,
    write_csv,
    write_xlsx,
)

NOW = "2026-11-21 10:00"
LOCKED = "6901234567890123"  # a barcode used as SKU code: 16 digits, must stay exact text

# (code, page quantity) — one of each case and two clean SKUs
PAGE = [
    ("OVER-001", "50"),  # oversold against the sheet's own available figure
    ("GONE-002", "10"),  # not in the warehouse
    ("", "5"),  # no SKU code
    ("DUP-003", "30"), ("DUP-003", "8"),  # the same code on two listings (38 in all = available)
    ("NEG-004", "6"),  # negative in the warehouse and still listed
    ("UNDER-005", "5"),  # lost sales
    (LOCKED, "15"),  # 20 on hand, 10 locked, no available figure: oversold
    ("CLEAN-008", "12"),
    ("WDUP-009", "7"),  # twice in the warehouse sheet
    ("CLEAN-010", "3"),
]
# (code, on hand, locked, awaiting shipment, available or None)
WAREHOUSE = [
    ("OVER-001", 32, 0, 2, 30),
    ("DUP-003", 40, 2, 0, 38),
    ("NEG-004", -2, 0, 0, -2),
    ("UNDER-005", 40, 0, 0, 40),
    ("SPARE-006", 12, 0, 0, 12),  # in stock, not on the page
    (LOCKED, 20, 10, 0, None),
    ("CLEAN-008", 12, 0, 0, 12),
    ("WDUP-009", 9, 0, 0, 7), ("WDUP-009", 9, 0, 0, 9),
    ("CLEAN-010", 5, 2, 0, None),
]
EXPECTED = sorted([
    ("OVER-001", "oversell_risk"), ("GONE-002", "missing_in_warehouse"), (None, "no_sku_code"),
    ("DUP-003", "duplicate_sku"), ("DUP-003", "duplicate_sku"), ("NEG-004", "negative_stock"),
    ("NEG-004", "oversell_risk"), ("UNDER-005", "underlisted"), ("SPARE-006", "not_listed"),
    (LOCKED, "oversell_risk"), ("WDUP-009", "duplicate_sku"), ("WDUP-009", "duplicate_sku"),
], key=lambda f: (f[0] or "", f[1]))
# sku → (page, on hand, reserved, available, suggested, difference) of its main finding
FIGURES = {
    "OVER-001": (50, 32, 2, 30, 30, 20),
    "NEG-004": (6, -2, 0, 0, 0, 6),
    "UNDER-005": (5, 40, 0, 40, 40, -35),
    "SPARE-006": (None, 12, 0, 12, 12, None),
    LOCKED: (15, 20, 10, 10, 10, 5),
    "GONE-002": (10, None, None, None, None, None),
}
CONTRACT_KEYS = ["sku", "title", "finding", "severity", "page_stock", "on_hand", "reserved", "available",
                 "suggested_page_stock", "difference"]


def page_sheet(path, rows=PAGE):
    return write_csv(path, PAGE_STOCK_HEADER, [page_stock_row(n, *row) for n, row in enumerate(rows)])


def warehouse_sheet(shape, folder, rows=WAREHOUSE):
    if shape == "wangdiantong":
        return write_xlsx(folder / "wdt.xlsx", WDT_STOCK_HEADER, [wdt_stock_row(n, *row) for n, row in enumerate(rows)],
                          sheet="单品库存")
    if shape == "jushuitan":
        return write_csv(folder / "jst.csv", JST_STOCK_HEADER, [jst_stock_row(*row) for row in rows], encoding="gbk")
    return write_xlsx(folder / "generic.xlsx", GENERIC_STOCK_HEADER, [generic_stock_row(*row) for row in rows])


def findings(run):
    return sorted(((r["sku"], r["finding"]) for r in run.rows), key=lambda f: (f[0] or "", f[1]))


def main_rows(run):
    main = {}
    for row in run.rows:
        if row["finding"] != "duplicate_sku" and (row["finding"] != "negative_stock" or row["sku"] not in main):
            main[row["sku"]] = row
    return main


@pytest.mark.parametrize("shape", ["wangdiantong", "jushuitan", "generic"])
@pytest.mark.parametrize("source", ["files", "database"])
def test_every_case_is_found_with_the_right_figures(cli, shop_folder, shape, source):
    page = page_sheet(shop_folder / "page.csv")
    warehouse = warehouse_sheet(shape, shop_folder)
    if source == "files":
        run = cli("stock-check", "--page", page, "--warehouse", warehouse, "--now", NOW, "--format", "json")
        assert not (shop_folder / "shoptool.db").exists()  # read, not stored
    else:
        imported = cli("import", page, warehouse, "--format", "json")
        assert imported.exit_code == 0, imported
        assert [r["kind"] for r in imported.rows] == ["page-stock", "warehouse-stock"]
        run = cli("stock-check", "--now", NOW, "--format", "json")

    assert run.exit_code == 1, run
    assert findings(run) == EXPECTED
    main = main_rows(run)
    for sku, figures in FIGURES.items():
        row = main[sku]
        assert (row["page_stock"], row["on_hand"], row["reserved"], row["available"], row["suggested_page_stock"],
                row["difference"]) == figures, sku
    assert run.json["summary"] == {"oversell_risk": 3, "missing_in_warehouse": 1, "no_sku_code": 1,
                                   "duplicate_sku": 4, "negative_stock": 1, "underlisted": 1, "not_listed": 1}


def test_json_document_and_row_keys_follow_the_contract(cli, shop_folder):
    run = cli("stock-check", "--page", page_sheet(shop_folder / "page.csv"),
              "--warehouse", warehouse_sheet("wangdiantong", shop_folder), "--now", NOW)

    assert run.exit_code == 1, run
    document = run.json
    assert list(document) == ["command", "generated_at", "summary", "rows"]
    assert (document["command"], document["generated_at"]) == ("stock-check", "2026-11-21T10:00:00+08:00")
    for row in document["rows"]:
        assert list(row)[:len(CONTRACT_KEYS)] == CONTRACT_KEYS
        assert row["severity"] == {"not_listed": "info", "underlisted": "warning", "no_sku_code": "warning"}.get(
            row["finding"], "error")
    severities = [r["severity"] for r in document["rows"]]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    errors = [r["sku"] for r in document["rows"] if r["severity"] == "error"]
    assert errors == sorted(errors)
    over = next(r for r in document["rows"] if r["sku"] == "OVER-001")
    assert (over["item_id"], over["sku_id"], over["attrs"], over["page_row"]) == ("680000000000", "5100000000000",
                                                                                   "黑色;M", 2)
    assert "stock-check: 10 SKU codes" in run.stderr


def test_clean_sheets_exit_0_with_no_rows(cli, shop_folder):
    page = page_sheet(shop_folder / "page.csv", [("A-1", "10"), ("B-2", "0")])
    warehouse = warehouse_sheet("wangdiantong", shop_folder, [("A-1", 12, 2, 0, None), ("B-2", 3, 3, 0, None),
                                                              ("", 50, 0, 0, 50)])  # packaging, no code

    run = cli("stock-check", "--page", page, "--warehouse", warehouse, "--format", "json")

    assert run.exit_code == 0, run
    assert run.rows == []
    assert set(run.json["summary"].values()) == {0}
    assert "nothing to report" in run.stderr
    assert "1 warehouse row(s) without a SKU code were skipped" in run.stderr


def test_fail_on_decides_the_exit_code(cli, shop_folder):
    args = ["stock-check", "--page", page_sheet(shop_folder / "page.csv", [("A-1", "5")]),
            "--warehouse", warehouse_sheet("generic", shop_folder, [("A-1", 40, 0, 0, 40), ("B-2", 5, 0, 0, 5)])]

    assert cli(*args).exit_code == 0  # underlisted and not_listed are not in the default list
    assert cli(*args, "--fail-on", "underlisted").exit_code == 1
    assert cli(*args, "--fail-on", "oversell_risk,not_listed").exit_code == 1
    assert cli(*args, "--fail-on", "oversell_risk").exit_code == 0
    unknown = cli(*args, "--fail-on", "oversell_risk,oversold")
    assert unknown.exit_code == 2, unknown
    assert "'oversold'" in unknown.stderr and "oversell_risk" in unknown.stderr
    assert unknown.stdout == ""


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_fix_file_for_the_batch_edit_keeps_codes_as_text(cli, shop_folder, suffix):
    fix = shop_folder / f"fix.{suffix}"
    run = cli("stock-check", "--page", page_sheet(shop_folder / "page.csv"),
              "--warehouse", warehouse_sheet("wangdiantong", shop_folder), "--fix-file", fix, "--format", "json")

    assert run.exit_code == 1, run
    if suffix == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(fix).active
        cells = list(sheet.iter_rows(values_only=False))
        table = [[c.value for c in row] for row in cells]
        for row in cells[1:]:
            for cell in (row[0], row[5], row[6]):  # 商家编码, 商品ID, SKU ID
                assert cell.data_type == "s" and cell.number_format == "@"
    else:
        with open(fix, encoding="utf-8-sig", newline="") as fh:
            raw = list(csv.reader(fh))
        assert raw[1][5] == '="680000000007"'  # ids survive a double-click in Excel/WPS
        table = [[int(v) if v.lstrip("-").isdigit() and len(v) < 6 else v.removeprefix('="').removesuffix('"')
                  for v in row] for row in raw]
    # the listings whose quantity can be set as is: not duplicates, not unknown codes
    assert table == [
        ["商家编码", "宝贝标题", "销售属性", "当前库存", "建议库存", "商品ID", "SKU ID"],
        [LOCKED, "测试宝贝7", "黑色;M", 15, 10, "680000000007", "5100000000007"],
        ["NEG-004", "测试宝贝5", "黑色;M", 6, 0, "680000000005", "5100000000005"],
        ["OVER-001", "测试宝贝0", "黑色;M", 50, 30, "680000000000", "5100000000000"],
        ["UNDER-005", "测试宝贝6", "黑色;M", 5, 40, "680000000006", "5100000000006"],
    ]
    assert f"wrote 4 listing(s) to change to {fix}" in run.stderr


def test_fix_file_leaves_out_ids_the_page_sheet_does_not_have(cli, shop_folder):
    page = write_csv(shop_folder / "page.csv", ["商家编码", "宝贝标题", "库存"],
                     [{"商家编码": "A-1", "宝贝标题": "杯子", "库存": "9"}])
    warehouse = warehouse_sheet("generic", shop_folder, [("A-1", 4, 0, 0, 4)])

    run = cli("stock-check", "--page", page, "--warehouse", warehouse, "--fix-file", "fix.xlsx")

    assert run.exit_code == 1, run
    from openpyxl import load_workbook

    assert [list(r) for r in load_workbook(shop_folder / "fix.xlsx").active.iter_rows(values_only=True)] == [
        ["商家编码", "宝贝标题", "销售属性", "当前库存", "建议库存"], ["A-1", "杯子", None, 9, 4]]


def test_units_held_by_open_unpaid_orders_are_shown_and_floor_the_suggestion(cli, shop_folder):
    placed = [(1, UNPAID, "2026-11-21 09:00:00", 3), (2, UNPAID, "2026-11-21 09:30:00", 3),
              (3, UNPAID, "2026-11-20 08:00:00", 5),  # auto-closed by the platform at 24 h
              (4, PAID, "2026-11-21 09:40:00", 2),
              (5, UNPAID, "2026-11-21 11:00:00", 1)]  # after --now: not placed yet
    orders = [legacy_order(n, status, 订单创建时间=created) for n, status, created, _ in placed]
    items = [legacy_item(n, "HOOD-006", quantity, status) for n, status, _, quantity in placed]
    write_csv(shop_folder / "orders.csv", LEGACY_ORDER_HEADER, orders, encoding="gbk")
    write_csv(shop_folder / "items.csv", LEGACY_ITEM_HEADER, items, encoding="gbk")
    assert cli("import", shop_folder / "orders.csv", shop_folder / "items.csv").exit_code == 0
    args = ["stock-check", "--page", page_sheet(shop_folder / "page.csv", [("HOOD-006", "10")]),
            "--warehouse", warehouse_sheet("wangdiantong", shop_folder, [("HOOD-006", 20, 16, 0, None)]), "--now", NOW]

    [row] = cli(*args).rows
    assert (row["finding"], row["available"], row["unpaid_held"], row["suggested_page_stock"], row["difference"]) == (
        "oversell_risk", 4, 6, 6, 4)
    assert "未付款订单占用 6 件" in row["advice"]

    [row] = cli(*args, env={"SHOPTOOL_SHOP_UNPAID_CLOSE_AFTER": "72h"}).rows
    assert (row["unpaid_held"], row["suggested_page_stock"]) == (11, 11)


def test_safety_ratio_and_per_sku_safety_from_the_config(cli, shop_folder):
    (shop_folder / "shoptool.toml").write_text(
        '[stock]\nsafety = 2\nratio = 0.5\ntolerance = 1\n\n[stock.sku]\n"B-2" = 0\n', encoding="utf-8")
    page = page_sheet(shop_folder / "page.csv", [("A-1", "19"), ("B-2", "18"), ("C-3", "10")])
    warehouse = warehouse_sheet("generic", shop_folder, [("A-1", 40, 0, 0, 40), ("B-2", 40, 0, 0, 40),
                                                         ("C-3", 23, 0, 0, None)])

    run = cli("stock-check", "--page", page, "--warehouse", warehouse)

    assert run.exit_code == 0, run  # (40-2)×0.5 = 19 exactly; C-3: 10.5 → 10; B-2: 20, 18 < 20-1
    [row] = run.rows
    assert (row["sku"], row["finding"], row["available"], row["warehouse_available"]) == ("B-2", "underlisted", 20, 40)

    bad = cli("stock-check", "--page", page, "--warehouse", warehouse, env={"SHOPTOOL_STOCK_RATIO": "1.2"})
    assert bad.exit_code == 2 and "stock.ratio" in bad.stderr


def test_a_mangled_code_stops_the_check_naming_file_row_and_column(cli, shop_folder):
    page = page_sheet(shop_folder / "page.csv", [("A-1", "3"), ("6.90123E+15", "4")])
    warehouse = warehouse_sheet("generic", shop_folder, [("A-1", 3, 0, 0, 3)])

    run = cli("stock-check", "--page", page, "--warehouse", warehouse)

    assert run.exit_code == 3, run
    assert run.stdout == ""
    assert f"{page}, row 3, column 商家编码: number mangled by Excel" in run.stderr


def test_unusable_inputs_are_input_errors(cli, shop_folder):
    page = page_sheet(shop_folder / "page.csv", [("A-1", "3")])
    warehouse = warehouse_sheet("generic", shop_folder, [("A-1", 3, 0, 0, 3)])
    no_code = write_csv(shop_folder / "nocode.csv", ["宝贝标题", "库存"], [{"宝贝标题": "杯子", "库存": "1"}])
    empty = write_csv(shop_folder / "empty.csv", PAGE_STOCK_HEADER, [])

    swapped = cli("stock-check", "--page", warehouse_sheet("wangdiantong", shop_folder), "--warehouse", page)
    assert swapped.exit_code == 3
    assert "looks like an export of warehouse-stock, not of page-stock (--page)" in swapped.stderr
    not_page = cli("stock-check", "--page", warehouse, "--warehouse", warehouse)
    assert not_page.exit_code == 3 and "not a page-stock sheet: missing column 可售库存" in not_page.stderr
    missing = cli("stock-check", "--page", no_code, "--warehouse", warehouse)
    assert missing.exit_code == 3 and "商家编码 (tried: 商家编码, 外部系统编号" in missing.stderr
    assert cli("stock-check", "--page", empty, "--warehouse", warehouse).exit_code == 3
    absent = cli("stock-check", "--page", shop_folder / "nope.csv", "--warehouse", warehouse)
    assert absent.exit_code == 3 and "nope.csv: file not found" in absent.stderr
    nothing_imported = cli("stock-check", "--page", page)
    assert nothing_imported.exit_code == 3, nothing_imported
    assert "no warehouse-stock in the shop database" in nothing_imported.stderr
    assert "--warehouse FILE" in nothing_imported.stderr
    assert cli("stock-check", "--page", page, "--warehouse", warehouse, "--fix-file", "fix.pdf").exit_code == 2


def test_a_fresh_warehouse_file_against_the_imported_page(cli, shop_folder):
    assert cli("import", page_sheet(shop_folder / "page.csv", [("A-1", "8")])).exit_code == 0
    warehouse = warehouse_sheet("jushuitan", shop_folder, [("A-1", 10, 4, 0, None)])

    run = cli("stock-check", "--warehouse", warehouse, "--format", "json")

    assert run.exit_code == 1, run
    assert [(r["sku"], r["finding"], r["available"]) for r in run.rows] == [("A-1", "oversell_risk", 6)]
    assert "page-stock: page.csv, imported" in run.stderr


def test_the_readme_example_on_the_samples(cli, sample, shop_folder):
    files = [sample(name) for name in ("page_stock.csv", "warehouse_wangdiantong.xlsx", "orders_legacy_gbk.csv",
                                       "order_items_legacy_gbk.csv")]
    assert cli("import", *files, "--now", "2026-11-21 09:58").exit_code == 0

    run = cli("stock-check", "--now", NOW, "--fix-file", "fix.xlsx", "--format", "json")

    assert run.exit_code == 1, run
    assert [(r["sku"], r["finding"], r["page_stock"], r["available"], r["suggested_page_stock"], r["unpaid_held"])
            for r in run.rows] == [
        ("HOOD-006", "oversell_risk", 15, 10, 10, 1),  # 20 on hand, 10 locked
        ("MUG-002", "duplicate_sku", 30, 60, None, 1),
        ("MUG-002", "duplicate_sku", 8, 60, None, 1),
        ("SOCK-003", "oversell_risk", 6, 0, 0, 0),
        ("SOCK-003", "negative_stock", 6, 0, None, 0),
        ("TS-001-BLK-M", "oversell_risk", 50, 30, 30, 6),  # the 7th unpaid order auto-closed at 24 h
        ("TS-001-WHT-M", "missing_in_warehouse", 10, None, None, 0),
        ("CAP-004", "underlisted", 5, 40, 40, 0),  # MUG-002 is listed twice: no underlisted for a person's call
        (None, "no_sku_code", 5, None, None, None),
        ("BELT-005", "not_listed", None, 12, 12, 0),
    ]
    from openpyxl import load_workbook

    assert [r[:5] for r in load_workbook(shop_folder / "fix.xlsx").active.iter_rows(values_only=True)] == [
        ("商家编码", "宝贝标题", "销售属性", "当前库存", "建议库存"), ("HOOD-006", "连帽卫衣 加绒", "黑色;L", 15, 10),
        ("SOCK-003", "纯棉袜子 5双装", "均码", 6, 0), ("TS-001-BLK-M", "纯棉圆领T恤 男女同款", "黑色;M", 50, 30),
        ("CAP-004", "刺绣棒球帽", "藏青", 5, 40)]


def test_a_warehouse_column_sums_a_skus_warehouses(cli, shop_folder):
    """One row per SKU × 仓库 (FORMATS.md): the stock is the sum over the warehouses the shop sells
    from, not a duplicate judged on its smallest row; a copied row inside one warehouse still is."""
    page = write_csv(shop_folder / "page.csv", PAGE_STOCK_HEADER, [
        page_stock_row(1, "CUP-1", "25"), page_stock_row(2, "CUP-2", "9"), page_stock_row(3, "CUP-3", "4")])
    header = ["商家编码", "货品名称", "仓库名称", "实际库存", "锁定库存", "可用库存"]
    rows = [
        {"商家编码": "CUP-1", "货品名称": "杯子", "仓库名称": "杭州仓", "实际库存": "12", "可用库存": "10"},
        {"商家编码": "CUP-1", "货品名称": "杯子", "仓库名称": "广州仓", "实际库存": "20", "可用库存": "15"},
        {"商家编码": "CUP-1", "货品名称": "杯子", "仓库名称": "退货仓", "实际库存": "7", "可用库存": "7"},
        {"商家编码": "CUP-2", "货品名称": "杯子", "仓库名称": "杭州仓", "实际库存": "9", "可用库存": "9"},
        {"商家编码": "CUP-3", "货品名称": "碗", "仓库名称": "杭州仓", "实际库存": "4", "可用库存": "4"},
        {"商家编码": "CUP-3", "货品名称": "碗", "仓库名称": "杭州仓", "实际库存": "4", "可用库存": "4"},
    ]
    warehouse = write_csv(shop_folder / "warehouse.csv", header, rows)

    run = cli("stock-check", "--page", page, "--warehouse", warehouse, "-f", "json")
    assert run.exit_code == 1, run  # CUP-3 is in 杭州仓 twice
    found = {(r["sku"], r["finding"]): r for r in run.rows}
    assert ("CUP-1", "duplicate_sku") not in found and ("CUP-1", "oversell_risk") not in found
    assert found[("CUP-1", "underlisted")]["available"] == 32  # 10 + 15 + 7: every warehouse by default
    assert found[("CUP-1", "underlisted")]["warehouse"] == "杭州仓+广州仓+退货仓"
    assert [r["finding"] for r in run.rows if r["sku"] == "CUP-3"] == ["duplicate_sku", "duplicate_sku"]
    assert ("CUP-2", "underlisted") not in found

    (shop_folder / "shoptool.toml").write_text('[stock]\nwarehouses = ["杭州仓", "广州仓"]\n', encoding="utf-8")
    run = cli("stock-check", "--page", page, "--warehouse", warehouse, "-f", "json", "--fail-on", "oversell_risk")
    assert run.exit_code == 0, run
    cup = [r for r in run.rows if r["sku"] == "CUP-1"]
    assert cup == []  # 10 + 15 = the 25 on the page: nothing to do
    assert "退货仓 (1)" in run.stderr

    (shop_folder / "shoptool.toml").write_text('[stock]\nwarehouses = ["杭州仓"]\n', encoding="utf-8")
    run = cli("stock-check", "--page", page, "--warehouse", warehouse, "-f", "json")
    oversell = [r for r in run.rows if r["sku"] == "CUP-1" and r["finding"] == "oversell_risk"]
    assert [(r["page_stock"], r["available"], r["suggested_page_stock"]) for r in oversell] == [(25, 10, 10)]


def test_the_warehouse_column_survives_import(cli, shop_folder):
    page = write_csv(shop_folder / "page.csv", PAGE_STOCK_HEADER, [page_stock_row(1, "CUP-1", "40")])
    warehouse = write_csv(shop_folder / "warehouse.csv", ["商家编码", "仓库", "可用库存"], [
        {"商家编码": "CUP-1", "仓库": "一号仓", "可用库存": "10"},
        {"商家编码": "CUP-1", "仓库": "二号仓", "可用库存": "20"}])
    assert cli("import", page, warehouse, "-f", "json").exit_code == 0
    run = cli("stock-check", "-f", "json")
    assert [(r["finding"], r["available"]) for r in run.rows] == [("oversell_risk", 30)]


def test_the_database_streamed_code_by_code_finds_what_the_same_files_find(cli, shop_folder, db):
    """From the database both snapshots are read in one sorted pass, one code at a time (issue
    #25); from files they are grouped in memory. Codes out of order, listed twice, blank, in
    several warehouses, copied inside one, in a warehouse not sold from: the same rows, key for key."""
    page = write_csv(shop_folder / "page.csv", PAGE_STOCK_HEADER, [
        page_stock_row(1, "ZZ-9", "5"), page_stock_row(2, "CUP-2", "9"), page_stock_row(3, "", "4"),
        page_stock_row(4, "AA-1", "40"), page_stock_row(5, "CUP-2", "3"), page_stock_row(6, "NEG-7", "-1"),
        page_stock_row(7, "GONE-8", "2"), page_stock_row(8, "", "0"), page_stock_row(9, "RET-5", "6")])
    header = ["商家编码", "货品名称", "仓库名称", "实际库存", "锁定库存", "可用库存"]
    rows = [("AA-1", "杭州仓", "12", "10"), ("SPARE-3", "广州仓", "8", "8"), ("AA-1", "广州仓", "20", "15"),
            ("CUP-2", "杭州仓", "9", "9"), ("ZZ-9", "杭州仓", "30", "30"), ("ZZ-9", "杭州仓", "30", "2"),
            ("", "杭州仓", "5", "5"), ("NEG-7", "广州仓", "-3", "-3"), ("RET-5", "退货仓", "9", "9"),
            ("AA-1", "退货仓", "7", "7")]
    warehouse = write_csv(shop_folder / "warehouse.csv", header, [
        {"商家编码": code, "货品名称": "杯子", "仓库名称": name, "实际库存": on_hand, "可用库存": available}
        for code, name, on_hand, available in rows])
    (shop_folder / "shoptool.toml").write_text('[stock]\nwarehouses = ["杭州仓", "广州仓"]\ntolerance = 1\n',
                                               encoding="utf-8")

    from_files = cli("stock-check", "--page", page, "--warehouse", warehouse, "--now", NOW, "-f", "json")
    assert cli("import", page, warehouse, "-f", "json").exit_code == 0
    from_db = cli("stock-check", "--now", NOW, "-f", "json")

    assert from_db.exit_code == from_files.exit_code == 1
    assert from_db.rows == from_files.rows
    assert from_db.json["summary"] == from_files.json["summary"]
    assert {f for f in findings(from_db)} >= {("ZZ-9", "duplicate_sku"), ("CUP-2", "duplicate_sku"),
                                              (None, "no_sku_code"), ("NEG-7", "negative_stock"),
                                              ("GONE-8", "missing_in_warehouse"), ("SPARE-3", "not_listed"),
                                              ("RET-5", "missing_in_warehouse")}
    assert "退货仓 (2)" in from_db.stderr and "1 warehouse row(s) without a SKU code" in from_db.stderr
    assert next(r for r in from_db.rows if r["sku"] == "AA-1")["warehouse"] == "杭州仓+广州仓"
    conn = db().conn
    assert conn.execute("SELECT COUNT(*) FROM page_stock").fetchone()[0] == 9
    assert conn.execute("SELECT COUNT(*) FROM warehouse_stock").fetchone()[0] == 10
