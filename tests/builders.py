"""Rows and small export files in the platforms' real shapes (FORMATS.md), with no real person's data.

Every builder returns one row as a dict keyed by its export's header text. Keyword arguments named
after header cells override the defaults, so a test spells out only what matters to it:

    legacy_order(8, UNPAID, 订单创建时间="2026-11-21 09:20:00", 联系手机="")
    write_csv(folder / "orders.csv", LEGACY_ORDER_HEADER, rows, encoding="gbk")
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

# ---------------------------------------------------------------- headers, in export order

LEGACY_ORDER_HEADER = [
    "订单编号", "买家会员名", "买家支付宝账号", "支付交易号", "买家应付货款", "买家应付邮费", "买家支付积分", "总金额",
    "返点积分", "买家实际支付金额", "买家实际支付积分", "订单状态", "买家留言", "收货人姓名", "收货地址 ", "运送方式",
    "联系电话 ", "联系手机", "订单创建时间", "订单付款时间 ", "宝贝标题 ", "宝贝种类 ", "物流单号 ", "物流公司",
    "订单备注", "宝贝总数量", "店铺Id", "店铺名称", "订单关闭原因", "卖家服务费", "买家服务费", "发票抬头",
    "是否手机订单", "分阶段订单信息", "定金排名", "修改后的sku", "修改后的收货地址", "异常信息", "天猫卡券抵扣",
    "集分宝抵扣", "是否是O2O交易", "买家姓名", "买家身份证号", "买家手机号",
]
# A later 订单报表 (2018-era): the legacy columns plus 退款金额, 预约门店, 确认收货时间, 打款商家金额.
LATER_ORDER_HEADER = LEGACY_ORDER_HEADER + ["退款金额", "预约门店", "确认收货时间", "打款商家金额"]
LEGACY_ITEM_HEADER = ["订单编号", "标题", "价格", "购买数量", "外部系统编号", "商品属性", "套餐信息", "备注",
                      "订单状态", "商家编码"]
QIANNIU_ORDER_HEADER = [
    "订单编号", "支付单号", "买家应付货款", "买家应付邮费", "总金额", "买家实付金额", "订单状态", "收货地址",
    "运送方式", "订单创建时间", "商品标题", "宝贝种类", "物流单号", "物流公司", "备注标签", "商家备注", "宝贝总数量",
    "开票信息", "手机订单", "商品属性SKU", "发货时间",
]
# A generic ERP order sheet (订单号, 买家昵称, 收货人…); tests add the ERP's own COD/invoice columns.
ERP_ORDER_HEADER = ["订单号", "买家昵称", "订单状态", "收货人", "手机号", "收货地址", "下单时间", "付款时间",
                    "订单金额", "运费"]
QIANNIU_ITEM_HEADER = ["子订单编号", "主订单编号", "商品标题", "商品价格", "购买数量", "商品属性", "订单状态",
                       "买家实付金额", "退款状态", "退款金额", "商品ID", "发货时间"]
PAGE_STOCK_HEADER = ["商品ID", "宝贝标题", "SKU ID", "销售属性", "商家编码", "价格", "库存"]
# Warehouse stock: 旺店通 单品库存 (an excerpt of its ~60 columns), 聚水潭, a generic ERP sheet.
WDT_STOCK_HEADER = ["商家编码", "条码", "货品编号", "货品名称", "规格名称", "库存", "可发库存", "可用库存",
                    "警戒库存下限", "警戒库存上限", "未付款量", "预订单量", "待审核量", "待发货量", "锁定量",
                    "采购在途", "实际库存", "实际可发库存"]
JST_STOCK_HEADER = ["商品编码", "实际库存", "订单占有数", "仓库待发数", "库存锁定数", "采购在途数", "安全库存下限",
                    "安全库存上限", "公有可用数"]
GENERIC_STOCK_HEADER = ["SKU编码", "实物库存", "锁定库存", "可用库存", "在途库存", "安全库存"]
SHIPMENT_HEADER = ["订单编号", "物流公司", "运单号", "发货时间", "收货人", "手机"]
REVIEW_HEADER = ["订单编号", "子订单编号", "买家昵称", "评价结果", "评价时间", "宝贝标题", "评价内容", "追评内容",
                 "追评时间"]
OPT_OUT_HEADER = ["手机号", "退订时间", "来源"]
# 客服绩效 (FORMATS.md "CS performance"): 千牛 咨询接待分析 (sheet 数据信息; note the mixed full-width and
# ASCII brackets), 生意参谋 询单到付款 per day (the shop) and per account, 客服数据汇总-日数据 (per agent
# per day), a 客服绩效 plug-in sheet.
QIANNIU_RECEPTION_HEADER = ["旺旺昵称", "咨询人数", "接待人数", "未回复人数", "有效接待人数", "平均响应时长（秒)",
                            "3分钟人工响应率", "旺旺回复率", "首次响应时长（秒)", "慢响应人数", "答问比", "旺旺分组"]
SYCM_DAILY_HEADER = ["日期", "当日询单人数", "当日付款人数"]
SYCM_ACCOUNT_HEADER = ["旺旺昵称", "有效接待人数", "询单人数", "下单人数", "下单金额", "销售人数", "销售额",
                       "销售量", "订单量", "个人销售额占比"]
CS_DAILY_HEADER = ["日期", "旺旺昵称", "接待人数", "询单人数", "询单->最终付款人数", "平均响应(秒)", "回复率",
                   "客户满意比"]
CS_PLUGIN_HEADER = ["旺旺", "接待人数", "询单人数", "询单->最终付款人数", "询单->最终付款成功率", "客单价", "销售额",
                    "回复率", "平均响应时间", "首次响应时间", "未回复人数", "慢响应人数", "客户满意比"]

# ---------------------------------------------------------------- values

UNPAID = "等待买家付款"
PAID = "买家已付款，等待卖家发货"
SHIPPED = "卖家已发货，等待买家确认"
DONE = "交易成功"
CLOSED = "交易关闭"
ADDRESS = "浙江省 杭州市 西湖区 文三路 478号 华星时代广场A座1203室"


def oid(n: int) -> str:
    """Test order n's 19-digit order number: oid(101) == "3912000000000000101"."""
    return f"39120000000000{n:05d}"


