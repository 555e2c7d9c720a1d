"""Comparing addresses: the normal form two addresses are compared in, what changed after
payment, and which of one buyer's open orders go to different places.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone

from ..phones import buyer_key

# Fields of the order-history table whose change after payment matters.
CHANGE_FIELDS = frozenset(
    {"address", "address_modified", "address_detail", "province", "city", "district",
     "receiver_name", "receiver_mobile", "receiver_tel"}
)
# Paid and not (fully) shipped. A partly shipped order still has a parcel to send to the same
# receiver, and a wrong or changed address now costs a second parcel, so it is checked too.
OPEN_STATUSES = ("paid", "partly_shipped")

_SEPARATORS = re.compile(r"[\s,，、;；:：/|]+")
_TRAILING = ".,;:!?。，；：！？、…-—~ "


def normalize_address(text: str | None) -> str:
    """The form two addresses are compared in: full-width, case, whitespace, separators and
    trailing punctuation do not matter (`浙江省 杭州市 西湖区 文三路１号。` == `浙江省杭州市西湖区文三路1号`)."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    folded = _SEPARATORS.sub("", folded).rstrip(_TRAILING)
    for prefix in ("中国大陆", "中国"):
        if folded.startswith(prefix):
            folded = folded[len(prefix):]
            break
    return folded


def _same_place(a: str, b: str) -> bool:
    """Normalised addresses that may be the same place; a masked one only shows its beginning."""
    if a == b:
        return True
    if "*" in a or "*" in b:
        va, vb = a.split("*", 1)[0], b.split("*", 1)[0]
        return va.startswith(vb) or vb.startswith(va)
    return False


def _instant(value) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    # The database keeps offsets (PRODUCT §2); a bare time is shop time, Asia/Shanghai by default.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone(timedelta(hours=8)))


def address_changes(order: Mapping, history: Iterable[Mapping] = ()) -> str | None:
    """What changed after payment, in words for staff; None when nothing did.

    Counts a history row of an address or receiver field changed after `paid_at` (every change
    when the order has no payment time, e.g. cash on delivery), and a non-empty
    修改后的收货地址 (`address_modified`) that differs from the original address."""
    modified = order.get("address_modified")
    if not history and not modified:
        return None
    paid = _instant(order.get("paid_at"))
    changed = []
    for row in history:
        fld = row.get("field")
        if fld not in CHANGE_FIELDS or normalize_address(row.get("old")) == normalize_address(row.get("new")):
            continue
        when = _instant(row.get("changed_at"))
        if paid is None or when is None or when > paid:
            changed.append(fld)
    if modified and normalize_address(modified) != normalize_address(order.get("address_original")):
        changed.append("address_modified")
    if not changed:
        return None
    receiver = {"receiver_name": "收货人", "receiver_mobile": "手机", "receiver_tel": "电话"}
    words = dict.fromkeys(receiver.get(f, "收货地址") for f in changed)
    return "付款后改过" + "、".join(words)


def find_multiple_addresses(
    orders: Iterable[Mapping], open_statuses: Iterable[str] | None = OPEN_STATUSES
) -> dict[str, tuple[str, ...]]:
    """order_id -> the same buyer's other open orders going to a different address.

    A buyer is phones.buyer_key: the buyer nick, else the receiver's normalised phone. Orders whose status is
    not in `open_statuses` are ignored (pass None to take every order given)."""
    statuses = frozenset(open_statuses) if open_statuses is not None else None
    by_buyer: dict[str, list[tuple[str, str]]] = {}
    for order in orders:
        if statuses is not None and order.get("status") and order.get("status") not in statuses:
            continue
        address = normalize_address(order.get("address"))
        buyer = buyer_key(order)  # the nick, else the normalised phone (PRODUCT §16)
        if address and buyer and order.get("order_id"):
            by_buyer.setdefault(buyer, []).append((str(order["order_id"]), address))
    result: dict[str, tuple[str, ...]] = {}
    for entries in by_buyer.values():
        if len(entries) < 2:
            continue
        for order_id, address in entries:
            others = tuple(o for o, a in entries if o != order_id and not _same_place(address, a))
            if others:
                result[order_id] = others
    return result
