"""`shoptool aftersale` end to end (PRODUCT §17, §24): a 39-column and a 42-column 退款管理 export
plus orders and shipments with one refund of each finding; deadlines, hours left, exit codes."""

from __future__ import annotations

import openpyxl
import pytest
from builders import (
    CLOSED,
    DONE,
    LEGACY_ORDER_HEADER,
    PAID,
    REFUND_39_HEADER,
    REFUND_42_HEADER,
    REFUND_CLOSED,
    REFUND_DONE,
    REFUSED,
    SHIPMENT_HEADER,
    SHIPPED,
    WAIT_AGREE,
    WAIT_CONFIRM,
    WAIT_RETURN,
    legacy_order,
    oid,
    refund,
    rid,
    shipment,
    write_csv,
    write_xlsx,
)

NOW = "2026-11-21 10:00"
KEYS_24 = {"refund_id", "order_id", "sku", "title", "buyer", "amount", "kind", "status", "goods_status", "cs_status",
           "deadline", "deadline_source", "hours_left", "finding", "next_action", "return_tracking", "reason",
           "responsible"}

# refund n → (its rows in the exports, the finding expected at NOW)
EXPECTED = {
    1: "refund_on_unshipped", 2: "intercept", 3: "intercept_or_refuse", 4: "agree_return", 5: "waiting_buyer",
    6: "return_arrived", 7: "return_in_transit", 8: "return_tracking_missing", 9: "intervention_open",
    10: "evidence_due", 11: "refused_watch", 12: "refunded_but_shipped", 13: "return_tracking_reused",
    14: "repeat_refunder", 15: "due_soon", 16: "overdue",
}
RECEIVED = {"货物状态": "买家已收到货", "是否需要退货": "是"}


def orders() -> list[dict]:
    rows = [legacy_order(1), legacy_order(2, SHIPPED), legacy_order(3, SHIPPED), legacy_order(13, SHIPPED),
            legacy_order(12, CLOSED), legacy_order(20, PAID)]
    rows += [legacy_order(n, DONE) for n in (4, 5, 6, 7, 8, 9, 10, 11, 14, 15, 16, 17, 18)]
    # 14, 17 and 18 are one buyer's: three refunds in 90 days
    for row in rows:
        if row["订单编号"] in (f'="{oid(17)}"', f'="{oid(18)}"'):
            row["买家会员名"] = "tb_buyer14"
    return rows


def shipments() -> list[dict]:
    return [shipment(oid(2), "ZT7300000000002", "2026-11-21 09:00:00"),
            shipment(oid(3), "ZT7300000000003", "2026-11-19 17:00:00"),
            shipment(oid(13), "YT7300000000013", "2026-11-12 17:00:00"),
            shipment(oid(12), "YD4300000000012", "2026-11-19 15:00:00")]


def refunds_39() -> list[dict]:
    back = {"货物状态": "买家已退货", "是否需要退货": "是", "买家退货时间": "2026-11-18 10:00:00"}
    return [
        refund(1),
        refund(2, 退款的申请时间="2026-11-21 09:20:00", 超时时间="2026-11-23 09:20:00"),
        refund(3, 发货物流信息="【杭州市】快件已到达杭州转运中心", 超时时间="2026-11-22 20:00:00"),
        refund(4, **RECEIVED),
        refund(5, WAIT_RETURN, **RECEIVED, 超时时间="2026-11-28 08:00:00"),
        refund(6, WAIT_CONFIRM, **back, 退货物流单号="SF1400000000006", 退货物流公司="顺丰速运",
               退货物流信息="【杭州市】已签收，签收人：菜鸟驿站代收", 超时时间="2026-11-24 12:00:00"),
        refund(8, WAIT_CONFIRM, **back, 超时时间="2026-11-28 12:00:00"),
        refund(9, **RECEIVED, 客服介入状态="客服已经介入", 超时时间="2026-11-22 12:00:00"),
        refund(10, WAIT_CONFIRM, **back, 客服介入状态="举证中", 举证超时="2026-11-22 18:00:00",
               退货物流单号="YT7300000000010", 超时时间="2026-11-25 12:00:00"),
        refund(11, REFUSED, **RECEIVED, 超时时间="2026-11-26 08:00:00"),
        refund(12, REFUND_DONE, 退款的申请时间="2026-11-19 10:00:00", 超时时间="", 退款完结时间="2026-11-20 10:00:00"),
        refund(13, WAIT_CONFIRM, **back, 退货物流单号="yt 7300 0000 00013", 超时时间="2026-11-26 12:00:00"),
        refund(14, **RECEIVED, 超时时间="2026-11-23 06:00:00"),
        refund(17, REFUND_DONE, order=17, 退款的申请时间="2026-11-02 06:00:00", 超时时间="",
               买家会员名称="tb_buyer14"),
        refund(18, REFUND_CLOSED, order=18, 退款的申请时间="2026-10-22 06:00:00", 超时时间="",
               买家会员名称="tb_buyer14"),
    ]


