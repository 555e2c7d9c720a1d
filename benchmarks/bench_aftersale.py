"""aftersale over 100,000 refunds joined with 1,000,000 orders (measured here, never in tests).

    python benchmarks/bench_aftersale.py [ORDERS [REFUNDS]]     # default 1,000,000 and 100,000

Builds merge-shipping's benchmark shop (bench_merge.build: most orders completed over the last
half year, about 3% paid and waiting), then stores REFUNDS refunds over those orders as one import
of the 退款管理 export would (requested over the last half year; the ones of the last days open,
the older ones closed or refunded — about 6% open —, every open one with its 超时时间, returns with
tracking numbers, some of them reused, a third of the requests on paid orders shipped anyway), and
runs the real CLI as a child process: wall time (interpreter start included) and peak memory of
`aftersale`, `aftersale stop-list` and `aftersale reasons`, beside `shoptool --help`.
Target (issue #18): aftersale under 3 s and 300 MB on 2 cores.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.bench_cs_lists import measure  # noqa: E402
from benchmarks.bench_merge import NOW, build  # noqa: E402

TZ = timezone(timedelta(hours=8))
END = datetime(2026, 11, 21, 10, 0, tzinfo=TZ)
COMMANDS = {
    "aftersale": ["aftersale", "--now", NOW, "--format", "json"],
    "aftersale stop-list": ["aftersale", "stop-list", "--now", NOW, "--format", "json"],
    "aftersale reasons": ["aftersale", "reasons", "--since", "30d", "--now", NOW, "--format", "json"],
}
# By the request's age: (days, [(status, share, goods status, kind)]). A refund is open for days,
# not months: of 100,000 refunds over half a year about 6% are open, as in a real 退款管理 export.
MIX = (
    (2, (("wait_seller_agree", 0.5, "not_received", "refund_only"),
         ("wait_seller_agree", 0.2, "received", "return_refund"),
         ("wait_buyer_return", 0.15, "received", "return_refund"),
         ("seller_refused", 0.05, "received", "refund_only"), ("closed", 0.10, "not_received", "refund_only"))),
    (12, (("wait_buyer_return", 0.15, "received", "return_refund"),
          ("wait_seller_confirm_goods", 0.20, "returned", "return_refund"),
          ("seller_refused", 0.05, "received", "refund_only"), ("success", 0.45, "received", "return_refund"),
          ("closed", 0.15, "not_received", "refund_only"))),
    (180, (("success", 0.7, "received", "return_refund"), ("closed", 0.3, "not_received", "refund_only"))),
)
REASONS = ("七天无理由退换货", "尺码拍错", "质量问题", "颜色与描述不符", "不想要了", "快递一直未送达", "少件/漏发")


def _pick(mix, roll: float) -> tuple[str, str, str]:
    acc = 0.0
    for status, share, goods, kind in mix:
        acc += share
        if roll < acc:
            return status, goods, kind
    return mix[-1][0], mix[-1][2], mix[-1][3]


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def prepare(path: Path, orders: int, refunds: int) -> dict:
    from shoptool.db import open_db, store, write_transaction

    data = build(path, orders)
    rng = random.Random(18)
    db = open_db(path)
    conn = db.conn
    paid = [r[0] for r in conn.execute("SELECT order_id FROM orders WHERE status = 'paid'")]
    done = [r[0] for r in conn.execute("SELECT order_id FROM orders WHERE status = 'completed'")]
    with write_transaction(db):
        import_id = store.start_import(db, file="退款管理.csv", path=None, sha256="bench", size=0, kind="refunds",
                                       shape="refunds-39", encoding="GBK", sheet=None, started_at=_iso(END))
        store.finish_import(db, import_id, snapshot_at=_iso(END), snapshot_source="file_name")
        rows, shipments = [], []
        used_paid: set[str] = set()
        for n in range(refunds):
            asked = END - timedelta(hours=rng.uniform(1, 24 * 180))
            mix = next(m for days, m in MIX if END - asked <= timedelta(days=days))
            status, goods, kind = _pick(mix, rng.random())
            if status == "wait_seller_agree" and goods == "not_received" and len(used_paid) < len(paid) // 2:
                order_id = rng.choice(paid)
                used_paid.add(order_id)
                if rng.random() < 0.3:  # shipped by the warehouse after all
                    shipments.append((order_id, f"ZT{rng.randrange(10**12):012d}", _iso(END - timedelta(hours=5))))
            else:
                order_id = rng.choice(done)
            open_ = status in ("wait_seller_agree", "wait_buyer_return", "wait_seller_confirm_goods", "seller_refused")
            tracking = (f"SF{rng.randrange(10**13):013d}" if rng.random() > 0.01 else "SF0000000000001") \
                if status in ("wait_seller_confirm_goods", "success") else None
            rows.append((f"2{n:018d}", order_id, "platform", f"SKU-{rng.randrange(300):03d}", "纯棉圆领T恤",
                         f"tb_{rng.randrange(60_000):06d}", rng.choice((3900, 5900, 9900)), kind, status,
                         status, goods, "none" if rng.random() > 0.03 else "intervening", _iso(asked),
                         _iso(asked + timedelta(days=rng.choice((2, 5, 7, 10)))) if open_ else None,
                         None if open_ else _iso(asked + timedelta(days=2)), tracking, rng.choice(REASONS),
                         rng.choice(("买家", "卖家", "")), "运输中" if tracking else None, "{}", _iso(END), _iso(END),
                         import_id))
        conn.executemany(
            "INSERT INTO refunds (refund_id, order_id, source, sku, title, buyer_nick, amount_fen, kind, status, "
            "status_text, goods_status, cs_status, requested_at, deadline_at, finished_at, return_tracking, reason, "
            "responsible, return_logistics, extra, first_seen_at, updated_at, import_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.executemany("INSERT OR IGNORE INTO shipments (order_id, tracking_no, shipped_at, extra, first_seen_at, "
                         "updated_at) VALUES (?, ?, ?, '{}', ?, ?)", [(*s, s[2], s[2]) for s in shipments])
    conn.execute("ANALYZE")
    db.close()
    return {**data, "refunds": refunds}


def run(orders: int = 1_000_000, refunds: int = 100_000) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "shop.db"
        built = subprocess.run([sys.executable, __file__, "--build", str(full), str(orders), str(refunds)],
                               check=True, capture_output=True, text=True)
        results = {**json.loads(built.stdout), "help": measure(["--help"], full)}
        measure(COMMANDS["aftersale"], full)  # warm the file cache
        for name, args in COMMANDS.items():
            results[name] = measure(args, full)
    return results


def main() -> None:
    if sys.argv[1:2] == ["--build"]:
        print(json.dumps(prepare(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))))
        return
    orders = int(sys.argv[1].replace("_", "")) if len(sys.argv) > 1 else 1_000_000
    refunds = int(sys.argv[2].replace("_", "")) if len(sys.argv) > 2 else 100_000
    r = run(orders, refunds)
    print(f"aftersale: {r['refunds']:,} refunds over {r['orders']:,} orders (database built in {r['build_s']} s)")
    print(f"  {'run':<36}{'seconds':>9}{'peak MB':>10}  rows")
    print(f"  {'shoptool --help (reference)':<36}{r['help']['seconds']:>9.2f}{r['help']['peak_mb']:>10.1f}")
    for name in COMMANDS:
        m = r[name]
        print(f"  {name:<36}{m['seconds']:>9.2f}{m['peak_mb']:>10.1f}  {m.get('rows')}")


if __name__ == "__main__":
    main()
