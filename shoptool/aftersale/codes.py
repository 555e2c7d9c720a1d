"""The words of refund exports as codes (FORMATS.md "Refunds / after-sales"): the refund's status
(PRODUCT §24), the goods' status, the 客服介入 state, the kind of refund, and whether a free-text
logistics line says the parcel arrived."""

from __future__ import annotations

import re
import unicodedata

WAIT_SELLER_AGREE = "wait_seller_agree"
WAIT_BUYER_RETURN = "wait_buyer_return"
WAIT_SELLER_CONFIRM = "wait_seller_confirm_goods"
SELLER_REFUSED = "seller_refused"
CLOSED = "closed"
SUCCESS = "success"
STATUSES = (WAIT_SELLER_AGREE, WAIT_BUYER_RETURN, WAIT_SELLER_CONFIRM, SELLER_REFUSED, CLOSED, SUCCESS)
OPEN = (WAIT_SELLER_AGREE, WAIT_BUYER_RETURN, WAIT_SELLER_CONFIRM)

# A refund's place in its life, for PRODUCT §16 (an older export never moves it back). A refused
# request may be asked again (买家修改申请): refused and waiting share a place, so the later
# snapshot decides between them. Closed and succeeded are final.
LIFE = ((WAIT_SELLER_AGREE, 0), (SELLER_REFUSED, 0), (WAIT_BUYER_RETURN, 1), (WAIT_SELLER_CONFIRM, 2),
        (CLOSED, 3), (SUCCESS, 3))

_EXACT = {
    # platform texts and API names
    "买家已经申请退款，等待卖家同意": WAIT_SELLER_AGREE, "wait_seller_agree": WAIT_SELLER_AGREE,
    "卖家已经同意退款，等待买家退货": WAIT_BUYER_RETURN, "wait_buyer_return_goods": WAIT_BUYER_RETURN,
    "wait_buyer_return": WAIT_BUYER_RETURN,
    "买家已经退货，等待卖家确认收货": WAIT_SELLER_CONFIRM, "wait_seller_confirm_goods": WAIT_SELLER_CONFIRM,
    "卖家拒绝退款": SELLER_REFUSED, "seller_refuse_buyer": SELLER_REFUSED, "seller_refused": SELLER_REFUSED,
    "退款关闭": CLOSED, "closed": CLOSED, "退款成功": SUCCESS, "success": SUCCESS,
    # ERP 退换单/退单 states (旺店通, 百胜 eFAST)
    "待审核": WAIT_SELLER_AGREE, "未审核": WAIT_SELLER_AGREE, "未确认": WAIT_SELLER_AGREE, "新建": WAIT_SELLER_AGREE,
    "待处理": WAIT_SELLER_AGREE, "已审核": WAIT_BUYER_RETURN, "已确认": WAIT_BUYER_RETURN,
    "待收货": WAIT_BUYER_RETURN, "等待退货": WAIT_BUYER_RETURN, "待退货": WAIT_BUYER_RETURN,
    "已收货": WAIT_SELLER_CONFIRM, "已入库": WAIT_SELLER_CONFIRM, "部分入库": WAIT_SELLER_CONFIRM,
    "待入库": WAIT_BUYER_RETURN, "已完成": SUCCESS, "已退款": SUCCESS, "完成": SUCCESS,
    "已取消": CLOSED, "取消": CLOSED, "作废": CLOSED, "已作废": CLOSED, "已关闭": CLOSED,
    "已驳回": SELLER_REFUSED, "驳回": SELLER_REFUSED, "已拒绝": SELLER_REFUSED,
}
# Exact strings vary between generations: the words that decide, most specific first.
_CONTAINS = (
    ("等待卖家确认收货", WAIT_SELLER_CONFIRM), ("等待买家退货", WAIT_BUYER_RETURN),
    ("等待卖家同意", WAIT_SELLER_AGREE), ("待卖家处理", WAIT_SELLER_AGREE), ("拒绝", SELLER_REFUSED),
    ("退款成功", SUCCESS), ("退款关闭", CLOSED), ("关闭", CLOSED), ("成功", SUCCESS),
)


