"""`shoptool merge-shipping` on real exports: import, run, parse the JSON, read the database back."""

from __future__ import annotations

import json

import pytest
from builders import LEGACY_ORDER_HEADER, PAID, SHIPMENT_HEADER, SHIPPED, legacy_order, oid, shipment, write_csv

SH = "上海 上海市 浦东新区 张江路 100弄 5号 301室"
NOW = "2026-11-21 10:00"
ROW_KEYS = ["group_id", "order_ids", "buyer", "receiver", "postage_paid", "postage_due", "refund", "conflicts"]
# The legacy export plus the columns later 订单报表 versions add (FORMATS.md).
HEADER = LEGACY_ORDER_HEADER + ["退款状态", "退款金额"]


# One buyer, one receiver, one address: orders that merge unless a cell says otherwise.
ONE_BUYER = {"买家会员名": "tb_liu_qing", "收货人姓名": "刘青", "收货地址": SH, "联系手机": "'13800138110",
             "店铺名称": "示例旗舰店", "买家应付货款": "59.00", "买家应付邮费": "10.00"}


def legacy(n, status=PAID, *, created="2026-11-20 09:00:00", **cells) -> dict:
    return legacy_order(n, status, **{**ONE_BUYER, "订单创建时间": created, **cells})


@pytest.fixture
def shop(cli, shop_folder):
    """Import these orders (a legacy GBK 订单报表) and run merge-shipping; returns the Run."""

    def run(*orders, args=(), now=NOW):
        path = write_csv(shop_folder / "orders.csv", HEADER, orders, encoding="gbk")
        imported = cli("import", path, "--format", "json")
        assert imported.exit_code == 0, imported
        return cli("merge-shipping", "--now", now, "--format", "json", *args)

    return run


def by_id(run) -> dict:
    return {row["group_id"]: row for row in run.rows}


def test_two_orders_of_one_buyer_to_one_address_form_one_group(shop):
    run = shop(legacy(1, 买家应付邮费="10.00"), legacy(2, created="2026-11-20 09:20:00", 买家应付邮费="8.00"))
    assert run.exit_code == 0, run
    doc = run.json
    assert (doc["command"], doc["generated_at"]) == ("merge-shipping", "2026-11-21T10:00:00+08:00")
    (row,) = doc["rows"]
    assert list(row)[:len(ROW_KEYS)] == ROW_KEYS
    assert {k: row[k] for k in ROW_KEYS} == {
        "group_id": f"M-{oid(1)}", "order_ids": [oid(1), oid(2)], "buyer": "tb_liu_qing",
        "receiver": "刘* 138****8110 上海 上海市 浦东新区 ****",
        "postage_paid": 18.0, "postage_due": 10.0, "refund": 8.0, "conflicts": [],
    }
    assert doc["summary"]["merge"] == 1 and doc["summary"]["postage_refund"] == 8.0
    assert "nothing written" in run.stderr


def test_three_orders_whose_addresses_differ_only_in_spaces_form_one_group(shop):
    run = shop(legacy(1, 收货地址=SH),
               legacy(2, created="2026-11-20 11:00:00", 收货地址="上海  上海市 浦东新区 张江路 100弄5号  301室"),
               legacy(3, created="2026-11-21 08:00:00", 收货地址="上海 上海市 浦东新区 张江路 100弄 5号 301室 ",
                      买家应付邮费="12.50"))
    assert run.exit_code == 0, run
    (row,) = run.rows
    assert row["order_ids"] == [oid(1), oid(2), oid(3)]
    assert (row["postage_paid"], row["postage_due"], row["refund"]) == (32.5, 12.5, 20.0)


def test_a_shipped_order_and_a_paid_one_are_not_merged(shop):
    run = shop(legacy(1, SHIPPED, 物流单号="No:75312345678901", 物流公司="中通快递"),
               legacy(2, created="2026-11-20 09:30:00"))
    assert run.exit_code == 0, run
    assert run.rows == []


def test_a_paid_order_the_warehouse_already_shipped_is_not_merged(cli, shop, shop_folder):
    shipments = write_csv(shop_folder / "shipments.csv", SHIPMENT_HEADER, [shipment(oid(1), "75312345678901")])
    assert cli("import", shipments, "--format", "json").exit_code == 0
    run = shop(legacy(1), legacy(2, created="2026-11-20 09:30:00"))
    assert run.rows == []


