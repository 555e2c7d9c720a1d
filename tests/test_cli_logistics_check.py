"""`shoptool logistics-check` end to end (PRODUCT §18, §24): orders, shipments and tracking results
from every input format (快递100 JSON, 快递鸟 JSON lines, a GBK tracking sheet, an xlsx one) at a
fixed --now; one parcel per finding, a delivered and a fresh parcel not listed; exit codes."""

from __future__ import annotations

import pytest
from builders import (
    LEGACY_ORDER_HEADER,
    REFUND_39_HEADER,
    SHIPMENT_HEADER,
    SHIPPED,
    TRACKING_HEADER,
    WAIT_AGREE,
    kdniao_result,
    kuaidi100_result,
    legacy_order,
    oid,
    refund,
    shipment,
    write_csv,
    write_json,
    write_xlsx,
)

NOW = "2026-11-21 10:00"
ROW_KEYS = [
    "tracking_no",
    "courier",
    "order_ids",
    "finding",
    "subtype",
    "severity",
    "state",
    "last_event_at",
    "last_event",
    "hours_since",
    "next_action",
    "suggested_message",
]
# parcel n: (tracking number, ship time, expected finding or None)
WORLD = {
    1: ("ZT7500000000001", "2026-11-20 08:00:00", "no_pickup"),
    2: ("YT8800000000002", "2026-11-17 09:00:00", "no_info"),
    3: ("ZT7500000000003", "2026-11-18 09:00:00", "stalled"),
    4: ("ZT7500000000004", "2026-11-16 09:00:00", "not_signed"),
    5: ("ZT7500000000005", "2026-11-18 09:00:00", "pickup_point_waiting"),
    6: ("YT8800000000006", "2026-11-19 09:00:00", "exception"),
    7: ("ZT7500000000007", "2026-11-17 09:00:00", "returned"),
    8: ("ZT7500000000008", "2026-11-12 09:00:00", "auto_confirm_risk"),
    9: ("ZT7500000000009", "2026-11-18 09:00:00", "delivered_disputed"),
    10: ("ZT7500000000010", "2026-11-18 09:00:00", None),  # delivered, no dispute
    11: ("ZT7500000000011", "2026-11-21 08:00:00", None),  # shipped two hours ago, not picked up yet
}


def orders_and_shipments(cli, folder, world=WORLD, cells=None):
    cells = cells or {}
    rows = [
        legacy_order(n, SHIPPED, 物流单号=t, 物流公司="中通快递", **cells.get(n, {})) for n, (t, _, _) in world.items()
    ]
    write_csv(folder / "orders.csv", LEGACY_ORDER_HEADER, rows, encoding="gbk")
    # the warehouse writes the numbers its own way: one parcel whatever the spelling (PRODUCT §16)
    ships = [shipment([oid(n)], t[:2] + "-" + t[2:], shipped_at=at) for n, (t, at, _) in world.items()]
    write_csv(folder / "shipments.csv", SHIPMENT_HEADER, ships)
    for name in ("orders.csv", "shipments.csv"):
        run = cli("import", folder / name, "--now", "2026-11-21 09:00")
        assert run.exit_code == 0, run