def refunds_42() -> list[dict]:
    back = {"货物状态": "买家已退货", "是否需要退货": "是", "买家退货时间": "2026-11-18 10:00:00"}
    h = REFUND_42_HEADER
    return [
        refund(7, WAIT_CONFIRM, header=h, **back, 退货物流单号="SF1400000000007", 退货物流信息="【武汉市】快件已发车",
               超时时间="2026-11-28 12:00:00"),
        refund(15, WAIT_CONFIRM, order=15, header=h, **back, 退货物流单号="SF1400000000015", 退货物流信息="运输中",
               超时时间="2026-11-21 18:00:00"),
        refund(16, WAIT_CONFIRM, order=16, header=h, **back, 退货物流单号="SF1400000000016", 退货物流信息="运输中",
               超时时间="2026-11-21 09:00:00"),
        # no 超时时间: the deadline comes from [aftersale.timeouts]
        refund(20, header=h, 退款的申请时间="2026-11-21 06:00:00", 超时时间=""),
    ]


@pytest.fixture
def world(cli, shop_folder):
    files = [write_csv(shop_folder / "orders.csv", LEGACY_ORDER_HEADER, orders(), encoding="gbk"),
             write_csv(shop_folder / "shipments.csv", SHIPMENT_HEADER, shipments()),
             write_csv(shop_folder / "退款管理.csv", REFUND_39_HEADER, refunds_39(), encoding="gbk"),
             write_xlsx(shop_folder / "退款管理_新.xlsx", REFUND_42_HEADER, refunds_42())]
    run = cli("import", *files, "--format", "json")
    assert run.exit_code == 0, run
    assert [r["kind"] for r in run.rows] == ["orders", "shipments", "refunds", "refunds"]
    assert [r["shape"] for r in run.rows][2:] == ["refunds-39", "refunds-42"]
    return files


def aftersale(cli, *args, now=NOW):
    return cli("aftersale", "--now", now, "--format", "json", *args)


def by_refund(run) -> dict[str, dict]:
    return {row["refund_id"]: row for row in run.rows}


