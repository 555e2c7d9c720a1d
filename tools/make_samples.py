"""Writes samples/: a small fake shop in the platforms' real export shapes.

Everything here is invented (names, phones, addresses, order numbers); no real person's data.
The files are committed; run `python tools/make_samples.py` after changing this script.
The sample day is 2026-11-21 (the README's examples run with --now "2026-11-21 10:00").

Cases the daily jobs need, by order number suffix:
  01xx paid, not shipped: address-check and merge-shipping cases
  02xx unpaid: remind-unpaid cases
  03xx shipped: notify-shipped cases
  04xx finished long ago: purge cases
  05xx the current 千牛 export (masked personal data)
  06xx a later 订单报表 with 确认收货时间: COD calls, buyers to rate, invoices (cod-confirm,
       rate-buyers, invoices); 0311/0314 are completed trades that the reviews sample reviews
  08xx an ERP order sheet with ship times, and their parcels' tracking results (快递100 JSON,
       快递鸟 JSON lines, a tracking sheet): ship-deadline and one parcel per logistics-check finding
  07xx after-sales (PRODUCT §17): one refund of each aftersale finding (write_aftersale below)
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from builders import (  # noqa: E402
    LEGACY_ORDER_HEADER,
    QIANNIU_ORDER_HEADER,
    REFUND_39_HEADER,
    REFUND_42_HEADER,
    WDT_REFUND_HEADER,
    rows_for,
)

OUT = ROOT / "samples"
VARIANTS = OUT / "variants"
SHOP = "示例旗舰店"
PAID = "买家已付款，等待卖家发货"
UNPAID = "等待买家付款"
SHIPPED = "卖家已发货，等待买家确认"
DONE = "交易成功"
CLOSED = "交易关闭"


def oid(n: int) -> str:
    return f"39120000000000{n:05d}"


def order(n, nick, status, *, name="", addr="", mobile="", tel="", created="", paid="", goods="99.00",
          postage="0.00", title="纯棉圆领T恤", count=1, tracking="", courier="", message="", note="",
          modified_addr="", stage="", closed="订单未关闭", shipping="快递", buyer_fee="0元", invoice=""):
    total = f"{float(goods) + float(postage):.2f}"
    return {
        "订单编号": f'="{oid(n)}"', "买家会员名": nick, "买家支付宝账号": f"{nick}@example.com",
        "支付交易号": f'="2026112122001{n:06d}"' if paid else "", "买家应付货款": goods, "买家应付邮费": postage,
        "买家支付积分": "0", "总金额": total, "返点积分": "0",
        "买家实际支付金额": total if paid else "0.00", "买家实际支付积分": "0", "订单状态": status,
        "买家留言": message, "收货人姓名": name, "收货地址": addr, "运送方式": shipping,
        "联系电话": f"'{tel}" if tel else "", "联系手机": f"'{mobile}" if mobile else "",
        "订单创建时间": created, "订单付款时间": paid, "宝贝标题": title, "宝贝种类": "1",
        "物流单号": f"No:{tracking}" if tracking else "", "物流公司": courier, "订单备注": note,
        "宝贝总数量": str(count), "店铺Id": "57300001", "店铺名称": SHOP, "订单关闭原因": closed,
        "卖家服务费": "0", "买家服务费": buyer_fee, "发票抬头": invoice, "是否手机订单": "手机订单",
        "分阶段订单信息": stage, "定金排名": "", "修改后的sku": "", "修改后的收货地址": modified_addr,
        "异常信息": "", "天猫卡券抵扣": "", "集分宝抵扣": "", "是否是O2O交易": "",
        "买家姓名": "", "买家身份证号": "", "买家手机号": "",
    }


HZ = "浙江省 杭州市 西湖区 文三路 478号 华星时代广场A座1203室"
SH = "上海 上海市 浦东新区 张江路 100弄 5号 301室"

LEGACY_ORDERS = [
    # --- paid, not shipped (address-check, merge-shipping) ---
    order(101, "tb_lin_yue", PAID, name="林悦", addr=HZ + "(310012)", mobile="13800138101",
          created="2026-11-20 20:11:05", paid="2026-11-20 20:15:32", goods="129.00", postage="0.00"),
    order(102, "tb_zhou_ming", PAID, name="周明", addr="浙江省 杭州市 朝阳区 建国路88号 现代城5号楼", mobile="13800138102",
          created="2026-11-20 21:02:00", paid="2026-11-20 21:03:10", title="保温杯"),
    order(103, "tb_wu_kai", PAID, name="吴凯", addr="广东省 深圳市 南山区 不详", mobile="13800138103",
          created="2026-11-20 22:30:00", paid="2026-11-20 22:31:00"),
    order(104, "tb_zheng_hui", PAID, name="郑慧", addr="江苏省 苏州市 姑苏区 人民路 1208号 3幢201室", mobile="12812345678",
          created="2026-11-21 07:40:00", paid="2026-11-21 07:41:00", title="棒球帽"),
    order(105, "tb_wang_fang", PAID, name="王芳", addr="四川省 成都市 武侯区 科华北路 65号 2单元602", mobile="",
          created="2026-11-21 08:05:00", paid="2026-11-21 08:06:00"),
    order(106, "tb_feng_lei", PAID, name="冯磊", addr="北京 北京市 朝阳区 1号", mobile="13800138106",
          created="2026-11-21 08:20:00", paid="2026-11-21 08:21:00", title="羊毛围巾"),
    order(107, "tb_chen_xi", PAID, name="陈曦", addr="新疆维吾尔自治区 乌鲁木齐市 天山区 解放北路 88号 3号楼502",
          mobile="13800138107", created="2026-11-20 18:00:00", paid="2026-11-20 18:02:00", postage="15.00"),
    order(108, "tb_he_jun", PAID, name="何军", addr="浙江省 杭州市 上城区 解放路 138号 6楼", tel="0571-88881234",
          created="2026-11-20 15:00:00", paid="2026-11-20 15:01:00", title="保温杯"),
    order(109, "tb_qian_li", PAID, name="钱丽", addr="湖北省 仙桃市 干河街道 仙桃大道 中段 18号", mobile="13800138109-1234",
          created="2026-11-20 16:00:00", paid="2026-11-20 16:01:00"),
    # one buyer, two orders, one receiver: merge (addresses differ only in spaces)
    order(110, "tb_liu_qing", PAID, name="刘青", addr=SH, mobile="13800138110", created="2026-11-20 09:00:00",
          paid="2026-11-20 09:01:00", goods="59.00", postage="10.00", title="纯棉袜子 5双装"),
    order(111, "tb_liu_qing", PAID, name="刘青", addr=SH.replace(" 5号", "5号 "), mobile="13800138110",
          created="2026-11-20 09:20:00", paid="2026-11-20 09:21:00", goods="39.00", postage="8.00", title="马克杯"),
    # the same buyer to another address: a hint, not a merge
    order(114, "tb_liu_qing", PAID, name="刘青", addr="上海 上海市 徐汇区 漕溪北路 88号 12楼", mobile="13800138110",
          created="2026-11-20 12:00:00", paid="2026-11-20 12:01:00", goods="45.00", postage="10.00", title="棒球帽"),
    # a COD order and a paid one to the same receiver: never merged
    order(112, "tb_sun_wei", "买家已付款，等待卖家发货", name="孙伟", addr="山东省 济南市 历下区 泉城路 180号 齐鲁国际大厦1506",
          mobile="13800138112", created="2026-11-20 10:00:00", paid="", goods="88.00", postage="12.00",
          shipping="货到付款", buyer_fee="8.00元"),
    order(113, "tb_sun_wei", PAID, name="孙伟", addr="山东省 济南市 历下区 泉城路 180号 齐鲁国际大厦1506",
          mobile="13800138112", created="2026-11-20 10:30:00", paid="2026-11-20 10:31:00", goods="39.00", postage="8.00"),
    # asks for another courier: listed, not merged
    order(115, "tb_gao_yan", PAID, name="高燕", addr="广东省 广州市 天河区 天河路 385号 太古汇一座 2301",
          mobile="13800138115", created="2026-11-20 13:00:00", paid="2026-11-20 13:01:00", postage="10.00",
          message="请发顺丰，急用"),
    order(116, "tb_gao_yan", PAID, name="高燕", addr="广东省 广州市 天河区 天河路 385号 太古汇一座 2301",
          mobile="13800138115", created="2026-11-20 13:30:00", paid="2026-11-20 13:31:00", postage="10.00",
          title="保温杯"),
    order(119, "tb_bao_yin", PAID, name="包银", addr="内蒙古自治区 呼和浩特市 赛罕区 大学西路 235号 内蒙古大学南校区",
          mobile="13800138119", created="2026-11-20 11:00:00", paid="2026-11-20 11:05:00", postage="12.00"),
    # the buyer changed the address after paying
    order(120, "tb_tang_lu", PAID, name="唐璐", addr="福建省 厦门市 思明区 鹭江道 8号 国际银行大厦9楼", mobile="13800138120",
          created="2026-11-20 14:00:00", paid="2026-11-20 14:01:00",
          modified_addr="福建省 厦门市 湖里区 金山街道 云顶北路 16号 1栋1801",
          message='=HYPERLINK("http://example.com","点我领券")'),
    # --- unpaid (remind-unpaid at 2026-11-21 10:00) ---
    order(201, "tb_ma_li", UNPAID, name="马丽", addr="河南省 郑州市 金水区 花园路 39号 国贸中心18楼", mobile="13800138201",
          created="2026-11-21 09:20:00"),
    order(202, "tb_xu_nan", UNPAID, name="徐楠", addr="湖南省 长沙市 岳麓区 麓山南路 932号 湖南大学", mobile="13800138202",
          created="2026-11-21 09:10:00"),
    order(203, "tb_xu_nan", UNPAID, name="徐楠", addr="湖南省 长沙市 岳麓区 麓山南路 932号 湖南大学", mobile="13800138202",
          created="2026-11-21 09:15:00", title="马克杯", goods="39.00"),
    order(204, "tb_luo_ting", UNPAID, name="罗婷", addr="重庆 重庆市 渝中区 解放碑 民权路 28号 英利国际2201",
          mobile="13800138204", created="2026-11-21 09:50:00"),
    order(205, "tb_deng_chao", UNPAID, name="邓超", addr="江西省 南昌市 东湖区 八一大道 357号 财富广场1204",
          mobile="13800138205", created="2026-11-20 08:00:00"),
    order(206, "tb_yang_shu", UNPAID, name="杨舒", addr="陕西省 西安市 雁塔区 小寨东路 126号 百隆广场1008",
          mobile="13800138206", created="2026-11-21 09:00:00"),
    order(207, "tb_yang_shu", PAID, name="杨舒", addr="陕西省 西安市 雁塔区 小寨东路 126号 百隆广场1008",
          mobile="13800138206", created="2026-11-21 09:05:00", paid="2026-11-21 09:06:00"),
    order(208, "tb_cao_yu", UNPAID, name="曹宇", addr="安徽省 合肥市 蜀山区 长江西路 189号 之心城1806", mobile="13800138208",
          created="2026-11-21 09:15:00"),
    order(209, "tb_shi_lei", UNPAID, name="石磊", addr="河北省 石家庄市 长安区 中山东路 188号 北国商城", mobile="",
          created="2026-11-21 09:12:00"),
    order(210, "tb_xie_na", UNPAID, name="谢娜", addr="辽宁省 沈阳市 和平区 太原北街 86号 沈阳站前广场",
          mobile="13800138210", created="2026-11-21 09:05:00", stage="定金已付,尾款未付", title="羽绒服（预售）",
          goods="399.00"),
    # --- shipped (notify-shipped) ---
    order(301, "tb_jiang_hao", SHIPPED, name="蒋浩", addr="江苏省 南京市 鼓楼区 中山路 321号 现代大厦12楼", mobile="13800138301",
          created="2026-11-20 09:00:00", paid="2026-11-20 09:02:00", tracking="75312345678901", courier="中通快递"),
    order(302, "tb_han_mei", SHIPPED, name="韩梅", addr="天津 天津市 和平区 南京路 189号 津汇广场2座1502", mobile="13800138302",
          created="2026-11-19 20:00:00", paid="2026-11-19 20:01:00", tracking="YT8801234567890", courier="圆通速递"),
    order(303, "tb_han_mei", SHIPPED, name="韩梅", addr="天津 天津市 和平区 南京路 189号 津汇广场2座1502", mobile="13800138302",
          created="2026-11-19 20:30:00", paid="2026-11-19 20:31:00", tracking="YT8801234567890", courier="圆通速递",
          title="马克杯"),
    order(304, "tb_lu_yang", SHIPPED, name="陆洋", addr="广西壮族自治区 南宁市 青秀区 民族大道 136号 华润大厦C座",
          mobile="13800138304", created="2026-11-15 10:00:00", paid="2026-11-15 10:01:00", tracking="SF1400123456789",
          courier="顺丰速运"),
    order(306, "tb_kong_jie", DONE, name="孔洁", addr="云南省 昆明市 五华区 东风西路 11号 顺城购物中心",
          mobile="13800138306", created="2026-11-10 10:00:00", paid="2026-11-10 10:01:00", tracking="75312345670000",
          courier="中通快递"),
    order(307, "tb_cao_yu", SHIPPED, name="曹宇", addr="安徽省 合肥市 蜀山区 长江西路 189号 之心城1806", mobile="13800138208",
          created="2026-11-20 08:00:00", paid="2026-11-20 08:01:00", tracking="43198765432101", courier="韵达快递"),
    # --- finished long ago (purge) ---
    order(401, "tb_old_buyer1", DONE, name="黄海", addr="海南省 海口市 龙华区 滨海大道 77号 环球100大厦", mobile="13800138401",
          created="2026-04-02 10:00:00", paid="2026-04-02 10:01:00", tracking="75300000000401", courier="中通快递"),
    order(402, "tb_old_buyer2", CLOSED, name="白雪", addr="吉林省 长春市 朝阳区 人民大街 5688号", mobile="13800138402",
          created="2026-04-03 10:00:00", closed="买家不想买了"),
]

# A later 订单报表: the legacy columns plus those 2018-era exports add, among them 确认收货时间.
LATER_ORDER_HEADER = LEGACY_ORDER_HEADER + ["退款金额", "预约门店", "确认收货时间", "打款商家金额"]


def later(n, nick, status, *, finished="", **kw):
    row = order(n, nick, status, **kw)
    paid_total = row["买家实际支付金额"]
    row.update({"退款金额": "0.00", "预约门店": "", "确认收货时间": finished,
                "打款商家金额": paid_total if finished else ""})
    return row


LATER_ORDERS = [
    # --- cash on delivery, not shipped (cod-confirm at 2026-11-21 10:00: cut-off 16:00) ---
    later(601, "tb_zhao_qiang", PAID, name="赵强", addr="河北省 保定市 竞秀区 朝阳北大街 966号 保定万博广场B座1106",
          mobile="13800138601", created="2026-11-21 08:30:00", goods="129.00", postage="10.00", title="羊毛围巾",
          shipping="货到付款", buyer_fee="6.00元"),
    later(602, "tb_qin_yu", PAID, name="秦雨", addr="山西省 太原市 小店区 长风街 705号 和信商座 1708室",
          mobile="13800138602", created="2026-11-20 17:30:00", goods="59.00", postage="0.00", title="纯棉袜子 5双装",
          shipping="货到付款", buyer_fee="5.00元"),
    # --- completed trades (rate-buyers: the seller may rate the buyer for 15 days) ---
    later(611, "tb_fang_ning", DONE, name="方宁", addr=HZ, mobile="13800138611", created="2026-11-12 09:00:00",
          paid="2026-11-12 09:02:00", tracking="75312345676110", courier="中通快递", finished="2026-11-18 10:00:00",
          invoice="杭州云栖科技有限公司"),
    later(612, "tb_ren_jie", DONE, name="任杰", addr=SH, mobile="13800138612", created="2026-10-25 10:00:00",
          paid="2026-10-25 10:01:00", tracking="75312345676120", courier="中通快递", finished="2026-11-01 10:00:00"),
    later(613, "tb_lv_wen", DONE, name="吕文", addr=HZ, mobile="13800138613", created="2026-10-30 20:00:00",
          paid="2026-10-30 20:01:00", tracking="YT8801234566130", courier="圆通速递", finished="2026-11-06 20:00:00"),
    later(311, "t**3", DONE, name="苗青", addr=SH, mobile="13800138311", created="2026-11-10 12:00:00",
          paid="2026-11-10 12:01:00", tracking="75312345673110", courier="中通快递", finished="2026-11-17 15:00:00",
          title="陶瓷马克杯 350ml"),
    later(314, "a**9", DONE, name="蔡敏", addr=HZ, mobile="13800138314", created="2026-11-12 10:00:00",
          paid="2026-11-12 10:01:00", tracking="75312345673140", courier="中通快递", finished="2026-11-19 10:00:00",
          title="羊毛围巾", invoice="个人"),
    # --- invoices asked for (invoices: until marked issued) ---
    later(621, "tb_du_juan", PAID, name="杜鹃", addr="浙江省 宁波市 鄞州区 天童南路 588号 宁波文化广场 3号楼501",
          mobile="13800138621", created="2026-11-19 14:00:00", paid="2026-11-19 14:03:00", goods="199.00",
          invoice="宁波甬江贸易有限公司"),
    later(622, "tb_ye_lin", DONE, name="叶琳", addr=SH, mobile="13800138622", created="2026-11-09 11:00:00",
          paid="2026-11-09 11:02:00", tracking="75312345676220", courier="中通快递", finished="2026-11-16 11:00:00",
          invoice="叶琳"),
    later(623, "tb_wei_dong", CLOSED, name="魏东", addr=HZ, mobile="13800138623", created="2026-11-18 10:00:00",
          paid="2026-11-18 10:01:00", closed="买家不想买了", invoice="杭州某某网络有限公司"),
    later(624, "tb_pan_yue", PAID, name="潘悦", addr="江苏省 南京市 秦淮区 中山南路 1号 南京新百 12楼",
          mobile="13800138624", created="2026-11-20 19:00:00", paid="2026-11-20 19:01:00", invoice="不开发票"),
]

LEGACY_ITEMS_HEADER = ["订单编号", "标题", "价格", "购买数量", "外部系统编号", "商品属性", "套餐信息", "备注", "订单状态", "商家编码"]


def item(n, title, price, qty, sku, attrs, status):
    return {"订单编号": f'="{oid(n)}"', "标题": title, "价格": price, "购买数量": str(qty), "外部系统编号": "",
            "商品属性": attrs, "套餐信息": "", "备注": "", "订单状态": status, "商家编码": sku}


def legacy_items():
    sku_for = {"纯棉圆领T恤": ("TS-001-BLK-M", "颜色分类:黑色;尺码:M"), "保温杯": ("MUG-002", "颜色分类:白色"),
               "棒球帽": ("CAP-004", "颜色分类:藏青"), "羊毛围巾": ("SCARF-007", "颜色分类:灰色"),
               "纯棉袜子 5双装": ("SOCK-003", "尺码:均码"), "马克杯": ("MUG-002", "颜色分类:白色"),
               "羽绒服（预售）": ("HOOD-006", "颜色分类:黑色;尺码:L")}
    rows = []
    for o in LEGACY_ORDERS:
        n = int(o["订单编号"][2:-1][-5:])
        sku, attrs = sku_for.get(o["宝贝标题"], ("TS-001-BLK-L", "颜色分类:黑色;尺码:L"))
        rows.append(item(n, o["宝贝标题"], o["买家应付货款"], 1, sku, attrs, o["订单状态"]))
    return rows


INVOICE_INFO = "发票类型：电子普通发票；发票抬头：南京金陵电子商务有限公司；税号：91320105MA1W000000"


def qianniu_orders():
    masked = "江苏省 南京市 建邺区 沙洲街道****"
    base = dict.fromkeys(QIANNIU_ORDER_HEADER, "")
    rows = []
    for n, status, paid_goods, postage, tracking, courier, shipped, addr in [
        (501, PAID, "79.00", "0.00", "", "", "", masked),
        (502, PAID, "79.00", "10.00", "", "", "", "浙江省 杭州市 朝阳区 ****"),
        (503, SHIPPED, "129.00", "0.00", "75312345679999", "中通快递", "2026-11-21 08:30:00", "广东省 广州市 天河区 ****"),
        (504, UNPAID, "59.00", "10.00", "", "", "", "北京 北京市 海淀区 ****"),
    ]:
        row = dict(base)
        row.update({
            "订单编号": oid(n), "支付单号": f"2026112122001{n:06d}" if status != UNPAID else "",
            "买家应付货款": paid_goods, "买家应付邮费": postage,
            "总金额": f"{float(paid_goods) + float(postage):.2f}",
            "买家实付金额": f"{float(paid_goods) + float(postage):.2f}" if status != UNPAID else "0.00",
            "订单状态": status, "收货地址": addr, "运送方式": "快递", "订单创建时间": "2026-11-21 07:00:00",
            "商品标题": "纯棉圆领T恤", "宝贝种类": "1", "物流单号": tracking, "物流公司": courier,
            "宝贝总数量": "1", "手机订单": "是", "商品属性SKU": "颜色分类:黑色;尺码:M", "发货时间": shipped,
            "开票信息": INVOICE_INFO if n == 501 else "",
        })
        rows.append(row)
    return rows


QIANNIU_LINES_HEADER = ["子订单编号", "主订单编号", "商品标题", "商品价格", "购买数量", "商品属性", "订单状态", "买家实付金额",
                        "退款状态", "退款金额", "商品ID", "发货时间"]

PAGE_HEADER = ["商品ID", "宝贝标题", "SKU ID", "销售属性", "商家编码", "价格", "库存"]
PAGE = [
    ("680000000001", "纯棉圆领T恤 男女同款", "5100000000011", "黑色;M", "TS-001-BLK-M", "99.00", "50"),  # oversold
    ("680000000001", "纯棉圆领T恤 男女同款", "5100000000012", "黑色;L", "TS-001-BLK-L", "99.00", "20"),  # clean
    ("680000000001", "纯棉圆领T恤 男女同款", "5100000000013", "白色;M", "TS-001-WHT-M", "99.00", "10"),  # not in warehouse
    ("680000000002", "帆布托特包", "5100000000021", "米白", "", "69.00", "5"),  # no SKU code
    ("680000000003", "陶瓷马克杯 350ml", "5100000000031", "白色", "MUG-002", "39.00", "30"),  # duplicate code …
    ("680000000004", "陶瓷马克杯 350ml 礼盒装", "5100000000041", "白色礼盒", "MUG-002", "49.00", "8"),  # … twice
    ("680000000005", "纯棉袜子 5双装", "5100000000051", "均码", "SOCK-003", "59.00", "6"),  # warehouse negative
    ("680000000006", "刺绣棒球帽", "5100000000061", "藏青", "CAP-004", "45.00", "5"),  # underlisted
    ("680000000007", "连帽卫衣 加绒", "5100000000071", "黑色;L", "HOOD-006", "199.00", "15"),  # locked units
    ("680000000008", "羊毛围巾", "5100000000081", "灰色", "SCARF-007", "129.00", "12"),  # clean
]

WDT_HEADER = ["商家编码", "条码", "货品编号", "货品名称", "规格名称", "库存", "可发库存", "可用库存", "警戒库存下限", "警戒库存上限",
              "未付款量", "预订单量", "待审核量", "待发货量", "锁定量", "采购在途", "实际库存", "实际可发库存"]


def wdt(code, barcode, goods, name, spec, on_hand, locked=0, awaiting=0, available=None, in_transit=0):
    avail = "" if available is None else str(available)
    return {"商家编码": code, "条码": barcode, "货品编号": goods, "货品名称": name, "规格名称": spec, "库存": str(on_hand),
            "可发库存": avail, "可用库存": avail, "警戒库存下限": "5", "警戒库存上限": "200", "未付款量": "0",
            "预订单量": "0", "待审核量": "0", "待发货量": str(awaiting), "锁定量": str(locked),
            "采购在途": str(in_transit), "实际库存": str(on_hand), "实际可发库存": avail}


WAREHOUSE = [
    wdt("TS-001-BLK-M", "6901234500011", "TS-001", "纯棉圆领T恤", "黑色 M", 32, awaiting=2, available=30),
    wdt("TS-001-BLK-L", "6901234500012", "TS-001", "纯棉圆领T恤", "黑色 L", 20, available=20),
    wdt("MUG-002", "6901234500021", "MUG-002", "陶瓷马克杯", "白色", 60, available=60),
    wdt("SOCK-003", "6901234500031", "SOCK-003", "纯棉袜子5双装", "均码", -2, available=-2),
    wdt("CAP-004", "6901234500041", "CAP-004", "刺绣棒球帽", "藏青", 40, available=40),
    wdt("BELT-005", "6901234500051", "BELT-005", "头层牛皮腰带", "黑色", 12, available=12),
    wdt("HOOD-006", "6901234500061", "HOOD-006", "连帽卫衣加绒", "黑色 L", 20, locked=10),
    wdt("SCARF-007", "6901234500071", "SCARF-007", "羊毛围巾", "灰色", 12, available=12),
]

JST_HEADER = ["商品编码", "实际库存", "订单占有数", "仓库待发数", "库存锁定数", "采购在途数", "安全库存下限", "安全库存上限", "公有可用数"]

SHIPMENTS_HEADER = ["订单编号", "物流公司", "运单号", "发货时间", "收货人", "手机"]
SHIPMENTS = [
    {"订单编号": oid(301), "物流公司": "中通快递", "运单号": "75312345678901", "发货时间": "2026-11-21 09:00:00",
     "收货人": "蒋浩", "手机": "13800138301"},
    {"订单编号": f"{oid(302)},{oid(303)}", "物流公司": "圆通速递", "运单号": "YT8801234567890",
     "发货时间": "2026-11-20 16:00:00", "收货人": "韩梅", "手机": "13800138302"},
    {"订单编号": oid(304), "物流公司": "顺丰速运", "运单号": "SF1400123456789", "发货时间": "2026-11-15 17:00:00",
     "收货人": "陆洋", "手机": "13800138304"},
    {"订单编号": oid(307), "物流公司": "韵达快递", "运单号": "43198765432101", "发货时间": "2026-11-20 18:00:00",
     "收货人": "曹宇", "手机": "13800138208"},
]

REVIEWS_HEADER = ["订单编号", "子订单编号", "买家昵称", "评价结果", "评价时间", "宝贝标题", "商品ID", "评价内容", "卖家回复", "追评内容", "追评时间"]
REVIEWS = [
    {"订单编号": oid(306), "子订单编号": oid(306) + "1", "买家昵称": "tb_kong_jie", "评价结果": "好评",
     "评价时间": "2026-11-15 12:00:00", "宝贝标题": "陶瓷马克杯 350ml", "商品ID": "680000000003", "评价内容": "杯子很好看，包装也用心"},
    {"订单编号": oid(311), "子订单编号": oid(311) + "1", "买家昵称": "t**3", "评价结果": "差评",
     "评价时间": "2026-11-18 20:00:00", "宝贝标题": "陶瓷马克杯 350ml", "商品ID": "680000000003",
     "评价内容": "收到的时候杯子已经破了，快递也太慢了，四天才到"},
    {"订单编号": oid(312), "子订单编号": oid(312) + "1", "买家昵称": "小**鱼", "评价结果": "中评",
     "评价时间": "2026-11-20 09:30:00", "宝贝标题": "纯棉圆领T恤 男女同款", "商品ID": "680000000001",
     "评价内容": "衣服偏小一码，颜色和图片不太一样"},
    {"订单编号": oid(313), "子订单编号": oid(313) + "1", "买家昵称": "z**n", "评价结果": "差评",
     "评价时间": "2026-10-10 10:00:00", "宝贝标题": "刺绣棒球帽", "商品ID": "680000000006",
     "评价内容": "做工粗糙，线头很多", "卖家回复": "亲，非常抱歉，已为您安排补发", "追评内容": "客服态度还可以", "追评时间": "2026-10-12 10:00:00"},
    {"订单编号": oid(314), "子订单编号": oid(314) + "1", "买家昵称": "a**9", "评价结果": "好评",
     "评价时间": "2026-11-19 10:00:00", "宝贝标题": "羊毛围巾", "商品ID": "680000000008", "评价内容": "很暖和"},
]

OPT_OUTS_HEADER = ["手机号", "退订时间", "来源", "回复内容"]
OPT_OUTS = [
    {"手机号": "13800138208", "退订时间": "2026-10-02 12:00:00", "来源": "短信回复", "回复内容": "TD"},
    {"手机号": "+86 138 0013 8999", "退订时间": "2026-11-01 09:00:00", "来源": "旺旺", "回复内容": "别再发短信了"},
]


# Buyers (PRODUCT §20): who agreed to marketing texts, with the proof, and the ERP's member list.
CONSENTS_HEADER = ["手机号", "来源", "同意时间", "凭证"]
MEMBERS_HEADER = ["会员名称", "消费数", "消费额", "黑名单", "店铺名称", "添加时间", "收货人", "手机", "地址"]


def buyers_samples(out: Path) -> None:
    consents = [
        {"手机号": "13800138101", "来源": "会员注册", "同意时间": "2026-06-01 10:00:00", "凭证": "REG-20260601-0101"},
        {"手机号": "138 0013 8110", "来源": "入会协议", "同意时间": "2026-08-15 20:30:00",
         "凭证": "会员协议截图_0815.png"},
        {"手机号": "13800138106.0", "来源": "线下表单", "同意时间": "2026-09-09 14:00:00", "凭证": "FORM-0909-07"},
        {"手机号": "13800138208", "来源": "会员注册", "同意时间": "2026-05-01 09:00:00", "凭证": "REG-20260501-0208"},
    ]
    write_csv(out / "consents.csv", CONSENTS_HEADER, consents)
    members = [
        {"会员名称": "tb_lin_yue", "消费数": "6", "消费额": "1288.00", "黑名单": "否", "店铺名称": "示例旗舰店",
         "添加时间": "2025-03-02 11:00:00", "收货人": "林悦", "手机": "13800138101",
         "地址": "浙江省 杭州市 西湖区 文三路 478号"},
        {"会员名称": "tb_feng_lei", "消费数": "2", "消费额": "158.00", "黑名单": "是", "店铺名称": "示例旗舰店",
         "添加时间": "2026-02-11 16:20:00", "收货人": "冯磊", "手机": "13800138106", "地址": "北京 北京市 朝阳区 1号"},
    ]
    write_csv(out / "members_erp.csv", MEMBERS_HEADER, members)


def write_csv(path: Path, header, rows, encoding="utf-8-sig") -> None:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows_for(header, rows))


def write_xlsx(path: Path, header, rows, sheet="Sheet1") -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    ws.append(list(header))
    for row in rows_for(header, rows):
        ws.append([str(v) for v in row])  # the 千牛 export stores every cell as text
    # fixed timestamps so regenerating gives the same bytes
    from datetime import datetime

    workbook.properties.created = workbook.properties.modified = datetime(2026, 11, 21, 8, 0, 0)
    workbook.save(path)


# ---------------------------------------------------------------- after-sales (07xx), PRODUCT §17
AGREE = "买家已经申请退款，等待卖家同意"
RETURN = "卖家已经同意退款，等待买家退货"
CONFIRM = "买家已经退货，等待卖家确认收货"


def rid(n: int) -> str:
    return f"16880000000000{n:05d}"


def refund_row(n, status, *, requested, timeout="", goods="买家已收到货", needs_return="是", cs="不需客服介入",
               tracking="", courier="", back="", out="", reason="七天无理由退换货", responsible="买家", order=None,
               nick="", finished="", evidence="", amount="99.00", title="纯棉圆领T恤", sku="TS-001-BLK-M",
               returned="", note=""):
    o = order or n
    return {
        "订单编号": oid(o), "退款编号": rid(n), "支付宝交易号": f"2026112022001{o:06d}", "订单付款时间": "2026-11-10 09:01:00",
        "商家编码": sku, "商品编码": sku, "退款完结时间": finished, "买家会员名称": nick, "买家实际支付金额": amount,
        "宝贝标题": title, "买家退款金额": amount, "手工退款/系统退款": "系统退款", "是否需要退货": needs_return,
        "退款的申请时间": requested, "超时时间": timeout, "退款状态": status, "货物状态": goods, "退货物流信息": back,
        "发货物流信息": out, "客服介入状态": cs, "卖家真实姓名": "王店长", "卖家退货地址": "浙江省杭州市余杭区仓前街道文一西路1号",
        "卖家邮编": "311100", "卖家电话": "0571-88880000", "卖家手机": "13800000000", "退货物流单号": tracking,
        "退货物流公司": courier, "买家退款原因": reason, "买家退款说明": "", "买家退货时间": returned, "责任方": responsible,
        "售中或售后": "售后" if status != AGREE or goods != "买家未收到货" else "售中", "商家备注": note,
        "完结时间": finished, "部分退款/全部退款": "全部退款", "审核操作人": "", "举证超时": evidence, "是否零秒响应": "否",
        "退款操作人": "", "主数据编码": "", "卖家真实姓名新": "王店长", "退款原因标签": reason, "业务类型": "普通退款",
        "是否帮他退款": "否", "帮他退款操作账号": "",
    }


def aftersale_orders():
    nz = "浙江省 宁波市 海曙区 中山西路 138号 天一广场 8号楼1205"
    gz = "广东省 广州市 越秀区 北京路 268号 名盛广场 1508"
    wh = "湖北省 武汉市 江汉区 解放大道 690号 武汉国际广场 2301"

    def done(n, nick, name, addr, mobile):  # received weeks ago: outside the rating window
        return later(n, nick, DONE, name=name, addr=addr, mobile=mobile, created="2026-10-20 10:00:00",
                     paid="2026-10-20 10:01:00", finished="2026-10-28 10:00:00")

    return [
        later(701, "tb_as_paid", PAID, name="沈青", addr=nz, mobile="13800138701", created="2026-11-21 07:40:00",
              paid="2026-11-21 07:41:00"),
        later(719, "tb_as_paid2", PAID, name="梁月", addr=gz, mobile="13800138719", created="2026-11-21 05:30:00",
              paid="2026-11-21 05:31:00"),
        later(702, "tb_as_sent", SHIPPED, name="姚远", addr=wh, mobile="13800138702", created="2026-11-20 21:00:00",
              paid="2026-11-20 21:01:00"),
        later(703, "tb_as_transit", SHIPPED, name="贺敏", addr=nz, mobile="13800138703", created="2026-11-19 10:00:00",
              paid="2026-11-19 10:01:00"),
        later(713, "tb_as_reuse", SHIPPED, name="邹平", addr=gz, mobile="13800138713", created="2026-11-12 10:00:00",
              paid="2026-11-12 10:01:00"),
        later(712, "tb_as_late", CLOSED, name="熊飞", addr=wh, mobile="13800138712", created="2026-11-18 10:00:00",
              paid="2026-11-18 10:01:00", closed="退款"),
        *(done(n, nick, name, addr, f"13800138{n}") for n, nick, name, addr in (
            (704, "tb_as_agree", "严冰", nz), (705, "tb_as_wait", "华阳", gz), (706, "tb_as_back", "金铭", wh),
            (707, "tb_as_way", "魏然", nz), (708, "tb_as_nonum", "陶冶", gz), (709, "tb_as_cs", "姜宁", wh),
            (710, "tb_as_proof", "戚薇", nz), (711, "tb_as_no", "谢安", gz), (714, "tb_as_again", "顾北", wh),
            (715, "tb_as_again", "顾北", wh), (716, "tb_as_again", "顾北", wh), (717, "tb_as_soon", "喻晓", nz),
            (718, "tb_as_late2", "柏松", gz), (720, "tb_as_wms", "水清", wh))),
    ]


AFTERSALE_SHIPMENTS = [
    {"订单编号": oid(702), "物流公司": "中通快递", "运单号": "73100000000702", "发货时间": "2026-11-21 09:00:00",
     "收货人": "姚远", "手机": "13800138702"},
    {"订单编号": oid(703), "物流公司": "中通快递", "运单号": "73100000000703", "发货时间": "2026-11-19 17:00:00",
     "收货人": "贺敏", "手机": "13800138703"},
    {"订单编号": oid(713), "物流公司": "圆通速递", "运单号": "YT7300000000713", "发货时间": "2026-11-12 17:00:00",
     "收货人": "邹平", "手机": "13800138713"},
    {"订单编号": oid(712), "物流公司": "韵达快递", "运单号": "43100000000712", "发货时间": "2026-11-19 15:00:00",
     "收货人": "熊飞", "手机": "13800138712"},
]


def aftersale_refunds_39():
    r = refund_row
    return [
        r(701, AGREE, requested="2026-11-21 08:30:00", timeout="2026-11-23 08:30:00", goods="买家未收到货",
          needs_return="否", reason="拍错/多拍/不想要", nick="tb_as_paid"),
        r(702, AGREE, requested="2026-11-21 09:20:00", timeout="2026-11-23 09:20:00", goods="买家未收到货",
          needs_return="否", reason="不想要了", nick="tb_as_sent"),
        r(703, AGREE, requested="2026-11-20 20:00:00", timeout="2026-11-22 20:00:00", goods="买家未收到货",
          needs_return="否", out="【宁波市】快件已到达 宁波转运中心", reason="快递一直未送达", nick="tb_as_transit"),
        r(704, AGREE, requested="2026-11-21 07:00:00", timeout="2026-11-23 07:00:00", reason="尺码拍错",
          nick="tb_as_agree", sku="TS-001-BLK-L"),
        r(705, RETURN, requested="2026-11-20 12:00:00", timeout="2026-11-27 12:00:00", reason="尺码拍错",
          nick="tb_as_wait", sku="TS-001-BLK-L"),
        r(706, CONFIRM, requested="2026-11-17 12:00:00", timeout="2026-11-24 12:00:00", tracking="SF1400000000706",
          courier="顺丰速运", back="【杭州市】已签收，签收人：仓库前台代收", returned="2026-11-18 10:00:00", reason="质量问题",
          responsible="卖家", nick="tb_as_back"),
        r(708, CONFIRM, requested="2026-11-18 12:00:00", timeout="2026-11-28 12:00:00", goods="买家已退货",
          reason="颜色与描述不符", responsible="卖家", nick="tb_as_nonum", returned="2026-11-19 09:00:00"),
        r(709, AGREE, requested="2026-11-19 12:00:00", timeout="2026-11-22 12:00:00", cs="客服已经介入",
          reason="质量问题", responsible="卖家", nick="tb_as_cs"),
        r(710, CONFIRM, requested="2026-11-15 12:00:00", timeout="2026-11-25 12:00:00", cs="举证中",
          evidence="2026-11-22 18:00:00", tracking="YT7300000000710", courier="圆通速递", back="运输中",
          reason="少件/漏发", responsible="卖家", nick="tb_as_proof", returned="2026-11-16 10:00:00"),
        r(711, "卖家拒绝退款", requested="2026-11-19 08:00:00", timeout="2026-11-26 08:00:00", reason="七天无理由退换货",
          nick="tb_as_no"),
        r(712, "退款成功", requested="2026-11-19 10:00:00", goods="买家未收到货", needs_return="否", reason="不想要了",
          finished="2026-11-20 10:00:00", nick="tb_as_late"),
        r(713, CONFIRM, requested="2026-11-16 12:00:00", timeout="2026-11-26 12:00:00", tracking="YT7300000000713",
          courier="圆通速递", back="运输中", reason="质量问题", nick="tb_as_reuse", returned="2026-11-17 10:00:00"),
        r(714, AGREE, requested="2026-11-21 06:00:00", timeout="2026-11-23 06:00:00", reason="七天无理由退换货",
          nick="tb_as_again", sku="SOCK-003", title="纯棉袜子 5双装", amount="59.00"),
        r(715, "退款成功", requested="2026-11-02 06:00:00", reason="七天无理由退换货", nick="tb_as_again",
          finished="2026-11-05 10:00:00", sku="SOCK-003", title="纯棉袜子 5双装", amount="59.00"),
        r(716, "退款关闭", requested="2026-10-22 06:00:00", reason="七天无理由退换货", nick="tb_as_again",
          finished="2026-10-25 10:00:00", sku="SOCK-003", title="纯棉袜子 5双装", amount="59.00"),
        r(720, CONFIRM, requested="2026-11-16 09:00:00", timeout="2026-11-26 09:00:00", tracking="ZT7300000000720",
          courier="中通快递", back="运输中", reason="质量问题", responsible="卖家", nick="tb_as_wms",
          returned="2026-11-17 09:00:00"),
    ]


def aftersale_refunds_42():
    r = refund_row
    return [
        r(707, CONFIRM, requested="2026-11-18 12:00:00", timeout="2026-11-28 12:00:00", tracking="SF1400000000707",
          courier="顺丰速运", back="【武汉市】快件已发车", returned="2026-11-19 12:00:00", reason="尺码拍错"),
        r(717, CONFIRM, requested="2026-11-11 18:00:00", timeout="2026-11-21 18:00:00", tracking="SF1400000000717",
          courier="顺丰速运", back="【上海市】快件在途", returned="2026-11-12 18:00:00", reason="尺码拍错"),
        r(718, CONFIRM, requested="2026-11-11 09:00:00", timeout="2026-11-21 09:00:00", tracking="SF1400000000718",
          courier="顺丰速运", back="【广州市】快件在途", returned="2026-11-12 09:00:00", reason="颜色与描述不符",
          responsible="卖家"),
        r(719, AGREE, requested="2026-11-21 06:00:00", goods="买家未收到货", needs_return="否", reason="拍错/多拍/不想要"),
    ]


def write_aftersale() -> None:
    """The after-sales world of 07xx: its orders and shipments, the 39-column 退款管理 export (GBK),
    the 42-column one (xlsx, no buyer nick, one row without 超时时间) and a 旺店通 退换单 sheet whose
    入库状态 says order 720's return reached the warehouse."""
    write_csv(OUT / "orders_aftersale_gbk.csv", LATER_ORDER_HEADER, aftersale_orders(), encoding="gbk")
    write_csv(OUT / "shipments_aftersale.csv", SHIPMENTS_HEADER, AFTERSALE_SHIPMENTS)
    keep = set(REFUND_39_HEADER)
    write_csv(OUT / "refunds_qianniu_gbk.csv", REFUND_39_HEADER,
              [{k: v for k, v in row.items() if k in keep} for row in aftersale_refunds_39()], encoding="gbk")
    keep = set(REFUND_42_HEADER)
    write_xlsx(OUT / "refunds_qianniu_later.xlsx", REFUND_42_HEADER,
               [{k: v for k, v in row.items() if k in keep} for row in aftersale_refunds_42()], sheet="退款管理")
    wdt = [{"退换单号": "TH20261117001", "原始单号": oid(720), "客户网名": "tb_as_wms", "退换单类型": "退货", "状态": "已审核",
            "平台状态": CONFIRM, "入库状态": "1", "退货物流单号": "ZT7300000000720", "物流公司名称": "中通快递",
            "平台退款金额": "99.00", "实际退款金额": "99.00", "退款原因": "质量问题", "驳回原因": "",
            "建单时间": "2026-11-17 10:00:00", "审核时间": "2026-11-17 10:30:00", "退款创建时间": "2026-11-16 09:00:00"}]
    write_csv(OUT / "returns_wangdiantong.csv", WDT_REFUND_HEADER, wdt)
