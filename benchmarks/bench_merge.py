"""merge-shipping on a large shop database (PRODUCT §14 style: measured here, never in tests).

    python benchmarks/bench_merge.py [N]        # N orders, default 1,000,000

Writes a shop database of N orders through the db layer's bulk upsert (most of them finished
long ago, about 3% paid and waiting, in baskets of 1–3 orders per buyer with the cases the
command must tell apart: space-only address differences, other addresses, COD, refunds,
pre-sale, courier requests, partly shipped), then runs the real CLI as a child process and
reports wall time (interpreter start included) and peak memory, for a report run, a first
`--apply` and a second `--apply` (which must write nothing), beside `shoptool --help` and the
same report on an empty database as references.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.measure import run as run_child  # noqa: E402  (one way to time a child, for every benchmark)

ROOT = Path(__file__).resolve().parent.parent

NOW = "2026-11-21 10:00"
TZ = timezone(timedelta(hours=8))
END = datetime(2026, 11, 21, 10, 0, tzinfo=TZ)
PLACES = ["浙江省 杭州市 西湖区", "上海 上海市 浦东新区", "北京 北京市 朝阳区", "广东省 广州市 天河区", "四川省 成都市 武侯区",
          "江苏省 南京市 鼓楼区", "湖北省 武汉市 洪山区", "山东省 济南市 历下区", "陕西省 西安市 雁塔区", "重庆 重庆市 渝中区"]
STREETS = ["文三路", "中山路", "人民路", "解放路", "建国路", "长江西路", "科华北路", "花园路", "南京路", "天河路"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"
COLUMNS = ("order_id", "shop", "buyer_nick", "status", "status_text", "is_cod", "presale_stage", "refund_status",
           "refund_fen", "goods_fen", "postage_fen", "total_fen", "paid_fen", "receiver_name", "receiver_mobile",
           "address", "masked", "created_at", "paid_at", "buyer_message", "seller_note", "shipping_method",
           "tracking_no", "extra", "first_seen_at", "updated_at")
PAID_SHARE = 0.03


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class _Maker:
    def __init__(self, seed: int = 20261121):
        self.rng = random.Random(seed)
        self.count = 0

    def _row(self, *, nick, status, name, mobile, address, created, postage, **fields) -> tuple:
        self.count += 1
        rng = self.rng
        goods = rng.choice([3900, 5900, 7900, 9900, 12900, 19900])
        values = {
            "order_id": f"4{self.count:018d}", "shop": "示例旗舰店", "buyer_nick": nick, "status": status,
            "status_text": status, "is_cod": 0, "presale_stage": None, "refund_status": "没有申请退款",
            "refund_fen": 0, "goods_fen": goods, "postage_fen": postage, "total_fen": goods + postage,
            "paid_fen": goods + postage, "receiver_name": name, "receiver_mobile": mobile, "address": address,
            "masked": 0, "created_at": _iso(created), "paid_at": _iso(created + timedelta(minutes=1)),
            "buyer_message": None, "seller_note": None, "shipping_method": "快递", "tracking_no": None, "extra": "{}",
            "first_seen_at": _iso(END), "updated_at": _iso(END),
        }
        values.update(fields)
        return tuple(values[c] for c in COLUMNS)

    def _person(self) -> tuple[str, str, str, str]:
        rng = self.rng
        nick = f"tb_{rng.getrandbits(40):010x}"
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        mobile = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        address = f"{rng.choice(PLACES)} {rng.choice(STREETS)} {rng.randint(1, 999)}号 {rng.randint(1, 30)}幢{rng.randint(101, 2808)}室"
        return nick, name, mobile, address

    def finished(self) -> tuple:
        nick, name, mobile, address = self._person()
        created = END - timedelta(days=self.rng.uniform(3, 180))
        return self._row(nick=nick, status="completed", name=name, mobile=mobile, address=address, created=created,
                         postage=self.rng.choice([0, 0, 800, 1000]), tracking_no=f"7531{self.rng.randrange(10**10):010d}")

    def basket(self) -> list[tuple]:
        """One buyer's paid, unshipped orders: 1–3 of them, sometimes with a reason not to merge."""
        rng = self.rng
        nick, name, mobile, address = self._person()
        start = END - timedelta(days=rng.uniform(0, 3))
        rows = []
        for index in range(rng.choice([1, 1, 2, 2, 3])):
            created = start + timedelta(minutes=rng.randint(0, 600) * index)
            roll = rng.random()
            where = address.replace(" ", "  ", 1) if roll < 0.2 else address  # spaces only: the same place
            fields: dict = {}
            if roll > 0.97:
                fields = {"is_cod": 1, "shipping_method": "货到付款", "paid_at": None}
            elif roll > 0.94:
                fields = {"refund_status": "买家已经申请退款，等待卖家同意"}
            elif roll > 0.92:
                fields = {"presale_stage": "all_paid"}
            elif roll > 0.89:
                fields = {"buyer_message": "请发顺丰"}
            elif roll > 0.88:
                fields = {"status": "partly_shipped", "tracking_no": f"7531{rng.randrange(10**10):010d}"}
            elif roll > 0.83:
                where = f"{rng.choice(PLACES)} {rng.choice(STREETS)} {rng.randint(1, 999)}号"  # another address
            status = fields.pop("status", "paid")
            rows.append(self._row(nick=nick, status=status, name=name, mobile=mobile, address=where, created=created,
                                  postage=rng.choice([0, 600, 800, 1000, 1200]), **fields))
        return rows


