"""One phone, one parcel, one buyer whatever the spelling (PRODUCT §16), end to end: exports
written as Excel and ERPs write them, imported, the sending commands run, the database read back."""

from __future__ import annotations

import pytest
from builders import (
    LEGACY_ORDER_HEADER,
    OPT_OUT_HEADER,
    PAID,
    SHIPMENT_HEADER,
    SHIPPED,
    UNPAID,
    legacy_order,
    oid,
    opt_out,
    shipment,
    write_csv,
    write_xlsx,
)

NOW = "2026-11-21 10:00"
# one mobile each, in the spellings opt-out sheets arrive in (FORMATS.md "Opt-outs")
SPELLINGS = {
    "13600138004.0": "13600138004",  # Excel wrote it as a float
    "13600138005.00": "13600138005",
    "136.0013.8008": "13600138008",
    "+86 136-0013-8012": "13600138012",
    "１３６００１３８０１３": "13600138013",  # full width
    "0086 136 0013 8014": "13600138014",
    "'13600138015": "13600138015",
    '="13600138016"': "13600138016",
}


def unpaid(n: int, mobile: str, **cells) -> dict:
    return legacy_order(n, UNPAID, 订单创建时间="2026-11-21 09:20:00", 联系手机=mobile, **cells)


@pytest.mark.parametrize("fmt", ["csv-utf8", "csv-gbk", "xlsx"])
def test_every_spelling_of_an_opted_out_phone_stops_texts_to_it(cli, db, shop_folder, fmt):
    # a workbook cell starting with = is a formula, not the platform's text protection
    spellings = {k: v for k, v in SPELLINGS.items() if fmt != "xlsx" or not k.startswith("=")}
    rows = [opt_out(spelled, source="短信回复TD") for spelled in spellings]
    if fmt == "xlsx":
        sheet = write_xlsx(shop_folder / "退订名单.xlsx", OPT_OUT_HEADER, rows)
    else:
        sheet = write_csv(shop_folder / "退订名单.csv", OPT_OUT_HEADER, rows,
                          encoding="gbk" if fmt == "csv-gbk" else "utf-8-sig")
    imported = cli("import", sheet, "--now", NOW, "--format", "json")
    assert imported.exit_code == 0, imported
    assert (imported.rows[0]["kind"], imported.rows[0]["inserted"], imported.rows[0]["rejected"]) == (
        "opt-outs", len(spellings), 0)
    assert sorted(p for (p,) in db().conn.execute("SELECT phone FROM opt_outs")) == sorted(spellings.values())
    # the orders spell the same phones plainly
    orders = [unpaid(n, f"'{mobile}") for n, mobile in enumerate(spellings.values(), start=1)]
    write_csv(shop_folder / "orders.csv", LEGACY_ORDER_HEADER, orders, encoding="gbk")
    assert cli("import", "orders.csv", "--now", NOW).exit_code == 0

    run = cli("remind-unpaid", "--now", NOW, "--dry-run", "--format", "json")

    assert run.exit_code == 0, run
    assert {(r["action"], r["reason"]) for r in run.rows} == {("skipped", "opted_out")}
    assert len(run.rows) == len(spellings)


def test_orders_spelling_a_phone_oddly_are_stopped_by_a_plain_opt_out(cli, db, shop_folder):
    write_csv(shop_folder / "td.csv", OPT_OUT_HEADER, [opt_out("13600138004"), opt_out("13600138008")])
    orders = [unpaid(1, "+86 136 0013 8004"), unpaid(2, "136-0013-8008"), unpaid(3, "13600138009.0")]
    write_csv(shop_folder / "orders.csv", LEGACY_ORDER_HEADER, orders, encoding="gbk")
    assert cli("import", "td.csv", "orders.csv", "--now", NOW).exit_code == 0
    # stored as the mobile every use compares, whatever the export wrote
    assert db().conn.execute("SELECT receiver_mobile FROM orders ORDER BY order_id").fetchall() == [
        ("13600138004",), ("13600138008",), ("13600138009",)]

    run = cli("remind-unpaid", "--now", NOW, "--dry-run", "--format", "json")

    assert {r["order_id"]: (r["action"], r["reason"]) for r in run.rows} == {
        oid(1): ("skipped", "opted_out"), oid(2): ("skipped", "opted_out"), oid(3): ("would_send", None)}
    assert [r["phone"] for r in run.rows if r["order_id"] == oid(3)] == ["136****8009"]


