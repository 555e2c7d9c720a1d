"""`shoptool invoices`: orders whose 发票抬头/开票信息 asks for an invoice, oldest first, until marked
issued (`invoices ORDER --issued --staff ID`, audited)."""

from __future__ import annotations

import openpyxl
import pytest
from builders import (
    CLOSED,
    DONE,
    ERP_ORDER_HEADER,
    LEGACY_ORDER_HEADER,
    QIANNIU_ORDER_HEADER,
    UNPAID,
    erp_order,
    legacy_order,
    oid,
    qianniu_order,
    write_csv,
    write_xlsx,
)

NOW = "2026-11-21 10:00"
KEYS = ["order_id", "invoice_title", "paid_at", "age_days", "status"]


def asks(n: int, title: str, paid: str = "2026-11-20 09:01:00", **cells) -> dict:
    return legacy_order(n, 发票抬头=title, 订单创建时间=paid[:-2] + "00", 订单付款时间=paid, **cells)


@pytest.fixture
def shop(cli, shop_folder):
    def run(*orders, now=NOW, args=()):
        if orders:
            path = write_csv(shop_folder / "orders.csv", LEGACY_ORDER_HEADER, orders, encoding="gbk")
            assert cli("import", path, "--now", now).exit_code == 0
        return cli("invoices", "--now", now, "--format", "json", *args)

    return run


def test_invoice_requests_oldest_first(shop):
    run = shop(asks(1, "杭州云栖科技有限公司", "2026-11-20 09:01:00"), asks(2, "个人", "2026-11-12 10:01:00"),
               asks(3, "不开发票"), asks(4, "-"), legacy_order(5),
               asks(6, "某某有限公司", 订单状态=CLOSED, 订单关闭原因="买家不想买了"),
               legacy_order(7, UNPAID, 发票抬头="某某有限公司"),
               asks(8, "上海某某有限公司", "2026-11-01 10:00:00", 订单状态=DONE))
    assert run.exit_code == 0, run
    assert [list(r)[:len(KEYS)] for r in run.rows] == [KEYS] * 3
    assert [(r["order_id"], r["invoice_title"], r["paid_at"], r["age_days"], r["status"]) for r in run.rows] == [
        (oid(8), "上海某某有限公司", "2026-11-01T10:00:00+08:00", 20, "requested"),
        (oid(2), "个人", "2026-11-12T10:01:00+08:00", 8, "requested"),
        (oid(1), "杭州云栖科技有限公司", "2026-11-20T09:01:00+08:00", 1, "requested"),
    ]
    assert run.json["summary"] == {"requested": 3, "issued": 0, "oldest_days": 20}


def test_an_invoice_request_stays_listed_until_it_is_marked_issued(cli, shop, shop_folder, db):
    shop(asks(1, "杭州云栖科技有限公司"), asks(2, "个人"))
    # a re-export of the order (now completed, the cell blank) does not take the request back
    later = write_csv(shop_folder / "later.csv", LEGACY_ORDER_HEADER, [asks(1, "", 订单状态=DONE)], encoding="gbk")
    assert cli("import", later, "--now", "2026-11-22 10:00").exit_code == 0
    assert [r["order_id"] for r in shop(now="2026-11-25 10:00").rows] == [oid(1), oid(2)]

    marked = cli("invoices", oid(1), "--issued", "--staff", "kf02", "--note", "电子发票已推送",
                 "--now", "2026-11-25 11:00", "--format", "json")
    assert marked.exit_code == 0, marked
    assert (marked.rows[0]["action"], marked.rows[0]["staff"]) == ("marked", "kf02")
    assert [r["order_id"] for r in shop(now="2026-11-25 12:00").rows] == [oid(2)]

    issued = shop(now="2026-11-25 12:00", args=("--status", "issued"))
    assert [(r["order_id"], r["status"], r["issued_by"], r["issued_at"]) for r in issued.rows] == [
        (oid(1), "issued", "kf02", "2026-11-25T11:00:00+08:00")]
    assert len(shop(now="2026-11-25 12:00", args=("--status", "all")).rows) == 2
    history = cli("note", oid(1), "--format", "json").rows
    assert [(h["action"], h["staff"]) for h in history] == [("status_changed", None), ("invoice_issued", "kf02")]
    assert db().conn.execute("SELECT text FROM notes").fetchone() == ("已开发票：电子发票已推送",)


