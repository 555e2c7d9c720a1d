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
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache

from . import orders as O
from .phones import buyer_key, mask_phone, phone_key
from .postage import Postage, PostageRule, one_parcel, yuan
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
    if order.get("open_refund"):  # an open refund in the imported 退款管理 export (db/refunds.py)
        return True
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
    applied_group: str | None = None  # a group merge-shipping --apply recorded that these orders were in

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
            "applied_group": self.applied_group,
            "detail": self.detail(),
        }

    @property
    def broken(self) -> bool:
        """An applied group that can no longer travel as recorded: the warehouse must be told."""
        return bool(self.applied_group) and not self.is_merge

    def detail(self) -> str:
        """One line for staff, in Chinese, without personal data."""
        if self.broken:
            return f"已合并的组 {self.applied_group} 现在不能合并（请通知仓库拆开）：" + self._conflict_text()
        return self._detail()

    def _conflict_text(self) -> str:
        if self.order_conflicts:
            return "；".join(f"{oid} {'、'.join(CONFLICT_ZH[c] for c in codes)}"
                            for oid, codes in self.order_conflicts.items())
        return "、".join(CONFLICT_ZH[c] for c in self.conflicts)

    def _detail(self) -> str:
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
    no_buyer: int = 0  # no buyer (nick, else a valid phone): merged only with --loose

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
            "applied_broken": sum(1 for row in self.rows if row.broken),
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
    applied: Mapping[str, Sequence[str]] | None = None,
) -> MergeReport:
    """Merge groups and near-groups of paid, unshipped orders (status paid or partly_shipped).

    Orders are bucketed by (shop, buyer, receiver), or (shop, receiver) when `loose`; the buyer is
    phones.buyer_key (the nick, else the receiver's phone: PRODUCT §16). In time order, a group
    starts at its first order and takes every later one placed within `window` of it. Clean
    orders merge among themselves; a bucket's window that also holds a blocked order is listed
    once with every order in it and each blocked order's codes. A buyer whose orders in a window
    go to different receivers is listed as `different_address`.
    `applied` are the groups `--apply` recorded (group id → order ids): staff notes do not undo
    them (PRODUCT §16), so a note naming one courier for a recorded group's orders is no courier
    conflict — it is that parcel's courier; a recorded group that now has a conflict of its own
    is listed with `applied_group` set, so the warehouse can be told.
    Group ids are `M-`/`X-`/`D-` + the first order's id, so the same orders give the same id on
    every run."""
    report = MergeReport(rows=[])
    by_receiver: dict[tuple, list[_Entry]] = defaultdict(list)
    by_buyer: dict[tuple, list[_Entry]] = defaultdict(list)
    entries: list[_Entry] = []
    for order in orders:
        report.candidates += 1
        when = placed_at(order)
        key = receiver_key(order)
        if when is None or key is None:
            report.unmatched += 1
            continue
        entries.append(_Entry(order, when, key, order_conflicts(order, courier_words, include_presale)))
    recorded = _recorded(entries, applied or {}, courier_words)
    for entry in entries:
        order = entry.order
        shop = (order.get("shop") or "").strip()
        buyer = buyer_key(order)
        if buyer:
            by_buyer[(shop, buyer)].append(entry)
        if loose:
            by_receiver[(shop, *entry.key)].append(entry)
        elif buyer:
            by_receiver[(shop, buyer, *entry.key)].append(entry)
        else:
            report.no_buyer += 1

    merges, blocked, hints = [], [], []
    for bucket in by_receiver.values():
        if len(bucket) < 2:
            continue
        bucket.sort(key=lambda e: e.sort_key)
        for cluster in _windows([e for e in bucket if not e.conflicts], window):
            merges.append(_merge_row(cluster, rule))
        for cluster in _windows(bucket, window):
            if any(e.conflicts for e in cluster):
                codes = {e.order["order_id"]: e.conflicts for e in cluster if e.conflicts}
                blocked.append(_conflict_row("X-", cluster, codes))
    for bucket in by_buyer.values():
        if len(bucket) < 2 or len({e.key for e in bucket}) < 2:
            continue
        bucket.sort(key=lambda e: e.sort_key)
        for cluster in _windows(bucket, window):
            if len({e.key for e in cluster}) > 1:
                hints.append(_conflict_row("D-", cluster, {}, (DIFFERENT_ADDRESS,)))
    rows = _mark_recorded(merges, blocked, hints, recorded)
    for found in rows:
        found.sort(key=lambda r: (not r.broken, placed_at(r.orders[0]), r.group_id))
        report.rows.extend(found)
    return report


def _recorded(entries: list[_Entry], applied: Mapping[str, Sequence[str]],
              courier_words: Sequence[str]) -> dict[str, list[_Entry]]:
    """Recorded group → its orders still waiting to ship. A courier named by the orders of one
    recorded group is that parcel's courier, not a conflict; two different couriers still are."""
    of_order = {str(oid): group for group, ids in applied.items() for oid in ids}
    members: dict[str, list[_Entry]] = defaultdict(list)
    for entry in entries:
        if str(entry.order["order_id"]) in of_order:
            members[of_order[str(entry.order["order_id"])]].append(entry)
    for group_entries in members.values():
        if len({_fold(w) for w in (courier_request(e.order, courier_words) for e in group_entries) if w}) <= 1:
            for entry in group_entries:
                entry.conflicts = tuple(c for c in entry.conflicts if c != COURIER_REQUEST)
    return {group: es for group, es in members.items() if len(es) > 1}


def _mark_recorded(merges: list[MergeRow], blocked: list[MergeRow], hints: list[MergeRow],
                   recorded: dict[str, list[_Entry]]) -> tuple[list[MergeRow], ...]:
    """A recorded group whose orders still form one merge row is intact (the row names it); else
    every row holding its orders names it — or, when none does (a receiver or buyer changed),
    one row lists the group with its orders' own conflicts."""
    rows = [merges, blocked, hints]
    for group, members in recorded.items():
        ids = {str(e.order["order_id"]) for e in members}
        carrying = [(n, i) for n, found in enumerate(rows) for i, row in enumerate(found)
                    if (n == 0 and ids <= set(row.order_ids)) or (n > 0 and ids & set(row.order_ids))]
        intact = [(n, i) for n, i in carrying if n == 0]
        carrying = intact or carrying
        for n, i in carrying:
            rows[n][i] = replace(rows[n][i], applied_group=group)
        if not carrying:
            members.sort(key=lambda e: e.sort_key)
            codes = {e.order["order_id"]: e.conflicts for e in members if e.conflicts}
            own = {c for cs in codes.values() for c in cs}
            blocked.append(MergeRow("X-" + group.removeprefix("M-"), tuple(e.order for e in members),
                                    tuple(c for c in CONFLICTS if c in own) or (DIFFERENT_ADDRESS,), None, codes,
                                    group))
    return merges, blocked, hints


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