def test_a_phone_excel_mangled_is_kept_and_treated_as_missing(cli, db, shop_folder):
    write_csv(shop_folder / "orders.csv", LEGACY_ORDER_HEADER, [unpaid(1, "1.36001E+10")], encoding="gbk")
    imported = cli("import", "orders.csv", "--now", NOW, "--format", "json")
    assert (imported.exit_code, imported.rows[0]["rejected"]) == (0, 0)  # stored, left to the checks
    assert db().conn.execute("SELECT receiver_mobile FROM orders").fetchone() == ("1.36001E+10",)
    run = cli("remind-unpaid", "--now", NOW, "--dry-run", "--format", "json")
    assert [(r["action"], r["reason"]) for r in run.rows] == [("skipped", "no_phone")]


def test_a_landline_and_a_privacy_number_are_kept_as_written(cli, db, shop_folder):
    rows = [legacy_order(1, PAID, 联系手机="13800000000-1234", 联系电话="0571-8888 1234")]
    write_csv(shop_folder / "orders.csv", LEGACY_ORDER_HEADER, rows, encoding="gbk")
    assert cli("import", "orders.csv").exit_code == 0
    assert db().conn.execute("SELECT receiver_mobile, receiver_tel FROM orders").fetchone() == (
        "13800000000-1234", "0571-8888 1234")


# ---------------------------------------------------------------- a bare list of phones

@pytest.mark.parametrize("header", [["手机号"], ["手机号", "姓名", "备注"], ["手机", "会员等级"]])
def test_a_list_of_phones_alone_is_never_taken_for_opt_outs(cli, db, shop_folder, header):
    rows = [dict(zip(header, ["13800138000", "VIP", "老客户"][:len(header)]))]
    write_csv(shop_folder / "vip.csv", header, rows)

    run = cli("import", "vip.csv", "--format", "json")

    assert run.exit_code == 3, run
    assert run.rows[0]["status"] == "failed"
    assert "cannot tell which export this is" in run.rows[0]["message"]
    assert "--as opt-outs" in run.rows[0]["message"]
    assert db().conn.execute("SELECT count(*) FROM opt_outs").fetchone()[0] == 0


def test_a_list_of_phones_is_opt_outs_when_the_staff_says_so(cli, db, shop_folder):
    write_csv(shop_folder / "td.csv", ["手机号"], [{"手机号": "136.0013.8008"}])
    run = cli("import", "td.csv", "--as", "opt-outs", "--format", "json")
    assert (run.exit_code, run.rows[0]["kind"], run.rows[0]["inserted"]) == (0, "opt-outs", 1)
    assert db().conn.execute("SELECT phone FROM opt_outs").fetchall() == [("13600138008",)]


@pytest.mark.parametrize("evidence", ["回复内容", "退订时间", "来源"])
def test_an_opt_out_looking_column_makes_it_an_opt_out_list(cli, shop_folder, evidence):
    write_csv(shop_folder / "td.csv", ["手机号", evidence], [{"手机号": "13600138008", evidence: "TD"
                                                              if evidence != "退订时间" else "2026-11-01 10:00"}])
    run = cli("import", "td.csv", "--format", "json")
    assert (run.exit_code, run.rows[0]["kind"]) == (0, "opt-outs")


# ---------------------------------------------------------------- one parcel, one notice

def test_every_spelling_of_one_tracking_number_gives_one_notice(cli, db, shop_folder):
    orders = [legacy_order(1, SHIPPED, 物流单号="SF1400123456789", 物流公司="顺丰速运"),
              legacy_order(2, SHIPPED, 物流单号="No:sf 1400 1234 5678 9", 物流公司="顺丰速运")]
    write_csv(shop_folder / "orders.csv", LEGACY_ORDER_HEADER, orders, encoding="gbk")
    assert cli("import", "orders.csv", "--now", NOW).exit_code == 0
    first = cli("notify-shipped", "--now", NOW, "--format", "json")
    assert first.exit_code == 0, first
    assert [(r["action"], r["order_ids"]) for r in first.rows] == [("sent", [oid(1), oid(2)])]
    # the warehouse's sheet, later, in its own spellings
    sheet = [shipment(oid(1), "SF-1400123456789", "2026-11-21 09:00:00"),
             shipment(oid(2), "运单号：SF-1400-1234-5678-9", "2026-11-21 09:00:00"),
             shipment(oid(3), "sf1400123456789", "2026-11-21 09:00:00")]
    write_csv(shop_folder / "发货单.csv", SHIPMENT_HEADER, sheet)
    assert cli("import", "发货单.csv", "--now", "2026-11-21 11:00").exit_code == 0
    assert db().conn.execute("SELECT DISTINCT tracking_no FROM shipments").fetchall() == [("SF1400123456789",)]

    again = cli("notify-shipped", "--now", "2026-11-21 11:05", "--format", "json")

    assert again.exit_code == 0, again
    assert [r for r in again.rows if r["action"] in ("sent", "would_send", "queued")] == []
    conn = db().conn
    assert conn.execute("SELECT dedupe_key, status FROM messages").fetchall() == [("s:SF1400123456789", "sent")]