def test_the_same_buyer_to_two_addresses_is_listed_not_merged(shop):
    other = "上海 上海市 徐汇区 漕溪北路 88号 12楼"
    run = shop(legacy(1), legacy(2, 收货地址=other, created="2026-11-20 12:00:00"))
    assert run.exit_code == 0, run
    (row,) = run.rows
    assert (row["group_id"], row["conflicts"], row["refund"]) == (f"D-{oid(1)}", ["different_address"], None)
    assert row["order_ids"] == [oid(1), oid(2)]
    assert run.json["summary"]["merge"] == 0 and run.json["summary"]["different_address"] == 1


def test_a_cod_order_is_never_merged(shop):
    run = shop(legacy(1, 运送方式="货到付款"), legacy(2, created="2026-11-20 09:10:00"),
               legacy(3, created="2026-11-20 09:20:00"))
    assert run.exit_code == 0, run
    rows = by_id(run)
    assert rows[f"M-{oid(2)}"]["order_ids"] == [oid(2), oid(3)]
    assert rows[f"X-{oid(1)}"]["conflicts"] == ["cod"]
    assert rows[f"X-{oid(1)}"]["order_conflicts"] == {oid(1): ["cod"]}
    assert all(oid(1) not in row["order_ids"] for row in run.rows if not row["conflicts"])


@pytest.mark.parametrize(("cells", "conflict"), [
    ({"退款状态": "买家已经申请退款，等待卖家同意"}, "refunding"),
    ({"退款状态": "退款成功", "退款金额": "59.00"}, "refunding"),
    ({"订单状态": "卖家部分发货", "物流单号 ": "No:75312345678902"}, "partly_shipped"),
    ({"分阶段订单信息": "定金已付,尾款已付"}, "presale"),
    ({"买家留言": "请发顺丰，急用"}, "courier_request"),
    ({"订单备注": "客户要求发EMS"}, "courier_request"),
])
def test_orders_that_must_not_travel_together_are_listed_with_their_conflict(shop, cells, conflict):
    run = shop(legacy(1, **cells), legacy(2, created="2026-11-20 09:30:00"))
    assert run.exit_code == 0, run
    (row,) = run.rows
    assert (row["group_id"], row["conflicts"], row["order_ids"]) == (f"X-{oid(1)}", [conflict], [oid(1), oid(2)])
    assert run.json["summary"][conflict] == 1


def test_no_refund_requested_is_no_conflict(shop):
    run = shop(legacy(1, 退款状态="没有申请退款", 退款金额="0.00"), legacy(2, created="2026-11-20 09:30:00"))
    assert [row["conflicts"] for row in run.rows] == [[]]


def test_include_presale_merges_fully_paid_presale_orders_only(shop):
    orders = (legacy(1, 分阶段订单信息="定金已付,尾款已付"), legacy(2, created="2026-11-20 09:10:00"),
              legacy(3, created="2026-11-20 09:20:00", 分阶段订单信息="定金已付,尾款未付"))
    run = shop(*orders, args=["--include-presale"])
    rows = by_id(run)
    assert rows[f"M-{oid(1)}"]["order_ids"] == [oid(1), oid(2)]
    assert rows[f"X-{oid(1)}"]["order_conflicts"] == {oid(3): ["presale"]}


def test_window_option_setting_and_now(cli, shop, shop_folder):
    orders = (legacy(1), legacy(2, created="2026-11-20 11:00:00"))
    assert [r["conflicts"] for r in shop(*orders).rows] == [[]]
    assert shop(*orders, args=["--window", "1h"]).rows == []
    (shop_folder / "shoptool.toml").write_text('[merge]\nwindow = "90m"\n', encoding="utf-8")
    assert cli("merge-shipping", "--now", NOW, "--format", "json").rows == []
    # an order placed after --now does not exist yet
    assert shop(*orders, now="2026-11-20 10:00").rows == []


def test_different_buyer_nicks_merge_only_with_loose(shop):
    orders = (legacy(1, 买家会员名="tb_mum"), legacy(2, 买家会员名="tb_son", created="2026-11-20 09:30:00"))
    assert shop(*orders).rows == []
    (row,) = shop(*orders, args=["--loose"]).rows
    assert (row["buyer"], row["order_ids"]) == ("tb_mum / tb_son", [oid(1), oid(2)])


