"""merge-shipping (PRODUCT §7): which paid, unshipped orders should travel as one parcel, what
postage the buyer paid more than once, and which near-groups must not be merged, and why.

Pure domain: orders are dicts with the `orders` columns (plus `item_refund_status` and
`item_refund_fen` from the order lines), settings plain values; money is integer fen.

The rules are the ones ERPs (百胜 eFAST, 管易云, 易打单) merge on: same shop, same receiver (name,
phone, normalised address), by default the same buyer nick, all orders within a window of the
first; never COD, never under refund, never partly shipped, pre-sale only on request, never when
the buyer or a note asks for a particular courier.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from . import orders as O
from .phones import mask_phone, phone_key
from .privacy import mask_address, mask_name

COD, REFUNDING, PARTLY_SHIPPED, PRESALE, COURIER_REQUEST, DIFFERENT_ADDRESS = (
    "cod", "refunding", "partly_shipped", "presale", "courier_request", "different_address",
)
# Most serious first: a row's main code (the one the summary counts) is its first.
CONFLICTS = (COD, REFUNDING, PARTLY_SHIPPED, PRESALE, COURIER_REQUEST, DIFFERENT_ADDRESS)
CONFLICT_ZH = {
    COD: "货到付款", REFUNDING: "退款中", PARTLY_SHIPPED: "部分发货", PRESALE: "预售",
    COURIER_REQUEST: "指定快递", DIFFERENT_ADDRESS: "收货信息不同",
}
MERGE = "merge"  # the summary's name for a row with no conflicts

# Pre-sale stages that still owe money: never merged, even with --include-presale.
_PRESALE_OWING = {"deposit_unpaid", "balance_unpaid"}


# ---------------------------------------------------------------- postage


@dataclass(frozen=True)
class PostageRule:
    kind: str  # max | first | flat | free_over
    amount_fen: int = 0  # flat: one parcel's postage; free_over: goods total for free postage
    text: str = "max"


@dataclass(frozen=True)
class Postage:
    paid: int  # what the buyer paid across the group, fen
    due: int  # what one parcel costs under the rule
    refund: int  # paid - due, never negative, never more than paid


def parse_postage_rule(text: str) -> PostageRule:
    """`max`, `first`, `flat:N`, `free_over:N` (N in yuan, e.g. flat:8 or free_over:99.5)."""
    raw = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    kind, sep, arg = (part.strip() for part in raw.partition(":"))
    if kind in ("max", "first") and not sep:
        return PostageRule(kind, 0, kind)
    if kind in ("flat", "free_over") and arg:
        return PostageRule(kind, yuan_to_fen(arg), f"{kind}:{arg}")
    raise ValueError(f"not a postage rule: {text!r} (use max, first, flat:N or free_over:N, N in yuan)")


def yuan_to_fen(text: str) -> int:
    try:
        amount = Decimal(str(text).strip())
    except InvalidOperation:
        raise ValueError(f"not an amount in yuan: {text!r}") from None
    fen = amount * 100
    if not amount.is_finite() or amount < 0 or fen != fen.to_integral_value():
        raise ValueError(f"not an amount in yuan with at most two decimals: {text!r}")
    return int(fen)


def one_parcel(postages: Sequence[int | None], goods_total: int, rule: PostageRule) -> Postage:
    """Postage of orders sent as one parcel; `postages` in time order (the first is `first`)."""
    fees = [fee or 0 for fee in postages]
    paid = sum(fees)
    if rule.kind == "first":
        due = fees[0] if fees else 0
    elif rule.kind == "flat":
        due = rule.amount_fen
    elif rule.kind == "free_over" and goods_total >= rule.amount_fen:
        due = 0
    else:  # max, and free_over below the threshold
        due = max(fees, default=0)
    # A parcel dearer than what was paid is the shop's cost, never the buyer's debt.
    refund = max(0, min(paid - due, paid))
    return Postage(paid, due, refund)


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


# ---------------------------------------------------------------- one order


_FOLD_JUNK = re.compile(r"[\s,，.。、;；:：]+")


def _fold(text: str | None) -> str:
    return _FOLD_JUNK.sub("", unicodedata.normalize("NFKC", str(text or "")).casefold())


def refund_open(status: str | None) -> bool:
    """A 退款状态 that is anything but 'no refund' or 'refund closed': 买家已经申请退款，等待卖家同意,
    卖家已经同意退款，等待买家退货, 卖家拒绝退款 (the buyer may still escalate), 退款成功 (the parcel
    changed) and any text not known to mean 'none' (an unknown state is never merged)."""
    return O.refund_state(status) != O.REFUND_NONE


def is_refunding(order: Mapping) -> bool:
    if (order.get("refund_fen") or 0) > 0 or (order.get("item_refund_fen") or 0) > 0:
        return True
    if refund_open(order.get("refund_status")):
        return True
    lines = order.get("item_refund_status")
    return bool(lines) and any(refund_open(text) for text in str(lines).split("|"))


def order_conflicts(order: Mapping, courier_words: Sequence[str] = (),
                    include_presale: bool = False) -> tuple[str, ...]:
    """Why this order may not travel with others (empty when it may)."""
    found = []
    if order.get("is_cod"):
        found.append(COD)
    if is_refunding(order):
        found.append(REFUNDING)
    if order.get("status") == PARTLY_SHIPPED:
        found.append(PARTLY_SHIPPED)
    stage = order.get("presale_stage")
    if stage and (not include_presale or stage in _PRESALE_OWING):
        found.append(PRESALE)
    if courier_request(order, courier_words):
        found.append(COURIER_REQUEST)
    return tuple(found)


def courier_request(order: Mapping, courier_words: Sequence[str]) -> str | None:
    """The courier word the buyer's message, the seller's note or the chosen 运送方式 names.
    Latin words match whole words only: EMS is a courier, the ems in "items" is not."""
    pattern, words = _courier_pattern(tuple(courier_words))
    if pattern is None:
        return None
    text = " ".join(unicodedata.normalize("NFKC", value).casefold()
                    for value in (order.get("buyer_message"), order.get("seller_note"), order.get("shipping_method"))
                    if value)
    found = pattern.search(text) if text else None
    return words[found.group(0)] if found else None


@lru_cache(maxsize=8)
def _courier_pattern(courier_words: tuple[str, ...]) -> tuple[re.Pattern | None, dict[str, str]]:
    """One regular expression for every courier word (compiled once per run, not per order)."""
    words: dict[str, str] = {}
    for word in courier_words:
        folded = unicodedata.normalize("NFKC", str(word)).strip().casefold()
        if folded:
            words.setdefault(folded, word)
    if not words:
        return None, words
    parts = [rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])" if w.isascii() else re.escape(w)
             for w in sorted(words, key=len, reverse=True)]
    return re.compile("|".join(parts)), words


def receiver_key(order: Mapping) -> tuple[str, str, str] | None:
    """(name, phone, address) as compared; None when any is blank or masked (a 千牛 export's
    desensitised receiver cannot be told apart from another)."""
    from .address.compare import normalize_address

    name = _fold(order.get("receiver_name"))
    phone = phone_key(order.get("receiver_mobile")) or phone_key(order.get("receiver_tel"))
    address = normalize_address(order.get("address"))
    if order.get("masked") or not (name and phone and address) or "*" in name + address:
        return None
    return name, phone, address


def placed_at(order: Mapping) -> datetime | None:
    """When the order was placed (paid, for exports without a creation time)."""
    text = order.get("created_at") or order.get("paid_at")
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


# ---------------------------------------------------------------- groups


@dataclass(frozen=True)
class MergeRow:
    """A merge group (no conflicts) or a near-group listed for staff (with conflicts)."""

    group_id: str
    orders: tuple[Mapping, ...]  # in time order
    conflicts: tuple[str, ...] = ()
    postage: Postage | None = None
    order_conflicts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def is_merge(self) -> bool:
        return not self.conflicts

    @property
    def order_ids(self) -> list[str]:
        return [str(o["order_id"]) for o in self.orders]

    @property
    def main_code(self) -> str:
        return self.conflicts[0] if self.conflicts else MERGE

    @property
    def goods_total(self) -> int:
        return sum(o.get("goods_fen") or 0 for o in self.orders)

    def as_row(self, show_pii: bool = False) -> dict:
        """The merge-shipping JSON row (PRODUCT §15) plus the receiver's parts, for the warehouse.

        `receiver` joins name, phone and address, each masked by its own rule unless show_pii;
        the parts are kept as their own name/phone/address columns, which the output layer masks."""
        first = self.orders[0]
        # One text per receiver as compared (addresses differing only in spaces are one receiver).
        by_key: dict = {}
        for order in self.orders:
            by_key.setdefault(receiver_key(order), order)
        receivers = [receiver_text(o, show_pii) for o in by_key.values()]
        single = len(receivers) == 1
        paid = self.postage.paid if self.postage else sum(o.get("postage_fen") or 0 for o in self.orders)
        return {
            "group_id": self.group_id,
            "order_ids": self.order_ids,
            "buyer": " / ".join(dict.fromkeys(o.get("buyer_nick") or "" for o in self.orders)) or None,
            "receiver": " / ".join(receivers),
            "postage_paid": paid,
            "postage_due": self.postage.due if self.postage and self.is_merge else None,
            "refund": self.postage.refund if self.postage and self.is_merge else None,
            "conflicts": list(self.conflicts),
            "receiver_name": first.get("receiver_name") if single else None,
            "receiver_phone": (first.get("receiver_mobile") or first.get("receiver_tel")) if single else None,
            "address": first.get("address") if single else None,
            "order_count": len(self.orders),
            "goods_total": self.goods_total,
            "first_order_at": first.get("created_at") or first.get("paid_at"),
            "last_order_at": self.orders[-1].get("created_at") or self.orders[-1].get("paid_at"),
            "order_conflicts": {k: list(v) for k, v in self.order_conflicts.items()},
            "detail": self.detail(),
        }

    def detail(self) -> str:
        """One line for staff, in Chinese, without personal data."""
        count = len(self.orders)
        if self.is_merge:
            text = f"{count}单合并为一个包裹"
            if self.postage and self.postage.refund:
                text += f"，多付邮费 {yuan(self.postage.refund)} 元应退"
            return text
        if self.conflicts == (DIFFERENT_ADDRESS,):
            places = len({receiver_key(o) for o in self.orders})
            return f"同一买家{count}单发往{places}个不同的收货人或地址，请与买家确认，不要合并"
        reasons = [f"{oid} {'、'.join(CONFLICT_ZH[c] for c in codes)}" for oid, codes in self.order_conflicts.items()]
        return "不能合并：" + "；".join(reasons)

    def note_text(self) -> dict[str, str]:
        """The seller note each order gets when the group is applied. The refund is written on the
        first order only, so nobody refunds the same postage twice from two notes."""
        ids = self.order_ids
        texts = {}
        for index, order_id in enumerate(ids):
            if index == 0:
                text = f"合并发货 {self.group_id}：{'、'.join(ids)} 同一包裹"
                if self.postage and self.postage.refund:
                    text += f"，多付邮费 {yuan(self.postage.refund)} 元应退（整组）"
            else:
                text = f"合并发货 {self.group_id}：随 {ids[0]} 同一包裹"
            texts[order_id] = text
        return texts


def receiver_text(order: Mapping, show_pii: bool = False) -> str:
    name = order.get("receiver_name") or ""
    phone = order.get("receiver_mobile") or order.get("receiver_tel") or ""
    address = order.get("address") or ""
    if not show_pii:
        name, phone, address = mask_name(name) or "", mask_phone(phone) or "", mask_address(address) or ""
    return " ".join(part for part in (name, phone, address) if part)


@dataclass
class MergeReport:
    rows: list[MergeRow]
    candidates: int = 0  # paid/partly shipped orders looked at
    unmatched: int = 0  # receiver blank or masked: cannot be compared
    no_buyer: int = 0  # no buyer nick: merged only with --loose

    @property
    def groups(self) -> list[MergeRow]:
        return [row for row in self.rows if row.is_merge]

    def summary(self) -> dict:
        counts: dict[str, int] = {MERGE: 0}
        for row in self.rows:
            counts[row.main_code] = counts.get(row.main_code, 0) + 1
        groups = self.groups
        refund = sum(row.postage.refund for row in groups if row.postage)
        return {
            **counts,
            "orders_merged": sum(len(row.orders) for row in groups),
            "postage_refund": round(refund / 100, 2),
            "candidates": self.candidates,
            "unmatched": self.unmatched,
            "no_buyer": self.no_buyer,
        }


@dataclass
class _Entry:
    order: Mapping
    when: datetime
    key: tuple[str, str, str]
    conflicts: tuple[str, ...]

    @property
    def sort_key(self) -> tuple:
        return self.when, str(self.order["order_id"])


def find_merges(
    orders: Iterable[Mapping],
    *,
    window: timedelta,
    rule: PostageRule,
    courier_words: Sequence[str] = (),
    include_presale: bool = False,
    loose: bool = False,
) -> MergeReport:
    """Merge groups and near-groups of paid, unshipped orders (status paid or partly_shipped).

    Orders are bucketed by (shop, buyer nick, receiver), or (shop, receiver) when `loose`; in time
    order, a group starts at its first order and takes every later one placed within `window` of
    it. Clean orders merge among themselves; a bucket's window that also holds a blocked order is
    listed once with every order in it and each blocked order's codes. A buyer whose orders in a
    window go to different receivers is listed as `different_address`.
    Group ids are `M-`/`X-`/`D-` + the first order's id, so the same orders give the same id on
    every run."""
    report = MergeReport(rows=[])
    by_receiver: dict[tuple, list[_Entry]] = defaultdict(list)
    by_buyer: dict[tuple, list[_Entry]] = defaultdict(list)
    for order in orders:
        report.candidates += 1
        when = placed_at(order)
        key = receiver_key(order)
        if when is None or key is None:
            report.unmatched += 1
            continue
        entry = _Entry(order, when, key, order_conflicts(order, courier_words, include_presale))
        shop = (order.get("shop") or "").strip()
        nick = (order.get("buyer_nick") or "").strip()
        if nick:
            by_buyer[(shop, nick)].append(entry)
        if loose:
            by_receiver[(shop, *key)].append(entry)
        elif nick:
            by_receiver[(shop, nick, *key)].append(entry)
        else:
            report.no_buyer += 1

    merges, blocked, hints = [], [], []
    for entries in by_receiver.values():
        if len(entries) < 2:
            continue
        entries.sort(key=lambda e: e.sort_key)
        for cluster in _windows([e for e in entries if not e.conflicts], window):
            merges.append(_merge_row(cluster, rule))
        for cluster in _windows(entries, window):
            if any(e.conflicts for e in cluster):
                codes = {e.order["order_id"]: e.conflicts for e in cluster if e.conflicts}
                blocked.append(_conflict_row("X-", cluster, codes))
    for entries in by_buyer.values():
        if len(entries) < 2 or len({e.key for e in entries}) < 2:
            continue
        entries.sort(key=lambda e: e.sort_key)
        for cluster in _windows(entries, window):
            if len({e.key for e in cluster}) > 1:
                hints.append(_conflict_row("D-", cluster, {}, (DIFFERENT_ADDRESS,)))
    for rows in (merges, blocked, hints):
        rows.sort(key=lambda r: (placed_at(r.orders[0]), r.group_id))
        report.rows.extend(rows)
    return report


def _windows(entries: list[_Entry], window: timedelta) -> Iterable[list[_Entry]]:
    """Runs of two or more entries (sorted by time) whose last is at most `window` after the first."""
    start = 0
    while start < len(entries):
        end = start + 1
        while end < len(entries) and entries[end].when - entries[start].when <= window:
            end += 1
        if end - start > 1:
            yield entries[start:end]
        start = end


def _merge_row(cluster: list[_Entry], rule: PostageRule) -> MergeRow:
    orders = tuple(e.order for e in cluster)
    postage = one_parcel([o.get("postage_fen") for o in orders], sum(o.get("goods_fen") or 0 for o in orders), rule)
    return MergeRow("M-" + str(orders[0]["order_id"]), orders, (), postage)


def _conflict_row(prefix: str, cluster: list[_Entry], blocked: dict, codes: tuple[str, ...] | None = None) -> MergeRow:
    orders = tuple(e.order for e in cluster)
    if codes is None:
        present = {c for cs in blocked.values() for c in cs}
        codes = tuple(c for c in CONFLICTS if c in present)
    return MergeRow(prefix + str(orders[0]["order_id"]), orders, codes, None, blocked)