# ---------------------------------------------------------------- 客服绩效 (shoptool kpi)
# November 1–20, the sample day being the 21st: the 20th is 延迟统计 (not final yet). 丽丽 works
# busy weekends and a few quiet days, so the mean of her daily rates (what a spreadsheet averages)
# is far from her pooled 询单转化率.
CS_DAYS = [f"2026-11-{d:02d}" for d in range(1, 21)]
CS_AGENTS = ("示例旗舰店:小美", "示例旗舰店:阿强", "示例旗舰店:丽丽")


def _cs_day(agent: int, day: int) -> tuple[int, int, float] | None:
    """(询单人数, 询单->最终付款人数, 平均响应秒) of one agent on day 1–20, or None when off duty."""
    if agent == 0:
        inquiries = 28 + (day * 7) % 23
        return inquiries, round(inquiries * (0.52 - 0.01 * ((day * 3) % 7))), 24.0 + (day % 5)
    if agent == 1:
        inquiries = 22 + (day * 5) % 17
        return inquiries, round(inquiries * (0.40 - 0.01 * ((day * 2) % 5))), 38.0 + (day % 7)
    if day in (1, 7, 8, 14, 15):  # weekends: a flood of inquiries, few buyers
        return 84, 25, 52.0
    if day in (4, 11, 18):
        return 5, 4, 20.0
    return None