def test_qianniu_invoice_info_and_erp_invoice_columns(cli, shop_folder):
    info = "发票类型：电子普通发票；发票抬头：南京金陵电子商务有限公司；税号：91320105MA1W000000"
    book = write_xlsx(shop_folder / "qianniu.xlsx", QIANNIU_ORDER_HEADER,
                      [qianniu_order(1, 开票信息=info), qianniu_order(2, 开票信息="不需要发票")])
    erp = write_csv(shop_folder / "erp.csv", ERP_ORDER_HEADER + ["发票抬头", "发票类型"],
                    [erp_order(3, 付款时间="2026-11-19 08:00:00", 发票抬头="宁波甬江贸易有限公司",
                               发票类型="增值税专用发票")])
    assert cli("import", book, erp).exit_code == 0
    run = cli("invoices", "--now", NOW, "--format", "json")
    assert [(r["order_id"], r["invoice_title"], r["invoice_kind"]) for r in run.rows] == [
        (oid(3), "宁波甬江贸易有限公司", "增值税专用发票"), (oid(1), "南京金陵电子商务有限公司", "电子普通发票")]
    assert "91320105" not in run.stdout


def test_a_person_as_invoice_title_is_masked_unless_show_pii(cli, shop, db):
    shop(asks(1, "王小明"), asks(2, "杭州云栖科技有限公司"))
    run = cli("invoices", "--now", NOW, "--format", "json")
    assert [r["invoice_title"] for r in run.rows] == ["王**", "杭州云栖科技有限公司"]
    assert "王小明" not in run.stdout
    shown = cli("invoices", "--now", NOW, "--format", "json", "--show-pii")
    assert shown.rows[0]["invoice_title"] == "王小明"
    assert db().conn.execute("SELECT command FROM audit").fetchall() == [("invoices",)]


def test_the_invoice_sheet_for_staff(cli, shop, shop_folder):
    shop(asks(1, "杭州云栖科技有限公司"))
    assert cli("invoices", "--now", NOW, "-o", "invoices.xlsx").exit_code == 0
    sheet = openpyxl.load_workbook(shop_folder / "invoices.xlsx").active
    assert [c.value for c in sheet[1]][:5] == ["订单编号", "发票抬头", "付款时间", "已过天数", "开票状态"]
    assert [c.value for c in sheet[2]][:2] == [oid(1), "杭州云栖科技有限公司"] and sheet["E2"].value == "待开票"


@pytest.mark.parametrize(("args", "message"), [
    ([oid(1)], "for --issued"), (["--issued"], "needs ORDER"), (["--status", "done"], "not an invoice status"),
    ([oid(1), "--issued", "--status", "all"], "does not go with --issued"), (["--note", "x"], "goes with --issued"),
])
def test_usage_errors(cli, args, message):
    run = cli("invoices", *args)
    assert run.exit_code == 2 and message in run.stderr


def test_purge_takes_the_invoice_title_with_the_rest_of_the_buyers_data(cli, shop, db):
    shop(asks(1, "王小明", "2026-01-05 10:00:00", 订单状态=DONE))
    assert cli("purge", "--older-than", "180d", "--now", NOW, "--yes").exit_code == 0
    assert db().conn.execute("SELECT invoice_title, purged_at IS NOT NULL FROM orders").fetchone() == (None, 1)


def test_orders_imported_before_the_upgrade_keep_their_invoice_and_cod_fee(shop_folder):
    """m030 reads 发票抬头 and 买家服务费 from `extra`, where earlier versions kept them."""
    from shoptool.db import open_db
    from shoptool.db.schema import migrations

    old = open_db(shop_folder / "old.db", migrate=False)
    migrations.apply(old, stop_before="m030_cs_lists")
    for order_id, is_cod, extra in (
        ("1", 1, '{"买家服务费":"6.00元","发票抬头":"杭州云栖科技有限公司"}'),
        ("2", 0, '{"买家服务费":"0元","发票抬头":"不开发票"}'),
        ("3", 0, '{"开票信息":"个人"}'),
    ):
        old.conn.execute("INSERT INTO orders (order_id, status, is_cod, extra, first_seen_at, updated_at) "
                         "VALUES (?, 'paid', ?, ?, 'x', 'x')", (order_id, is_cod, extra))
    old.close()
    upgraded = open_db(shop_folder / "old.db")
    assert upgraded.conn.execute("SELECT order_id, cod_fee_fen, invoice_title FROM orders ORDER BY 1").fetchall() == [
        ("1", 600, "杭州云栖科技有限公司"), ("2", None, None), ("3", None, "个人")]
    upgraded.close()


def test_a_title_shaped_like_a_formula_is_not_run_by_excel(cli, shop, shop_folder):
    shop(asks(1, '=HYPERLINK("http://example.com","发票")有限公司'))
    assert cli("invoices", "--now", NOW, "-o", "invoices.csv").exit_code == 0
    text = (shop_folder / "invoices.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text
    assert cli("invoices", "--now", NOW, "-o", "invoices.xlsx").exit_code == 0
    cell = openpyxl.load_workbook(shop_folder / "invoices.xlsx").active["B2"]
    assert cell.data_type == "s" and str(cell.value).startswith("'=HYPERLINK")
