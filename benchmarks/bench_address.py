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


# Hand-made hard cases: streets named after cities (中山路, 南京路, 北京中路, 香港中路), short forms,
# municipalities, province-direct cities, cities without districts, old names. Valid ones give
# the expected (province, city, district); bad ones the status the matcher must report.
HARD_VALID = [
    ("浙江省 杭州市 西湖区 西溪街道 文三路100号", ("浙江省", "杭州市", "西湖区")),
    ("浙江杭州市滨江区长河街道江南大道1号", ("浙江省", "杭州市", "滨江区")),
    ("杭州市余杭区五常街道文一西路969号", ("浙江省", "杭州市", "余杭区")),
    ("北京 北京市 海淀区 中关村大街1号", ("北京市", "北京市", "海淀区")),
    ("北京市丰台区南三环西路1号", ("北京市", "北京市", "丰台区")),
    ("上海市徐汇区漕溪北路1号", ("上海市", "上海市", "徐汇区")),
    ("上海 上海市 浦东新区 张江镇 祖冲之路1号", ("上海市", "上海市", "浦东新区")),
    ("天津市和平区南京路1号", ("天津市", "天津市", "和平区")),
    ("重庆市渝中区解放碑民族路1号", ("重庆市", "重庆市", "渝中区")),
    ("重庆市石柱县南宾街道城南路1号", ("重庆市", "重庆市", "石柱土家族自治县")),
    ("广东省 深圳市 南山区 粤海街道 科技南一路1号", ("广东省", "深圳市", "南山区")),
    ("广东省中山市东区中山路1号", ("广东省", "中山市", None)),
    ("广东省东莞市南城街道鸿福路1号", ("广东省", "东莞市", None)),
    ("广东省 广州市 越秀区 中山五路1号", ("广东省", "广州市", "越秀区")),
    ("江苏省南京市鼓楼区中山北路1号", ("江苏省", "南京市", "鼓楼区")),
    ("江苏省苏州市昆山市玉山镇前进西路1号", ("江苏省", "苏州市", "昆山市")),
    ("江苏 徐州 鼓楼区 中山北路1号", ("江苏省", "徐州市", "鼓楼区")),
    ("湖北省仙桃市干河街道仙桃大道1号", ("湖北省", "仙桃市", None)),
    ("湖北省潜江市园林街道章华路1号", ("湖北省", "潜江市", None)),
    ("湖北省天门市竟陵街道钟惺大道1号", ("湖北省", "天门市", None)),
    ("河南省济源市沁园街道黄河路1号", ("河南省", "济源市", None)),
    ("海南省琼海市嘉积镇金海路1号", ("海南省", "琼海市", None)),
    ("海南省儋州市那大镇中兴大道1号", ("海南省", "儋州市", None)),
    ("甘肃省嘉峪关市新华中路1号", ("甘肃省", "嘉峪关市", None)),
    ("内蒙古自治区呼和浩特市赛罕区大学西路1号", ("内蒙古自治区", "呼和浩特市", "赛罕区")),
    ("内蒙古 鄂尔多斯市 东胜区 鄂尔多斯大街1号", ("内蒙古自治区", "鄂尔多斯市", "东胜区")),
    ("新疆维吾尔自治区乌鲁木齐市天山区解放北路1号", ("新疆维吾尔自治区", "乌鲁木齐市", "天山区")),
    ("新疆伊犁州伊宁市解放路1号", ("新疆维吾尔自治区", "伊犁哈萨克自治州", "伊宁市")),
    ("新疆石河子市北四路1号", ("新疆维吾尔自治区", "石河子市", None)),
    ("西藏自治区拉萨市城关区北京中路1号", ("西藏自治区", "拉萨市", "城关区")),
    ("宁夏回族自治区银川市兴庆区解放西街1号", ("宁夏回族自治区", "银川市", "兴庆区")),
    ("广西壮族自治区南宁市青秀区民族大道1号", ("广西壮族自治区", "南宁市", "青秀区")),
    ("云南省西双版纳傣族自治州景洪市宣慰大道1号", ("云南省", "西双版纳傣族自治州", "景洪市")),
    ("吉林省延边州延吉市光明街1号", ("吉林省", "延边朝鲜族自治州", "延吉市")),
    ("吉林省吉林市船营区北京路1号", ("吉林省", "吉林市", "船营区")),
    ("辽宁省大连市中山区人民路1号", ("辽宁省", "大连市", "中山区")),
    ("湖南省湘西州吉首市人民路1号", ("湖南省", "湘西土家族苗族自治州", "吉首市")),
    ("香港特别行政区九龙油尖旺区弥敦道1号", ("香港特别行政区", None, None)),
    ("澳门特别行政区澳门半岛新马路1号", ("澳门特别行政区", None, None)),
    ("四川省成都市武侯区人民南路1号", ("四川省", "成都市", "武侯区")),
    ("陕西省西安市雁塔区长安南路1号", ("陕西省", "西安市", "雁塔区")),
    ("山东省青岛市市南区香港中路1号", ("山东省", "青岛市", "市南区")),
    ("黑龙江省哈尔滨市南岗区中山路1号", ("黑龙江省", "哈尔滨市", "南岗区")),
    ("福建省厦门市思明区中山路1号", ("福建省", "厦门市", "思明区")),
    ("河北省石家庄市长安区中山东路1号", ("河北省", "石家庄市", "长安区")),
    ("安徽省合肥市巢湖市健康路1号", ("安徽省", "合肥市", "巢湖市")),
    ("浙江省宁波市江北区中马路1号", ("浙江省", "宁波市", "江北区")),
    ("湖北省恩施州恩施市舞阳大街1号", ("湖北省", "恩施土家族苗族自治州", "恩施市")),
    ("北京市密云县鼓楼大街1号", ("北京市", "北京市", "密云区")),
    ("山东省莱芜市莱城区鲁中大街1号", ("山东省", "济南市", "莱芜区")),
    ("上海市闸北区天目中路1号", ("上海市", "上海市", "静安区")),
    ("湖北省襄樊市樊城区人民路1号", ("湖北省", "襄阳市", "樊城区")),
]
HARD_BAD = [
    ("浙江省杭州市朝阳区文三路1号", "mismatch"),
    ("浙江省广州市天河区天河路1号", "mismatch"),
    ("广东省深圳市西湖区深南大道1号", "mismatch"),
    ("江苏省南京市余杭区xx路1号", "mismatch"),
    ("北京市浦东新区xx路1号", "mismatch"),
    ("湖北省武汉市仙桃市xx路1号", "mismatch"),
    ("四川省重庆市渝中区xx路1号", "mismatch"),
    ("西湖区文三路1号", "incomplete"),
    ("鼓楼区中山路1号", "incomplete"),
    ("中山路88号", "incomplete"),
    ("南京路100号", "incomplete"),
    ("浙江省杭州市江干区新塘路1号", "unverified"),
    ("浙江省杭州市火星区xx路1号", "incomplete"),  # run together: where the unknown name ends is unknown
    ("重庆市渝北区xx路1号", "unverified"),
]