def test_the_settled_parcel_filter_agrees_with_the_notice_key(cli, db, shop_folder):
    """The cron run's SQL pre-filter (db/outbox.SHIPPED_OPEN_SQL) builds the notice key from the
    stored number: every spelling must be stored as the one parcel_key reads."""
    from shoptool.db import outbox as q
    from shoptool.messages.due.shipping import parcel_key

    spellings = ["SF-1400123456789", "sf 1400 1234 5678 9", "No:SF1400123456789", "ＳＦ１４００１２３４５６７８９"]
    orders = [legacy_order(n, SHIPPED, 物流单号=t) for n, t in enumerate(spellings, start=1)]
    write_csv(shop_folder / "orders.csv", LEGACY_ORDER_HEADER, orders, encoding="gbk")
    assert cli("import", "orders.csv", "--now", NOW).exit_code == 0
    assert cli("notify-shipped", "--now", NOW).exit_code == 0
    handle = db()
    stored = {t for (t,) in handle.conn.execute("SELECT tracking_no FROM orders")}
    assert stored == {"SF1400123456789"} and {parcel_key(s) for s in spellings} == {"s:SF1400123456789"}
    assert q.shipped_due_order_ids(handle, "2026-11-01T00:00:00+08:00") == []  # settled: none left to look at


# ---------------------------------------------------------------- one buyer

def test_a_buyer_without_nick_who_paid_another_order_is_not_reminded(cli, shop_folder):
    """An ERP order sheet without 买家会员名: the buyer is the phone, however it is spelled."""
    header = ["订单编号", "订单状态", "收货人", "手机", "收货地址", "订单创建时间", "付款时间"]
    rows = [
        {"订单编号": oid(1), "订单状态": UNPAID, "收货人": "林悦", "手机": "13811110003",
         "收货地址": "浙江省 杭州市 西湖区 文三路 478号", "订单创建时间": "2026-11-21 09:10:00", "付款时间": ""},
        {"订单编号": oid(2), "订单状态": PAID, "收货人": "林悦", "手机": "+86 138 1111 0003",
         "收货地址": "浙江省 杭州市 西湖区 文三路 478号", "订单创建时间": "2026-11-21 09:15:00",
         "付款时间": "2026-11-21 09:16:00"},
        {"订单编号": oid(3), "订单状态": UNPAID, "收货人": "王芳", "手机": "138-2222-0004",
         "收货地址": "浙江省 杭州市 西湖区 文三路 1号", "订单创建时间": "2026-11-21 09:10:00", "付款时间": ""},
    ]
    write_xlsx(shop_folder / "erp_orders.xlsx", header, rows)
    imported = cli("import", "erp_orders.xlsx", "--now", NOW, "--format", "json")
    assert imported.exit_code == 0, imported

    run = cli("remind-unpaid", "--now", NOW, "--dry-run", "--format", "json")

    assert {r["order_id"]: (r["action"], r["reason"]) for r in run.rows} == {
        oid(1): ("skipped", "paid_other_order"), oid(3): ("would_send", None)}


def test_buyers_known_by_phone_merge_and_are_checked_as_one(cli, shop_folder):
    header = ["订单编号", "订单状态", "收货人", "手机", "收货地址", "订单创建时间", "付款时间", "邮费"]
    place = "上海 上海市 浦东新区 张江路 100弄 5号 301室"
    rows = [{"订单编号": oid(n), "订单状态": PAID, "收货人": "刘青", "手机": mobile, "收货地址": place,
             "订单创建时间": f"2026-11-20 09:{10 * n:02d}:00", "付款时间": f"2026-11-20 09:{10 * n + 1:02d}:00",
             "邮费": "8.00"}
            for n, mobile in ((1, "13800138110"), (2, "+86 138-0013-8110"), (3, "13800138110.0"))]
    write_csv(shop_folder / "erp.csv", header, rows)
    assert cli("import", "erp.csv", "--now", NOW).exit_code == 0

    run = cli("merge-shipping", "--now", NOW, "--format", "json")

    assert run.exit_code == 0, run
    assert [(r["group_id"], r["order_ids"], r["refund"]) for r in run.rows] == [
        (f"M-{oid(1)}", [oid(1), oid(2), oid(3)], 16.0)]
    assert run.json["summary"]["no_buyer"] == 0
