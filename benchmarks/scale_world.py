"""A shop database of N orders for the scale benchmarks (issue #25), written with direct SQL.

The mix a busy shop's exports leave: most orders finished long ago, the last days' parcels in
transit, and — the expensive cron case — 8% of N unpaid orders placed in the last day, every one
due a reminder (80,000 on a million-order shop), from buyers many of whom paid other orders. Also
order lines, shipments, page and warehouse stock (N/10 SKUs), reviews, opted-out phones, refunds
(N/20, the last days' open) and the last ten days' courier traces, so every command has its real
work.

    python benchmarks/scale_world.py FOLDER N
"""

from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

CHINA = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=CHINA)
NOW_ARG = "2026-11-21 10:00"
COURIERS = ("中通快递", "圆通速递", "韵达快递", "申通快递", "顺丰速运", "极兔速递")
ORDER_COLUMNS = ("order_id", "shop", "buyer_nick", "status", "status_text", "is_cod", "goods_fen", "postage_fen",
                 "total_fen", "paid_fen", "receiver_name", "receiver_mobile", "address", "province", "city", "district",
                 "address_detail", "masked", "created_at", "paid_at", "shipped_at", "finished_at", "tracking_no",
                 "courier", "buyer_message", "seller_note", "first_seen_at", "updated_at", "shipped_seen_at")
STATUS_TEXT = {"unpaid": "等待买家付款", "paid": "买家已付款，等待卖家发货", "shipped": "卖家已发货，等待买家确认",
               "completed": "交易成功", "closed": "交易关闭"}
DISTRICTS = (("浙江省", "杭州市", "西湖区"), ("江苏省", "南京市", "建邺区"), ("广东省", "深圳市", "南山区"),
             ("北京市", "北京市", "朝阳区"), ("四川省", "成都市", "武侯区"), ("上海市", "上海市", "浦东新区"))
UNPAID_SHARE = 0.08


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _status(age: timedelta, rng: random.Random) -> str:
    roll = rng.random()
    if age < timedelta(hours=24):
        return "paid" if roll < 0.4 else "shipped"
    if age < timedelta(days=10):
        return "shipped" if roll < 0.70 else "completed" if roll < 0.95 else "closed"
    return "completed" if roll < 0.92 else "closed"


def order_rows(n: int, seed: int = 25):
    rng = random.Random(seed)
    span = timedelta(days=180).total_seconds()
    buyers = max(n // 3, 10)
    unpaid_every = round(1 / UNPAID_SHARE)
    for i in range(n):
        if i % unpaid_every == 0:  # placed 31 min to 23 h ago, not paid: a reminder is due
            created = NOW - timedelta(minutes=31 + rng.randint(0, 22 * 60))
            status = "unpaid"
        else:
            created = NOW - timedelta(seconds=span * (i + 0.5) / n)
            status = _status(NOW - created, rng)
        paid = created + timedelta(minutes=rng.randint(1, 20)) if status != "unpaid" else None
        shipped = None
        if status in ("shipped", "completed"):
            shipped = min(created + timedelta(hours=rng.randint(2, 30)), NOW - timedelta(minutes=5))
        export_ship = shipped if shipped and i % 2 else None
        province, city, district = DISTRICTS[i % len(DISTRICTS)]
        detail = f"文三路 {i % 999 + 1}号 {i % 30 + 1}栋{i % 20 + 1}0{i % 4 + 1}室"
        seen_at = _iso(created + timedelta(minutes=30))
        nick = f"tb_scale{rng.randint(0, buyers):07d}"
        yield (
            f"39{i:017d}", "示例旗舰店", nick, status, STATUS_TEXT[status], 0, 9900, 800 if i % 3 else 0,
            9900 + (800 if i % 3 else 0), 9900 if paid else 0, "测试" + "张王李赵刘"[i % 5],
            f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}", f"{province} {city} {district} {detail}",
            province, city, district, detail, 0, _iso(created), _iso(paid) if paid else None,
            _iso(export_ship) if export_ship else None, None,
            f"75{i:012d}" if shipped else None, COURIERS[i % len(COURIERS)] if shipped else None,
            "请尽快发货，电话13912345678" if i % 50 == 0 else None, "老客户" if i % 70 == 0 else None,
            seen_at, seen_at, _iso(shipped) if shipped else None,
        )


