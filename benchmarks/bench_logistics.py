"""logistics-check over a large shop (PRODUCT §18; measured here, never in tests).

    python benchmarks/bench_logistics.py [N] [EVENTS]     # N parcels (default 200,000), EVENTS each (10)

Builds a shop of N shipped orders shipped over the last 9 days, each with its parcel (most moving
or delivered, a few percent in trouble: stalled, exceptions, no pickup scan, at a locker…) and
EVENTS events per parcel in parcel_events, then runs the real CLI as a child process: wall time
(interpreter start included) and peak memory. The same shop with one event per parcel shows the
memory does not depend on the number of events (the check reads the parcel rows, never the events).
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.measure import run as run_child  # noqa: E402

NOW = "2026-11-21 10:00"
TZ = ZoneInfo("Asia/Shanghai")
_NOW = datetime(2026, 11, 21, 10, tzinfo=TZ)
PROVINCES = ["浙江省", "江苏省", "广东省", "上海", "北京", "四川省", "湖北省", "新疆维吾尔自治区", "西藏自治区"]
COURIERS = ["中通快递", "圆通速递", "韵达快递", "申通快递", "顺丰速运", "极兔速递"]


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def build(path: Path, n: int, events: int, seed: int = 7) -> dict:
    from shoptool.db import open_db, write_transaction

    rng = random.Random(seed)
    db = open_db(path)
    orders, parcels, trace = [], [], []
    counts: dict[str, int] = {}
    for i in range(n):
        order_id = f"4{i:018d}"
        tracking = f"ZT75{i:010d}"
        shipped = _NOW - timedelta(minutes=rng.randrange(60, 9 * 24 * 60))
        age = (_NOW - shipped).total_seconds() / 3600
        roll = rng.random()
        scan = shipped + timedelta(hours=rng.uniform(1, 8))
        if roll < 0.01:
            state, last, scan = "awaiting_pickup", shipped, None  # no pickup scan yet
        elif roll < 0.02:
            state, last = "exception", scan + timedelta(hours=rng.uniform(5, 30))
        elif roll < 0.03:
            state, last = "at_pickup_point", scan + timedelta(hours=rng.uniform(10, 40))
        elif age > 72 and roll < 0.9:
            state, last = "delivered", scan + timedelta(hours=rng.uniform(24, 70))
        else:
            state, last = "in_transit", max(scan, _NOW - timedelta(hours=rng.uniform(0, 60)))
        last = min(last, _NOW)
        counts[state] = counts.get(state, 0) + 1
        province = PROVINCES[i % len(PROVINCES)]
        orders.append(
            (
                order_id,
                f"tb_buyer{i}",
                "signed" if state == "delivered" else "shipped",
                f"139{i:08d}",
                f"{province} 某市 某区 某路 {i % 999}号",
                province,
                _iso(shipped - timedelta(hours=20)),
                _iso(shipped - timedelta(hours=19)),
                _iso(shipped),
                tracking,
                COURIERS[i % len(COURIERS)],
                _iso(shipped),
                _iso(shipped),
            )
        )
        parcels.append(
            (
                tracking,
                COURIERS[i % len(COURIERS)],
                state,
                "address_unclear" if state == "exception" else None,
                "kuaidi100",
                _iso(scan) if scan else None,
                _iso(last),
                "快件到达【某某中转部】",
                _iso(last) if state == "delivered" else None,
                _iso(last),
                events,
                _iso(_NOW),
                _iso(_NOW),
            )
        )
        step = (last - shipped) / max(events, 1)
        for e in range(events):
            trace.append((tracking, _iso(shipped + step * (e + 1)), f"快件到达【第{e}站】，正在发往下一站"))
    with write_transaction(db):
        conn = db.conn
        conn.executemany(
            "INSERT INTO orders (order_id, buyer_nick, status, receiver_mobile, address, province, created_at, paid_at,"
            " shipped_at, tracking_no, courier, first_seen_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            orders,
        )
        conn.executemany(
            "INSERT INTO parcels (tracking_no, courier, state, subtype, source, first_scan_at, last_event_at,"
            " last_event, delivered_at, result_at, events, first_seen_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            parcels,
        )
        conn.executemany("INSERT INTO parcel_events (tracking_no, at, text) VALUES (?, ?, ?)", trace)
    db.conn.execute("ANALYZE")
    db.close()
    return {"parcels": n, "events": n * events, "states": counts}


def measure(args: list[str], db: Path) -> dict:
    cmd = [sys.executable, "-m", "shoptool", *args, "--db", str(db)]
    with tempfile.TemporaryFile() as out:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPTOOL_")}
        child = run_child(cmd, cwd=db.parent, env=env, stdout=out)
        out.seek(0)
        body = out.read()
    if child.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed:\n{child.stderr}")
    document = json.loads(body)
    return {
        "seconds": round(child.seconds, 2),
        "peak_mb": round(child.peak_mb, 1),
        "rows": len(document["rows"]),
        "summary": document["summary"],
    }


def run(n: int = 200_000, events: int = 10) -> dict:
    out: dict = {"parcels": n}
    for count in (events, 1):
        with tempfile.TemporaryDirectory() as folder:
            db = Path(folder) / "shoptool.db"
            built = build(db, n, count)
            result = measure(["logistics-check", "--now", NOW, "--format", "json"], db)
            result["events"] = built["events"]
            out[f"events_{count}"] = result
            if count == events:
                out["states"] = built["states"]
                out["db_mb"] = round(db.stat().st_size / 1024**2, 1)
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    events = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    result = run(n, events)
    load = os.getloadavg()[0]
    print(f"logistics-check over {n:,} parcels (load average {load:.1f})")
    for key in (f"events_{events}", "events_1"):
        r = result[key]
        print(
            f"  {r['events']:>10,} events: {r['seconds']:6.2f} s, peak {r['peak_mb']:6.1f} MB, "
            f"{r['rows']:,} rows listed"
        )
    print(f"  states: {result['states']}; database {result['db_mb']} MB")
    print(json.dumps(result["events_" + str(events)]["summary"], ensure_ascii=False))


if __name__ == "__main__":
    main()