@pytest.mark.parametrize(("rule", "due", "refund"), [
    ("max", 10.0, 8.0), ("first", 8.0, 10.0), ("flat:6", 6.0, 12.0), ("flat:25", 25.0, 0.0),
    ("free_over:100", 10.0, 8.0), ("free_over:99.99", 0.0, 18.0),
])
def test_postage_rule_setting(shop, shop_folder, rule, due, refund):
    (shop_folder / "shoptool.toml").write_text(f'[postage]\nrule = "{rule}"\n', encoding="utf-8")
    run = shop(legacy(1, 买家应付邮费="8.00", 买家应付货款="50.00"),
               legacy(2, created="2026-11-20 09:30:00", 买家应付货款="49.99"))
    (row,) = run.rows
    assert (row["postage_paid"], row["postage_due"], row["refund"]) == (18.0, due, refund)


def test_a_bad_postage_rule_is_a_usage_error(cli, shop_folder):
    (shop_folder / "shoptool.toml").write_text('[postage]\nrule = "cheapest"\n', encoding="utf-8")
    run = cli("merge-shipping", "--now", NOW, "--format", "json")
    assert run.exit_code == 2
    assert "postage.rule" in run.stderr and "cheapest" in run.stderr
    assert cli("merge-shipping", "--postage-rule", "flat:-1", "--format", "json").exit_code == 2
    assert cli("merge-shipping", "--window", "soon", "--format", "json").exit_code == 2


def test_apply_twice_does_not_double_anything(cli, shop, db):
    shop(legacy(1, 买家应付邮费="10.00"), legacy(2, created="2026-11-20 09:20:00", 买家应付邮费="8.00",
                                                  订单备注="送礼，不要放发票"),
               legacy(3, 运送方式="货到付款", created="2026-11-20 09:40:00"))
    shop_db = db()
    assert shop_db.execute("SELECT count(*) FROM notes").fetchone()[0] == 0  # a report writes nothing
    first = cli("merge-shipping", "--now", NOW, "--format", "json", "--apply", "--staff", "kf07")
    assert first.exit_code == 0, first
    assert first.json["summary"]["applied"] == {"groups_new": 1, "groups_updated": 0, "groups_unchanged": 0,
                                                "orders_noted": 2}
    second = cli("merge-shipping", "--now", "2026-11-21 11:00", "--format", "json", "--apply")
    assert second.exit_code == 0, second
    assert second.json["summary"]["applied"]["orders_noted"] == 0
    # the same rows, now naming the group they were recorded as
    assert [r["applied_group"] for r in first.rows] == [None, None]
    assert [r["applied_group"] for r in second.rows] == [f"M-{oid(1)}", None]
    assert [{**r, "applied_group": None} for r in second.rows] == first.rows

    groups = shop_db.execute(
        "SELECT group_id, order_ids, postage_paid_fen, refund_fen, staff FROM merge_groups").fetchall()
    assert groups == [(f"M-{oid(1)}", json.dumps([oid(1), oid(2)]), 1800, 800, "kf07")]
    notes = shop_db.execute(
        "SELECT subject_id, action, staff, old_note, new_note, new_flag FROM notes ORDER BY id").fetchall()
    assert [(n[0], n[1], n[2], n[5]) for n in notes] == [(oid(1), "merge", "kf07", "blue"),
                                                         (oid(2), "merge", "kf07", "blue")]
    assert notes[1][3] == "送礼，不要放发票"  # the seller's own note is kept, the merge note added after it
    assert notes[1][4] == f"送礼，不要放发票；合并发货 M-{oid(1)}：随 {oid(1)} 同一包裹"
    orders = dict(shop_db.execute("SELECT order_id, flag FROM orders").fetchall())
    assert orders == {oid(1): "blue", oid(2): "blue", oid(3): None}
    assert "8.00 元应退" in shop_db.execute("SELECT seller_note FROM orders WHERE order_id = ?", [oid(1)]).fetchone()[0]