def cs_performance_samples() -> None:
    header = ["日期", "旺旺昵称", "接待人数", "询单人数", "询单->最终付款人数", "平均响应(秒)", "回复率", "客户满意比"]
    daily, totals = [], [[0, 0, 0] for _ in CS_AGENTS]
    for day, text in enumerate(CS_DAYS, start=1):
        for agent, nick in enumerate(CS_AGENTS):
            figures = _cs_day(agent, day)
            if figures is None:
                continue
            inquiries, paid, response = figures
            last = day == len(CS_DAYS)
            totals[agent][0] += inquiries
            totals[agent][1] += 0 if last else paid
            totals[agent][2] += inquiries + 6
            daily.append({"日期": text, "旺旺昵称": nick, "接待人数": str(inquiries + 6), "询单人数": str(inquiries),
                          "询单->最终付款人数": "延迟统计" if last else str(paid), "平均响应(秒)": f"{response:.1f}",
                          "回复率": f"{99.5 - agent * 0.8 - (day % 3) * 0.1:.1f}%",
                          "客户满意比": "-" if last else f"{96.0 - agent * 2 - (day % 4) * 0.5:.1f}%"})
    write_csv(OUT / "cs_agents_daily_gbk.csv", header, daily, encoding="gbk")

    header = ["旺旺昵称", "咨询人数", "接待人数", "未回复人数", "有效接待人数", "平均响应时长（秒)", "3分钟人工响应率", "旺旺回复率",
              "首次响应时长（秒)", "慢响应人数", "答问比", "旺旺分组"]
    reception = [("410", "12", "21.4", "97.1%", "99.3%", "8.6", "6", "1.42"),
                 ("366", "9", "35.8", "91.4%", "98.6%", "13.9", "21", "1.18"),
                 ("520", "31", "47.5", "85.2%", "96.0%", "19.7", "44", "1.05")]
    rows = [dict(zip(header, (nick, str(int(c) + int(u)), c, u, str(int(c) - 20), a, m, r, f, slow, q, "售前组")))
            for nick, (c, u, a, m, r, f, slow, q) in zip(CS_AGENTS, reception)]
    rows.append(dict(zip(header, ("汇总值", "1348", "1296", "52", "1236", "35.2", "90.6%", "97.8%", "14.6", "71", "1.19",
                                  "-"))))
    rows.append(dict(zip(header, ("平均值", "449.3", "432", "17.3", "412", "35.2", "90.6%", "97.8%", "14.6", "23.7",
                                  "1.19", "-"))))
    write_xlsx(OUT / "cs_qianniu_reception_20261101-20261120.xlsx", header, rows, sheet="数据信息")

    header = ["日期", "当日询单人数", "当日付款人数"]
    shop = []
    for day, text in enumerate(CS_DAYS, start=1):
        figures = [f for f in (_cs_day(a, day) for a in range(len(CS_AGENTS))) if f]
        inquiries, paid = sum(f[0] for f in figures) + 9, sum(f[1] for f in figures) + 2
        shop.append({"日期": text, "当日询单人数": str(inquiries),
                     "当日付款人数": "延迟统计" if day == len(CS_DAYS) else str(paid)})
    shop += [{"日期": "汇总值", "当日询单人数": "2021", "当日付款人数": "747"},
             {"日期": "平均值", "当日询单人数": "101.1", "当日付款人数": "39.3"},
             {"日期": "同行同层均值", "当日询单人数": "95.4", "当日付款人数": "36.2"},
             {"日期": "同行同层优秀", "当日询单人数": "133.0", "当日付款人数": "61.9"}]
    write_xlsx(OUT / "cs_sycm_inquiry_daily.xlsx", header, shop, sheet="询单到付款")

    header = ["旺旺昵称", "有效接待人数", "询单人数", "下单人数", "下单金额", "销售人数", "销售额", "销售量", "订单量",
              "个人销售额占比"]
    amounts = ("46,820.00", "27,166.50", "19,830.00")
    accounts = [dict(zip(header, (nick, str(totals[a][2]), str(totals[a][0]), str(totals[a][1] + 8), amounts[a],
                                  str(totals[a][1]), amounts[a], str(totals[a][1] + 15), str(totals[a][1] + 3),
                                  ("49.8%", "29.0%", "21.2%")[a])))
                for a, nick in enumerate(CS_AGENTS)]
    accounts.append(dict(zip(header, ("全店汇总值", "1680", "2021", "780", "93,816.50", "747", "93,816.50", "812", "760",
                                      "100%"))))
    write_xlsx(OUT / "cs_sycm_accounts_20261101-20261120.xlsx", header, accounts, sheet="子账号")

    header = ["旺旺", "接待人数", "询单人数", "询单->最终付款人数", "询单->最终付款成功率", "客单价", "销售额", "回复率", "平均响应时间",
              "首次响应时间", "未回复人数", "慢响应人数", "客户满意比"]
    plugin = []
    for a, nick in enumerate(CS_AGENTS):
        inquiries, paid, received = totals[a]
        plugin.append(dict(zip(header, (nick, str(received), str(inquiries), str(paid), f"{paid / inquiries * 100:.1f}%",
                                        ("118.30", "104.90", "96.20")[a], amounts[a], ("99.3%", "98.6%", "96.0%")[a],
                                        ("21秒", "36秒", "48秒")[a], ("9秒", "14秒", "20秒")[a], ("12", "9", "31")[a],
                                        ("6", "21", "44")[a], ("95.2%", "93.1%", "88.7%")[a]))))
    write_xlsx(VARIANTS / "客服绩效_20261101-20261120.xlsx", header, plugin, sheet="客服绩效")
    # the settings of the README's kpi walk-through: who is behind each 旺旺 sub-account
    (VARIANTS / "kpi.toml").write_text(
        "# shoptool kpi --config samples/variants/kpi.toml --db shoptool.db (README: the CS team's board)\n"
        "[staff.nicks]\n" + "".join(f'"{nick}" = "kf0{n}"\n' for n, nick in enumerate(CS_AGENTS, start=1))
        + "\n[kpi]\nreminders_staff = \"kf03\"\n", encoding="utf-8")
