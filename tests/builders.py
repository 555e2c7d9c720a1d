"""Write small export files for tests in the platforms' real shapes (no real person's data)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

LEGACY_ORDER_HEADER = [
    "订单编号", "买家会员名", "买家支付宝账号", "支付交易号", "买家应付货款", "买家应付邮费", "买家支付积分", "总金额",
    "返点积分", "买家实际支付金额", "买家实际支付积分", "订单状态", "买家留言", "收货人姓名", "收货地址 ", "运送方式",
    "联系电话 ", "联系手机", "订单创建时间", "订单付款时间 ", "宝贝标题 ", "宝贝种类 ", "物流单号 ", "物流公司", "订单备注",
    "宝贝总数量", "店铺Id", "店铺名称", "订单关闭原因", "卖家服务费", "买家服务费", "发票抬头", "是否手机订单",
    "分阶段订单信息", "定金排名", "修改后的sku", "修改后的收货地址", "异常信息", "天猫卡券抵扣", "集分宝抵扣",
    "是否是O2O交易", "买家姓名", "买家身份证号", "买家手机号",
]

QIANNIU_ORDER_HEADER = [
    "订单编号", "支付单号", "买家应付货款", "买家应付邮费", "总金额", "买家实付金额", "订单状态", "收货地址", "运送方式",
    "订单创建时间", "商品标题", "宝贝种类", "物流单号", "物流公司", "备注标签", "商家备注", "宝贝总数量", "开票信息",
    "手机订单", "商品属性SKU", "发货时间",
]


def rows_for(header: Sequence[str], rows: Iterable[dict]) -> list[list]:
    """Dicts keyed by header text (trailing spaces optional) → rows in header order."""
    stripped = [h.strip() for h in header]
    out = []
    for row in rows:
        unknown = set(k.strip() for k in row) - set(stripped)
        if unknown:
            raise KeyError(f"not in header: {sorted(unknown)}")
        values = {k.strip(): v for k, v in row.items()}
        out.append([values.get(h, "") for h in stripped])
    return out


def write_csv(path: Path, header: Sequence[str], rows: Iterable[dict], encoding: str = "utf-8-sig",
              title_rows: Sequence[Sequence[str]] = ()) -> Path:
    with Path(path).open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        for title in title_rows:
            writer.writerow(title)
        writer.writerow(header)
        writer.writerows(rows_for(header, rows))
    return Path(path)


def write_xlsx(path: Path, header: Sequence[str], rows: Iterable[dict], sheet: str = "Sheet1",
               as_text: bool = True) -> Path:
    """Cells stored as text, as the current 千牛 export does."""
    from openpyxl import Workbook

    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    ws.append(list(header))
    for row in rows_for(header, rows):
        ws.append([str(v) if as_text and v is not None else v for v in row])
    workbook.save(path)
    return Path(path)
