"""Order vocabulary shared by every check: canonical statuses, pre-sale stages, COD.

Platforms write statuses in Chinese (with ASCII or full-width commas) or as API names
(FORMATS.md); everything downstream uses the canonical words below.
"""

from __future__ import annotations

import re
import unicodedata

UNPAID, PAID, PARTLY_SHIPPED, SHIPPED, SIGNED, COMPLETED, CLOSED = (
    "unpaid", "paid", "partly_shipped", "shipped", "signed", "completed", "closed",
)
STATUSES = (UNPAID, PAID, PARTLY_SHIPPED, SHIPPED, SIGNED, COMPLETED, CLOSED)
SHIPPED_STATES = (SHIPPED, SIGNED, COMPLETED)
FINISHED_STATES = (COMPLETED, CLOSED)
# An order's life (PRODUCT §16): it only ever moves forward along STATUSES, and closed is final.
# Completed and closed are both ends; closed ranks last so that any two statuses have one order.
STATUS_RANK = {status: rank for rank, status in enumerate(STATUSES)}


def later_status(known: str | None, seen: str | None) -> str | None:
    """Of what the shop knew and what an export says, the status further along the order's life:
    an export never moves an order back (a shipped order read as unpaid stays shipped)."""
    if known is None or seen is None:
        return seen if known is None else known
    return seen if STATUS_RANK.get(seen, -1) > STATUS_RANK.get(known, -1) else known

_STATUS_TEXT = {
    "等待买家付款": UNPAID,
    "买家已付款,等待卖家发货": PAID,
    "买家已付款": PAID,
    "等待卖家发货": PAID,
    "等待发货": PAID,
    "待发货": PAID,
    "卖家部分发货": PARTLY_SHIPPED,
    "部分发货": PARTLY_SHIPPED,
    "卖家已发货,等待买家确认": SHIPPED,
    "卖家已发货": SHIPPED,
    "已发货": SHIPPED,
    "买家已签收(货到付款专用)": SIGNED,
    "买家已签收": SIGNED,
    "交易成功": COMPLETED,
    "交易关闭": CLOSED,
    "交易已关闭": CLOSED,
    "待付款": UNPAID,
    "wait_buyer_pay": UNPAID,
    "trade_no_create_pay": UNPAID,
    "wait_seller_send_goods": PAID,
    "seller_consigned_part": PARTLY_SHIPPED,
    "wait_buyer_confirm_goods": SHIPPED,
    "trade_buyer_signed": SIGNED,
    "trade_finished": COMPLETED,
    "trade_closed": CLOSED,
    "trade_closed_by_taobao": CLOSED,
}
_PUNCTUATION = str.maketrans({"，": ",", "（": "(", "）": ")", " ": None, "\u3000": None})
STATUS_TEXT = {key.translate(_PUNCTUATION).lower(): value for key, value in _STATUS_TEXT.items()}


def canonical_status(text: str | None) -> str | None:
    """'买家已付款，等待卖家发货' → 'paid'; None when the text is not a known order status."""
    if not text:
        return None
    known = _SEEN.get(text)
    if known is not None:
        return known
    key = text.strip().translate(_PUNCTUATION).lower()
    status = STATUS_TEXT.get(key) or (key if key in STATUSES else None)
    if status is not None and len(_SEEN) < 1024:
        _SEEN[text] = status
    return status


_SEEN: dict[str, str] = {}  # a file repeats a handful of status texts a million times


_YES = {"是", "y", "yes", "true", "1", "cod", "货到付款"}
_NOT_COD = ("非货到付款", "不是货到付款", "不支持货到付款", "款到发货")


def is_cod(*, cod: str | None = None, trade_type: str | None = None,
           status_text: str | None = None, shipping_method: str | None = None,
           cod_fee_fen: int | None = None, cod_amount_fen: int | None = None) -> bool:
    """Cash on delivery, from whichever column the export gives (FORMATS.md 'Flags and COD'): a
    货到付款 yes/no column (货到付款状态, 是否货到付款, 旺店通's 发货条件), the trade type (`cod`), the
    运送方式 or status text naming 货到付款, or a COD fee or amount to collect above zero (only
    columns named for COD are passed here: the legacy 买家服务费 alone says nothing)."""
    if cod and (cod.strip().lower() in _YES or _names_cod(cod)):
        return True
    for text in (trade_type, status_text, shipping_method):
        if text and (_names_cod(text) or text.strip().lower() == "cod"):
            return True
    return bool(cod_fee_fen and cod_fee_fen > 0) or bool(cod_amount_fen and cod_amount_fen > 0)


def _names_cod(text: str) -> bool:
    return "货到付款" in text and not any(word in text for word in _NOT_COD)