def build(path: Path, n: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from shoptool.db import open_db, write_transaction
    from shoptool.db.store import Upsert
    from shoptool.imports.kinds.orders import RULES

    started = time.perf_counter()
    maker = _Maker()
    db = open_db(path)
    paid = 0
    with write_transaction(db):
        # a fresh table: every batch takes Upsert's plain INSERT path, nothing is set aside to merge
        upsert = Upsert(db, "orders", RULES, COLUMNS)
        batch: list[tuple] = []
        while maker.count < n:
            if maker.rng.random() < PAID_SHARE / 1.9:  # a basket holds 1.8 orders on average
                rows = maker.basket()  # may overshoot n by two orders
                paid += len(rows)
                batch.extend(rows)
            else:
                batch.append(maker.finished())
            if len(batch) >= 50_000:
                upsert.write(batch)
                batch = []
        upsert.write(batch)
    db.conn.execute("ANALYZE")
    db.close()
    return {"orders": maker.count, "paid_or_partly_shipped": paid, "build_s": round(time.perf_counter() - started, 1)}


def measure(args: list[str], db: Path) -> dict:
    """Wall time and peak memory of `shoptool ARGS --db DB` as a child process."""
    cmd = [sys.executable, "-m", "shoptool", *args, "--db", str(db)] if args[0] != "--help" else [
        sys.executable, "-m", "shoptool", "--help"]
    with tempfile.TemporaryFile() as out:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPTOOL_")}
        child = run_child(cmd, cwd=db.parent, env=env, stdout=out)
        out.seek(0)
        body = out.read()
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{child.stderr}")
    result = {"seconds": round(child.seconds, 2), "peak_mb": round(child.peak_mb, 1)}
    if body.startswith(b"{"):
        result["summary"] = json.loads(body)["summary"]
    return result


def run(n: int = 1_000_000) -> dict:
    # Children inherit the parent's peak RSS through fork, so the database is built in a child
    # too and this process stays small: each measured peak is the command's own.
    with tempfile.TemporaryDirectory() as tmp:
        empty, full = Path(tmp) / "empty.db", Path(tmp) / "shop.db"
        built = subprocess.run([sys.executable, __file__, "--build", str(full), str(n)], check=True,
                               capture_output=True, text=True)
        data = json.loads(built.stdout)
        report = ["merge-shipping", "--now", NOW, "--format", "json"]
        measure(report, empty)  # creates the empty database: the measured run only reads it
        baseline = {"seconds": 0.0, "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
        results = {
            "n": n,
            "bench_process": baseline,
            **data,
            "help": measure(["--help"], empty),
            "empty_db": measure(report, empty),
            "report": measure(report, full),
            "apply_first": measure([*report, "--apply"], full),
            "apply_again": measure([*report, "--apply"], full),
        }
    return results


def main() -> None:
    if sys.argv[1:2] == ["--build"]:
        print(json.dumps(build(Path(sys.argv[2]), int(sys.argv[3]))))
        return
    n = int(sys.argv[1].replace("_", "")) if len(sys.argv) > 1 else 1_000_000
    r = run(n)
    s = r["report"]["summary"]
    print(f"merge-shipping on {r['orders']:,} orders ({r['paid_or_partly_shipped']:,} paid or partly shipped; "
          f"database built in {r['build_s']} s)")
    print(f"  candidates {s['candidates']:,}: {s['merge']:,} merge groups of {s['orders_merged']:,} orders, "
          f"postage to refund {s['postage_refund']:,.2f} yuan; listed: "
          + ", ".join(f"{k} {s[k]:,}" for k in ("cod", "refunding", "partly_shipped", "presale", "courier_request",
                                                "different_address") if s.get(k)))
    print(f"  {'run':<36}{'seconds':>9}{'peak MB':>10}")
    for key, label in (("bench_process", "(this script's own peak: the floor)"), ("help", "shoptool --help (reference)"), ("empty_db", "merge-shipping, empty database"),
                       ("report", "merge-shipping (report)"), ("apply_first", "merge-shipping --apply (first)"),
                       ("apply_again", "merge-shipping --apply (again)")):
        print(f"  {label:<36}{r[key]['seconds']:>9.2f}{r[key]['peak_mb']:>10.1f}")
    first, again = r["apply_first"]["summary"]["applied"], r["apply_again"]["summary"]["applied"]
    print(f"  first --apply: {first['groups_new']:,} groups recorded, {first['orders_noted']:,} orders noted; "
          f"again: {again['groups_new'] + again['groups_updated']} groups, {again['orders_noted']} orders written")


if __name__ == "__main__":
    main()