def _fold(text) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).casefold().replace(",", "，")


_EXACT_FOLDED = {_fold(k): v for k, v in _EXACT.items()}


def refund_status(text) -> str | None:
    """The canonical status (§24) of an export's 退款状态/状态 text; None when unknown."""
    folded = _fold(text)
    if not folded:
        return None
    if folded in _EXACT_FOLDED:
        return _EXACT_FOLDED[folded]
    for word, status in _CONTAINS:
        if word in folded:
            return status
    return None


NOT_RECEIVED, RECEIVED, RETURNED = "not_received", "received", "returned"


def goods_status(text) -> str | None:
    """货物状态: 买家未收到货 / 买家已收到货 / 买家已退货 (None when blank; other words kept)."""
    folded = _fold(text)
    if not folded:
        return None
    if "未收到" in folded:
        return NOT_RECEIVED
    if "已退货" in folded or "退回" in folded:
        return RETURNED
    if "已收到" in folded or "收到" in folded:
        return RECEIVED
    return str(text).strip()


CS_NONE, CS_REQUESTED, CS_INTERVENING, CS_EVIDENCE, CS_APPEAL, CS_DONE = (
    "none", "requested", "intervening", "evidence", "appeal", "done")
CS_OPEN = (CS_REQUESTED, CS_INTERVENING, CS_EVIDENCE, CS_APPEAL)
_CS = (  # by substring, first match wins (FORMATS.md: exact strings vary)
    ("不需", CS_NONE), ("无需", CS_NONE), ("举证", CS_EVIDENCE), ("申诉", CS_APPEAL), ("处理完成", CS_DONE),
    ("系统撤销", CS_DONE), ("撤销", CS_DONE), ("支持买家", CS_DONE), ("支持卖家", CS_DONE), ("已完结", CS_DONE),
    ("需要客服介入", CS_REQUESTED), ("申请介入", CS_REQUESTED), ("已经介入", CS_INTERVENING),
    ("已介入", CS_INTERVENING), ("初审", CS_INTERVENING), ("复审", CS_INTERVENING), ("介入", CS_INTERVENING),
)


def cs_status(text) -> str | None:
    """客服介入状态 as a code: none, requested, intervening, evidence (举证中), appeal (开放申诉),
    done (处理完成, 支持买家/卖家, 系统撤销). An unknown wording that names an intervention is
    `intervening`; any other is kept as it is."""
    folded = _fold(text)
    if not folded or folded in ("-", "--", "无", "否"):
        return None
    for word, code in _CS:
        if word in folded:
            return code
    return str(text).strip()


REFUND_ONLY, RETURN_REFUND, EXCHANGE = "refund_only", "return_refund", "exchange"


def refund_kind(needs_return=None, kind_text=None) -> str | None:
    """仅退款 / 退货退款 / 换货 from 是否需要退货 (是/否) or 售后类型 / 退换单类型 / 退单类型."""
    folded = _fold(kind_text)
    if folded:
        if "换货" in folded:
            return EXCHANGE
        if "不退货" in folded or "仅退款" in folded or "售前" in folded or folded in ("退款", "refund"):
            return REFUND_ONLY
        if "退货" in folded or "return" in folded:
            return RETURN_REFUND
    answer = _fold(needs_return)
    if answer in ("是", "需要", "yes", "y", "true", "1"):
        return RETURN_REFUND
    if answer in ("否", "不需要", "no", "n", "false", "0"):
        return REFUND_ONLY
    return None


# Words in a free-text logistics line (退货物流信息) that mean the parcel arrived (FORMATS.md).
ARRIVED_WORDS = ("已签收", "签收", "代收", "送达", "驿站", "暂存", "妥投")
_NOT_ARRIVED = ("未签收", "拒签", "拒收", "待签收")


def says_arrived(text) -> bool:
    """A 退货物流信息/发货物流信息 line whose words say the parcel arrived."""
    folded = _fold(text)
    if not folded:
        return False
    for word in _NOT_ARRIVED:
        folded = folded.replace(word, "")
    return any(word in folded for word in ARRIVED_WORDS)
