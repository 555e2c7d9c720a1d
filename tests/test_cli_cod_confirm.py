"""`shoptool cod-confirm` on real exports: COD orders to phone before shipping, each call recorded
through the notes log; COD read from every export shape that carries it."""

from __future__ import annotations

import csv
import json

import openpyxl
import pytest
from builders import (
    CLOSED,
    ERP_ORDER_HEADER,
    LEGACY_ORDER_HEADER,
    PAID,
    QIANNIU_ORDER_HEADER,
    SHIPMENT_HEADER,
    erp_order,
    legacy_order,
    oid,
    qianniu_order,
    shipment,
    write_csv,
    write_xlsx,
)

NOW = "2026-11-21 10:00"
KEYS = ["order_id", "finding", "cod_total", "cod_fee", "hours_to_cutoff", "script", "phone"]


def cod(n: int, created: str = "2026-11-21 08:30:00", **cells) -> dict:
    """A legacy 订单报表 COD order: 运送方式 货到付款, no payment time, 买家服务费 the buyer's COD fee."""
    return legacy_order(n, PAID, **{"运送方式": "货到付款", "订单付款时间": "", "买家应付货款": "129.00",
                                    "买家应付邮费": "10.00", "买家服务费": "6.00元", "订单创建时间": created,
                                    "宝贝标题": "羊毛围巾", **cells})


@pytest.fixture
def shop(cli, shop_folder):
    """Import these legacy orders (GBK CSV); returns a function running cod-confirm."""

    def run(*orders, now=NOW, args=()):
        if orders:
            path = write_csv(shop_folder / "orders.csv", LEGACY_ORDER_HEADER, orders, encoding="gbk")
            imported = cli("import", path, "--now", now, "--format", "json")
            assert imported.exit_code == 0, imported
        return cli("cod-confirm", "--now", now, "--format", "json", *args)

    return run


def test_an_unconfirmed_cod_order_is_listed_with_a_script_naming_its_cod_total(shop):
    run = shop(cod(1), legacy_order(2))
    assert run.exit_code == 0, run
    (row,) = run.rows
    assert list(row)[:len(KEYS)] == KEYS
    assert {k: row[k] for k in KEYS if k != "script"} == {
        "order_id": oid(1), "finding": "unconfirmed", "cod_total": 145.0, "cod_fee": 6.0, "hours_to_cutoff": 6.0,
        "phone": "139****0001"}
    assert "签收时需付给快递员共145.00元（含货到付款服务费6.00元，比在线支付多6.00元）" in row["script"]
    assert run.json["summary"] == {"unconfirmed": 1, "declined": 0, "due_soon": 0, "no_phone": 0}
    assert run.json["command"] == "cod-confirm" and run.json["generated_at"] == "2026-11-21T10:00:00+08:00"


def test_exit_1_when_an_unconfirmed_cod_order_is_within_the_cutoff_window(shop):
    assert shop(cod(1, created="2026-11-21 08:30:00"), now="2026-11-21 13:59").exit_code == 0
    run = shop(now="2026-11-21 14:01")
    assert run.exit_code == 1, run
    assert run.rows[0]["hours_to_cutoff"] == 2.0 and run.rows[0]["due_soon"] is True
    late = shop(now="2026-11-21 17:00")  # the cut-off is past: late, still exit 1
    assert late.exit_code == 1 and late.rows[0]["hours_to_cutoff"] == -1.0


def test_fail_on_declined_or_any_unconfirmed(cli, shop):
    shop(cod(1), cod(2, created="2026-11-21 09:00:00"))
    assert cli("cod-confirm", "--now", NOW, "--fail-on", "unconfirmed").exit_code == 1
    assert cli("cod-confirm", oid(1), "--result", "declined", "--now", NOW).exit_code == 0
    assert cli("cod-confirm", oid(2), "--result", "agreed", "--now", NOW).exit_code == 0
    assert cli("cod-confirm", "--now", NOW).exit_code == 0
    assert cli("cod-confirm", "--now", NOW, "--fail-on", "due_soon,declined").exit_code == 1
    bad = cli("cod-confirm", "--now", NOW, "--fail-on", "late")
    assert bad.exit_code == 2 and "due_soon, unconfirmed, declined" in bad.stderr


