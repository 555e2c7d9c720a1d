"""Parcels and their events (PRODUCT §18): how tracking results land, and the queries of
logistics-check, ship-deadline and the care texts. A parcel is its tracking number in the one
spelling orders and shipments store (orders.tracking_key), so joins are plain equality."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence

from . import store

_CHUNK = 500
# what a parcel row holds besides its key, in COLUMNS order of imports/kinds/tracking.py
_DATA = ("courier", "state", "subtype", "provider_state", "source", "order_id", "shipped_at", "first_scan_at",
         "last_event_at", "last_event", "last_location", "delivered_at", "extra")
_KEEP_WHEN_BLANK = ("courier", "order_id", "shipped_at", "subtype", "last_location", "delivered_at")
_NOT_SCANNED = ("awaiting_pickup", "no_info")
_SCANNED = ("picked_up", "in_transit", "out_for_delivery", "at_pickup_point", "delivered", "exception",
            "returning", "returned", "rejected")


def has_table(db, name: str) -> bool:
    found = db.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
    return found is not None


class _Rules:
    events = ("last_event_at",)  # the newest event dates a result file without a stamp (PRODUCT §16)


class ParcelWriter:
    """Rows of one tracking file into `parcels` and `parcel_events`, in file order, when the
    file's snapshot moment is known (finish). A result older than the stored one (its newest
    event, else its snapshot) never moves a parcel back: it is counted stale and only its events
    join the history. A result that has lost the trace (暂无轨迹 after scans) is stale too."""

    rules = _Rules()

    def __init__(self, db, columns: Sequence[str]):
        self.db = db
        self.columns = list(columns)
        self.rows: list[tuple] = []

    def write(self, rows: Sequence[Sequence]) -> None:
        self.rows.extend(tuple(r) for r in rows)

    def finish(self, snapshot: str, import_id: int) -> store.Counts:
        counts = store.Counts()
        conn = self.db.conn
        index = {name: i for i, name in enumerate(self.columns)}
        stored: dict[str, dict] = {}
        keys = list(dict.fromkeys(r[index["tracking_no"]] for r in self.rows))
        for part in _chunks(keys):
            marks = ", ".join("?" for _ in part)
            for row in _dicts(conn.execute(f"SELECT * FROM parcels WHERE tracking_no IN ({marks})", part)):
                stored[row["tracking_no"]] = row
        fresh: set[str] = set()
        touched: dict[str, dict] = {}
        events: list[tuple] = []
        for row in self.rows:
            new = {name: row[i] for name, i in index.items()}
            key = new["tracking_no"]
            new["result_at"] = new["last_event_at"] or snapshot
            for at, text, location, code in json.loads(new.pop("events_json") or "[]"):
                events.append((key, at, text or "", location, code, import_id))
            old = touched.get(key) or stored.get(key)
            if old is None:
                touched[key] = {**new, "first_seen_at": new["first_seen_at"]}
                fresh.add(key)
                continue
            lost = new["state"] in _NOT_SCANNED and old["state"] in _SCANNED
            if (old.get("result_at") or "") > new["result_at"] or lost:
                counts.stale += 1
                scan = new.get("first_scan_at")
                if scan and (not old.get("first_scan_at") or scan < old["first_scan_at"]):
                    touched[key] = {**old, "first_scan_at": scan}  # an older result may know the first scan
                continue
            merged = dict(old)
            for name in (*_DATA, "result_at", "updated_at", "import_id"):
                if name in _KEEP_WHEN_BLANK and new.get(name) is None:
                    continue
                merged[name] = new[name]
            earlier = old.get("first_scan_at")
            if earlier and (not merged["first_scan_at"] or earlier < merged["first_scan_at"]):
                merged["first_scan_at"] = old["first_scan_at"]
            if all(merged.get(n) == old.get(n) for n in (*_DATA, "result_at")):
                if key not in fresh and key not in touched:
                    counts.unchanged += 1
                continue
            touched[key] = merged
        counts.inserted = len(fresh)
        counts.updated = len(set(touched) - fresh)
        names = ("tracking_no", *_DATA, "result_at", "first_seen_at", "updated_at", "import_id")
        updates = ", ".join(f"{n} = excluded.{n}" for n in names[1:] if n != "first_seen_at")
        conn.executemany(
            f"INSERT INTO parcels ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)}) "
            f"ON CONFLICT(tracking_no) DO UPDATE SET {updates}",
            [tuple(p.get(n) for n in names) for p in touched.values()])
        conn.executemany("INSERT OR IGNORE INTO parcel_events (tracking_no, at, text, location, code, import_id) "
                         "VALUES (?, ?, ?, ?, ?, ?)", events)
        for part in _chunks(list({e[0] for e in events})):
            marks = ", ".join("?" for _ in part)
            conn.execute(f"UPDATE parcels SET events = (SELECT count(*) FROM parcel_events e WHERE e.tracking_no = "
                         f"parcels.tracking_no) WHERE tracking_no IN ({marks})", part)
        self.rows = []
        return counts


def parcel_states(db, tracking_nos: Iterable[str]) -> dict[str, dict]:
    """The stored parcels for these tracking numbers (in the stored spelling), by number; empty
    when no tracking result was ever imported (or the table does not exist)."""
    if not has_table(db, "parcels"):
        return {}
    out: dict[str, dict] = {}
    for part in _chunks(list(dict.fromkeys(t for t in tracking_nos if t))):
        marks = ", ".join("?" for _ in part)
        for row in _dicts(db.conn.execute(f"SELECT * FROM parcels WHERE tracking_no IN ({marks})", part)):
            out[row["tracking_no"]] = row
    return out


_ORDER_FIELDS = ("order_id", "status", "province", "shipped_at", "shipped_seen_at", "buyer_nick")
_PARCEL_FIELDS = ("tracking_no", "courier", "state", "subtype", "first_scan_at", "last_event_at", "last_event",
                  "delivered_at", "shipped_at", "first_seen_at", "order_id")


def _order_columns(alias: str) -> str:
    # the province as the export gives it, else the first part of the address (浙江省 杭州市 …)
    province = (f"coalesce({alias}.province, CASE WHEN instr(trim({alias}.address), ' ') > 0 "
                f"THEN substr(trim({alias}.address), 1, instr(trim({alias}.address), ' ') - 1) END)")
    return ", ".join(province if f == "province" else f"{alias}.{f}" for f in _ORDER_FIELDS)


# A parcel's orders: the export's own tracking number (o1), the warehouse's shipments (s → o2) and
# the order a tracking sheet names (o3). Rows come in the parcels' key order, a few per parcel.
_JOINED = f"""
SELECT {', '.join('p.' + f for f in _PARCEL_FIELDS)}, s.shipped_at,
       {_order_columns('o1')}, {_order_columns('o2')}, {_order_columns('o3')}