def test_an_order_joining_an_applied_group_is_noted_once(cli, shop, shop_folder, db):
    shop(legacy(1), legacy(2, created="2026-11-20 09:20:00"))
    assert cli("merge-shipping", "--now", NOW, "--apply", "--flag", "purple", "--format", "json").exit_code == 0
    run = shop(legacy(1), legacy(2, created="2026-11-20 09:20:00"), legacy(3, created="2026-11-20 09:40:00"))
    assert run.rows[0]["order_ids"] == [oid(1), oid(2), oid(3)]
    again = cli("merge-shipping", "--now", NOW, "--apply", "--flag", "purple", "--format", "json")
    assert again.json["summary"]["applied"] == {"groups_new": 0, "groups_updated": 1, "groups_unchanged": 0,
                                                "orders_noted": 1}
    shop_db = db()
    assert shop_db.execute("SELECT subject_id FROM notes ORDER BY id").fetchall() == [(oid(1),), (oid(2),), (oid(3),)]
    assert shop_db.execute("SELECT count(*) FROM merge_groups").fetchone()[0] == 1


def test_warehouse_sheet_needs_show_pii_for_full_addresses(cli, shop, shop_folder, db):
    from openpyxl import load_workbook

    shop(legacy(1), legacy(2, created="2026-11-20 09:20:00"))
    masked = cli("merge-shipping", "--now", NOW, "-o", "merge.xlsx")
    assert masked.exit_code == 0, masked
    sheet = load_workbook(shop_folder / "merge.xlsx").active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]]))
    assert (row["合单号"], row["收货地址"], row["联系手机"]) == (
        f"M-{oid(1)}", "上海 上海市 浦东新区 ****", "138****8110")
    assert db().execute("SELECT count(*) FROM audit").fetchone()[0] == 0

    full = cli("merge-shipping", "--now", NOW, "-o", "merge.xlsx", "--show-pii", "--headers", "en")
    assert full.exit_code == 0, full
    sheet = load_workbook(shop_folder / "merge.xlsx").active
    row = dict(zip([c.value for c in sheet[1]], [c.value for c in sheet[2]]))
    assert (row["Address"], row["Receiver phone"], row["Refund"]) == (SH, "13800138110", 10)
    assert db().execute("SELECT action, command FROM audit").fetchall() == [("show_pii", "merge-shipping")]


def test_masked_qianniu_orders_cannot_be_compared(cli, sample):
    assert cli("import", sample("orders_qianniu.xlsx"), "--format", "json").exit_code == 0
    run = cli("merge-shipping", "--now", NOW, "--format", "json")
    assert run.exit_code == 0, run
    assert run.rows == [] and run.json["summary"]["unmatched"] == 2


def test_samples(cli, sample):
    """The README example: samples/orders_legacy_gbk.csv at 2026-11-21 10:00."""
    assert cli("import", sample("orders_legacy_gbk.csv"), "--format", "json").exit_code == 0
    run = cli("merge-shipping", "--now", NOW, "--format", "json")
    assert run.exit_code == 0, run
    assert [(r["group_id"], r["order_ids"], r["conflicts"], r["postage_paid"], r["refund"]) for r in run.rows] == [
        (f"M-{oid(110)}", [oid(110), oid(111)], [], 18.0, 8.0),
        (f"X-{oid(112)}", [oid(112), oid(113)], ["cod"], 20.0, None),
        (f"X-{oid(115)}", [oid(115), oid(116)], ["courier_request"], 20.0, None),
        (f"D-{oid(110)}", [oid(110), oid(111), oid(114)], ["different_address"], 28.0, None),
    ]
    assert {k: run.json["summary"][k] for k in ("merge", "cod", "courier_request", "different_address")} == {
        "merge": 1, "cod": 1, "courier_request": 1, "different_address": 1}


# ---------------------------------------------------------------- staff notes do not undo decisions (§16)

def apply_two(cli, shop):
    shop(legacy(1), legacy(2, created="2026-11-20 09:20:00"))
    applied = cli("merge-shipping", "--now", NOW, "--apply", "--staff", "kf01", "--format", "json")
    assert applied.json["summary"]["applied"]["groups_new"] == 1, applied


@pytest.mark.parametrize("note", ["已电话确认，两单合并发中通", "客户要求发顺丰", "两单一起发EMS"])
def test_an_applied_group_survives_a_staff_note_naming_one_courier(cli, shop, note):
    apply_two(cli, shop)
    assert cli("note", oid(2), note, "--staff", "kf02", "--now", "2026-11-21 10:30").exit_code == 0

    run = cli("merge-shipping", "--now", "2026-11-21 11:00", "--format", "json")

    assert run.exit_code == 0, run
    assert [(r["group_id"], r["order_ids"], r["conflicts"], r["applied_group"]) for r in run.rows] == [
        (f"M-{oid(1)}", [oid(1), oid(2)], [], f"M-{oid(1)}")]
    assert run.json["summary"]["applied_broken"] == 0