def build(folder: Path, n: int) -> Path:
    """shoptool.toml (file provider writing csv) and the database; returns the folder."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from shoptool.db import open_db

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "shoptool.toml").write_text('[sms]\nprovider = "file"\n[sms.file]\nformat = "csv"\n', encoding="utf-8")
    db = open_db(folder / "shoptool.db")
    conn = db.conn
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    sql = f"INSERT INTO orders ({', '.join(ORDER_COLUMNS)}) VALUES ({', '.join('?' for _ in ORDER_COLUMNS)})"
    skus = max(n // 10, 100)
    batch: list = []
    items: list = []
    shipments: list = []
    for row in order_rows(n):
        batch.append(row)
        order_id = row[0]
        n_int = int(order_id[2:])
        items.append((f"{order_id}-1", order_id, "卫衣", 9900, 1, f"SKU-{n_int % skus:06d}", "颜色:黑;尺码:M",
                      row[3], row[18], row[26], row[26]))
        if row[22] and n_int % 4 == 0:  # a quarter of the parcels also in the warehouse's shipment sheet
            shipments.append((order_id, row[22], row[23], row[20] or row[28], row[26], row[26]))
        if len(batch) == 50_000:
            _flush(conn, sql, batch, items, shipments)
    _flush(conn, sql, batch, items, shipments)
    rng = random.Random(7)
    conn.executemany(
        "INSERT INTO page_stock (row_no, sku_code, item_id, title, quantity) VALUES (?, ?, ?, ?, ?)",
        ((k, f"SKU-{k:06d}", f"6{k:011d}", "卫衣", rng.randint(0, 50)) for k in range(skus)))
    conn.executemany(
        "INSERT INTO warehouse_stock (row_no, sku_code, name, on_hand, locked, awaiting_shipment) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        ((k, f"SKU-{k:06d}", "卫衣", rng.randint(0, 60), rng.randint(0, 3), rng.randint(0, 5))
         for k in range(skus) if k % 50))
    conn.executemany(
        "INSERT INTO reviews (review_id, order_id, buyer_nick, rating, created_at, content, first_seen_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ((f"r{k}", f"39{k * 97 % n:017d}", f"tb_scale{k:07d}", "bad" if k % 3 else "neutral",
          _iso(NOW - timedelta(days=k % 40)), "物流太慢了", _iso(NOW), _iso(NOW)) for k in range(max(n // 200, 10))))
    conn.executemany("INSERT INTO opt_outs (phone, opted_out_at, source, first_seen_at) VALUES (?, ?, 'sms', ?)",
                     ((f"139{k:08d}", _iso(NOW), _iso(NOW)) for k in range(max(n // 100, 10))))
    _refunds(conn, n)
    _parcels(conn)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return folder


REFUND_STATES = (("wait_seller_agree", "not_received"), ("wait_buyer_return", "received"),
                 ("wait_seller_confirm_goods", "received"))


def _refunds(conn, n: int) -> None:
    """A refund for one order in 20 (the 退款管理 export's share of a busy shop): requested over the
    last months, about one in 16 still open (the last days'), each open one with its deadline."""
    rng = random.Random(18)
    rows = []
    for k in range(max(n // 20, 5)):
        order_no = k * 20 + 3
        if order_no % round(1 / UNPAID_SHARE) == 0:
            order_no += 1  # an unpaid order has no refund
        asked = NOW - timedelta(hours=rng.uniform(1, 24 * 120))
        recent = NOW - asked < timedelta(days=8)
        status, goods = rng.choice(REFUND_STATES) if recent else ("success", "received")
        rows.append((f"2{k:018d}", f"39{order_no % n:017d}", f"tb_scale{rng.randint(0, n // 3):07d}",
                     rng.choice((3900, 9900)), "return_refund" if goods == "received" else "refund_only", status,
                     goods, _iso(asked), _iso(asked + timedelta(days=rng.choice((2, 5, 7)))) if recent else None,
                     None if recent else _iso(asked + timedelta(days=2)), "不想要了", _iso(NOW), _iso(NOW)))
    conn.executemany(
        "INSERT INTO refunds (refund_id, order_id, source, buyer_nick, amount_fen, kind, status, goods_status, "
        "requested_at, deadline_at, finished_at, reason, extra, first_seen_at, updated_at) "
        "VALUES (?, ?, 'platform', ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?)", rows)


def _parcels(conn) -> None:
    """A courier trace for every parcel of the last ten days (what a 快递100 import leaves): most in
    transit or delivered, a few stalled, in exception or waiting at a pickup point; four events each."""
    rng = random.Random(19)
    parcels, events = [], []
    since = _iso(NOW - timedelta(days=10))
    for tracking, courier, shipped_at in conn.execute(
            "SELECT tracking_no, courier, shipped_seen_at FROM orders WHERE tracking_no IS NOT NULL "
            "AND shipped_seen_at >= ?", (since,)).fetchall():
        shipped = datetime.fromisoformat(shipped_at)
        scan = min(shipped + timedelta(hours=rng.uniform(1, 6)), NOW)
        roll = rng.random()
        if roll < 0.01:
            state, last = "exception", scan
        elif roll < 0.02:
            state, last = "at_pickup_point", scan
        elif NOW - shipped > timedelta(days=3) and roll < 0.85:
            state, last = "delivered", min(scan + timedelta(hours=rng.uniform(24, 60)), NOW)
        else:
            state, last = "in_transit", min(scan + timedelta(hours=rng.uniform(0, 30)), NOW)
        parcels.append((tracking, courier, state, "kuaidi100", _iso(scan), _iso(last), "快件到达【某某中转部】",
                        _iso(last) if state == "delivered" else None, _iso(last), 4, _iso(NOW), _iso(NOW)))
        step = (last - shipped) / 4
        events.extend((tracking, _iso(shipped + step * (e + 1)), f"快件到达【第{e}站】，正在发往下一站")
                      for e in range(4))
    conn.executemany(
        "INSERT OR IGNORE INTO parcels (tracking_no, courier, state, source, first_scan_at, last_event_at, last_event, "
        "delivered_at, result_at, events, first_seen_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        parcels)
    conn.executemany("INSERT INTO parcel_events (tracking_no, at, text) VALUES (?, ?, ?)", events)


def _flush(conn, sql: str, batch: list, items: list, shipments: list) -> None:
    conn.executemany(sql, batch)
    conn.executemany(
        "INSERT INTO order_items (line_id, order_id, title, price_fen, quantity, sku_code, attrs, status, created_at,"
        " first_seen_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", items)
    conn.executemany(
        "INSERT OR IGNORE INTO shipments (order_id, tracking_no, courier, shipped_at, first_seen_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?)", shipments)
    batch.clear()
    items.clear()
    shipments.clear()


if __name__ == "__main__":
    build(Path(sys.argv[1]), int(sys.argv[2]))