def phone(n: int) -> str:
    """Test order n's receiver mobile: phone(8) == "13900000008"."""
    return f"139{n:08d}"


def _cells(defaults: dict, cells: dict) -> dict:
    return {**defaults, **{k.strip(): v for k, v in cells.items()}}


def _a_minute_after(moment: str) -> str:
    """Blank when `moment` is not a plain time: an odd 订单创建时间 stays the only odd cell of its row."""
    try:
        return (datetime.strptime(moment, "%Y-%m-%d %H:%M:%S") + timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return ""


def _sum(*amounts: str) -> str:
    """Blank unless every amount is plain yuan: an odd amount stays the only odd cell of its row."""
    if not all(re.fullmatch(r"\d{1,9}(\.\d\d?)?", a) for a in amounts):
        return ""
    return f"{sum(Decimal(a) for a in amounts):.2f}"


# ---------------------------------------------------------------- orders and their lines

def legacy_order(n: int, status: str = PAID, **cells) -> dict:
    """A row of the legacy 订单报表 as the platform writes it: the order number wrapped ="…", the
    phone behind a ', paid a minute after it was placed (unless unpaid), 总金额 = goods + postage."""
    cells = {k.strip(): v for k, v in cells.items()}
    status = cells.get("订单状态", status)
    created = cells.get("订单创建时间", "2026-11-20 09:00:00")
    goods, postage = cells.get("买家应付货款", "99.00"), cells.get("买家应付邮费", "0.00")
    return _cells({
        "订单编号": f'="{oid(n)}"', "买家会员名": f"tb_buyer{n}", "订单状态": status, "收货人姓名": "林悦",
        "收货地址": ADDRESS, "联系手机": f"'{phone(n)}", "订单创建时间": created,
        "订单付款时间": "" if status == UNPAID else _a_minute_after(created), "运送方式": "快递",
        "买家应付货款": goods, "买家应付邮费": postage, "总金额": _sum(goods, postage), "订单关闭原因": "订单未关闭",
    }, cells)


def legacy_item(n: int, code: str, quantity: int = 1, status: str = PAID, **cells) -> dict:
    """A line of the legacy 宝贝报表, joined to its order by 订单编号."""
    return _cells({"订单编号": f'="{oid(n)}"', "标题": "连帽卫衣", "价格": "99.00", "购买数量": str(quantity),
                   "订单状态": status, "商家编码": code}, cells)


def qianniu_order(n: int, status: str = PAID, **cells) -> dict:
    """A row of the current 千牛 export: desensitised, so no receiver, no phone, the street masked."""
    return _cells({
        "订单编号": oid(n), "订单状态": status, "收货地址": "浙江省 杭州市 西湖区 文三路****",
        "订单创建时间": "2026-11-20 09:00:00", "运送方式": "快递", "买家应付货款": "99.00", "买家应付邮费": "0.00",
        "总金额": "99.00", "买家实付金额": "99.00",
    }, cells)


def erp_order(n: int, status: str = "待发货", **cells) -> dict:
    """A row of an ERP's order sheet: plain digits, a 待发货-style status, the phone unwrapped."""
    return _cells({
        "订单号": oid(n), "买家昵称": f"tb_buyer{n}", "订单状态": status, "收货人": "林悦", "手机号": phone(n),
        "收货地址": ADDRESS, "下单时间": "2026-11-21 08:00:00", "付款时间": "", "订单金额": "99.00", "运费": "0.00",
    }, cells)


def qianniu_item(n: int, line: int = 1, status: str = PAID, **cells) -> dict:
    """A line of the current 千牛 order-lines export."""
    return _cells({
        "子订单编号": f"{oid(n)}{line}", "主订单编号": oid(n), "商品标题": "纯棉圆领T恤", "商品价格": "99.00",
        "购买数量": "1", "商品属性": "颜色分类:黑色;尺码:M", "订单状态": status, "买家实付金额": "99.00",
        "商品ID": "680000000001",
    }, cells)


# ---------------------------------------------------------------- stock

def page_stock_row(n: int, code: str, quantity: str, **cells) -> dict:
    """Listing n of the shop's page-stock sheet."""
    return _cells({"商品ID": f"68000000{n:04d}", "宝贝标题": f"测试宝贝{n}", "SKU ID": f"51000000{n:05d}",
                   "销售属性": "黑色;M", "商家编码": code, "价格": "99.00", "库存": quantity}, cells)


def _count(value: int | None) -> str:
    return "" if value is None else str(value)


def wdt_stock_row(n: int, code: str, on_hand: int, locked: int = 0, awaiting: int = 0, available: int | None = None,
                  **cells) -> dict:
    """Row n of a 旺店通 单品库存 sheet; no available figure leaves 可发/可用库存 blank."""
    return _cells({
        "商家编码": code, "条码": f"69{n:011d}", "货品编号": code, "货品名称": f"货品{n}", "规格名称": "黑色 M",
        "库存": str(on_hand), "可发库存": _count(available), "可用库存": _count(available), "警戒库存下限": "5",
        "警戒库存上限": "200", "未付款量": "0", "预订单量": "0", "待审核量": "0", "待发货量": str(awaiting),
        "锁定量": str(locked), "采购在途": "3", "实际库存": str(on_hand), "实际可发库存": _count(available),
    }, cells)


def jst_stock_row(code: str, on_hand: int, locked: int = 0, awaiting: int = 0, available: int | None = None,
                  **cells) -> dict:
    """A 聚水潭 row; the locked units split over 订单占有数 and 库存锁定数, which add up."""
    return _cells({
        "商品编码": code, "实际库存": str(on_hand), "订单占有数": str(locked - locked // 2),
        "库存锁定数": str(locked // 2), "仓库待发数": str(awaiting), "采购在途数": "0", "安全库存下限": "0",
        "安全库存上限": "0", "公有可用数": _count(available),
    }, cells)


def generic_stock_row(code: str, on_hand: int, locked: int = 0, awaiting: int = 0, available: int | None = None,
                      **cells) -> dict:
    """A generic ERP row: one 锁定库存 figure for locked and awaiting shipment."""
    return _cells({"SKU编码": code, "实物库存": str(on_hand), "锁定库存": str(locked + awaiting),
                   "可用库存": _count(available), "在途库存": "0", "安全库存": "0"}, cells)


# ---------------------------------------------------------------- after the sale

def shipment(order_ids: str | Sequence[str], tracking: str, shipped_at: str = "2026-11-21 09:00:00",
             **cells) -> dict:
    """A warehouse/ERP shipment row; several order numbers in one cell are one merged parcel."""
    joined = order_ids if isinstance(order_ids, str) else ",".join(order_ids)
    return _cells({"订单编号": joined, "物流公司": "中通快递", "运单号": tracking, "发货时间": shipped_at}, cells)


def review(n: int, rating: str = "差评", posted: str = "2026-11-20 10:00:00", **cells) -> dict:
    """A review of order n's first line (子订单编号 is the order number and a 1)."""
    return _cells({"订单编号": oid(n), "子订单编号": oid(n) + "1", "买家昵称": f"tb_buyer{n}", "评价结果": rating,
                   "评价时间": posted, "宝贝标题": f"宝贝{n}"}, cells)


def opt_out(mobile: str, at: str = "2026-10-01 12:00:00", source: str = "短信回复") -> dict:
    """A phone that replied TD/退订 (spelled as the sheet has it)."""
    return {"手机号": mobile, "退订时间": at, "来源": source}


# ---------------------------------------------------------------- refunds (退款管理, ERP 退换单)

REFUND_39_HEADER = """
    订单编号 退款编号 支付宝交易号 订单付款时间 商家编码 退款完结时间 买家会员名称 买家实际支付金额 宝贝标题
    买家退款金额 手工退款/系统退款 是否需要退货 退款的申请时间 超时时间 退款状态 货物状态 退货物流信息 发货物流信息
    客服介入状态 卖家真实姓名 卖家退货地址 卖家邮编 卖家电话 卖家手机 退货物流单号 退货物流公司 买家退款原因
    买家退款说明 买家退货时间 责任方 售中或售后 商家备注 完结时间 部分退款/全部退款 审核操作人 举证超时 是否零秒响应
    退款操作人 主数据编码""".split()
REFUND_42_HEADER = [h if h != "商家编码" else "商品编码" for h in REFUND_39_HEADER
                    if h not in ("买家会员名称", "主数据编码")] + """
    卖家真实姓名新 退款原因标签 业务类型 是否帮他退款 帮他退款操作账号""".split()
REFUND_NEW_HEADER = REFUND_42_HEADER + """
    支付单号 商品id 售后类型 备注标签 审核操作人新会员名 退款操作人新会员名 小额收款 智能退款策略 执行方案""".split()
WDT_REFUND_HEADER = """
    退换单号 原始单号 客户网名 退换单类型 状态 平台状态 入库状态 退货物流单号 物流公司名称 平台退款金额 实际退款金额
    退款原因 驳回原因 建单时间 审核时间 退款创建时间""".split()
EFAST_REFUND_HEADER = """
    退单号 店铺 退单类型 退单状态 退货人 退单原因 买家退单说明 卖家退单备注 原单号 交易号 原单快递公司 原单物流单号
    买家昵称 实际应退款总额 卖家承担运费 赔付金额 买家退货快递公司 买家退货物流单号 有无换货 退单创建时间 确认收货时间
    确认退款时间 商品编码 申请退货数量 实际退货数量""".split()
WAIT_AGREE = "买家已经申请退款，等待卖家同意"
WAIT_RETURN = "卖家已经同意退款，等待买家退货"
WAIT_CONFIRM = "买家已经退货，等待卖家确认收货"
REFUSED = "卖家拒绝退款"
REFUND_CLOSED = "退款关闭"
REFUND_DONE = "退款成功"


def rid(n: int) -> str:
    """Test refund n's 退款编号: rid(101) == "1688000000000000101"."""
    return f"16880000000000{n:05d}"


def refund(n: int, status: str = WAIT_AGREE, *, order: int | None = None, header: Sequence[str] = REFUND_39_HEADER,
           **cells) -> dict:
    """A row of the 退款管理 export for refund n of order `order` (default n), in `header`'s generation:
    requested 2026-11-21 08:00, 超时时间 two days later, 买家未收到货, no intervention."""
    o = n if order is None else order
    row = {
        "订单编号": oid(o), "退款编号": rid(n), "支付宝交易号": f"2026112122001{n:06d}",
        "订单付款时间": "2026-11-20 09:01:00", "商家编码": f"SKU-{n}", "买家会员名称": f"tb_buyer{o}",
        "买家实际支付金额": "99.00", "宝贝标题": "连帽卫衣", "买家退款金额": "99.00", "手工退款/系统退款": "系统退款",
        "是否需要退货": "否", "退款的申请时间": "2026-11-21 08:00:00", "超时时间": "2026-11-23 08:00:00",
        "退款状态": status, "货物状态": "买家未收到货", "客服介入状态": "不需客服介入", "卖家真实姓名": "王店长",
        "卖家退货地址": "浙江省杭州市余杭区仓前街道仓库1号", "卖家手机": "13800000000", "买家退款原因": "不想要了",
        "责任方": "买家", "售中或售后": "售中", "部分退款/全部退款": "全部退款",
    }
    if "商品编码" in header:
        row["商品编码"] = row.pop("商家编码")
    if "买家会员名称" not in header:
        row.pop("买家会员名称")
    row = _cells(row, cells)
    return {k: v for k, v in row.items() if k in header}
# ---------------------------------------------------------------- 客服绩效

def reception_row(nick: str, consulted: int = 300, unreplied: int = 3, response: str = "30.0",
                  first: str = "10.0", reply: str = "99.0%", **cells) -> dict:
    """A row of 千牛 咨询接待分析 (per account over the file's period)."""
    return _cells({"旺旺昵称": nick, "咨询人数": str(consulted), "接待人数": str(consulted - unreplied),
                   "未回复人数": str(unreplied), "有效接待人数": str(consulted - unreplied - 10),
                   "平均响应时长（秒)": response, "3分钟人工响应率": "95.0%", "旺旺回复率": reply,
                   "首次响应时长（秒)": first, "慢响应人数": "5", "答问比": "1.2", "旺旺分组": "售前组"}, cells)


def cs_day(day: str, nick: str, inquiries, paid, received=None, response: str = "30.0", reply: str = "99.0%",
           satisfaction: str = "95.0%", **cells) -> dict:
    """A row of 客服数据汇总-日数据: one account on one day."""
    return _cells({"日期": day, "旺旺昵称": nick, "接待人数": str(received if received is not None else inquiries),
                   "询单人数": str(inquiries), "询单->最终付款人数": str(paid), "平均响应(秒)": response,
                   "回复率": reply, "客户满意比": satisfaction}, cells)


def sycm_day(day: str, inquiries, paid) -> dict:
    """A row of 生意参谋 询单到付款 per day (the shop), or a summary row (日期 = 汇总值, 同行同层均值…)."""
    return {"日期": day, "当日询单人数": str(inquiries), "当日付款人数": str(paid)}


def sycm_account(nick: str, inquiries: int, paid: int, sales: str, **cells) -> dict:
    """A row of 生意参谋 询单到付款 per account (over the file's period)."""
    return _cells({"旺旺昵称": nick, "有效接待人数": str(inquiries + 20), "询单人数": str(inquiries),
                   "下单人数": str(paid + 3), "下单金额": sales, "销售人数": str(paid), "销售额": sales,
                   "销售量": str(paid + 5), "订单量": str(paid + 1), "个人销售额占比": "50.0%"}, cells)


def plugin_row(nick: str, inquiries: int, paid: int, **cells) -> dict:
    """A row of a 客服绩效 plug-in sheet: 旺旺 as 店铺:子账号, rates as 12.3%, times as 12秒."""
    return _cells({"旺旺": nick, "接待人数": str(inquiries + 30), "询单人数": str(inquiries),
                   "询单->最终付款人数": str(paid), "询单->最终付款成功率": f"{paid / inquiries * 100:.1f}%",
                   "客单价": "110.00", "销售额": f"{paid * 110}.00", "回复率": "98.5%", "平均响应时间": "25秒",
                   "首次响应时间": "1分5秒", "未回复人数": "4", "慢响应人数": "7", "客户满意比": "93.2%"}, cells)


# ---------------------------------------------------------------- files

def rows_for(header: Sequence[str], rows: Iterable[dict]) -> list[list]:
    """Dicts keyed by header text (trailing spaces optional) → rows in header order."""
    stripped = [h.strip() for h in header]
    out = []
    for row in rows:
        unknown = {k.strip() for k in row} - set(stripped)
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


# ---------------------------------------------------------------- buyers (PRODUCT §20)

CONSENT_HEADER = ["手机号", "来源", "同意时间", "凭证"]
MEMBER_HEADER = ["会员名称", "消费数", "消费额", "黑名单", "店铺名称", "添加时间", "收货人", "手机", "地址"]


def consent(mobile: str, at: str = "2026-09-01 12:00:00", source: str = "会员注册", proof: str = "FORM-0001") -> dict:
    """A phone that agreed to marketing texts (a consent sheet's row)."""
    return {"手机号": mobile, "来源": source, "同意时间": at, "凭证": proof}


def member(nick: str, mobile: str = "", *, orders: str = "1", spend: str = "99.00", blacklisted: str = "否",
           **cells) -> dict:
    """A row of an ERP member list (百胜 eFAST 会员)."""
    return _cells({"会员名称": nick, "消费数": orders, "消费额": spend, "黑名单": blacklisted, "店铺名称": "示例旗舰店",
                   "添加时间": "2026-01-05 10:00:00", "收货人": "林悦", "手机": mobile, "地址": ADDRESS}, cells)
# ---------------------------------------------------------------- tracking results (PRODUCT §18)

# A generic tracking sheet (ERP 物流跟踪 / batch-query result).
TRACKING_HEADER = ["运单号", "快递公司", "订单编号", "物流状态", "最新物流信息", "最后更新时间", "揽收时间", "签收时间"]


def kuaidi100_result(tracking: str, state: str, events: Sequence[tuple], com: str = "zhongtong", **keys) -> dict:
    """A 快递100 query answer: events as (time, context, statusCode), listed newest first as 快递100 does."""
    data = [{"time": t, "ftime": t, "context": text, "location": "", "status": "", "statusCode": code}
            for t, text, code in sorted(events, reverse=True)]
    return {"message": "ok", "nu": tracking, "ischeck": "1" if state == "3" else "0", "condition": "00", "com": com,
            "status": "200", "state": state, "data": data, **keys}


def kdniao_result(tracking: str, state: str, state_ex: str, events: Sequence[tuple], shipper: str = "YTO",
                  **keys) -> dict:
    """A 快递鸟 query answer: events as (AcceptTime, AcceptStation, Action), oldest first."""
    traces = [{"AcceptTime": t, "AcceptStation": text, "Location": "", "Action": code} for t, text, code in events]
    return {"EBusinessID": "1234567", "ShipperCode": shipper, "Success": True, "LogisticCode": tracking,
            "State": state, "StateEx": state_ex, "Traces": traces, **keys}


def write_json(path: Path, records, *, lines: bool = False) -> Path:
    import json

    text = ("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n" if lines
            else json.dumps(records, ensure_ascii=False, indent=1))
    Path(path).write_text(text, encoding="utf-8")
    return Path(path)
