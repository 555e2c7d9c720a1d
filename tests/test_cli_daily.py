"""`shoptool daily` on the sample shop: one worklist, every check counted, nothing changed."""

import json

import openpyxl
import pytest

NOW = "2026-11-21 10:00"


@pytest.fixture
def sample_shop(cli, sample):
    for name in ("orders_legacy_gbk.csv", "order_items_legacy_gbk.csv", "orders_qianniu.xlsx", "orders_later_gbk.csv",
                 "page_stock.csv",
                 "warehouse_wangdiantong.xlsx", "shipments_erp.csv", "reviews.csv", "opt_outs.csv"):
        assert cli("import", sample(name)).exit_code == 0


def test_daily_counts_every_check_of_the_sample_shop(cli, db, sample_shop):
    before = list(db().conn.iterdump())

    result = cli("daily", "--now", NOW, "--format", "json")

    assert result.exit_code == 0, result
    document = result.json
    assert document["command"] == "daily"
    checks = {row["check"]: row for row in document["rows"]}
    assert list(checks) == ["stock", "addresses", "cod", "ship_deadline", "merges", "reminders", "notices", "logistics",
                            "reviews", "aftersale", "rate_buyers", "invoices", "outbox"]
    assert document["summary"] == {check: row["count"] for check, row in checks.items()}
    assert checks["merges"]["count"] == 1
    assert checks["merges"]["top"][0]["order_ids"] == ["3912000000000000110", "3912000000000000111"]
    assert checks["merges"]["top"][0]["refund"] == 8.0
    assert {r["order_id"] for r in checks["reminders"]["top"]} == {"3912000000000000201", "3912000000000000202"}
    assert {r["order_id"] for r in checks["notices"]["top"]} == {"3912000000000000301", "3912000000000000302"}
    assert [r["order_id"] for r in checks["reviews"]["top"]] == [
        "3912000000000000313", "3912000000000000311", "3912000000000000312"]
    assert checks["stock"]["top"][0]["sku"] == "HOOD-006"
    assert checks["addresses"]["top"][0]["order_id"] == "3912000000000000102"
    assert checks["outbox"]["count"] == 0
    assert [r["order_id"][-3:] for r in checks["cod"]["top"]] == ["112", "601", "602"]
    assert checks["cod"]["top"][0]["cod_total"] == 108.0 and "1 单临近或已过截单时间" in checks["cod"]["note"]
    assert [(r["order_id"][-3:], r["days_left"]) for r in checks["rate_buyers"]["top"]] == [
        ("613", 0), ("622", 10), ("311", 11), ("611", 12), ("314", 13)]
    assert [r["order_id"][-3:] for r in checks["invoices"]["top"]] == ["622", "611", "314", "621", "501"]
    assert checks["invoices"]["top"][0]["invoice_title"] == "叶*"
    # personal data stays masked in the worklist
    assert "13800138102" not in result.stdout and "138****8102" in result.stdout
    # a worklist changes nothing and sends nothing
    assert list(db().conn.iterdump()) == before


def test_daily_top_limits_rows_per_check(cli, sample_shop):
    rows = cli("daily", "--now", NOW, "--format", "json", "--top", "1").rows
    assert all(len(row["top"]) <= 1 for row in rows)
    assert next(r for r in rows if r["check"] == "addresses")["count"] > 1


def test_daily_workbook_has_a_sheet_per_check(cli, shop_folder, sample_shop):
    result = cli("daily", "--now", NOW, "-o", "daily.xlsx")

    assert result.exit_code == 0, result
    book = openpyxl.load_workbook(shop_folder / "daily.xlsx")
    assert len(book.sheetnames) == 14
    assert book.sheetnames[1:] == ["库存风险", "待确认地址", "货到付款待确认", "发货时效", "可合并发货", "待催付",
                                   "待发货通知", "物流异常", "待处理中差评", "售后待处理", "待评价买家", "待开发票",
                                   "短信待处理"]
    addresses = book["待确认地址"]
    assert addresses.max_row - 1 == next(r for r in json.loads(cli("daily", "--now", NOW).stdout)["rows"]
                                         if r["check"] == "addresses")["count"]


