"""stock-check's rules, called directly on rows shaped like the page_stock/warehouse_stock tables."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shoptool.errors import ConfigError, UsageError
from shoptool.stock import (
    DEFAULT_FAIL_ON,
    FINDING_KEYS,
    FINDINGS,
    StockRules,
    check_grouped,
    check_stock,
    fix_rows,
    parse_fail_on,
    summarise,
    warehouse_figures,
)

RULES = StockRules()


def page(code, quantity, row_no=2, **kw):
    return {"row_no": row_no, "sku_code": code, "item_id": "680000000001", "sku_id": f"51000{row_no}",
            "title": f"宝贝 {code}", "attrs": "黑色;M", "quantity": quantity, **kw}


def stock(code, on_hand=None, locked=None, awaiting=None, available=None, row_no=2):
    return {"row_no": row_no, "sku_code": code, "name": f"货品 {code}", "attrs": "黑色 M", "on_hand": on_hand,
            "locked": locked, "awaiting_shipment": awaiting, "available": available}


def found(result):
    return sorted((r["sku"], r["finding"]) for r in result.rows)


def test_the_sheets_own_available_figure_wins_over_the_arithmetic():
    assert warehouse_figures(stock("A", on_hand=50, locked=5, awaiting=3, available=30), RULES) == {
        "on_hand": 50, "reserved": 8, "warehouse_available": 30, "available": 30}


def test_without_one_available_is_on_hand_minus_locked_minus_awaiting_blank_counting_zero():
    assert warehouse_figures(stock("A", on_hand=20, locked=10, awaiting=3), RULES)["available"] == 7
    assert warehouse_figures(stock("A", on_hand=20, awaiting=3), RULES)["available"] == 17
    assert warehouse_figures(stock("A", on_hand=20), RULES)["reserved"] is None


@pytest.mark.parametrize(("rules", "raw", "expected"), [
    (StockRules(safety=2), 10, 8),
    (StockRules(safety=2, sku_safety={"A": 5}), 10, 5),  # the SKU's own safety replaces the shop's
    (StockRules(safety=2, sku_safety={"B": 5}), 10, 8),
    (StockRules(ratio=Decimal("0.7")), 10, 7),  # exact: a float would give 6.999… → 6
    (StockRules(ratio=Decimal("0.5")), 7, 3),  # rounded down
    (StockRules(safety=20), 10, 0),  # never below 0
    (StockRules(), -4, 0),
])
def test_safety_then_ratio_rounded_down_never_below_zero(rules, raw, expected):
    assert rules.sellable(raw, "A") == expected


def test_settings_are_read_and_checked():
    values = {"stock.safety": 1, "stock.ratio": 0.7, "stock.tolerance": 2, "stock.sku": {"A": 3}}
    rules = StockRules.from_settings(values)
    assert rules == StockRules(safety=1, ratio=Decimal("0.7"), tolerance=2, sku_safety={"A": 3})
    for bad in ({"stock.ratio": 1.5}, {"stock.ratio": 0}, {"stock.safety": -1}, {"stock.sku": {"A": "x"}}):
        with pytest.raises(ConfigError, match=next(iter(bad))):
            StockRules.from_settings({**values, **bad})


def test_fail_on_codes():
    assert parse_fail_on(None) == set(DEFAULT_FAIL_ON)
    assert parse_fail_on(" oversell_risk , not_listed ") == {"oversell_risk", "not_listed"}
    assert parse_fail_on("") == set()
    with pytest.raises(UsageError, match="'oversell'"):
        parse_fail_on("oversell")


def test_oversold_underlisted_and_clean():
    result = check_stock([page("OVER", 15), page("UNDER", 5, row_no=3), page("OK", 10, row_no=4)],
                         [stock("OVER", on_hand=20, locked=10), stock("UNDER", available=40),
                          stock("OK", available=10)],
                         RULES)
    assert found(result) == [("OVER", "oversell_risk"), ("UNDER", "underlisted")]
    over, under = result.rows
    assert (over["page_stock"], over["available"], over["suggested_page_stock"], over["difference"]) == (15, 10, 10, 5)
    assert (under["suggested_page_stock"], under["difference"]) == (40, -35)
    assert over["severity"] == "error" and under["severity"] == "warning"


def test_tolerance_only_for_underlisted():
    rules = StockRules(tolerance=3)
    assert found(check_stock([page("A", 7)], [stock("A", available=10)], rules)) == []
    assert found(check_stock([page("A", 6)], [stock("A", available=10)], rules)) == [("A", "underlisted")]
    assert found(check_stock([page("A", 11)], [stock("A", available=10)], rules)) == [("A", "oversell_risk")]


def test_a_code_listed_twice_is_each_rows_duplicate_and_compared_as_a_total():
    result = check_stock([page("MUG", 30, row_no=2), page("MUG", 25, row_no=3)], [stock("MUG", available=50)], RULES)
    assert [(r["finding"], r["page_row"], r["page_stock"], r["suggested_page_stock"]) for r in result.rows] == [
        ("oversell_risk", None, 55, 50), ("duplicate_sku", 2, 30, None), ("duplicate_sku", 3, 25, None)]
    assert fix_rows(result.rows) == []  # nobody can say which listing loses the 5 units


def test_a_code_twice_in_the_warehouse_counts_its_smallest_row_never_the_sum():
    result = check_stock([page("A", 12)], [stock("A", available=10, row_no=2), stock("A", available=30, row_no=3)],
                         RULES)
    assert found(result) == [("A", "duplicate_sku"), ("A", "duplicate_sku"), ("A", "oversell_risk")]
    oversell = next(r for r in result.rows if r["finding"] == "oversell_risk")
    assert (oversell["available"], oversell["warehouse_row"], oversell["suggested_page_stock"]) == (10, 2, 10)
    assert [r["warehouse_row"] for r in result.rows if r["finding"] == "duplicate_sku"] == [2, 3]


def test_negative_stock_still_listed_is_also_an_oversell_with_suggestion_zero():
    result = check_stock([page("SOCK", 6)], [stock("SOCK", on_hand=-2, available=-2)], RULES)
    assert found(result) == [("SOCK", "negative_stock"), ("SOCK", "oversell_risk")]
    assert next(r for r in result.rows if r["finding"] == "oversell_risk")["suggested_page_stock"] == 0
    # promised more than held is negative too, though on hand is positive
    assert found(check_stock([], [stock("X", on_hand=5, locked=8)], RULES)) == [("X", "negative_stock")]
    negative_page = check_stock([page("P", -1)], [stock("P", available=0)], RULES)
    assert found(negative_page) == [("P", "negative_stock"), ("P", "underlisted")]
    assert fix_rows(negative_page.rows)[0]["suggested_page_stock"] == 0


def test_missing_in_warehouse_only_when_the_page_sells_it():
    result = check_stock([page("GONE", 10), page("SOLD-OUT", 0, row_no=3)], [], RULES)
    assert found(result) == [("GONE", "missing_in_warehouse")]
    assert result.rows[0]["available"] is None and result.rows[0]["suggested_page_stock"] is None


def test_not_listed_when_stock_could_sell_not_merely_when_on_hand():
    result = check_stock([], [stock("FREE", available=12), stock("ALL-LOCKED", on_hand=5, locked=5, row_no=3),
                              stock("SAFETY", available=2, row_no=4)], StockRules(safety=2))
    assert found(result) == [("FREE", "not_listed")]
    assert (result.rows[0]["page_stock"], result.rows[0]["suggested_page_stock"]) == (None, 10)


def test_page_rows_without_code_are_warnings_warehouse_rows_without_code_are_counted():
    result = check_stock([page(None, 5)], [stock(None, available=3)], RULES)
    assert found(result) == [(None, "no_sku_code")]
    assert result.warehouse_without_code == 1


def test_unpaid_orders_floor_the_suggestion_since_the_platform_keeps_their_units():
    result = check_stock([page("A", 10)], [stock("A", available=4)], RULES, unpaid_held={"A": 6})
    [row] = result.rows
    assert (row["finding"], row["available"], row["unpaid_held"], row["suggested_page_stock"], row["difference"]) == (
        "oversell_risk", 4, 6, 6, 4)
    assert "未付款订单占用 6 件" in row["advice"]


def test_rows_by_severity_then_sku_and_the_summary_counts_every_code():
    result = check_stock([page("B", 1), page("A", 9, row_no=3), page(None, 1, row_no=4), page("C", 1, row_no=5)],
                         [stock("A", available=1), stock("B", available=5), stock("Z", available=1)], RULES)
    assert [(r["severity"], r["sku"]) for r in result.rows] == [
        ("error", "A"), ("error", "C"), ("warning", "B"), ("warning", None), ("info", "Z")]
    assert summarise(result.rows) == {**dict.fromkeys(FINDINGS, 0), "oversell_risk": 1, "missing_in_warehouse": 1,
                                      "underlisted": 1, "no_sku_code": 1, "not_listed": 1}


def test_fix_rows_carry_the_listing_ids_and_only_what_changes():
    result = check_stock([page("A", 15, row_no=2), page("B", 5, row_no=3)],
                         [stock("A", available=10), stock("B", available=7)], StockRules(tolerance=1))
    assert fix_rows(result.rows) == [
        {"sku": "A", "title": "宝贝 A", "attrs": "黑色;M", "page_stock": 15, "suggested_page_stock": 10,
         "item_id": "680000000001", "sku_id": "510002"},
        {"sku": "B", "title": "宝贝 B", "attrs": "黑色;M", "page_stock": 5, "suggested_page_stock": 7,
         "item_id": "680000000001", "sku_id": "510003"},
    ]


quantities = st.one_of(st.none(), st.integers(-5, 60))


@settings(max_examples=200, deadline=None)
@given(pages=st.lists(st.tuples(st.sampled_from("ABCDE"), quantities), max_size=8),
       stocks=st.lists(st.tuples(st.sampled_from("ABCDEF"), quantities, quantities, quantities, quantities),
                       max_size=8),
       safety=st.integers(0, 5), ratio=st.sampled_from(["1", "0.8", "0.5"]), tolerance=st.integers(0, 3))
def test_pasting_the_fix_file_leaves_nothing_oversold_or_underlisted(pages, stocks, safety, ratio, tolerance):
    rules = StockRules(safety=safety, ratio=Decimal(ratio), tolerance=tolerance)
    page_rows = [page(code, q, row_no=i + 2) for i, (code, q) in enumerate(pages)]
    stock_rows = [stock(code, *figures, row_no=i + 2) for i, (code, *figures) in enumerate(stocks)]
    before = check_stock(page_rows, stock_rows, rules)
    for row in before.rows:
        if row["suggested_page_stock"] is not None and row["available"] is not None:
            assert row["suggested_page_stock"] >= row["available"] >= 0
        if row["difference"] is not None:
            assert row["difference"] == row["page_stock"] - row["suggested_page_stock"]

    fixes = {f["sku"]: f["suggested_page_stock"] for f in fix_rows(before.rows)}
    pasted = [{**r, "quantity": fixes.get(r["sku_code"], r["quantity"])} for r in page_rows]
    after = check_stock(pasted, stock_rows, rules)
    assert not [r for r in after.rows if r["sku"] in fixes and r["finding"] in ("oversell_risk", "underlisted")]


@settings(max_examples=200, deadline=None)
@given(pages=st.lists(st.tuples(st.sampled_from(["A", "B", "C", None, ""]), quantities), max_size=8),
       stocks=st.lists(st.tuples(st.sampled_from(["A", "B", "D", None]), st.sampled_from(["", "杭州仓", "退货仓"]),
                                 quantities, quantities, quantities), max_size=8),
       warehouses=st.sampled_from([(), ("杭州仓",)]))
def test_code_by_code_as_the_database_reads_them_equals_the_check_of_whole_lists(pages, stocks, warehouses):
    """The database streams both snapshots sorted by code (rows without a code first), one code at
    a time (db.stock.rows_by_code); the files are grouped in memory. Same findings, same order."""
    rules = StockRules(warehouses=warehouses)
    page_rows = [page(code, q, row_no=i + 2) for i, (code, q) in enumerate(pages)]
    stock_rows = [{**stock(code, on_hand, locked, None, available, row_no=i + 2), "warehouse": name}
                  for i, (code, name, on_hand, locked, available) in enumerate(stocks)]
    whole = check_stock(page_rows, stock_rows, rules, {"A": 3})
    codes = sorted({r["sku_code"] for r in page_rows + stock_rows}, key=lambda c: (c is not None, c or ""))
    grouped = check_grouped(((c, [r for r in page_rows if r["sku_code"] == c],
                              [r for r in stock_rows if r["sku_code"] == c]) for c in codes), rules, {"A": 3})
    assert list(grouped.rows) == list(whole.rows)
    assert (grouped.skus, grouped.warehouse_without_code, grouped.other_warehouses) == (
        whole.skus, whole.warehouse_without_code, whole.other_warehouses)
    assert all(list(row) == list(FINDING_KEYS) for row in whole.rows)
    assert summarise(whole.rows) == summarise(list(whole.rows))