def test_every_finding_is_right_with_deadline_and_hours_left(cli, world, db):
    run = aftersale(cli)
    assert run.exit_code == 1, run
    rows = by_refund(run)
    got = {n: rows[rid(n)]["finding"] for n in EXPECTED}
    assert got == EXPECTED
    # nothing else is listed: the closed refund, the succeeded one shipped before its request
    assert set(rows) == {rid(n) for n in (*EXPECTED, 20)}
    assert rows[rid(20)]["finding"] == "refund_on_unshipped"
    assert all(KEYS_24 <= set(row) for row in run.rows)
    assert run.json["summary"]["refund_on_unshipped"] == 2 and run.json["summary"]["overdue"] == 1
    one = rows[rid(1)]
    assert one["deadline"] == "2026-11-23T08:00:00+08:00" and one["deadline_source"] == "export"
    assert one["hours_left"] == 46.0 and one["amount"] == 99.0 and one["status"] == "wait_seller_agree"
    assert one["buyer"] != "tb_buyer1" and one["buyer"].startswith("t")  # masked (§12)
    assert one["next_action"].startswith("未发货")
    assert rows[rid(16)]["hours_left"] == -1.0 and rows[rid(15)]["hours_left"] == 8.0
    assert rows[rid(10)]["deadline"] == "2026-11-22T18:00:00+08:00"  # the 举证 deadline
    # config deadline: requested 06:00 + wait_seller_agree 48h, said so
    twenty = rows[rid(20)]
    assert twenty["deadline_source"] == "config" and twenty["hours_left"] == 44.0
    assert twenty["buyer"] is not None  # the 42-column export has no nick: the order's
    assert rows[rid(12)]["deadline"] is None and rows[rid(12)]["hours_left"] is None
    # most urgent deadline first; rows without one last
    deadlines = [row["deadline"] for row in run.rows]
    dated = [d for d in deadlines if d]
    assert dated == sorted(dated) and deadlines[: len(dated)] == dated
    assert run.rows[0]["refund_id"] == rid(16)
    stored = db().execute("SELECT status, kind, goods_status, cs_status FROM refunds WHERE refund_id = ?",
                          [rid(6)]).fetchone()
    assert stored == ("wait_seller_confirm_goods", "return_refund", "returned", "none")


def test_the_exit_code_follows_fail_on(cli, world):
    assert aftersale(cli, "--fail-on", "").exit_code == 0
    assert aftersale(cli, "--fail-on", "waiting_buyer").exit_code == 1
    only_info = aftersale(cli, "--status", "wait_buyer_return", "--fail-on", "overdue,due_soon")
    assert only_info.exit_code == 0 and [r["finding"] for r in only_info.rows] == ["waiting_buyer"]
    bad = aftersale(cli, "--fail-on", "late")
    assert bad.exit_code == 2 and "late" in bad.stderr


def test_a_world_with_nothing_due_exits_0(cli, shop_folder):
    rows = [refund(5, WAIT_RETURN, **RECEIVED, 超时时间="2026-11-28 08:00:00"),
            refund(7, WAIT_CONFIRM, 退货物流单号="SF1400000000007", 退货物流信息="运输中",
                   超时时间="2026-11-28 12:00:00"),
            refund(8, REFUND_CLOSED), refund(9, REFUND_DONE)]
    assert cli("import", write_csv(shop_folder / "r.csv", REFUND_39_HEADER, rows)).exit_code == 0
    run = aftersale(cli)
    assert run.exit_code == 0, run
    assert sorted(r["finding"] for r in run.rows) == ["return_in_transit", "waiting_buyer"]
    # the same return near its deadline is due_soon, and that needs action
    assert aftersale(cli, now="2026-11-28 02:00").exit_code == 1


def test_due_within_filters_and_status_filters(cli, world):
    soon = aftersale(cli, "--due-within", "12h")
    assert {r["refund_id"] for r in soon.rows} == {rid(15), rid(16)}
    agree = aftersale(cli, "--status", "wait_seller_agree,seller_refused")
    assert {r["status"] for r in agree.rows} == {"wait_seller_agree", "seller_refused"}
    assert aftersale(cli, "--status", "pending").exit_code == 2
    assert aftersale(cli, "--due-within", "soon").exit_code == 2


def test_timeouts_come_from_the_config_and_hours_left_follows_now(cli, shop_folder):
    (shop_folder / "shoptool.toml").write_text('[aftersale.timeouts]\nwait_seller_agree = "24h"\n', encoding="utf-8")
    rows = [refund(1, 超时时间="", 退款的申请时间="2026-11-21 06:00:00")]
    assert cli("import", write_csv(shop_folder / "r.csv", REFUND_39_HEADER, rows)).exit_code == 0
    first = aftersale(cli).rows[0]
    assert (first["deadline"], first["deadline_source"], first["hours_left"]) == (
        "2026-11-22T06:00:00+08:00", "config", 20.0)
    late = aftersale(cli, now="2026-11-22 07:30").rows[0]
    assert late["hours_left"] == -1.5 and late["finding"] == "refund_on_unshipped" and "overdue" in late["flags"]