def test_daily_on_an_empty_shop_says_what_is_missing(cli):
    result = cli("daily", "--now", NOW, "--format", "json")
    assert result.exit_code == 0, result
    stock = result.rows[0]
    assert stock["check"] == "stock" and stock["count"] == 0 and "import" in stock["note"]


def test_daily_screen_for_people(cli, sample_shop):
    result = cli("daily", "--now", NOW, "--format", "table", env={"COLUMNS": "120"})
    assert result.exit_code == 0
    for title in ("库存风险", "待确认地址", "货到付款待确认", "可合并发货", "待催付", "待发货通知", "待处理中差评",
                  "待评价买家", "待开发票", "短信待处理"):
        assert title in result.stdout
    assert "daily: " in result.stderr


def test_daily_shows_the_parcels_clocks(cli, db, sample):
    """PRODUCT §18: ship-deadline and logistics-check are sections of the worklist."""
    for name in ("orders_erp_shipped.csv", "tracking_kuaidi100.json", "tracking_kdniao.jsonl",
                 "tracking_sheet_gbk.csv"):
        assert cli("import", sample(name)).exit_code == 0
    before = list(db().conn.iterdump())
    checks = {row["check"]: row for row in cli("daily", "--now", NOW, "--format", "json").rows}
    assert checks["ship_deadline"]["count"] == 4 and "3 单已超过承诺发货时间" in checks["ship_deadline"]["note"]
    assert checks["logistics"]["count"] == 8 and checks["logistics"]["note"] == "4 个包裹需要马上处理"
    assert checks["logistics"]["top"][0]["finding"] == "returned"
    assert list(db().conn.iterdump()) == before


def test_each_count_is_its_full_lists_length_though_only_the_top_rows_are_kept(cli, shop_folder, sample,
                                                                               sample_shop):
    """daily keeps only each check's first rows unless it writes a workbook (issue #25: at a
    million orders holding every list was most of its memory). The counts and top rows of the
    cut run are those of the full lists: the workbook's sheets and the commands on their own."""
    for name in ("orders_erp_shipped.csv", "tracking_kuaidi100.json", "tracking_kdniao.jsonl"):
        assert cli("import", sample(name)).exit_code == 0
    cut = cli("daily", "--now", NOW, "--format", "json", "--top", "2")
    assert cut.exit_code == 0, cut
    checks = {row["check"]: row for row in cut.rows}
    assert cli("daily", "--now", NOW, "--top", "2", "-o", "daily.xlsx").exit_code == 0
    book = openpyxl.load_workbook(shop_folder / "daily.xlsx")
    titles = {row["check"]: row["title"] for row in cut.rows}
    # the checks whose count is every row of their list (the others count a part: merges, texts due)
    whole = ("stock", "addresses", "cod", "ship_deadline", "logistics", "reviews", "rate_buyers", "invoices")
    for check in whole:
        sheet = book[titles[check]]
        assert checks[check]["count"] == sheet.max_row - 1, check
        assert len(checks[check]["top"]) == min(2, checks[check]["count"]), check
    assert all(checks[check]["count"] > 2 for check in ("stock", "addresses", "logistics", "rate_buyers")), checks

    stock = cli("stock-check", "--now", NOW, "--format", "json")
    risks = [r for r in stock.rows if r["severity"] in ("error", "warning")]
    assert checks["stock"]["count"] == len(risks) and checks["stock"]["top"] == risks[:2]
    addresses = cli("address-check", "--now", NOW, "--format", "json")
    assert checks["addresses"]["count"] == len(addresses.rows) and checks["addresses"]["top"] == addresses.rows[:2]
    logistics = cli("logistics-check", "--now", NOW, "--format", "json")
    assert checks["logistics"]["count"] == len(logistics.rows) and checks["logistics"]["top"] == logistics.rows[:2]
    # the workbook's run kept every row: its summary sheet counts as the cut run does
    summary = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert [(title, count) for title, count, *_ in summary] == [(r["title"], r["count"]) for r in cut.rows]
