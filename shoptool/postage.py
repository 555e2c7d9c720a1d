"""One parcel's postage (PRODUCT §7, setting `postage.rule`): what a buyer paid on orders sent
together, what that one parcel costs under the shop's rule, and the refund. Money is integer fen."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation


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