def tracking_files(folder):
    """Each parcel's result in one of the four shapes the shop receives."""
    k100 = [
        kuaidi100_result(
            "ZT7500000000001", "1", [("2026-11-20 07:50:00", "【杭州】商家已下单，等待快递员揽收", "101")]
        ),
        kuaidi100_result(
            "ZT7500000000007",
            "6",
            [("2026-11-17 12:00:00", "快递员已揽收", "103"), ("2026-11-19 15:00:00", "收件人拒收，快件退回中", "")],
        ),
        kuaidi100_result(
            "ZT7500000000009",
            "3",
            [("2026-11-18 12:00:00", "已揽收", "103"), ("2026-11-20 16:00:00", "已签收，签收人：门卫", "301")],
        ),
        kuaidi100_result(
            "ZT7500000000010",
            "3",
            [("2026-11-18 12:00:00", "已揽收", "103"), ("2026-11-20 17:00:00", "您的快件已签收", "301")],
        ),
        kuaidi100_result("ZT7500000000011", "1", [("2026-11-21 08:05:00", "商家已下单", "101")]),
    ]
    write_json(folder / "kuaidi100.json", k100)
    kdn = [
        kdniao_result("YT 8800 0000 0000 2", "0", "", []),
        kdniao_result(
            "YT8800000000006",
            "4",
            "420",
            [
                ("2026-11-19 12:00:00", "【广州】圆通速递 已揽收", "1"),
                ("2026-11-21 07:00:00", "派件员反馈：地址不详，无法派送", "420"),
            ],
        ),
    ]
    write_json(folder / "kdniao.jsonl", kdn, lines=True)
    sheet = [
        {
            "运单号": "ZT7500000000003",
            "快递公司": "中通快递",
            "物流状态": "运输中",
            "最新物流信息": "快件离开【郑州中转部】",
            "最后更新时间": "2026-11-19 08:00:00",
            "揽收时间": "2026-11-18 20:00:00",
        },
        {
            "运单号": "ZT7500000000004",
            "快递公司": "中通快递",
            "物流状态": "运输中",
            "最新物流信息": "到达【乌鲁木齐中转部】",
            "最后更新时间": "2026-11-21 06:00:00",
            "揽收时间": "2026-11-16 12:00:00",
        },
        {
            "运单号": "ZT7500000000005",
            "快递公司": "中通快递",
            "物流状态": "待取件",
            "最新物流信息": "您的快件已存放至【菜鸟驿站】，请凭取件码取件",
            "最后更新时间": "2026-11-19 06:00:00",
            "揽收时间": "2026-11-18 16:00:00",
        },
    ]
    write_csv(folder / "物流跟踪.csv", TRACKING_HEADER, sheet, encoding="gbk")
    write_xlsx(
        folder / "批量查询.xlsx",
        TRACKING_HEADER,
        [
            {
                "运单号": "ZT7500000000008",
                "快递公司": "中通快递",
                "物流状态": "派件中",
                "最新物流信息": "快件派送中",
                "最后更新时间": "2026-11-21 08:30:00",
                "揽收时间": "2026-11-12 12:00:00",
            }
        ],
    )
    return ["kuaidi100.json", "kdniao.jsonl", "物流跟踪.csv", "批量查询.xlsx"]


def open_refund(cli, folder, order: int, goods_status="买家未收到货"):
    """An open refund of `order` whose buyer says the parcel never came, from a 退款管理 export (#18)."""
    row = refund(order, WAIT_AGREE, **{"货物状态": goods_status, "买家退款原因": "未收到货"})
    path = write_csv(folder / f"退款管理_{order}.csv", REFUND_39_HEADER, [row], encoding="gbk")
    run = cli("import", path, "--now", "2026-11-21 09:30", "--format", "json")
    assert run.exit_code == 0 and run.rows[0]["kind"] == "refunds", run


@pytest.fixture
def world(cli, shop_folder):
    orders_and_shipments(cli, shop_folder)
    for name in tracking_files(shop_folder):
        run = cli("import", shop_folder / name, "--now", "2026-11-21 09:30", "--format", "json")
        assert run.exit_code == 0, run
        assert run.rows[0]["kind"] == "tracking"
    open_refund(cli, shop_folder, 9)
    return shop_folder


def test_one_parcel_per_finding_lists_exactly_those_findings(cli, world, db):
    run = cli("logistics-check", "--now", NOW, "--format", "json")
    assert run.exit_code == 1, run  # no_pickup, exception, returned, auto_confirm_risk are error-level
    found = {r["tracking_no"]: r["finding"] for r in run.rows}
    assert found == {t: f for t, _, f in WORLD.values() if f}
    for row in run.rows:
        assert list(row)[: len(ROW_KEYS)] == ROW_KEYS
        assert row["next_action"] and row["suggested_message"].startswith("亲")
    by = {r["finding"]: r for r in run.rows}
    assert by["exception"]["subtype"] == "address_unclear" and "地址不详" in by["exception"]["suggested_message"]
    assert by["exception"]["courier"] == "圆通速递"  # 快递鸟's ShipperCode YTO, named
    assert by["no_pickup"]["order_ids"] == [oid(1)] and by["no_pickup"]["severity"] == "error"
    assert by["stalled"]["hours_since"] == 50.0 and by["stalled"]["severity"] == "warning"
    assert by["not_signed"]["severity"] == "info"
    assert by["returned"]["state"] == "returning"
    assert run.json["summary"]["no_info"] == 1
    stored = dict(db().execute("SELECT tracking_no, state FROM parcels").fetchall())
    assert stored["YT8800000000002"] == "no_info" and stored["ZT7500000000010"] == "delivered"
    assert db().execute("SELECT count(*) FROM parcel_events WHERE tracking_no = 'ZT7500000000007'").fetchone()[0] == 2