@pytest.mark.parametrize("fmt", ["gbk", "utf-8-sig", "xlsx"])
def test_status_texts_and_api_names_in_every_file_format(cli, shop_folder, db, fmt):
    rows = [refund(1, "WAIT_SELLER_AGREE"), refund(2, "WAIT_BUYER_RETURN_GOODS"), refund(3, "SELLER_REFUSE_BUYER"),
            refund(4, " 买家已经退货,等待卖家确认收货 "), refund(5, "CLOSED"), refund(6, "退款成功")]
    if fmt == "xlsx":
        path = write_xlsx(shop_folder / "r.xlsx", REFUND_39_HEADER, rows)
    else:
        path = write_csv(shop_folder / "r.csv", REFUND_39_HEADER, rows, encoding=fmt)
    assert cli("import", path).exit_code == 0
    got = dict(db().execute("SELECT refund_id, status FROM refunds").fetchall())
    assert [got[rid(n)] for n in range(1, 7)] == ["wait_seller_agree", "wait_buyer_return", "seller_refused",
                                                 "wait_seller_confirm_goods", "closed", "success"]


def test_a_row_with_an_unknown_status_is_rejected_naming_the_column(cli, shop_folder):
    rows = [refund(1), refund(2, "处理中？")]
    run = cli("import", write_csv(shop_folder / "r.csv", REFUND_39_HEADER, rows), "--format", "json")
    assert run.exit_code == 3
    assert run.rows[0]["inserted"] == 1 and run.rows[0]["rejected"] == 1
    rejects = (shop_folder / "r.csv.rejects.csv").read_text(encoding="utf-8-sig")
    assert "退款状态" in rejects and "not a refund status" in rejects


def test_an_older_export_never_moves_a_refund_back(cli, shop_folder, db):
    newer = write_csv(shop_folder / "退款_20261121_0900.csv", REFUND_39_HEADER,
                      [refund(1, WAIT_RETURN, 超时时间="2026-11-28 08:00:00")])
    older = write_csv(shop_folder / "退款_20261121_0800.csv", REFUND_39_HEADER, [refund(1, WAIT_AGREE)])
    assert cli("import", newer).exit_code == 0
    run = cli("import", older, "--format", "json")
    assert run.exit_code == 0 and run.rows[0]["stale"] == 1
    conn = db()
    assert conn.execute("SELECT status, deadline_at FROM refunds").fetchone() == (
        "wait_buyer_return", "2026-11-28T08:00:00+08:00")
    # a later export moves it on, and the history keeps every step
    later = write_csv(shop_folder / "退款_20261122_0900.csv", REFUND_39_HEADER,
                      [refund(1, WAIT_CONFIRM, 退货物流单号="SF1400000000001")])
    assert cli("import", later).exit_code == 0
    history = conn.execute("SELECT field, old, new FROM refund_history WHERE field = 'status' ORDER BY id").fetchall()
    assert history == [("status", None, "wait_buyer_return"),
                       ("status", "wait_buyer_return", "wait_seller_confirm_goods")]
    shown = cli("aftersale", "history", rid(1), "--format", "json")
    assert shown.exit_code == 0
    assert [r["new_status"] for r in shown.rows if r["action"] == "status_changed"] == [
        "wait_buyer_return", "wait_seller_confirm_goods"]
    assert {"return_tracking_changed", "deadline_at_changed"} <= {r["action"] for r in shown.rows}


