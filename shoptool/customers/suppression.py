"""Who a marketing text may go to (PRODUCT §20): a buyer who consented, has not opted out, has no
open refund, no 中差评 within crm.quiet_after_bad_review, is not tagged malicious nor on an ERP
blacklist, and has a real phone (not masked, not a privacy number). Every reason that holds is
named, the first one is the row's `reason`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..phones import MASKED, MOBILE, PRIVACY, receiver_phone

# Exclusion codes, in the order they are named (stable: JSON, messages.reason).
NO_PHONE = "no_phone"
MASKED_PHONE = "masked_phone"
PRIVACY_NUMBER = "privacy_number"
NO_CONSENT = "no_consent"
OPTED_OUT = "opted_out"
OPEN_REFUND = "open_refund"
BAD_REVIEW = "bad_review"
MALICIOUS = "malicious"
BLACKLISTED = "blacklisted"
SAME_PHONE = "same_phone"  # another buyer of the campaign has this phone: one text per phone
REASONS = (NO_PHONE, MASKED_PHONE, PRIVACY_NUMBER, OPTED_OUT, NO_CONSENT, OPEN_REFUND, BAD_REVIEW, MALICIOUS,
           BLACKLISTED, SAME_PHONE)


@dataclass(frozen=True)
class PhoneChoice:
    mobile: str | None  # the 11-digit mobile to text
    shown: str | None  # what the orders hold, for a buyer who cannot be texted
    reason: str | None  # why there is no mobile


def choose_phone(orders: Iterable[Mapping], fallback: Iterable[str | None] = ()) -> PhoneChoice:
    """The buyer's phone: the newest order's textable mobile (orders newest first), else any older
    order's, else a fallback (the ERP member list's, the consent's). With none, the newest
    order's kind says why: masked (desensitised export), privacy number, or none at all."""
    first_kind, shown = None, None
    for order in orders:
        phone = receiver_phone(order.get("receiver_mobile"), order.get("receiver_tel"))
        if phone.kind == MOBILE:
            return PhoneChoice(phone.number, phone.number, None)
        if first_kind is None or first_kind not in (MASKED, PRIVACY):
            if phone.kind in (MASKED, PRIVACY) or (order.get("masked") and phone.kind != MOBILE):
                first_kind = PRIVACY if phone.kind == PRIVACY else MASKED
                shown = shown or phone.raw or order.get("receiver_mobile")
    for value in fallback:
        phone = receiver_phone(value)
        if phone.kind == MOBILE:
            return PhoneChoice(phone.number, phone.number, None)
    if first_kind == PRIVACY:
        return PhoneChoice(None, shown, PRIVACY_NUMBER)
    if first_kind == MASKED:
        return PhoneChoice(None, shown, MASKED_PHONE)
    return PhoneChoice(None, None, NO_PHONE)


@dataclass
class Facts:
    """What the database says about a set of buyers, for suppression."""

    consented_phones: set[str] = field(default_factory=set)
    consented_buyers: set[str] = field(default_factory=set)
    opted_out: set[str] = field(default_factory=set)
    refunding: set[str] = field(default_factory=set)  # buyers with an open refund
    bad_review: set[str] = field(default_factory=set)  # buyers with a 中差评 in the quiet period
    malicious: set[str] = field(default_factory=set)
    blacklisted: set[str] = field(default_factory=set)  # buyers (member keys) and phones


def reasons(buyer: str, phone: PhoneChoice, facts: Facts) -> list[str]:
    found: list[str] = []
    if phone.reason:
        found.append(phone.reason)
    mobile = phone.mobile
    if mobile and mobile in facts.opted_out:
        found.append(OPTED_OUT)
    if not ((mobile and mobile in facts.consented_phones) or buyer in facts.consented_buyers):
        found.append(NO_CONSENT)
    if buyer in facts.refunding:
        found.append(OPEN_REFUND)
    if buyer in facts.bad_review:
        found.append(BAD_REVIEW)
    if buyer in facts.malicious:
        found.append(MALICIOUS)
    if buyer in facts.blacklisted or (mobile and mobile in facts.blacklisted):
        found.append(BLACKLISTED)
    return found


def decide(buyers: Iterable[tuple[str, PhoneChoice]], facts: Facts) -> list[dict]:
    """One row per buyer: action would_send or excluded, the first reason and all of them. Two
    buyers on one phone: the first keeps it, the next is excluded as same_phone."""
    rows, taken = [], set()
    for buyer, phone in buyers:
        found = reasons(buyer, phone, facts)
        if not found and phone.mobile in taken:
            found = [SAME_PHONE]
        if not found:
            taken.add(phone.mobile)
        rows.append({"buyer": buyer, "phone": phone.mobile or phone.shown, "mobile": phone.mobile,
                     "action": "excluded" if found else "would_send", "reason": found[0] if found else None,
                     "reasons": found})
    return rows