def test_exit_0_when_only_warnings_and_fail_on_changes_it(cli, world):
    assert cli("logistics-check", "--now", NOW, "--fail-on", "stalled", "--format", "json").exit_code == 1
    assert cli("logistics-check", "--now", NOW, "--fail-on", "delivered_disputed", "--format", "json").exit_code == 1
    assert cli("logistics-check", "--now", NOW, "--fail-on", "bogus").exit_code == 2


def test_a_world_without_trouble_exits_0(cli, shop_folder):
    world = {n: WORLD[n] for n in (10, 11)}
    orders_and_shipments(cli, shop_folder, world)
    write_json(
        shop_folder / "k.json",
        [
            kuaidi100_result("ZT7500000000010", "3", [("2026-11-20 17:00:00", "已签收", "301")]),
            kuaidi100_result("ZT7500000000011", "1", [("2026-11-21 08:05:00", "商家已下单", "101")]),
        ],
    )
    assert cli("import", shop_folder / "k.json", "--now", NOW).exit_code == 0
    run = cli("logistics-check", "--now", NOW, "--format", "json")
    assert run.exit_code == 0, run
    assert run.rows == []


def test_remote_regions_wait_longer_before_stalled(cli, shop_folder):
    world = {3: WORLD[3]}
    orders_and_shipments(cli, shop_folder, world, {3: {"收货地址": "新疆维吾尔自治区 乌鲁木齐市 天山区 解放北路 88号"}})
    write_csv(
        shop_folder / "t.csv",
        TRACKING_HEADER,
        [
            {
                "运单号": "ZT7500000000003",
                "物流状态": "运输中",
                "最新物流信息": "到达【兰州中转部】",
                "最后更新时间": "2026-11-19 08:00:00",
                "揽收时间": "2026-11-18 20:00:00",
            }
        ],
    )
    assert cli("import", shop_folder / "t.csv", "--now", NOW).exit_code == 0
    assert cli("logistics-check", "--now", NOW, "--format", "json").rows == []  # 50h < 72h remote
    late = cli("logistics-check", "--now", "2026-11-22 09:00", "--format", "json")
    assert [(r["finding"], r["remote"]) for r in late.rows] == [("stalled", True)]


def test_an_older_result_never_moves_a_parcel_back(cli, world, db):
    write_json(
        world / "old.json",
        [
            kuaidi100_result(
                "ZT7500000000010",
                "0",
                [("2026-11-18 12:00:00", "已揽收", "103"), ("2026-11-19 09:00:00", "运输中", "1002")],
            )
        ],
    )
    run = cli("import", world / "old.json", "--now", NOW, "--format", "json")
    assert run.exit_code == 0, run
    assert run.rows[0]["stale"] == 1 and run.rows[0]["updated"] == 0
    assert db().execute("SELECT state FROM parcels WHERE tracking_no = 'ZT7500000000010'").fetchone()[0] == "delivered"
    # its events still join the history
    assert db().execute("SELECT count(*) FROM parcel_events WHERE tracking_no = 'ZT7500000000010'").fetchone()[0] == 3


def test_a_newer_result_moves_it_on(cli, world, db):
    write_json(
        world / "new.json",
        [
            kuaidi100_result(
                "ZT7500000000003",
                "3",
                [("2026-11-18 20:00:00", "已揽收", "103"), ("2026-11-21 09:00:00", "已签收", "301")],
            )
        ],
    )
    assert cli("import", world / "new.json", "--now", NOW).exit_code == 0
    row = (
        db()
        .execute("SELECT state, first_scan_at, delivered_at FROM parcels WHERE tracking_no = 'ZT7500000000003'")
        .fetchone()
    )
    assert tuple(row) == ("delivered", "2026-11-18T20:00:00+08:00", "2026-11-21T09:00:00+08:00")
    found = {r["tracking_no"] for r in cli("logistics-check", "--now", NOW, "--format", "json").rows}
    assert "ZT7500000000003" not in found