def test_the_erp_sheets_are_kept_and_joined_through_the_order_number(cli, shop_folder, db):
    from builders import EFAST_REFUND_HEADER, WDT_REFUND_HEADER

    platform = write_csv(shop_folder / "r.csv", REFUND_39_HEADER, [
        refund(1, WAIT_CONFIRM, 退货物流单号="ZT7300000000001", 退货物流信息="运输中", 超时时间="2026-11-26 09:00:00")])
    wdt = write_csv(shop_folder / "退换单.csv", WDT_REFUND_HEADER, [
        {"退换单号": "TH001", "原始单号": oid(1), "客户网名": "tb_buyer1", "退换单类型": "退货", "状态": "已审核",
         "平台状态": WAIT_CONFIRM, "入库状态": "1", "退货物流单号": "ZT7300000000001", "平台退款金额": "99.00",
         "建单时间": "2026-11-20 10:00:00"},
        # no platform state: the ERP's own 状态 says where it is
        {"退换单号": "TH002", "原始单号": oid(2), "退换单类型": "售前退款", "状态": "待审核", "平台状态": "",
         "入库状态": "0", "平台退款金额": "20.00", "建单时间": "2026-11-21 08:00:00"}])
    efast = write_csv(shop_folder / "退单.csv", EFAST_REFUND_HEADER, [
        {"退单号": "RT009", "退单类型": "退货退款", "退单状态": "未确认", "退单原因": "质量问题", "原单号": "E0009",
         "交易号": oid(9), "买家昵称": "tb_buyer9", "实际应退款总额": "59.00", "买家退货物流单号": "SF1400000000009",
         "退单创建时间": "2026-11-21 07:00:00", "商品编码": "MUG-002"}], encoding="gbk")
    run = cli("import", platform, wdt, efast, "--format", "json")
    assert run.exit_code == 0, run
    assert [r["shape"] for r in run.rows] == ["refunds-39", "wdt", "efast"]
    rows = by_refund(aftersale(cli))
    assert rows[rid(1)]["finding"] == "return_arrived" and rows[rid(1)]["erp_no"] == "TH001"
    assert "erp:TH001" not in rows  # read into the platform's refund
    assert rows["erp:RT009"]["order_id"] == oid(9) and rows["erp:RT009"]["amount"] == 59.0
    assert (rows["erp:TH002"]["status"], rows["erp:TH002"]["kind"]) == ("wait_seller_agree", "refund_only")
    stored = db().execute("SELECT source, erp_no, warehouse_in FROM refunds WHERE refund_id = 'erp:TH001'").fetchone()
    assert stored == ("erp", "TH001", 1)


def test_an_order_with_an_open_refund_is_never_texted_or_merged(cli, shop_folder):
    from builders import UNPAID

    same = {"收货人姓名": "林悦", "联系手机": "'13900000001", "买家会员名": "tb_buyer1"}
    placed = {"订单创建时间": "2026-11-21 09:00:00"}
    order_rows = [legacy_order(1, **same), legacy_order(2, **same),
                  legacy_order(3, SHIPPED, 物流单号="ZT7300000000003"), legacy_order(4, UNPAID, **placed)]
    files = [write_csv(shop_folder / "orders.csv", LEGACY_ORDER_HEADER, order_rows, encoding="gbk"),
             write_csv(shop_folder / "shipments.csv", SHIPMENT_HEADER, [shipment(oid(3), "ZT7300000000003")])]
    assert cli("import", *files).exit_code == 0
    # before any refund: a merge group, a notice, a reminder
    merge = cli("merge-shipping", "--now", NOW, "--format", "json")
    assert [r["conflicts"] for r in merge.rows] == [[]]
    notices = cli("notify-shipped", "--dry-run", "--now", NOW, "--format", "json")
    assert [r["action"] for r in notices.rows] == ["would_send"]
    refunds = [refund(2), refund(3), refund(4)]
    assert cli("import", write_csv(shop_folder / "r.csv", REFUND_39_HEADER, refunds)).exit_code == 0
    merge = cli("merge-shipping", "--now", NOW, "--format", "json")
    assert merge.rows and all("refunding" in r["conflicts"] for r in merge.rows)
    notices = cli("notify-shipped", "--dry-run", "--now", NOW, "--format", "json")
    assert [(r["action"], r["reason"]) for r in notices.rows] == [("skipped", "refund")]
    reminders = cli("remind-unpaid", "--dry-run", "--now", NOW, "--format", "json")
    assert [(r["order_id"], r["action"], r["reason"]) for r in reminders.rows] == [(oid(4), "skipped", "refund")]
    sent = cli("notify-shipped", "--now", NOW, "--format", "json")
    assert sent.exit_code == 0 and not [r for r in sent.rows if r["action"] in ("sent", "queued")]
    # a closed refund lets the order go on
    closed = [refund(2, REFUND_CLOSED), refund(3, REFUND_CLOSED), refund(4, REFUND_CLOSED)]
    assert cli("import", write_csv(shop_folder / "r2.csv", REFUND_39_HEADER, closed)).exit_code == 0
    assert [r["conflicts"] for r in cli("merge-shipping", "--now", NOW, "--format", "json").rows] == [[]]


