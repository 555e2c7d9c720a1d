"""`shoptool ship-deadline` end to end (PRODUCT §18, §24): ship-by = pay time (COD: placed) + the
promise, per-SKU overrides, pre-sale dates from the SKU properties; the penalty rule; the clock
stopped by the first scan, still running for a shipped parcel with no pickup scan."""

from __future__ import annotations

import pytest
from builders import (
    LEGACY_ITEM_HEADER,
    LEGACY_ORDER_HEADER,
    PAID,
    SHIPPED,
    kuaidi100_result,
    legacy_item,
    legacy_order,
    oid,
    write_csv,
    write_json,
)

NOW = "2026-11-21 10:00"
KEYS = ["order_id", "finding", "due_at", "hours_left", "promise", "money_at_risk", "status", "sku"]


def paid(n, at, goods="99.00", **cells):
    # legacy_order pays a minute after it was placed
    return legacy_order(n, PAID, 订单创建时间=at, 买家应付货款=goods, **cells)


@pytest.fixture
def world(cli, shop_folder):
    orders = [
        paid(1, "2026-11-19 09:00:00", goods="2000.00"),  # due 11-21 09:01: overdue, penalty capped at 100
        paid(2, "2026-11-19 14:00:00"),  # due 11-21 14:01: 4 h left, due soon
        paid(3, "2026-11-20 09:00:00"),  # due 11-22: fine
        paid(4, "2026-11-18 09:00:00"),  # a made-to-order SKU with 7 days: fine
        paid(5, "2026-11-10 09:00:00", goods="30.00"),  # pre-sale 11-20: overdue, penalty at least 5
        legacy_order(6, PAID, 运送方式="货到付款", 订单付款时间="", 订单创建时间="2026-11-19 08:00:00"),  # COD: overdue
        legacy_order(7, SHIPPED, 订单创建时间="2026-11-19 08:00:00", 物流单号="ZT7500000000007"),  # no pickup scan
        legacy_order(8, SHIPPED, 订单创建时间="2026-11-19 08:00:00", 物流单号="ZT7500000000008"),  # picked up
        legacy_order(9, SHIPPED, 订单创建时间="2026-11-19 08:00:00", 物流单号="ZT7500000000009"),  # no tracking result
        legacy_order(10, "等待买家付款", 订单创建时间="2026-11-19 08:00:00"),  # unpaid: no clock
        legacy_order(
            11, PAID, 订单创建时间="2026-11-18 08:00:00", 分阶段订单信息="定金已付，尾款未付"
        ),  # waits for balance
    ]
    write_csv(shop_folder / "orders.csv", LEGACY_ORDER_HEADER, orders, encoding="gbk")
    items = [legacy_item(n, f"TS-{n:03d}") for n in (1, 2, 3, 5, 6)]
    items[3] = legacy_item(5, "PRE-005", 商品属性="颜色分类:黑色;发货时间:预售 预计11月20日前发货")
    items.append(legacy_item(4, "CUSTOM-01", 商品属性="定制刻字"))
    write_csv(shop_folder / "items.csv", LEGACY_ITEM_HEADER, items, encoding="gbk")
    write_json(
        shop_folder / "k.json",
        [
            kuaidi100_result("ZT7500000000007", "1", [("2026-11-20 20:00:00", "商家已下单", "101")]),
            kuaidi100_result("ZT7500000000008", "0", [("2026-11-20 20:00:00", "已揽收", "103")]),
        ],
    )
    (shop_folder / "shoptool.toml").write_text('[shipping.sku]\n"CUSTOM-01" = "7d"\n', encoding="utf-8")
    for name in ("orders.csv", "items.csv", "k.json"):
        run = cli("import", shop_folder / name, "--now", "2026-11-21 09:00")
        assert run.exit_code == 0, run
    return shop_folder


