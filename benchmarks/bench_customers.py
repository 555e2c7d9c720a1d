"""`segments` and `customers list` on a large shop database (PRODUCT §20; measured here, never in tests).

    python benchmarks/bench_customers.py [N [BUYERS]]   # default 1,000,000 orders of 200,000 buyers

Writes N orders straight into a fresh shop database (the same tables and indexes an import
makes): buyers with a skewed number of orders each (most buy once or twice, a few dozens of
times), over the last two years, 90% completed, the rest unpaid, paid-and-waiting or closed; 1%
of orders carry no nick (a buyer known by phone). Then runs the real CLI as a child process:
wall time (interpreter start included) and peak memory. Target (issue #21): `segments` under
5 s and 400 MB at 1,000,000 orders of 200,000 buyers.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.measure import run as run_child  # noqa: E402

NOW = "2026-11-21 10:00"
_NOW = datetime(2026, 11, 21, 10, 0)
COMMANDS = {
    "segments": ["segments", "--now", NOW, "--format", "json"],
    "customers list --limit 100": ["customers", "list", "--limit", "100", "--now", NOW, "--format", "json"],
}


def build(path: Path, n: int, buyers: int) -> dict:
    from shoptool.db import open_db, write_transaction

    rng = random.Random(21)
    db = open_db(path)
    statuses = ["completed"] * 90 + ["unpaid"] * 4 + ["paid"] * 3 + ["closed"] * 3
    # skewed: buyer k gets orders with weight 1/(1+k%50)
    weights = [1.0 / (1 + (k % 50)) for k in range(buyers)]
    owners = rng.choices(range(buyers), weights=weights, k=n)
    now_iso = "2026-11-21T10:00:00+08:00"
    with write_transaction(db):
        rows = []
        for i, owner in enumerate(owners):
            created = _NOW - timedelta(minutes=rng.randrange(0, 730 * 24 * 60))
            status = rng.choice(statuses)
            stamp = created.strftime("%Y-%m-%dT%H:%M:%S+08:00")
            nick = None if owner % 100 == 37 else f"tb_buyer{owner:06d}"  # about 1% of orders
            rows.append((f"39{i:017d}", nick, status, stamp, None if status in ("unpaid", "closed") else stamp,
                         rng.randrange(990, 99_900), f"138{owner:08d}", now_iso, now_iso))
            if len(rows) == 50_000:
                _insert(db, rows)
                rows = []
        _insert(db, rows)
    db.conn.execute("ANALYZE")
    count = db.conn.execute("SELECT count(DISTINCT buyer_nick) FROM orders").fetchone()[0]
    db.close()
    return {"orders": n, "buyers": count}


def _insert(db, rows) -> None:
    db.conn.executemany(
        "INSERT INTO orders (order_id, buyer_nick, status, created_at, paid_at, paid_fen, receiver_mobile, "
        "first_seen_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def measure(args: list[str], db: Path) -> dict:
    cmd = [sys.executable, "-m", "shoptool", *args, "--db", str(db)]
    with tempfile.TemporaryFile() as out:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPTOOL_")}
        child = run_child(cmd, cwd=db.parent, env=env, stdout=out)
        out.seek(0)
        body = out.read()
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{child.stderr}")
    document = json.loads(body)
    return {"seconds": round(child.seconds, 2), "peak_mb": round(child.peak_mb, 1), "rows": len(document["rows"]),
            "summary": document["summary"]}


def reference(db: Path) -> float:
    """The raw floor, in this process: one GROUP BY of every order by nick (a sort of the whole
    table), which any per-buyer figure costs at least."""
    import sqlite3
    import time

    conn = sqlite3.connect(db)
    start = time.perf_counter()
    conn.execute("SELECT buyer_nick, count(*), sum(paid_fen) FROM orders NOT INDEXED GROUP BY buyer_nick").fetchall()
    seconds = time.perf_counter() - start
    conn.close()
    return round(seconds, 2)


def run(n: int = 1_000_000, buyers: int | None = None) -> dict:
    buyers = buyers or max(n // 5, 1)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "shoptool.db"
        data = build(db, n, buyers)
        data["reference"] = reference(db)
        for name, args in COMMANDS.items():
            data[name] = measure(args, db)
        data["segments again"] = measure(COMMANDS["segments"], db)  # with the last run's counts to compare
    return data


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    buyers = int(sys.argv[2]) if len(sys.argv) > 2 else None
    result = run(n, buyers)
    print(f"{'raw GROUP BY nick (reference)':30} {result['reference']:6.2f} s")
    for key in ("segments", "segments again", "customers list --limit 100"):
        print(f"{key:30} {result[key]['seconds']:6.2f} s  {result[key]['peak_mb']:6.0f} MB")
    print(json.dumps({k: v for k, v in result.items() if not isinstance(v, dict)}))