FROM parcels p
LEFT JOIN orders o1 ON o1.tracking_no = p.tracking_no
LEFT JOIN shipments s ON s.tracking_no = p.tracking_no
LEFT JOIN orders o2 ON o2.order_id = s.order_id
LEFT JOIN orders o3 ON o3.order_id = p.order_id
"""


# A moving parcel (scanned, events recent, picked up lately, shipped lately) can have no finding:
# `quiet_after` leaves those out in SQL. Ship times are tested on every source (a superset: the
# check itself decides).
_MAY_HAVE_FINDINGS = """
 AND (p.state NOT IN ('picked_up', 'in_transit', 'out_for_delivery') OR p.first_scan_at IS NULL
      OR p.last_event_at IS NULL OR p.last_event_at <= :stalled OR p.first_scan_at <= :not_signed
      OR p.shipped_at <= :auto_confirm
      OR EXISTS (SELECT 1 FROM orders o WHERE o.tracking_no = p.tracking_no
                 AND (o.shipped_at <= :auto_confirm OR o.shipped_seen_at <= :auto_confirm))
      OR EXISTS (SELECT 1 FROM shipments s WHERE s.tracking_no = p.tracking_no AND s.shipped_at <= :auto_confirm)
      OR EXISTS (SELECT 1 FROM orders o WHERE o.order_id = p.order_id
                 AND (o.shipped_at <= :auto_confirm OR o.shipped_seen_at <= :auto_confirm)))
