"""The cron case: a no-op `remind-unpaid` and `notify-shipped` on a large shop database.

    python benchmarks/bench_cron.py [N]        (default 1,000,000 orders)

Builds, in a temporary folder removed afterwards, a shop database of N orders spread over 180 days
the way a busy shop's exports fill it (most orders finished long ago; today's unpaid ones; the
last days' parcels in transit), written with direct SQL for speed. A first run of each command
sends everything due (file provider, csv sheet); then each command runs again as cron would —
nothing new to send — as a child process, and its wall time (interpreter start included) and peak
memory (max RSS) are reported, best of five, beside two references: a bare interpreter start and
`shoptool --help`. The due-row queries' plans are printed too: each must read its partial index,
never the orders table.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.measure import run as run_child  # noqa: E402  (one way to time a child, for every benchmark)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHINA = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=CHINA)
NOW_ARG = "2026-11-21 10:00"
COURIERS = ("中通快递", "圆通速递", "韵达快递", "申通快递", "顺丰速运", "极兔速递")
COLUMNS = ("order_id", "shop", "buyer_nick", "status", "status_text", "is_cod", "goods_fen", "postage_fen", "total_fen",
           "paid_fen", "receiver_name", "receiver_mobile", "address", "province", "city", "district", "masked",
           "created_at", "paid_at", "shipped_at", "finished_at", "tracking_no", "courier", "first_seen_at", "updated_at",
           "shipped_seen_at")
STATUS_TEXT = {"unpaid": "等待买家付款", "paid": "买家已付款，等待卖家发货", "shipped": "卖家已发货，等待买家确认",
               "completed": "交易成功", "closed": "交易关闭"}


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _status(age: timedelta, rng: random.Random) -> str:
    roll = rng.random()
    if age < timedelta(hours=24):
        return "unpaid" if roll < 0.10 else "paid" if roll < 0.35 else "shipped"
    if age < timedelta(days=10):
        return "shipped" if roll < 0.70 else "completed" if roll < 0.95 else "closed"
    return "completed" if roll < 0.92 else "closed"


def rows(n: int, seed: int = 7):
    rng = random.Random(seed)
    span = timedelta(days=180).total_seconds()
    for i in range(n):
        created = NOW - timedelta(seconds=span * (i + 0.5) / n)
        age = NOW - created
        status = _status(age, rng)
        paid = created + timedelta(minutes=rng.randint(1, 20)) if status != "unpaid" else None
        shipped = None
        if status in ("shipped", "completed"):
            shipped = min(created + timedelta(hours=rng.randint(2, 30)), NOW - timedelta(minutes=5))
        # half the exports carry a ship time (千牛's 发货时间); for the other half, first seen shipped
        export_ship = shipped if shipped and i % 2 else None
        seen = shipped if shipped else None
        nick = f"tb_bench{rng.randint(0, 300_000):06d}"
        seen_at = _iso(created + timedelta(minutes=30))
        yield (
            f"39{i:017d}", "示例旗舰店", nick, status, STATUS_TEXT[status], 0, 9900, 0, 9900,
            9900 if paid else 0, "测试", f"139{rng.randint(0, 99_999_999):08d}", "浙江省 杭州市 西湖区 文三路 478号",
            "浙江省", "杭州市", "西湖区", 0, _iso(created), _iso(paid) if paid else None,
            _iso(export_ship) if export_ship else None, None,
            f"75{i:012d}" if shipped else None, COURIERS[i % len(COURIERS)] if shipped else None,
            seen_at, seen_at, _iso(seen) if seen else None,
        )


def build(folder: Path, n: int) -> Path:
    """The shop folder: shoptool.toml (file provider, csv sheets) and a database of n orders."""
    from shoptool.db import open_db

    (folder / "shoptool.toml").write_text('[sms]\nprovider = "file"\n[sms.file]\nformat = "csv"\n', encoding="utf-8")
    db = open_db(folder / "shoptool.db")
    conn = db.conn
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    sql = f"INSERT INTO orders ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"
    batch = []
    for row in rows(n):
        batch.append(row)
        if len(batch) == 50_000:
            conn.executemany(sql, batch)
            batch.clear()
    conn.executemany(sql, batch)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return folder


def measure(cmd: list[str], cwd: Path) -> tuple[float, float, int, str]:
    """Wall seconds, peak MB, exit code and stderr of one child process."""
    child = run_child(cmd, cwd=cwd)
    return child.seconds, child.peak_mb, child.returncode, child.stderr


def best_of(repeat: int, cmd: list[str], cwd: Path) -> tuple[float, float, int, str]:
    runs = [measure(cmd, cwd) for _ in range(repeat)]  # the fastest: least disturbed by the machine
    return min(runs, key=lambda r: r[0])


def plans(folder: Path) -> dict[str, list[str]]:
    from shoptool.db import open_db
    from shoptool.db import outbox as q

    db = open_db(folder / "shoptool.db")
    try:
        return {
            "remind-unpaid": [r[3] for r in db.conn.execute("EXPLAIN QUERY PLAN " + q.UNPAID_DUE_SQL, ("a", "b"))],
            "notify-shipped": [r[3] for r in db.conn.execute("EXPLAIN QUERY PLAN " + q.SHIPPED_OPEN_SQL, {"since": "a"})],
        }
    finally:
        db.close()


def counts(folder: Path) -> dict[str, int]:
    import sqlite3

    with sqlite3.connect(folder / "shoptool.db") as conn:
        found = dict(conn.execute("SELECT status, count(*) FROM orders GROUP BY status").fetchall())
        found["messages"] = conn.execute("SELECT count(*) FROM messages").fetchone()[0]
    return found


def run(n: int = 1_000_000, repeat: int = 5) -> dict:
    work = Path(tempfile.mkdtemp(prefix="shoptool-bench-cron-"))
    shoptool = [sys.executable, "-m", "shoptool"]
    try:
        started = time.perf_counter()
        # In a child: a parent grown by a million rows would lend its size to every forked child's max RSS.
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--build", str(work), str(n)], check=True)
        build_seconds = time.perf_counter() - started
        first = {}
        for command in ("remind-unpaid", "notify-shipped"):
            seconds, peak, code, err = measure([*shoptool, command, "--now", NOW_ARG, "--quiet"], work)
            if code != 0:
                raise SystemExit(f"{command} failed (exit {code}): {err[-2000:]}")
            first[command] = {"seconds": seconds, "peak_mb": peak, "summary": err.strip().splitlines()[-1]}
        noop = {}
        for command in ("remind-unpaid", "notify-shipped"):
            seconds, peak, code, err = best_of(repeat, [*shoptool, command, "--now", NOW_ARG, "--quiet"], work)
            if code != 0:
                raise SystemExit(f"{command} failed (exit {code}): {err[-2000:]}")
            noop[command] = {"seconds": seconds, "peak_mb": peak, "summary": err.strip().splitlines()[-1]}
        python_seconds, python_mb, _, _ = best_of(repeat, [sys.executable, "-c", "pass"], work)
        help_seconds, help_mb, _, _ = best_of(repeat, [*shoptool, "--help"], work)
        return {
            "benchmark": f"no-op cron runs on a {n:,}-order shop database",
            "orders": n, "build_seconds": build_seconds, "db_mb": (work / "shoptool.db").stat().st_size / 1024**2,
            "first_run": first, "noop": noop,
            "reference": {"python -c pass": {"seconds": python_seconds, "peak_mb": python_mb},
                          "shoptool --help": {"seconds": help_seconds, "peak_mb": help_mb}},
            "plans": plans(work), "counts": counts(work),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    if sys.argv[1:2] == ["--build"]:
        build(Path(sys.argv[2]), int(sys.argv[3]))
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    r = run(n)
    print(f"{r['benchmark']} (built in {r['build_seconds']:.0f}s, {r['db_mb']:.0f} MB; "
          + ", ".join(f"{k} {v:,}" for k, v in sorted(r["counts"].items())) + ")")
    for command, m in r["first_run"].items():
        print(f"  first run  {command:<15} {m['seconds']:6.2f}s {m['peak_mb']:5.0f} MB   {m['summary']}")
    for command, m in r["noop"].items():
        print(f"  no-op run  {command:<15} {m['seconds']:6.2f}s {m['peak_mb']:5.0f} MB   {m['summary']}")
    for name, m in r["reference"].items():
        print(f"  reference  {name:<15} {m['seconds']:6.2f}s {m['peak_mb']:5.0f} MB")
    for command, plan in r["plans"].items():
        print(f"  plan {command}: " + " | ".join(step for step in plan if "USING" in step))


if __name__ == "__main__":
    main()