def hard_set() -> dict:
    """Accuracy on the hard cases: resolved right, resolved wrong (the worst), flagged."""
    right = wrong = 0
    for address, expected in HARD_VALID:
        region = divisions.resolve(address)
        if region.ok:
            if (region.province, region.city, region.district) == expected:
                right += 1
            else:
                wrong += 1
    flagged = sum(1 for address, status in HARD_BAD if divisions.resolve(address).status == status)
    return {
        "valid": len(HARD_VALID), "valid_resolved": right, "valid_wrong": wrong,
        "bad": len(HARD_BAD), "bad_flagged_as_expected": flagged,
        "bad_passed_as_ok": sum(1 for a, _ in HARD_BAD if divisions.resolve(a).ok),
    }


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
    snapshot = Path(divisions.__file__).parent.parent / "data" / "divisions.json"
    return {
        "orders": n,
        "orders_per_s": round(n / elapsed),
        "addresses_resolved_per_s": round(n / resolve_s),
        "orders_with_errors": flagged,
        "load_ms": round(load_s * 1000, 1),
        "rss_after_load_mb": round(rss_loaded, 1),
        "peak_rss_mb": round(_rss_mb(), 1),
        "snapshot_kb": round(snapshot.stat().st_size / 1024),
        "hard_set": hard_set(),
    }


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(json.dumps(run(count), indent=2))