# ---------------------------------------------------------------- parcels (PRODUCT §18)

ERP_SHIPPED_HEADER = ["订单号", "买家昵称", "订单状态", "收货人", "手机号", "收货地址", "下单时间", "付款时间", "发货时间",
                      "物流公司", "物流单号", "订单金额", "运费", "商品标题"]
_ERP_ADDRESSES = ["浙江省 杭州市 余杭区 文一西路 969号 海创园5号楼", "上海 上海市 浦东新区 张江路 665号 3号楼1201室",
                  "广东省 深圳市 南山区 科技园南区 高新南七道 12号", "四川省 成都市 武侯区 天府大道北段 1700号 环球中心",
                  "湖北省 武汉市 洪山区 珞喻路 1037号 光谷广场", "新疆维吾尔自治区 乌鲁木齐市 天山区 解放北路 88号 大巴扎1栋"]
# n: (status, placed, paid, shipped, courier, tracking)
_PARCEL_ORDERS = {
    801: (SHIPPED, "2026-11-19 20:00:00", "2026-11-19 20:01:00", "2026-11-20 08:00:00", "中通快递", "75311111110801"),
    802: (SHIPPED, "2026-11-16 10:00:00", "2026-11-16 10:01:00", "2026-11-17 09:00:00", "圆通速递", "YT8811111110802"),
    803: (SHIPPED, "2026-11-17 15:00:00", "2026-11-17 15:01:00", "2026-11-18 09:00:00", "中通快递", "75311111110803"),
    804: (SHIPPED, "2026-11-15 11:00:00", "2026-11-15 11:01:00", "2026-11-16 09:00:00", "中通快递", "75311111110804"),
    805: (SHIPPED, "2026-11-17 12:00:00", "2026-11-17 12:01:00", "2026-11-18 09:00:00", "中通快递", "75311111110805"),
    806: (SHIPPED, "2026-11-18 19:00:00", "2026-11-18 19:01:00", "2026-11-19 09:00:00", "圆通速递", "YT8811111110806"),
    807: (SHIPPED, "2026-11-16 09:00:00", "2026-11-16 09:01:00", "2026-11-17 09:00:00", "中通快递", "75311111110807"),
    808: (SHIPPED, "2026-11-11 21:00:00", "2026-11-11 21:01:00", "2026-11-12 09:00:00", "中通快递", "75311111110808"),
    809: (SHIPPED, "2026-11-17 10:00:00", "2026-11-17 10:01:00", "2026-11-18 09:00:00", "中通快递", "75311111110809"),
    810: (SHIPPED, "2026-11-19 08:00:00", "2026-11-19 08:30:00", "2026-11-21 08:00:00", "中通快递", "75311111110810"),
    811: (PAID, "2026-11-19 07:50:00", "2026-11-19 08:00:00", "", "", ""),
    812: (PAID, "2026-11-19 13:00:00", "2026-11-19 13:00:00", "", "", ""),
}
_PARCEL_NAMES = ["钱程", "孙悦", "周宁", "吴迪", "郑爽", "王琦", "冯远", "陈晨", "褚楠", "卫东", "蒋欣", "沈雪"]