def test_overdue_and_due_soon_orders_with_their_ship_by_time_and_money_at_risk(cli, world):
    run = cli("ship-deadline", "--now", NOW, "--format", "json")
    assert run.exit_code == 1, run
    rows = {r["order_id"]: r for r in run.rows}
    assert set(rows) == {oid(1), oid(2), oid(5), oid(6), oid(7)}
    for row in run.rows:
        assert list(row)[: len(KEYS)] == KEYS
    assert rows[oid(1)] == {
        **rows[oid(1)],
        "finding": "ship_overdue",
        "due_at": "2026-11-21T09:01:00+08:00",
        "hours_left": -1.0,
        "promise": "48h",
        "money_at_risk": 100.0,
        "sku": "TS-001",
    }
    assert (rows[oid(2)]["finding"], rows[oid(2)]["hours_left"], rows[oid(2)]["money_at_risk"]) == (
        "ship_due_soon",
        4.0,
        9.9,
    )
    assert (rows[oid(5)]["promise"], rows[oid(5)]["promise_source"], rows[oid(5)]["money_at_risk"]) == (
        "预售 2026-11-20",
        "presale",
        5.0,
    )
    assert rows[oid(5)]["due_at"] == "2026-11-20T23:59:59+08:00"
    assert rows[oid(6)]["is_cod"] is True and rows[oid(6)]["due_at"] == "2026-11-21T08:00:00+08:00"
    assert (rows[oid(7)]["status"], rows[oid(7)]["parcel_state"], rows[oid(7)]["tracking_no"]) == (
        "shipped",
        "awaiting_pickup",
        "ZT7500000000007",
    )
    assert [r["order_id"] for r in run.rows] == [oid(5), oid(6), oid(7), oid(1), oid(2)]  # soonest first
    assert run.json["summary"] == {"ship_overdue": 4, "ship_due_soon": 1, "money_at_risk": 124.8}


def test_all_lists_every_running_clock_and_exit_follows_fail_on(cli, world):
    run = cli("ship-deadline", "--now", NOW, "--all", "--format", "json")
    listed = {r["order_id"]: r for r in run.rows}
    assert set(listed) == {oid(n) for n in (1, 2, 3, 4, 5, 6, 7)}
    assert (listed[oid(4)]["promise"], listed[oid(4)]["sku"], listed[oid(4)]["finding"]) == ("7d", "CUSTOM-01", None)
    early = cli("ship-deadline", "--now", "2026-11-20 10:00", "--format", "json")
    assert early.exit_code == 0 and early.rows == []
    assert cli("ship-deadline", "--now", "2026-11-21 09:30", "--fail-on", "ship_due_soon").exit_code == 1
    assert cli("ship-deadline", "--fail-on", "late").exit_code == 2


def test_the_penalty_rule_is_configurable(cli, world):
    (world / "shoptool.toml").write_text('[shipping]\nlate_penalty = "5%:1-"\n', encoding="utf-8")
    rows = {r["order_id"]: r for r in cli("ship-deadline", "--now", NOW, "--format", "json").rows}
    assert rows[oid(1)]["money_at_risk"] == 100.0 and rows[oid(5)]["money_at_risk"] == 1.5
    (world / "shoptool.toml").write_text('[shipping]\nlate_penalty = "30"\n', encoding="utf-8")
    rows = {r["order_id"]: r for r in cli("ship-deadline", "--now", NOW, "--format", "json").rows}
    assert {r["money_at_risk"] for r in rows.values()} == {30.0}
    (world / "shoptool.toml").write_text('[shipping]\nlate_penalty = "a lot"\n', encoding="utf-8")
    bad = cli("ship-deadline", "--now", NOW)
    assert bad.exit_code == 2 and "late_penalty" in bad.stderr


def test_a_first_scan_stops_the_clock(cli, world):
    write_json(
        world / "k2.json",
        [
            kuaidi100_result(
                "ZT7500000000007",
                "0",
                [("2026-11-20 20:00:00", "商家已下单", "101"), ("2026-11-21 09:30:00", "快递员已揽收", "103")],
            )
        ],
    )
    assert cli("import", world / "k2.json", "--now", NOW).exit_code == 0
    rows = {r["order_id"] for r in cli("ship-deadline", "--now", NOW, "--format", "json").rows}
    assert oid(7) not in rows