def test_bad_records_are_rejected_by_record_number(cli, shop_folder):
    (shop_folder / "mixed.jsonl").write_text(
        '{"nu": "ZT7500000000001", "state": "0", "data": []}\n'
        '{"nu": "", "state": "0"}\n'
        '{"nu": "ZT7500000000002", "state": "0", "data": [{"time": "not a time", "context": "x"}]}\n',
        encoding="utf-8",
    )
    run = cli("import", shop_folder / "mixed.jsonl", "--now", NOW, "--format", "json")
    assert run.exit_code == 3, run
    assert run.rows[0]["rejected"] == 2 and run.rows[0]["inserted"] == 1
    rejects = (shop_folder / "mixed.jsonl.rejects.csv").read_text(encoding="utf-8-sig").splitlines()
    assert [line.split(",")[:2] for line in rejects[1:]] == [["2", "nu"], ["3", "data"]]


def test_broken_json_names_the_line(cli, shop_folder):
    (shop_folder / "broken.jsonl").write_text('{"nu": "ZT1", "state": "0"}\n{"nu": "ZT2", \n', encoding="utf-8")
    run = cli("import", shop_folder / "broken.jsonl", "--now", NOW)
    assert run.exit_code == 3
    assert "broken.jsonl" in run.stderr and "row 2" in run.stderr


def test_push_envelopes_are_opened(cli, shop_folder, db):
    write_json(
        shop_folder / "push100.json",
        {
            "status": "polling",
            "billstatus": "got",
            "message": "",
            "lastResult": kuaidi100_result(
                "SF1400000000001", "5", [("2026-11-21 08:00:00", "快递员正在派件", "")], com="shunfeng"
            ),
        },
    )
    write_json(
        shop_folder / "pushkdn.json",
        {
            "EBusinessID": "1",
            "PushTime": "2026-11-21 09:00:00",
            "Count": 1,
            "Data": [
                kdniao_result(
                    "JT0000000000001", "2", "211", [("2026-11-21 08:00:00", "已放入快递柜", "211")], shipper="JTSD"
                )
            ],
        },
    )
    for name in ("push100.json", "pushkdn.json"):
        assert cli("import", shop_folder / name, "--now", NOW).exit_code == 0
    assert dict(db().execute("SELECT tracking_no, state FROM parcels").fetchall()) == {
        "SF1400000000001": "out_for_delivery",
        "JT0000000000001": "at_pickup_point",
    }
    assert db().execute("SELECT courier FROM parcels WHERE tracking_no = 'SF1400000000001'").fetchone()[0] == "顺丰速运"


def test_couriers_rates(cli, world):
    run = cli("logistics-check", "couriers", "--since", "30d", "--now", NOW, "--format", "json")
    assert run.exit_code == 0, run
    rows = {(r["courier"], r["province"]): r for r in run.rows}
    zto = rows[("中通快递", "浙江省")]
    assert zto["parcels"] == 9 and zto["stalled"] == 1
    yto = rows[("圆通速递", "浙江省")]
    assert yto["parcels"] == 2 and yto["exceptions"] == 1 and yto["exception_rate"] == "50.0%"


def test_dry_run_needs_send(cli, world):
    assert cli("logistics-check", "--dry-run", "--now", NOW).exit_code == 2


def test_a_sheet_of_events_one_row_each_in_any_order(cli, shop_folder, db):
    rows = [
        {"运单号": "ZT-7500-0000-00003", "物流状态": "已签收", "最新物流信息": "已签收，签收人：本人",
         "最后更新时间": "2026-11-20 15:00:00"},
        {"运单号": "zt 7500 0000 00003", "物流状态": "已揽收", "最新物流信息": "快递员已揽收",
         "最后更新时间": "2026-11-18 20:00:00"},
        {"运单号": "ZT7500000000003", "物流状态": "运输中", "最新物流信息": "到达【郑州中转部】",
         "最后更新时间": "2026-11-19 08:00:00"},
    ]
    write_xlsx(shop_folder / "轨迹.xlsx", TRACKING_HEADER, rows)
    run = cli("import", shop_folder / "轨迹.xlsx", "--now", NOW, "--format", "json")
    assert run.exit_code == 0, run
    # one parcel; the 揽收 and 运输中 rows are older than the 签收 row, but the first scan is theirs
    assert (run.rows[0]["inserted"], run.rows[0]["stale"]) == (1, 2)
    parcel = db().execute("SELECT state, first_scan_at, delivered_at, events FROM parcels").fetchall()
    assert [tuple(p) for p in parcel] == [("delivered", "2026-11-18T20:00:00+08:00", "2026-11-20T15:00:00+08:00", 3)]