DEPOSIT_UNPAID, BALANCE_UNPAID, PRESALE_PAID, PRESALE = (
    "deposit_unpaid", "balance_unpaid", "all_paid", "presale",
)
_PRESALE_NONE = {"", "-", "无", "否", "非预售", "普通订单", "none", "null"}


def presale_stage(text: str | None, trade_type: str | None = None) -> str | None:
    """Stage of a pre-sale (预售) order; None for an ordinary order."""
    raw = (text or "").strip()
    lowered = re.sub(r"\s", "", raw).lower()
    if lowered in _PRESALE_NONE:
        if trade_type and "预售" in trade_type:
            return PRESALE
        return None
    if "尾款已付" in lowered or "全款" in lowered or "front_paid_final_paid" in lowered:
        return PRESALE_PAID
    if "尾款未付" in lowered or "定金已付" in lowered or "front_paid_final_nopaid" in lowered:
        return BALANCE_UNPAID
    if "定金未付" in lowered or "front_nopaid_final_nopaid" in lowered:
        return DEPOSIT_UNPAID
    return PRESALE


REFUND_NONE, REFUND_OPEN, REFUND_REFUSED, REFUND_DONE = "none", "open", "refused", "done"
_REFUND_JUNK = re.compile(r"[\s,，.。、;；:：]+")


def _fold(text: str | None) -> str:
    return _REFUND_JUNK.sub("", unicodedata.normalize("NFKC", str(text or "")).casefold())


_REFUND_WORDS = {
    REFUND_NONE: ("", "-", "0", "无", "否", "没有申请退款", "无退款", "未申请退款", "退款关闭", "退款已关闭",
                  "退款取消", "no_refund", "closed", "none"),
    REFUND_REFUSED: ("卖家拒绝退款", "拒绝退款", "seller_refuse_buyer"),
    REFUND_DONE: ("退款成功", "success"),
}
_REFUND_STATE = {_fold(word): state for state, words in _REFUND_WORDS.items() for word in words}


def refund_state(text: str | None) -> str:
    """What a 退款状态 says: none (never asked, or closed), refused, done, or open — and any text not
    known is open, so an unclear refund is never treated as settled."""
    return _REFUND_STATE.get(_fold(text), REFUND_OPEN)


# Seller flags (旗帜) as exports and staff write them: 1–5 = 红 黄 绿 蓝 紫, 0 = none (FORMATS.md).
FLAG_COLOURS = ("red", "yellow", "green", "blue", "purple")
_FLAG_NAMES: dict[str, str] = {"0": "", "": "", "无": "", "none": ""}
for _number, (_colour, _zh) in enumerate(zip(FLAG_COLOURS, "红黄绿蓝紫"), start=1):
    _FLAG_NAMES[str(_number)] = _colour
    _FLAG_NAMES[_colour] = _colour
    _FLAG_NAMES[_zh] = _colour


def flag_colour(text: str | None) -> str | None:
    """red, 红, 红旗, 1 … purple, 紫, 5 → the colour; none, 0, 无 or blank → None. ValueError otherwise."""
    key = (text or "").strip().lower().removesuffix("旗").removesuffix("色")
    if key not in _FLAG_NAMES:
        raise ValueError(f"not a flag: {text!r}")
    return _FLAG_NAMES[key] or None


# ---------------------------------------------------------------- parcels

# Labels some sheets put before the number ("No:", "运单号：", "快递单号 "), and the separators people
# and ERPs write inside it ("SF-1400-1234", "sf 1400 1234 5678 9"). Commas and slashes are kept:
# they join two parcels' numbers, which must not be glued into one.
_TRACKING_LABEL = re.compile(r"^(?:(?:no|tracking\s*(?:no|number)?)\s*[.:：#]"
                             r"|(?:运单号码?|运单编号|单号|快递单号|物流单号|物流编号)\s*[.:：#]?)\s*", re.I)
_TRACKING_SEPARATORS = re.compile(r"[\s\-_‐‑–—]+")


def tracking_key(value: str | None) -> str | None:
    """A tracking number as the one parcel it names (PRODUCT §16): SF1400123456789,
    SF-1400123456789, sf 1400 1234 5678 9 and No:SF1400123456789 are all SF1400123456789 —
    full width, case, spaces, dashes and a label do not matter. Imports store this form, and the
    shipping notice's dedupe key is built from it, so one parcel gets one notice whichever sheet
    named it. None for a blank."""
    if not value:
        return None
    text = str(value)
    if text.isalnum() and text.isascii():
        return text.upper()
    text = unicodedata.normalize("NFKC", text).strip()
    text = _TRACKING_LABEL.sub("", text)
    text = _TRACKING_SEPARATORS.sub("", text).upper()
    return text or None