"""


def parcels_to_check(db, *, delivered_too: Iterable[str] = (), tracking_nos: Iterable[str] | None = None,
                     all_states: bool = False, quiet_after: dict | None = None) -> Iterator[dict]:
    """Every parcel not delivered (and the delivered ones named; every one with `all_states`), or
    only those of `tracking_nos`, with its orders (`orders`: number, status, the receiver's
    province, ship times, nick) and the warehouse's ship time (`shipment_shipped_at`). One parcel
    at a time, whatever the number of events (the parcel row carries its last event).
    `quiet_after` ({"stalled", "not_signed", "auto_confirm"}: ISO moments) leaves out the moving
    parcels that cannot have a finding yet."""
    if not has_table(db, "parcels"):
        return
    conn = db.conn
    disputed = list(delivered_too)
    where = "p.state != 'delivered'"
    if disputed:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS _disputed (tracking_no TEXT PRIMARY KEY)")
        conn.execute("DELETE FROM temp._disputed")
        conn.executemany("INSERT OR IGNORE INTO temp._disputed VALUES (?)", [(t,) for t in disputed])
        where += " OR p.tracking_no IN (SELECT tracking_no FROM temp._disputed)"
    if all_states:
        where = "1"
    named: dict = {}
    if tracking_nos is not None:
        wanted = list(dict.fromkeys(tracking_nos))[:_CHUNK * 2]
        named = {f"t{i}": t for i, t in enumerate(wanted)}
        where = f"({where}) AND p.tracking_no IN ({', '.join(':' + k for k in named)})" if wanted else "0"
    if quiet_after and not all_states:
        where = f"({where}) {_MAY_HAVE_FINDINGS}"
        named.update({k: quiet_after[k] for k in ("stalled", "not_signed", "auto_confirm")})
    cursor = conn.execute(f"{_JOINED} WHERE {where} ORDER BY p.tracking_no", named)
    width, size = len(_PARCEL_FIELDS), len(_ORDER_FIELDS)
    starts = [width + 1 + k * size for k in range(3)]
    current: dict | None = None
    for values in cursor:
        if current is None or current["tracking_no"] != values[0]:
            if current is not None:
                current["orders"] = list(current["orders"].values())
                yield current
            current = dict(zip(_PARCEL_FIELDS, values[:width]))
            current["shipment_shipped_at"] = None
            current["orders"] = {}
        shipped = values[width]
        if shipped and (current["shipment_shipped_at"] is None or shipped < current["shipment_shipped_at"]):
            current["shipment_shipped_at"] = shipped
        for start in starts:
            order_id = values[start]
            if order_id is not None and order_id not in current["orders"]:
                current["orders"][order_id] = dict(zip(_ORDER_FIELDS, values[start:start + size]))
    if current is not None:
        current["orders"] = list(current["orders"].values())
        yield current


def parcel_count(db) -> int:
    return db.conn.execute("SELECT count(*) FROM parcels").fetchone()[0] if has_table(db, "parcels") else 0


def tracking_of_orders(db, order_ids: Iterable[str]) -> dict[str, list[str]]:
    """Order number → the tracking numbers of its parcels (shipments, else the order's own)."""
    out: dict[str, list[str]] = {}
    for part in _chunks(list(dict.fromkeys(order_ids))):
        marks = ", ".join("?" for _ in part)
        sql = (f"SELECT order_id, tracking_no FROM shipments WHERE order_id IN ({marks}) UNION "
               f"SELECT order_id, tracking_no FROM orders WHERE order_id IN ({marks}) AND tracking_no IS NOT NULL "
               "AND tracking_no != ''")
        for order_id, tracking in db.conn.execute(sql, part + part):
            out.setdefault(order_id, []).append(tracking)
    return out


def delivered_for_orders(db, order_ids: Iterable[str]) -> dict[str, list[str]]:
    """Order number → its delivered parcels (tracking numbers)."""
    links = tracking_of_orders(db, order_ids)
    states = parcel_states(db, [t for ts in links.values() for t in ts])
    return {o: [t for t in ts if states.get(t, {}).get("state") == "delivered"] for o, ts in links.items()}


def receivers(db, order_ids: Iterable[str]) -> dict[str, dict]:
    """The receiver fields a care text needs, by order number."""
    out: dict[str, dict] = {}
    for part in _chunks(list(dict.fromkeys(order_ids))):
        marks = ", ".join("?" for _ in part)
        sql = (f"SELECT order_id, status, buyer_nick, receiver_mobile, receiver_tel, masked, refund_status "
               f"FROM orders WHERE order_id IN ({marks})")
        for row in _dicts(db.conn.execute(sql, part)):
            out[row["order_id"]] = row
    return out


def shipped_without_result(db, since_iso: str) -> int:
    """Shipped orders since `since` whose parcel has no tracking result imported."""
    if not has_table(db, "parcels"):
        return 0
    sql = """SELECT count(*) FROM orders o WHERE o.status = 'shipped'
             AND coalesce(o.shipped_at, o.shipped_seen_at) >= ?
             AND NOT EXISTS (SELECT 1 FROM parcels p WHERE p.tracking_no = o.tracking_no)
             AND NOT EXISTS (SELECT 1 FROM shipments s JOIN parcels p ON p.tracking_no = s.tracking_no
                             WHERE s.order_id = o.order_id)"""
    return db.conn.execute(sql, (since_iso,)).fetchone()[0]


def events_of(db, tracking_no: str) -> list[dict]:
    return _dicts(db.conn.execute("SELECT at, text, location, code FROM parcel_events WHERE tracking_no = ? "
                                  "ORDER BY at, id", (tracking_no,)))


def _chunks(values: list, size: int = _CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _dicts(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor]


# A refund that says the parcel never arrived (千牛 退款管理: 货物状态 买家未收到货; reasons such as
# 未收到货, 快递一直未送达, 空包裹).
_NOT_RECEIVED = ("未收到", "没收到", "未送达", "没有收到", "空包", "丢件", "丢失")


def not_received_refund_orders(db) -> set[str]:
    """Orders with an open refund whose goods status or reason says the buyer did not receive the
    parcel; empty while the refunds table (PRODUCT §17) does not exist."""
    from .refunds import OPEN_STATUSES, has_refunds

    if not has_refunds(db):
        return set()
    columns = {row[1] for row in db.conn.execute("PRAGMA table_info(refunds)")}
    texts = [c for c in ("goods_status", "reason") if c in columns]
    statuses = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    sql = f"SELECT order_id, {', '.join(texts) or 'NULL'} FROM refunds WHERE status IN ({statuses})"
    found = set()
    for order_id, *values in db.conn.execute(sql):
        # goods_status is stored as a code (aftersale/codes.py: 买家未收到货 → not_received)
        if not texts or "not_received" in values or any(word in (v or "") for v in values for word in _NOT_RECEIVED):
            found.add(order_id)
    return found


def waiting_care_messages(db, now_iso: str) -> list[dict]:
    """logistics_care texts still waiting (queued, or deferred/retry and due again), by key."""
    sql = ("SELECT dedupe_key, step, order_ids, phone FROM messages WHERE purpose = 'logistics_care' "
           "AND (status = 'queued' OR (status IN ('deferred', 'retry') AND next_attempt_at <= ?))")
    return _dicts(db.conn.execute(sql, (now_iso,)))
