"""The shop's memory does not depend on the order exports arrive in (PRODUCT §16): any permutation
of the same exports — several snapshots of the same orders as the legacy 订单报表 (GBK CSV) and the
千牛 xlsx, warehouse shipment sheets, opt-out lists, each spelling phones and tracking numbers its
own way — ends in the same orders, parcels and opt-outs, and that state is the newest one."""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from builders import (
    CLOSED,
    DONE,
    LEGACY_ORDER_HEADER,
    OPT_OUT_HEADER,
    PAID,
    QIANNIU_ORDER_HEADER,
    SHIPMENT_HEADER,
    SHIPPED,
    UNPAID,
    legacy_order,
    oid,
    qianniu_order,
    shipment,
    write_csv,
    write_xlsx,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

STAGES = (UNPAID, PAID, SHIPPED, DONE)
CANONICAL = {UNPAID: "unpaid", PAID: "paid", SHIPPED: "shipped", DONE: "completed", CLOSED: "closed"}
ADDRESSES = ("浙江省 杭州市 西湖区 文三路 478号 华星时代广场A座1203室", "浙江省 杭州市 滨江区 江南大道 100号 3幢501室")
NOTES = (None, "送礼，不要放发票", "已电话确认地址")
HOURS = ("0900", "1100", "1300", "1500")  # the snapshots' moments on 2026-11-21


def mobile(n: int) -> str:
    return f"1381111{n:04d}"


def spelled_phone(n: int, how: int) -> str:
    m = mobile(n)
    return (f"'{m}", f"+86 {m[:3]} {m[3:7]} {m[7:]}", f"{m}.0", f"{m[:3]}-{m[3:7]}-{m[7:]}")[how % 4]


def tracking(n: int) -> str:
    return f"SF14001234567{n:02d}"


def spelled_tracking(n: int, how: int) -> str:
    t = tracking(n)
    return (t, f"No:{t}", f"{t[:2]}-{t[2:]}", f"{t[:2].lower()} {t[2:6]} {t[6:10]} {t[10:]}")[how % 4]


@dataclass
class Order:
    n: int
    stages: list[int]  # index into STAGES at each snapshot
    closed_from: int | None  # snapshot from which an order not yet shipped is closed
    addresses: list[int]
    notes: list[int]

    def status(self, k: int) -> str:
        if self.closed_from is not None and k >= self.closed_from and self.stages[self.closed_from] <= 1:
            return CLOSED
        return STAGES[self.stages[k]]

    def shipped(self, k: int) -> bool:
        return self.status(k) in (SHIPPED, DONE)


@st.composite
def shops(draw):
    snapshots = draw(st.integers(2, len(HOURS)))
    orders = []
    for n in range(1, draw(st.integers(1, 4)) + 1):
        stages = sorted(draw(st.lists(st.integers(0, 3), min_size=snapshots, max_size=snapshots)))
        closed = draw(st.one_of(st.none(), st.integers(0, snapshots - 1)))
        addresses = sorted(draw(st.lists(st.integers(0, 1), min_size=snapshots, max_size=snapshots)))
        notes = draw(st.lists(st.integers(0, 2), min_size=snapshots, max_size=snapshots))
        orders.append(Order(n, stages, closed, addresses, notes))
    qianniu = draw(st.sets(st.integers(0, snapshots - 1), max_size=2))
    warehouse = draw(st.sets(st.integers(0, snapshots - 1), min_size=1, max_size=2))
    opted = draw(st.lists(st.sampled_from([o.n for o in orders]), min_size=1, max_size=3))
    spelling = draw(st.integers(0, 1000))
    return snapshots, orders, sorted(qianniu), sorted(warehouse), opted, spelling


def write_exports(folder: Path, snapshots, orders, qianniu, warehouse, opted, spelling) -> list[Path]:
    files = []
    for k in range(snapshots):
        rows = []
        for o in orders:
            status = o.status(k)
            cells = {"联系手机": spelled_phone(o.n, spelling + k + o.n), "收货地址": ADDRESSES[o.addresses[k]],
                     "订单备注": NOTES[o.notes[k]] or "", "订单创建时间": f"2026-11-21 08:{o.n:02d}:00"}
            if o.shipped(k):
                cells |= {"物流单号 ": spelled_tracking(o.n, spelling + k), "物流公司": "顺丰速运"}
            if status == CLOSED:
                cells["订单关闭原因"] = "买家不想买了"
            rows.append(legacy_order(o.n, status, **cells))
        files.append(write_csv(folder / f"ExportOrderList20261121{HOURS[k]}.csv", LEGACY_ORDER_HEADER, rows,
                               encoding="gbk"))
    for k in qianniu:  # taken a minute after the legacy export of the same moment: nothing happened since
        rows = []
        for o in orders:
            cells = {"商家备注": NOTES[o.notes[k]] or "", "订单创建时间": f"2026-11-21 08:{o.n:02d}:00"}
            if o.shipped(k):
                cells |= {"物流单号": spelled_tracking(o.n, spelling + k + 1), "物流公司": "顺丰速运",
                          "发货时间": f"2026-11-21 08:{30 + o.n:02d}:00"}
            rows.append(qianniu_order(o.n, o.status(k), **cells))
        stamp = f"20261121{int(HOURS[k]) + 1:04d}"
        files.append(write_xlsx(folder / f"ExportOrderList{stamp}.xlsx", QIANNIU_ORDER_HEADER, rows))
    for k in warehouse:
        rows = [shipment(oid(o.n), spelled_tracking(o.n, spelling + 2 * k), f"2026-11-21 08:{30 + o.n:02d}:00",
                         收货人="林悦", 手机=spelled_phone(o.n, spelling + k))
                for o in orders if o.shipped(k)]
        if rows:
            files.append(write_csv(folder / f"发货单_20261121_{HOURS[k]}00.csv", SHIPMENT_HEADER, rows))
    for i, n in enumerate(opted):
        row = {"手机号": spelled_phone(n, spelling + i), "退订时间": f"2026-11-{10 + i:02d} 12:00:00",
               "来源": ("短信回复TD", "客服登记", "旺旺")[i]}
        files.append(write_csv(folder / f"退订_2026111{i}_1200.csv", OPT_OUT_HEADER, [row]))
    return files


def current_state(path: Path) -> dict:
    conn = sqlite3.connect(path)
    bookkeeping = {"import_id", "version", "receiver_version", "note_version", "updated_at", "first_seen_at"}

    def table(name: str, order: str) -> list[tuple]:
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({name})") if r[1] not in bookkeeping]
        return conn.execute(f"SELECT {', '.join(columns)} FROM {name} ORDER BY {order}").fetchall()

    state = {"orders": table("orders", "order_id"), "shipments": table("shipments", "order_id, tracking_no"),
             "opt_outs": table("opt_outs", "phone")}
    state["current"] = conn.execute("SELECT order_id, status, tracking_no, address, seller_note FROM orders "
                                    "ORDER BY order_id").fetchall()
    conn.close()
    return state


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shop=shops(), data=st.data())
def test_any_order_of_the_same_exports_ends_in_the_same_state(cli, shop, data):
    snapshots, orders, *_ = shop
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = write_exports(folder, *shop)
        states = []
        for attempt in range(2):
            order = data.draw(st.permutations(files), label=f"import order {attempt}")
            db = folder / f"shop{attempt}.db"
            for path in order:
                run = cli("import", path, "--db", db, "--now", "2026-11-22 12:00", "--format", "json")
                assert run.exit_code == 0, (path.name, run)
            states.append(current_state(db))
        assert states[0] == states[1]
        last = snapshots - 1
        newest_note = {o.n: next((NOTES[i] for i in reversed(o.notes) if NOTES[i]), None) for o in orders}
        assert states[0]["current"] == [
            (oid(o.n), CANONICAL[o.status(last)], tracking(o.n) if any(o.shipped(k) for k in range(snapshots))
             else None, ADDRESSES[o.addresses[last]], newest_note[o.n]) for o in orders]
        assert [p for p, *_ in states[0]["opt_outs"]] == sorted({mobile(n) for n in shop[4]})