def parcel_orders() -> list[dict]:
    rows = []
    for i, (n, (status, placed, paid, shipped, courier, tracking)) in enumerate(_PARCEL_ORDERS.items()):
        rows.append({"订单号": oid(n), "买家昵称": f"tb_parcel{n}", "订单状态": status, "收货人": _PARCEL_NAMES[i],
                     "手机号": f"13800138{n}", "收货地址": _ERP_ADDRESSES[i % len(_ERP_ADDRESSES)], "下单时间": placed,
                     "付款时间": paid, "发货时间": shipped, "物流公司": courier, "物流单号": tracking,
                     "订单金额": "159.00", "运费": "0.00", "商品标题": "加绒连帽卫衣"})
    return rows


def _k100(tracking, state, events, com="zhongtong"):
    data = [{"time": t, "ftime": t, "context": text, "location": "", "status": "", "areaCode": None,
             "areaName": None, "statusCode": code} for t, text, code in sorted(events, reverse=True)]
    return {"message": "ok", "nu": tracking, "ischeck": "1" if state == "3" else "0", "condition": "00", "com": com,
            "status": "200", "state": state, "data": data}


def parcel_results():
    """快递100 answers (one document, a list), 快递鸟 answers (one per line), an ERP tracking sheet."""
    k100 = [
        _k100("75311111110801", "1", [("2026-11-20 07:40:00", "【杭州市】商家已下单，等待快递员揽收", "101")]),
        _k100("75311111110805", "5", [("2026-11-18 18:00:00", "【杭州转运中心】已揽收", "103"),
                                      ("2026-11-19 06:00:00", "您的快件已存放至【菜鸟驿站】，请凭取件码 3-2-1108 取件", "501")]),
        _k100("75311111110807", "6", [("2026-11-17 12:00:00", "【杭州市】快递员已揽收", "103"),
                                      ("2026-11-19 15:00:00", "收件人拒收，快件已退回寄件人", "")]),
        _k100("75311111110809", "3", [("2026-11-18 12:00:00", "【杭州市】快递员已揽收", "103"),
                                      ("2026-11-20 16:00:00", "您的快件已签收，签收人：前台，感谢使用中通快递", "301")]),
        _k100("75311111110810", "1", [("2026-11-21 08:05:00", "【杭州市】商家已下单，等待快递员揽收", "101")]),
    ]
    kdniao = [
        {"EBusinessID": "1234567", "ShipperCode": "YTO", "Success": True, "LogisticCode": "YT8811111110802",
         "State": "0", "StateEx": "", "Reason": "暂无轨迹信息", "Traces": []},
        {"EBusinessID": "1234567", "ShipperCode": "YTO", "Success": True, "LogisticCode": "YT8811111110806",
         "State": "4", "StateEx": "420", "Traces": [
             {"AcceptTime": "2026-11-19 12:00:00", "AcceptStation": "【杭州市】圆通速递 已揽收", "Action": "1"},
             {"AcceptTime": "2026-11-20 09:00:00", "AcceptStation": "快件到达【成都转运中心】", "Action": "2"},
             {"AcceptTime": "2026-11-21 07:00:00", "AcceptStation": "派件员反馈：地址不详，无法派送，请联系收件人", "Action": "420"}]},
    ]
    sheet = [
        {"运单号": "75311111110803", "快递公司": "中通快递", "订单编号": oid(803), "物流状态": "运输中",
         "最新物流信息": "快件离开【郑州中转部】，发往【深圳中转部】", "最后更新时间": "2026-11-19 08:00:00",
         "揽收时间": "2026-11-18 20:00:00", "签收时间": ""},
        {"运单号": "75311111110804", "快递公司": "中通快递", "订单编号": oid(804), "物流状态": "运输中",
         "最新物流信息": "快件到达【成都中转部】", "最后更新时间": "2026-11-21 06:00:00",
         "揽收时间": "2026-11-16 12:00:00", "签收时间": ""},
        {"运单号": "75311111110808", "快递公司": "中通快递", "订单编号": oid(808), "物流状态": "派件中",
         "最新物流信息": "【乌鲁木齐市】快递员正在派件", "最后更新时间": "2026-11-21 08:30:00",
         "揽收时间": "2026-11-12 12:00:00", "签收时间": ""},
    ]
    return k100, kdniao, sheet


