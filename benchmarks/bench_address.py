"""Throughput of the per-order address check (PRODUCT §14 style: measured here, never in tests).

    python benchmarks/bench_address.py [N]

Generates N varied orders from the bundled division snapshot (export-style space-separated and
run-together addresses, municipalities, province-direct cities, short names, streets named after
other cities) with a share of bad ones (impossible combinations, placeholders, short details,
invalid, missing, privacy and masked phones), then times `check_order` over them.
"""

from __future__ import annotations

import json
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shoptool import address as address_check  # noqa: E402
from shoptool import divisions  # noqa: E402

STREETS = ["文三路", "人民路", "中山路", "南京路", "解放北路", "建设大道", "北京东路", "长江路", "学府街", "滨河西路"]
PLACES = ["阳光小区", "锦绣花园", "科技大厦", "幸福里", "翠苑一区", "金色家园"]
MOBILE_PREFIXES = ["130", "135", "138", "139", "150", "158", "166", "170", "177", "186", "189", "191", "199"]
NAMES = ["张三", "李四", "王小明", "赵女士", "欧阳娜娜", "Lee Ming", "陈先生"]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _detail(rng: random.Random) -> str:
    return f"{rng.choice(STREETS)}{rng.randint(1, 999)}号{rng.choice(PLACES)}{rng.randint(1, 30)}幢{rng.randint(101, 2808)}室"


def _address(rng: random.Random, dist, all_districts) -> str:
    city = dist.parent
    prov = city.parent
    style = rng.random()
    if dist.level == "city":  # a city without districts: 东莞, 仙桃
        city, prov, parts = dist, dist.parent, [dist.parent.name, dist.name]
    elif prov.municipality:
        parts = [prov.short if style < 0.5 else prov.name, city.name, dist.name]
    else:
        parts = [prov.name, city.name, dist.name]
    if style < 0.05:  # impossible combination: a district of somewhere else
        other = rng.choice(all_districts)
        if other.parent is not city:
            parts[-1] = other.name
    if style < 0.75:
        return " ".join(parts) + " " + _detail(rng)
    if style < 0.9:
        return "".join(parts) + _detail(rng)
    return prov.short + (city.short or city.name) + "".join(parts[2:]) + _detail(rng)


def _phone(rng: random.Random) -> tuple[str | None, str | None]:
    roll = rng.random()
    mobile = f"{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 99_999_999):08d}"
    if roll < 0.80:
        return mobile, None
    if roll < 0.88:
        return f"{mobile}-{rng.randint(1000, 9999)}", None
    if roll < 0.93:
        return None, f"0571-{rng.randint(20000000, 89999999)}"
    if roll < 0.96:
        return f"12{rng.randint(0, 999_999_999):09d}", None
    return None, None


def make_orders(n: int, seed: int = 20260101) -> list[dict]:
    rng = random.Random(seed)
    nodes = divisions.divisions()
    districts = [d for d in nodes if d.level == "district"]
    leaves = districts + [c for c in nodes if c.level == "city" and c.code[-2:] != "00"]
    orders = []
    for i in range(n):
        mobile, tel = _phone(rng)
        roll = rng.random()
        addr = _address(rng, rng.choice(leaves), districts)
        masked = 0
        name = rng.choice(NAMES)
        if roll < 0.02:
            addr = rng.choice(["不详", "浙江省 杭州市 西湖区 测试地址", "test"])
        elif roll < 0.04:
            addr = addr.rsplit(" ", 1)[0] + " 1号" if " " in addr else addr
        elif roll < 0.10:  # current 千牛 export: desensitised after the district
            region = divisions.resolve(addr)
            addr = " ".join(p for p in (region.province, region.city, region.district) if p) + " " + _detail(rng)[:4] + "****"
            mobile, tel, name, masked = None, None, None, 1
        orders.append({
            "order_id": f"{4_000_000_000_000_000_000 + i}",
            "buyer_nick": f"buyer{rng.randint(1, n // 3 + 1)}",
            "status": "paid",
            "receiver_name": name,
            "receiver_mobile": mobile,
            "receiver_tel": tel,
            "address": addr,
            "address_original": addr,
            "address_modified": None,
            "province": None,
            "city": None,
            "district": None,
            "address_detail": None,
            "masked": masked,
            "paid_at": "2026-03-01T10:00:00+08:00",
            "courier": None,
            "shipping_method": "快递",
        })
    return orders


def run(n: int = 100_000) -> dict:
    """Time the per-order check over n generated orders; returns the numbers as a dict."""
    started = time.perf_counter()
    divisions.resolve("浙江省杭州市西湖区文三路1号")  # loads the snapshot
    address_check.check_order({"receiver_mobile": "13800138000"})  # loads phonenumbers
    load_s = time.perf_counter() - started
    rss_loaded = _rss_mb()

    orders = make_orders(n)
    rules = address_check.AddressRules()
    check = address_check.check_order
    started = time.perf_counter()
    results = [check(order, rules) for order in orders]
    elapsed = time.perf_counter() - started

    started = time.perf_counter()
    for order in orders:
        divisions.resolve(order["address"])
    resolve_s = time.perf_counter() - started

    flagged = sum(1 for r in results if r.severity == "error")
    snapshot = Path(divisions.__file__).parent / "data" / "divisions.json"
    return {
        "orders": n,
        "orders_per_s": round(n / elapsed),
        "addresses_resolved_per_s": round(n / resolve_s),
        "orders_with_errors": flagged,
        "load_ms": round(load_s * 1000, 1),
        "rss_after_load_mb": round(rss_loaded, 1),
        "peak_rss_mb": round(_rss_mb(), 1),
        "snapshot_kb": round(snapshot.stat().st_size / 1024),
    }


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(json.dumps(run(count), indent=2))