def test_an_applied_group_survives_the_same_note_in_a_later_export(cli, shop, shop_folder):
    apply_two(cli, shop)
    later = [legacy(1), legacy(2, created="2026-11-20 09:20:00", 订单备注="已电话确认，两单合并发中通")]
    write_csv(shop_folder / "ExportOrderList202611211030.csv", HEADER, later, encoding="gbk")
    assert cli("import", "ExportOrderList202611211030.csv").exit_code == 0

    run = cli("merge-shipping", "--now", "2026-11-21 11:00", "--format", "json")

    assert [(r["group_id"], r["conflicts"]) for r in run.rows] == [(f"M-{oid(1)}", [])]


def test_a_courier_note_still_blocks_orders_not_yet_merged(cli, shop):
    shop(legacy(1), legacy(2, created="2026-11-20 09:20:00", 订单备注="已电话确认，两单合并发中通"))
    run = cli("merge-shipping", "--now", NOW, "--format", "json")
    assert [(r["group_id"], r["conflicts"], r["applied_group"]) for r in run.rows] == [
        (f"X-{oid(1)}", ["courier_request"], None)]


def test_an_applied_group_that_becomes_conflicting_is_shown_as_such(cli, shop, shop_folder):
    apply_two(cli, shop)
    assert cli("note", oid(1), "客户要求发顺丰", "--staff", "kf02", "--now", "2026-11-21 10:30").exit_code == 0
    assert cli("note", oid(2), "这单发中通", "--staff", "kf03", "--now", "2026-11-21 10:40").exit_code == 0

    run = cli("merge-shipping", "--now", "2026-11-21 11:00", "--format", "json")
    daily = cli("daily", "--now", "2026-11-21 11:00", "--format", "json")

    assert run.exit_code == 0, run
    (row,) = run.rows
    assert (row["group_id"], row["conflicts"], row["applied_group"]) == (
        f"X-{oid(1)}", ["courier_request"], f"M-{oid(1)}")
    assert row["detail"].startswith(f"已合并的组 M-{oid(1)} 现在不能合并（请通知仓库拆开）")
    assert run.json["summary"]["applied_broken"] == 1
    assert "1 applied group(s) can no longer ship as one parcel" in run.stderr
    (merges,) = [r for r in daily.rows if r["check"] == "merges"]
    assert (merges["count"], merges["note"]) == (1, "1 个已合并的组现在不能合并，请通知仓库")
    assert merges["top"][0]["applied_group"] == f"M-{oid(1)}"


def test_an_applied_group_whose_order_asks_for_a_refund_is_shown_as_broken(cli, shop, shop_folder):
    apply_two(cli, shop)
    later = [legacy(1), legacy(2, created="2026-11-20 09:20:00", 退款状态="买家已经申请退款，等待卖家同意")]
    write_csv(shop_folder / "ExportOrderList202611211030.csv", HEADER, later, encoding="gbk")
    assert cli("import", "ExportOrderList202611211030.csv").exit_code == 0

    run = cli("merge-shipping", "--now", "2026-11-21 11:00", "--format", "json")

    (row,) = run.rows
    assert (row["conflicts"], row["applied_group"], row["order_conflicts"]) == (
        ["refunding"], f"M-{oid(1)}", {oid(2): ["refunding"]})


def test_an_applied_group_split_by_a_changed_address_is_still_listed(cli, shop, shop_folder):
    apply_two(cli, shop)
    later = [legacy(1), legacy(2, created="2026-11-20 09:20:00", 收货地址="北京 北京市 朝阳区 建国路 1号")]
    write_csv(shop_folder / "ExportOrderList202611211030.csv", HEADER, later, encoding="gbk")
    assert cli("import", "ExportOrderList202611211030.csv").exit_code == 0

    run = cli("merge-shipping", "--now", "2026-11-21 11:00", "--format", "json")

    broken = [r for r in run.rows if r["applied_group"]]
    assert [(r["conflicts"], r["order_ids"]) for r in broken] == [(["different_address"], [oid(1), oid(2)])]