def test_the_stop_list_holds_exactly_the_unshipped_orders_with_open_refunds(cli, world, shop_folder):
    run = cli("aftersale", "stop-list", "--now", NOW, "--format", "json")
    assert run.exit_code == 0
    assert [r["order_id"] for r in run.rows] == [oid(1), oid(20)]
    assert cli("aftersale", "stop-list", "-o", "stop.xlsx").exit_code == 0
    sheet = openpyxl.load_workbook(shop_folder / "stop.xlsx").active
    values = list(sheet.values)
    assert values[0][0] == "订单编号" and [v[0] for v in values[1:]] == [oid(1), oid(20)]
    assert "tb_buyer1" not in str(values)  # the buyer is masked in files too


def test_handled_takes_a_row_off_the_list_until_the_refund_changes(cli, world, db, shop_folder):
    run = cli("aftersale", rid(4), "--status", "handled", "--note", "已同意退货", "--staff", "kf02", "--now", NOW,
              "--format", "json")
    assert run.exit_code == 0, run
    assert [r["action"] for r in run.rows].count("refund_handled") == 1 and run.json["summary"]["marked"] == "handled"
    assert rid(4) not in by_refund(aftersale(cli))
    assert rid(4) in by_refund(aftersale(cli, "--status", "handled"))
    audit = db().execute("SELECT staff, action, text, new_status FROM notes WHERE subject = 'refund'").fetchall()
    assert audit == [("kf02", "refund_handled", "已同意退货", "handled")]
    # the same export again changes nothing: still off the list
    assert cli("import", world[2]).exit_code == 0
    assert rid(4) not in by_refund(aftersale(cli))
    # the refund moves on: back on the list
    moved = write_csv(shop_folder / "退款_20261122.csv", REFUND_39_HEADER,
                      [refund(4, WAIT_RETURN, **RECEIVED, 超时时间="2026-11-29 08:00:00")])
    assert cli("import", moved).exit_code == 0
    assert by_refund(aftersale(cli))[rid(4)]["finding"] == "waiting_buyer"
    # by order number, and refused without a status
    assert cli("aftersale", oid(5), "--status", "handled", "--staff", "kf03").exit_code == 0
    assert rid(5) not in by_refund(aftersale(cli))
    assert cli("aftersale", rid(6), "--note", "x").exit_code == 2
    assert cli("aftersale", "999", "--status", "handled").exit_code == 2