def test_the_window_is_a_setting(shop, shop_folder):
    shop_folder.joinpath("shoptool.toml").write_text('[cod]\nalert_within = "7h"\n', encoding="utf-8")
    assert shop(cod(1)).exit_code == 1


def test_after_agreed_it_is_gone_and_note_shows_who_confirmed_when(cli, shop, db):
    assert shop(cod(1)).rows
    recorded = cli("cod-confirm", oid(1), "--result", "agreed", "--staff", "kf02", "--now", "2026-11-21 10:05",
                   "--format", "json")
    assert recorded.exit_code == 0, recorded
    assert recorded.rows[0] | {} == {
        "order_id": oid(1), "result": "agreed", "attempts": 1, "staff": "kf02", "at": "2026-11-21T10:05:00+08:00",
        "flag": "green", "note": "货到付款已电话确认：买家同意，到付145.00元（含服务费6.00元）", "cod_total": 145.0,
        "cod_fee": 6.0, "status": "paid"}
    after = shop(now="2026-11-21 15:30")
    assert after.exit_code == 0 and after.rows == []

    history = cli("note", oid(1), "--format", "json")
    assert history.exit_code == 0
    (entry,) = history.rows
    assert (entry["at"], entry["staff"], entry["action"], entry["new_flag"]) == (
        "2026-11-21T10:05:00+08:00", "kf02", "cod_agreed", "green")
    assert entry["new_note"].startswith("货到付款已电话确认")
    table = cli("note", oid(1), "--format", "table")
    assert "货到付款已确认" in table.stdout and "kf02" in table.stdout

    conn = db().conn
    assert conn.execute("SELECT task, result, attempts, staff, at FROM cs_marks").fetchall() == [
        ("cod_confirm", "agreed", 1, "kf02", "2026-11-21T10:05:00+08:00")]
    assert conn.execute("SELECT seller_note, flag FROM orders WHERE order_id = ?", (oid(1),)).fetchone() == (
        "货到付款已电话确认：买家同意，到付145.00元（含服务费6.00元）", "green")


def test_a_declined_order_is_listed_for_closing_until_an_export_shows_it_closed(cli, shop):
    shop(cod(1, created="2026-11-21 13:00:00"))
    assert cli("cod-confirm", oid(1), "--result", "declined", "--staff", "kf03", "--note", "买家说买错了",
               "--now", "2026-11-21 14:00").exit_code == 0
    run = shop(now="2026-11-21 15:00")
    assert run.exit_code == 0, run  # declined is listed, and not late
    (row,) = run.rows
    assert (row["finding"], row["script"], row["hours_to_cutoff"]) == ("declined", None, None)
    assert row["last_staff"] == "kf03"
    assert "关闭订单" in row["next_action"]
    assert run.json["summary"]["declined"] == 1
    note = cli("note", oid(1), "--format", "json").rows[0]
    assert note["new_note"] == "货到付款电话确认：买家不要了，请关闭订单，不要发货：买家说买错了"
    assert note["new_flag"] == "red"
    closed = shop(cod(1, created="2026-11-21 13:00:00", 订单状态=CLOSED, 订单关闭原因="买家不想买了"),
                  now="2026-11-21 16:30")
    assert closed.rows == []


def test_unreachable_stays_listed_and_counts_the_calls(cli, shop, db):
    shop(cod(1))
    for minute in ("10:01", "11:30"):
        assert cli("cod-confirm", oid(1), "--result", "未接通", "--now", f"2026-11-21 {minute}").exit_code == 0
    (row,) = shop(now="2026-11-21 12:00").rows
    assert (row["finding"], row["last_result"], row["attempts"]) == ("unconfirmed", "unreachable", 2)
    assert row["last_staff"] == "kf01"  # shop.staff, the default
    notes = [r["new_note"] for r in cli("note", oid(1), "--format", "json").rows]
    assert notes == ["货到付款电话未接通（第1次）", "货到付款电话未接通（第1次）；货到付款电话未接通（第2次）"]
    assert db().conn.execute("SELECT flag FROM orders").fetchone() == ("yellow",)


