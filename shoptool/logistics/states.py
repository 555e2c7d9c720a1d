"""A parcel's canonical state (PRODUCT §18) from what a courier or aggregator says: 快递100's
state/statusCode, 快递鸟's State/StateEx, or a tracking sheet's words (FORMATS.md "Tracking results").

States: awaiting_pickup, picked_up, in_transit, out_for_delivery, at_pickup_point, delivered,
exception, returning, returned, rejected, no_info. An exception carries a subtype (address_unclear,
phone_wrong, unreachable, damaged, refused, lost, intercepted, cancelled, delayed, missorted,
out_of_area, locker_overdue, delivery_failed, held, overdue).
"""

from __future__ import annotations

import re
import unicodedata

AWAITING_PICKUP, PICKED_UP = "awaiting_pickup", "picked_up"
IN_TRANSIT, OUT_FOR_DELIVERY = "in_transit", "out_for_delivery"
AT_PICKUP_POINT, DELIVERED, EXCEPTION, RETURNING = "at_pickup_point", "delivered", "exception", "returning"
RETURNED, REJECTED, NO_INFO = "returned", "rejected", "no_info"
STATES = (AWAITING_PICKUP, PICKED_UP, IN_TRANSIT, OUT_FOR_DELIVERY, AT_PICKUP_POINT, DELIVERED, EXCEPTION,
          RETURNING, RETURNED, REJECTED, NO_INFO)
# States in which the courier has the parcel (its first scan happened).
SCANNED = frozenset({PICKED_UP, IN_TRANSIT, OUT_FOR_DELIVERY, AT_PICKUP_POINT, DELIVERED, EXCEPTION, RETURNING,
                     RETURNED, REJECTED})
FINAL = frozenset({DELIVERED, RETURNED})

# 快递100 `state` (FORMATS.md): 0 在途, 1 揽收, 2 疑难, 3 签收, 4 退签, 5 派件, 6 退回, 7 转投, 8 清关, 14 拒签.
KUAIDI100_STATE = {
    "0": (IN_TRANSIT, None), "1": (PICKED_UP, None), "2": (EXCEPTION, None), "3": (DELIVERED, None),
    "4": (RETURNED, None), "5": (OUT_FOR_DELIVERY, None), "6": (RETURNING, None), "7": (IN_TRANSIT, None),
    "8": (IN_TRANSIT, None), "14": (REJECTED, "refused"),
}
# 快递100's advanced statusCode (resultv2): finer than state, and it wins when given.
KUAIDI100_CODE = {
    "101": (AWAITING_PICKUP, None), "102": (AWAITING_PICKUP, None), "103": (PICKED_UP, None),
    "1001": (IN_TRANSIT, None), "1002": (IN_TRANSIT, None), "1003": (IN_TRANSIT, None),
    "501": (AT_PICKUP_POINT, None),
    "301": (DELIVERED, None), "302": (DELIVERED, None), "303": (DELIVERED, None), "304": (DELIVERED, None),
    "201": (EXCEPTION, "overdue"), "202": (EXCEPTION, "held"), "203": (REJECTED, "refused"),
    "204": (EXCEPTION, "delivery_failed"), "205": (AT_PICKUP_POINT, "locker_overdue"),
    "206": (EXCEPTION, "unreachable"),
    "207": (EXCEPTION, "out_of_area"), "208": (EXCEPTION, "held"), "209": (EXCEPTION, "damaged"),
    "210": (EXCEPTION, "cancelled"), "401": (RETURNED, "cancelled"), "1401": (REJECTED, "refused"),
}
# 快递鸟 State: 0 暂无轨迹, 1 已揽收, 2 在途, 3 签收, 4 问题件 (StateEx is finer and wins).
KDNIAO_STATE = {"0": (NO_INFO, None), "1": (PICKED_UP, None), "2": (IN_TRANSIT, None), "3": (DELIVERED, None),
                "4": (EXCEPTION, None)}
KDNIAO_STATE_EX = {
    "1": (PICKED_UP, None), "2": (IN_TRANSIT, None), "201": (IN_TRANSIT, None), "202": (OUT_FOR_DELIVERY, None),
    "211": (AT_PICKUP_POINT, None), "3": (DELIVERED, None), "301": (DELIVERED, None), "302": (DELIVERED, None),
    "304": (DELIVERED, None), "311": (DELIVERED, None),
    "401": (NO_INFO, None), "402": (EXCEPTION, "overdue"), "403": (EXCEPTION, "held"), "404": (REJECTED, "refused"),
    "405": (EXCEPTION, "delivery_failed"), "406": (RETURNED, None), "407": (RETURNING, None),
    "412": (AT_PICKUP_POINT, "locker_overdue"), "413": (EXCEPTION, "intercepted"), "414": (EXCEPTION, "damaged"),
    "415": (EXCEPTION, "cancelled"), "416": (EXCEPTION, "unreachable"), "417": (EXCEPTION, "delayed"),
    "419": (OUT_FOR_DELIVERY, None), "420": (EXCEPTION, "address_unclear"), "421": (EXCEPTION, "phone_wrong"),
    "422": (EXCEPTION, "missorted"), "423": (EXCEPTION, "out_of_area"),
}