def test_reasons_count_and_sum_by_reason_sku_and_responsible(cli, shop_folder):
    rows = [refund(1, 买家退款原因="质量问题", 责任方="卖家", 商家编码="MUG-002", 买家退款金额="39.00"),
            refund(2, REFUND_DONE, 买家退款原因="质量问题", 责任方="卖家", 商家编码="MUG-002", 买家退款金额="39.00"),
            refund(3, 买家退款原因="不想要了", 商家编码="MUG-002", 买家退款金额="12.50"),
            refund(4, 退款的申请时间="2026-09-01 10:00:00", 买家退款原因="质量问题", 责任方="卖家", 商家编码="MUG-002")]
    assert cli("import", write_csv(shop_folder / "r.csv", REFUND_39_HEADER, rows)).exit_code == 0
    run = cli("aftersale", "reasons", "--since", "30d", "--now", NOW, "--format", "json")
    assert run.exit_code == 0
    assert [(r["reason"], r["sku"], r["responsible"], r["refunds"], r["amount"], r["succeeded"], r["refunded"])
            for r in run.rows] == [("质量问题", "MUG-002", "卖家", 2, 78.0, 1, 39.0),
                                   ("不想要了", "MUG-002", "买家", 1, 12.5, 0, 0.0)]
    assert run.json["summary"]["refunds"] == 3
    assert cli("aftersale", "reasons", "--since", "2026-09-01", "--now", NOW, "--format", "json").json[
        "summary"]["refunds"] == 4


def test_daily_has_an_aftersale_section_overdue_first(cli, world):
    run = cli("daily", "--now", NOW, "--format", "json")
    section = next(r for r in run.rows if r["check"] == "aftersale")
    assert section["count"] == len(EXPECTED) + 1 - 2  # waiting_buyer and return_in_transit are the buyer's move
    assert section["note"].startswith("已超时 1")
    assert section["top"][0]["finding"] == "overdue"
    assert run.json["summary"]["aftersale"] == section["count"]


def test_staff_files_have_chinese_labels_and_export_refunds_masks_the_buyer(cli, world, shop_folder):
    assert cli("aftersale", "--now", NOW, "-o", "aftersale.xlsx").exit_code == 1
    values = list(openpyxl.load_workbook(shop_folder / "aftersale.xlsx").active.values)
    assert values[0][:3] == ("退款编号", "订单编号", "商家编码")
    assert values[1][13] == "已超时" and values[1][0] == rid(16)
    csv_run = cli("aftersale", "--now", NOW, "--format", "csv")
    assert '"=""' + rid(16) in csv_run.stdout and "等待卖家确认收货" in csv_run.stdout
    assert cli("export", "refunds", "-o", "refunds.csv").exit_code == 0
    text = (shop_folder / "refunds.csv").read_text(encoding="utf-8-sig")
    assert "退款编号" in text and "tb_buyer1," not in text
    assert cli("export", "refund_history", "-f", "json").exit_code == 0


def test_options_before_a_subcommand_are_refused(cli, world):
    run = cli("aftersale", "--status", "all", "reasons")
    assert run.exit_code == 2 and "after `aftersale reasons`" in run.stderr


def test_a_refund_joined_with_its_erp_record_can_be_marked_handled(cli, shop_folder):
    from builders import WDT_REFUND_HEADER

    platform = write_csv(shop_folder / "r.csv", REFUND_39_HEADER, [
        refund(1, WAIT_CONFIRM, 退货物流单号="ZT7300000000001", 超时时间="2026-11-26 09:00:00")])
    wdt = write_csv(shop_folder / "退换单.csv", WDT_REFUND_HEADER, [
        {"退换单号": "TH001", "原始单号": oid(1), "状态": "已审核", "平台状态": WAIT_CONFIRM, "入库状态": "1",
         "建单时间": "2026-11-20 10:00:00"}])
    assert cli("import", platform, wdt).exit_code == 0
    assert by_refund(aftersale(cli))[rid(1)]["finding"] == "return_arrived"
    assert cli("aftersale", rid(1), "--status", "handled", "--staff", "kf01", "--now", NOW).exit_code == 0
    assert rid(1) not in by_refund(aftersale(cli))
    assert cli("aftersale", rid(1), "--status", "open", "--staff", "kf01", "--now", NOW).exit_code == 0
    assert rid(1) in by_refund(aftersale(cli))
