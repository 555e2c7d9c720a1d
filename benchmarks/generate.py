"""Realistic large exports for benchmarks, generated on the fly (never committed).

Rows follow the legacy 订单报表 shape (GBK, 44 columns, trailing-space headers, ="…" around long
numbers) with a realistic mix of statuses, addresses and phones.
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from builders import LEGACY_ORDER_HEADER  # noqa: E402

STATUSES = [("交易成功", 55), ("卖家已发货，等待买家确认", 15), ("买家已付款，等待卖家发货", 12), ("交易关闭", 10),
            ("等待买家付款", 8)]
PLACES = [
    "浙江省 杭州市 西湖区", "浙江省 杭州市 滨江区", "上海 上海市 浦东新区", "北京 北京市 朝阳区", "广东省 广州市 天河区",
    "广东省 深圳市 南山区", "江苏省 南京市 鼓楼区", "四川省 成都市 武侯区", "湖北省 武汉市 洪山区", "山东省 济南市 历下区",
    "河南省 郑州市 金水区", "湖南省 长沙市 岳麓区", "福建省 厦门市 思明区", "陕西省 西安市 雁塔区", "重庆 重庆市 渝中区",
    "新疆维吾尔自治区 乌鲁木齐市 天山区", "内蒙古自治区 呼和浩特市 赛罕区", "湖北省 仙桃市 干河街道",
]
STREETS = ["文三路", "中山路", "人民路", "解放路", "建国路", "长江西路", "科华北路", "花园路", "南京路", "天河路"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"
TITLES = ["纯棉圆领T恤", "陶瓷马克杯 350ml", "刺绣棒球帽", "羊毛围巾", "纯棉袜子 5双装", "连帽卫衣 加绒", "帆布托特包"]


def weighted(rng: random.Random, pairs):
    total = sum(w for _, w in pairs)
    pick = rng.uniform(0, total)
    for value, weight in pairs:
        pick -= weight
        if pick <= 0:
            return value
    return pairs[-1][0]


def legacy_orders_csv(path: Path, n: int, seed: int = 7) -> Path:
    rng = random.Random(seed)
    header = LEGACY_ORDER_HEADER
    index = {h.strip(): i for i, h in enumerate(header)}
    with path.open("w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header)
        base = 3712000000000000000
        for i in range(n):
            row = [""] * len(header)
            status = weighted(rng, STATUSES)
            goods = rng.choice([39, 45, 59, 69, 99, 129, 199])
            postage = rng.choice([0, 0, 0, 6, 8, 10, 12])
            day = 1 + i * 28 // max(n, 1)
            created = f"2026-10-{day:02d} {rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
            row[index["订单编号"]] = f'="{base + i}"'
            row[index["买家会员名"]] = f"tb_{rng.randrange(10**8):08d}"
            row[index["买家支付宝账号"]] = f"{rng.randrange(10**6)}@example.com"
            row[index["买家应付货款"]] = f"{goods}.00"
            row[index["买家应付邮费"]] = f"{postage}.00"
            row[index["总金额"]] = f"{goods + postage}.00"
            row[index["买家实际支付金额"]] = f"{goods + postage}.00" if status != "等待买家付款" else "0.00"
            row[index["订单状态"]] = status
            row[index["收货人姓名"]] = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", rng.choice(GIVEN)])
            row[index["收货地址"]] = (f"{rng.choice(PLACES)} {rng.choice(STREETS)} {rng.randrange(1, 999)}号 "
                                  f"{rng.randrange(1, 30)}幢{rng.randrange(101, 2999)}室")
            row[index["运送方式"]] = "快递"
            row[index["联系手机"]] = f"'13{rng.randrange(10**9):09d}"
            row[index["订单创建时间"]] = created
            row[index["订单付款时间"]] = created if status != "等待买家付款" else ""
            row[index["宝贝标题"]] = rng.choice(TITLES)
            row[index["宝贝种类"]] = "1"
            if status in ("交易成功", "卖家已发货，等待买家确认"):
                row[index["物流单号"]] = f"No:7531{rng.randrange(10**10):010d}"
                row[index["物流公司"]] = rng.choice(["中通快递", "圆通速递", "韵达快递", "顺丰速运"])
            row[index["宝贝总数量"]] = "1"
            row[index["店铺Id"]] = "57300001"
            row[index["店铺名称"]] = "示例旗舰店"
            row[index["订单关闭原因"]] = "订单未关闭" if status != "交易关闭" else "买家不想买了"
            row[index["是否手机订单"]] = "手机订单"
            writer.writerow(row)
    return path


def qianniu_orders_xlsx(path: Path, n: int, seed: int = 11) -> Path:
    """The current 千牛 orders export (cells stored as text, personal data masked)."""
    from openpyxl import Workbook

    sys.path.insert(0, str(ROOT / "tests"))
    from builders import QIANNIU_ORDER_HEADER

    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("订单列表")
    sheet.append(QIANNIU_ORDER_HEADER)
    index = {h: i for i, h in enumerate(QIANNIU_ORDER_HEADER)}
    base = 3913000000000000000
    for i in range(n):
        row = [""] * len(QIANNIU_ORDER_HEADER)
        status = weighted(rng, STATUSES)
        goods = rng.choice([39, 45, 59, 69, 99, 129, 199])
        postage = rng.choice([0, 0, 0, 6, 8, 10, 12])
        day = 1 + i * 28 // max(n, 1)
        row[index["订单编号"]] = str(base + i)
        row[index["支付单号"]] = f"2026{rng.randrange(10**14):014d}" if status != "等待买家付款" else ""
        row[index["买家应付货款"]] = f"{goods}.00"
        row[index["买家应付邮费"]] = f"{postage}.00"
        row[index["总金额"]] = f"{goods + postage}.00"
        row[index["买家实付金额"]] = f"{goods + postage}.00" if status != "等待买家付款" else "0.00"
        row[index["订单状态"]] = status
        row[index["收货地址"]] = f"{rng.choice(PLACES)} {rng.choice(STREETS)}****"
        row[index["运送方式"]] = "快递"
        row[index["订单创建时间"]] = f"2026-10-{day:02d} {rng.randrange(24):02d}:{rng.randrange(60):02d}:00"
        row[index["商品标题"]] = rng.choice(TITLES)
        row[index["宝贝种类"]] = "1"
        row[index["宝贝总数量"]] = "1"
        row[index["手机订单"]] = "是"
        row[index["商品属性SKU"]] = "颜色分类:黑色;尺码:M"
        sheet.append(row)
    book.save(path)
    return path