def test_the_same_result_twice_is_logged_twice(cli, shop, db):
    shop(cod(1))
    for _ in range(2):
        assert cli("cod-confirm", oid(1), "--result", "agreed", "--now", NOW).exit_code == 0
    actions = db().conn.execute("SELECT action FROM notes WHERE subject_id = ?", (oid(1),)).fetchall()
    assert actions == [("cod_agreed",), ("cod_agreed",)]


def test_shipped_and_closed_cod_orders_are_not_listed(cli, shop, shop_folder):
    shipments = write_csv(shop_folder / "shipments.csv", SHIPMENT_HEADER, [shipment(oid(3), "75312345678901")])
    assert cli("import", shipments).exit_code == 0
    run = shop(cod(1, 订单状态="卖家已发货，等待买家确认", 物流单号="No:75312345678900"), cod(2, 订单状态=CLOSED),
               cod(3), cod(4, 物流单号="SF1400123456789"), cod(5))
    assert [r["order_id"] for r in run.rows] == [oid(5)]


def test_orders_placed_after_now_are_not_yet_listed(shop):
    run = shop(cod(1, created="2026-11-21 11:00:00"))
    assert run.rows == []


@pytest.mark.parametrize(("args", "message"), [
    (["--result", "agreed"], "name the ORDER"),
    ([oid(1)], "give --result"),
    ([oid(1), "--result", "maybe"], "not a call result"),
    ([oid(2), "--result", "agreed"], "not a cash-on-delivery"),
    ([oid(9), "--result", "agreed"], "not in the shop database"),
    (["1.23457E+18", "--result", "agreed"], "Excel"),
])
def test_usage_errors_record_nothing(cli, shop, db, args, message):
    shop(cod(1), legacy_order(2))
    run = cli("cod-confirm", *args)
    assert run.exit_code == 2, run
    assert message in run.stderr
    assert db().conn.execute("SELECT count(*) FROM cs_marks").fetchone() == (0,)
    assert db().conn.execute("SELECT count(*) FROM notes").fetchone() == (0,)


def test_personal_data_is_masked_unless_show_pii_which_is_audited(cli, shop, db):
    shop(cod(1))
    masked = cli("cod-confirm", "--now", NOW, "--format", "json")
    assert "13900000001" not in masked.stdout and masked.rows[0]["receiver"] == "林*"
    shown = cli("cod-confirm", "--now", NOW, "--format", "json", "--show-pii")
    assert shown.rows[0]["phone"] == "13900000001" and shown.rows[0]["receiver"] == "林悦"
    assert db().conn.execute("SELECT command FROM audit WHERE action = 'show_pii'").fetchall() == [("cod-confirm",)]