# A sheet's 物流状态 / 最新状态 words, most specific first.
_WORDS = (
    (("拒签", "拒收"), REJECTED, "refused"),
    (("退签", "退回签收", "退货签收", "已退回"), RETURNED, None),
    (("退回", "退件", "返回寄件", "退货中", "转退"), RETURNING, None),
    (("问题件", "疑难", "异常", "丢失", "遗失", "破损", "地址不详", "电话错误", "无法联系", "拦截"), EXCEPTION, None),
    (("代签", "已签收", "签收", "妥投", "已送达"), DELIVERED, None),
    (("驿站", "快递柜", "丰巢", "菜鸟", "自提", "代收点", "投柜"), AT_PICKUP_POINT, None),
    (("派件", "派送", "配送中"), OUT_FOR_DELIVERY, None),
    (("运输", "在途", "转运", "到达", "发往", "中转", "清关", "干线"), IN_TRANSIT, None),
    (("已揽收", "揽收", "揽件", "收件"), PICKED_UP, None),
    (("待揽", "已下单", "未揽", "等待揽"), AWAITING_PICKUP, None),
    (("暂无", "无轨迹", "无信息", "查询不到", "没有物流"), NO_INFO, None),
)
_ENGLISH = {state: state for state in STATES}

# Words of an event text that say what went wrong (when the code does not).
_SUBTYPE_WORDS = (
    (("地址不详", "地址错误", "地址有误", "地址不全", "地址不清"), "address_unclear"),
    (("电话错误", "电话有误", "号码错误", "空号"), "phone_wrong"),
    (("无法联系", "联系不上", "电话无人接听", "无人接听", "电话未接"), "unreachable"),
    (("破损", "损坏", "压坏"), "damaged"),
    (("拒收", "拒签"), "refused"),
    (("丢失", "遗失", "丢件"), "lost"),
    (("拦截",), "intercepted"),
    (("超区", "不派送区域", "超范围"), "out_of_area"),
    (("错分",), "missorted"),
    (("滞留", "延误", "延迟"), "delayed"),
)
# An event that is the first scan (揽收) in a trace whose codes say nothing.
_PICKUP_WORDS = ("揽收", "揽件", "已收件", "收取快件", "已收寄", "收寄")


def _fold(text) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).lower()


def _code(value) -> str:
    text = _fold(value)
    return text[:-2] if text.endswith(".0") else text


def kuaidi100(state, status_code=None) -> tuple[str, str | None] | None:
    """快递100's state (and the newest event's statusCode) → (state, subtype); None when unknown."""
    code = _code(status_code)
    if code in KUAIDI100_CODE:
        return KUAIDI100_CODE[code]
    state = _code(state)
    if state in KUAIDI100_CODE:  # resultv2=4 puts the advanced code in state itself
        return KUAIDI100_CODE[state]
    return KUAIDI100_STATE.get(state)


def kdniao(state, state_ex=None) -> tuple[str, str | None] | None:
    """快递鸟's State/StateEx → (state, subtype); None when unknown."""
    code = _code(state_ex)
    if code in KDNIAO_STATE_EX:
        return KDNIAO_STATE_EX[code]
    found = KDNIAO_STATE.get(_code(state))
    if found is None and code[:1] == "4":
        return (EXCEPTION, None)
    return found


def from_words(text) -> tuple[str, str | None] | None:
    """A sheet's status words (已签收, 派件中, 问题件-地址不详, in_transit…) → (state, subtype)."""
    folded = _fold(text)
    if not folded:
        return None
    if folded in _ENGLISH:
        return (folded, None)
    for words, state, subtype in _WORDS:
        if any(word in folded for word in words):
            return state, subtype or (subtype_from_text(folded) if state in (EXCEPTION, REJECTED) else None)
    return None


def subtype_from_text(text) -> str | None:
    folded = _fold(text)
    for words, subtype in _SUBTYPE_WORDS:
        if any(word in folded for word in words):
            return subtype
    return None


def is_pickup_text(text) -> bool:
    folded = _fold(text)
    return any(word in folded for word in _PICKUP_WORDS) and "待揽" not in folded and "未揽" not in folded


# Courier codes of 快递100 (com) and 快递鸟 (ShipperCode) → the name staff and buyers know.
COURIER_NAMES = {
    "shunfeng": "顺丰速运", "sf": "顺丰速运", "zhongtong": "中通快递", "zto": "中通快递", "yuantong": "圆通速递",
    "yto": "圆通速递", "shentong": "申通快递", "sto": "申通快递", "yunda": "韵达快递", "yd": "韵达快递",
    "jtexpress": "极兔速递", "jtsd": "极兔速递", "ems": "EMS", "youzhengguonei": "邮政快递包裹", "yzpy": "邮政快递包裹",
    "jd": "京东快递", "debangkuaidi": "德邦快递", "debangwuliu": "德邦快递", "dbl": "德邦快递",
    "huitongkuaidi": "百世快递",
    "htky": "百世快递", "danniao": "丹鸟", "dnwl": "丹鸟",
}


def courier_name(code) -> str | None:
    """A provider's courier code (shunfeng, ZTO…) → its name; any other text as it is."""
    if code is None:
        return None
    text = str(code).strip()
    return COURIER_NAMES.get(text.lower(), text) or None