TRACKING_SHEET_HEADER = ["运单号", "快递公司", "订单编号", "物流状态", "最新物流信息", "最后更新时间", "揽收时间", "签收时间"]


def write_parcels() -> None:
    import json

    write_csv(OUT / "orders_erp_shipped.csv", ERP_SHIPPED_HEADER, parcel_orders())
    k100, kdniao, sheet = parcel_results()
    (OUT / "tracking_kuaidi100.json").write_text(json.dumps(k100, ensure_ascii=False, indent=1) + "\n",
                                                 encoding="utf-8")
    (OUT / "tracking_kdniao.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kdniao),
                                               encoding="utf-8")
    write_csv(OUT / "tracking_sheet_gbk.csv", TRACKING_SHEET_HEADER, sheet, encoding="gbk")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    VARIANTS.mkdir(exist_ok=True)
    write_csv(OUT / "orders_legacy_gbk.csv", LEGACY_ORDER_HEADER, LEGACY_ORDERS, encoding="gbk")
    write_csv(OUT / "order_items_legacy_gbk.csv", LEGACY_ITEMS_HEADER, legacy_items(), encoding="gbk")
    write_csv(OUT / "orders_later_gbk.csv", LATER_ORDER_HEADER, LATER_ORDERS, encoding="gbk")
    write_xlsx(OUT / "orders_qianniu.xlsx", QIANNIU_ORDER_HEADER, qianniu_orders(), sheet="订单列表")
    lines = [{"子订单编号": oid(o) + "1", "主订单编号": oid(o), "商品标题": "纯棉圆领T恤", "商品价格": "79.00", "购买数量": "1",
              "商品属性": "颜色分类:黑色;尺码:M", "订单状态": s, "买家实付金额": p, "退款状态": "没有申请退款", "退款金额": "0.00",
              "商品ID": "680000000001", "发货时间": t}
             for o, s, p, t in [(501, PAID, "79.00", ""), (502, PAID, "89.00", ""),
                                (503, SHIPPED, "129.00", "2026-11-21 08:30:00"), (504, UNPAID, "0.00", "")]]
    write_xlsx(OUT / "order_lines_qianniu.xlsx", QIANNIU_LINES_HEADER, lines, sheet="子订单")
    write_csv(OUT / "page_stock.csv", PAGE_HEADER, [dict(zip(PAGE_HEADER, p)) for p in PAGE])
    write_xlsx(OUT / "warehouse_wangdiantong.xlsx", WDT_HEADER, WAREHOUSE, sheet="单品库存")
    write_csv(OUT / "shipments_erp.csv", SHIPMENTS_HEADER, SHIPMENTS)
    write_csv(OUT / "reviews.csv", REVIEWS_HEADER, REVIEWS)
    write_csv(OUT / "opt_outs.csv", OPT_OUTS_HEADER, OPT_OUTS)
    buyers_samples(OUT)
    write_aftersale()
    # variants: other real shapes of the same data, imported on purpose rather than by samples/*
    jst = [{"商品编码": w["商家编码"], "实际库存": w["实际库存"], "订单占有数": w["锁定量"], "仓库待发数": w["待发货量"],
            "库存锁定数": "0", "采购在途数": w["采购在途"], "安全库存下限": "0", "安全库存上限": "0",
            "公有可用数": w["可用库存"]} for w in WAREHOUSE]
    write_csv(VARIANTS / "warehouse_jushuitan.csv", JST_HEADER, jst)
    generic_header = ["SKU编码", "实物库存", "锁定库存", "可用库存", "在途库存", "安全库存"]
    generic = [{"SKU编码": w["商家编码"], "实物库存": w["实际库存"], "锁定库存": w["锁定量"], "可用库存": w["可用库存"],
                "在途库存": w["采购在途"], "安全库存": "0"} for w in WAREHOUSE]
    write_xlsx(VARIANTS / "warehouse_generic.xlsx", generic_header, generic, sheet="库存")
    stars = [{**r, "评价结果": {"好评": "5", "中评": "3", "差评": "1"}[r["评价结果"]]} for r in REVIEWS]
    write_csv(VARIANTS / "reviews_stars.csv", ["订单编号", "子订单编号", "买家昵称", "评分", "评价时间", "宝贝标题", "商品ID",
                                               "评价内容", "卖家回复", "追评内容", "追评时间"],
              [{("评分" if k == "评价结果" else k): v for k, v in r.items()} for r in stars])
    # yesterday morning's 订单报表, found late (PRODUCT §16): older than what samples/ says of the same orders
    yesterday = {110: {}, 301: {"订单状态": PAID, "物流单号": "", "物流公司": ""},
                 302: {"订单状态": PAID, "物流单号": "", "物流公司": ""},
                 303: {"订单状态": PAID, "物流单号": "", "物流公司": ""}, 306: {"订单状态": SHIPPED}}
    old = [{**o, **yesterday[int(o["订单编号"][2:-1]) - 3912000000000000000]} for o in LEGACY_ORDERS
           if int(o["订单编号"][2:-1]) - 3912000000000000000 in yesterday]
    write_csv(VARIANTS / "ExportOrderList202611200905.csv", LEGACY_ORDER_HEADER, old, encoding="gbk")
    cs_performance_samples()
    write_parcels()
    print(f"wrote samples to {OUT}")


if __name__ == "__main__":
    main()