def test_the_call_sheet_as_xlsx_and_excel_safe_csv(cli, shop, shop_folder):
    shop(cod(1))
    assert cli("cod-confirm", "--now", NOW, "-o", "cod.xlsx").exit_code == 0
    sheet = openpyxl.load_workbook(shop_folder / "cod.xlsx").active
    header = [c.value for c in sheet[1]]
    values = dict(zip(header, [c.value for c in sheet[2]]))
    assert header[:7] == ["订单编号", "情况", "到付金额", "其中服务费", "距截单(小时)", "电话话术", "收件电话"]
    assert (values["订单编号"], values["情况"], values["到付金额"], values["收件电话"]) == (
        oid(1), "待确认", 145.0, "139****0001")
    assert "145.00元" in values["电话话术"]
    assert cli("cod-confirm", "--now", NOW, "-o", "cod.csv").exit_code == 0
    with (shop_folder / "cod.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][0] == f'="{oid(1)}"' and rows[1][1] == "待确认"
    english = cli("cod-confirm", "--now", NOW, "--format", "table", "--headers", "en")
    assert "unconfirmed" in english.stdout and "COD total" in english.stdout


# ---------------------------------------------------------------- COD in every export shape


@pytest.mark.parametrize(("extra_header", "cells", "fee"), [
    (["货到付款状态"], {"货到付款状态": "是"}, None),
    (["是否货到付款"], {"是否货到付款": "Y"}, None),
    (["交易类型"], {"交易类型": "cod"}, None),
    (["发货条件"], {"发货条件": "货到付款"}, None),
    (["货到付款服务费"], {"货到付款服务费": "¥8.00"}, 8.0),
    (["货到付款金额", "货到付款买家费用"], {"货到付款金额": "107.00", "货到付款买家费用": "8.00"}, 8.0),
])
def test_cod_from_an_erp_sheet(cli, shop_folder, extra_header, cells, fee):
    path = write_csv(shop_folder / "erp.csv", ERP_ORDER_HEADER + extra_header, [erp_order(1, **cells), erp_order(2)])
    assert cli("import", path, "--now", NOW).exit_code == 0
    run = cli("cod-confirm", "--now", NOW, "--format", "json")
    (row,) = run.rows
    assert row["order_id"] == oid(1) and row["cod_fee"] == fee
    assert row["cod_total"] == (107.0 if fee else 99.0)


def test_cod_from_the_qianniu_workbook_without_a_phone(cli, shop_folder):
    path = write_xlsx(shop_folder / "qianniu.xlsx", QIANNIU_ORDER_HEADER,
                      [qianniu_order(1, 运送方式="货到付款"), qianniu_order(2)])
    assert cli("import", path, "--now", NOW).exit_code == 0
    run = cli("cod-confirm", "--now", NOW, "--format", "json")
    (row,) = run.rows
    assert (row["order_id"], row["phone"], row["cod_fee"]) == (oid(1), None, None)
    assert "旺旺" in row["next_action"] and "另加货到付款服务费" in row["script"]
    assert run.json["summary"]["no_phone"] == 1 and "旺旺" in run.stderr


def test_a_buyer_service_fee_alone_does_not_make_an_order_cod(cli, shop_folder):
    path = write_csv(shop_folder / "orders.csv", LEGACY_ORDER_HEADER, [legacy_order(1, 买家服务费="5.00元")],
                     encoding="gbk")
    assert cli("import", path).exit_code == 0
    assert cli("cod-confirm", "--now", NOW, "--format", "json").rows == []


def test_a_later_export_without_the_fee_keeps_it(cli, shop, shop_folder, db):
    shop(cod(1))
    later = write_csv(shop_folder / "later.csv", LEGACY_ORDER_HEADER, [cod(1, 买家服务费="", 订单备注="改")],
                      encoding="gbk")
    assert cli("import", later).exit_code == 0
    assert db().conn.execute("SELECT cod_fee_fen, is_cod FROM orders").fetchone() == (600, 1)


def test_merge_sheet_shows_unconfirmed_cod_orders(cli, shop):
    same = {"买家会员名": "tb_sun_wei", "收货人姓名": "孙伟", "联系手机": "'13800138112",
            "收货地址": "山东省 济南市 历下区 泉城路 180号 齐鲁国际大厦1506"}
    shop(cod(1, created="2026-11-20 10:00:00", **same), legacy_order(2, 订单创建时间="2026-11-20 10:30:00", **same))
    merged = cli("merge-shipping", "--now", NOW, "--format", "json")
    (row,) = merged.rows
    assert list(row)[:8] == ["group_id", "order_ids", "buyer", "receiver", "postage_paid", "postage_due", "refund",
                             "conflicts"]
    assert row["conflicts"] == ["cod"] and row["cod_unconfirmed"] == [oid(1)]
    assert cli("cod-confirm", oid(1), "--result", "agreed", "--now", NOW).exit_code == 0
    assert cli("merge-shipping", "--now", NOW, "--format", "json").rows[0]["cod_unconfirmed"] == []


def test_unconfirmed_cod_order_ids_for_the_stop_list(cli, shop, db):
    from shoptool.db.cs_lists import unconfirmed_cod_order_ids

    shop(cod(1), cod(2), cod(3), cod(4), cod(5, 订单状态="卖家已发货，等待买家确认"), legacy_order(6))
    for order, result in ((oid(2), "agreed"), (oid(3), "declined"), (oid(4), "unreachable")):
        assert cli("cod-confirm", order, "--result", result, "--now", NOW).exit_code == 0
    assert unconfirmed_cod_order_ids(db()) == {oid(1), oid(3), oid(4)}


def test_json_is_one_document_also_when_empty(cli):
    run = cli("cod-confirm", "--now", NOW, "--format", "json")
    assert run.exit_code == 0 and json.loads(run.stdout)["rows"] == []
