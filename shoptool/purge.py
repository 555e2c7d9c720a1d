"""What `shoptool purge` takes out of the shop database, and when (PRODUCT §13).

Decisions, so the purge can be explained to staff and auditors:
- Finished means completed, closed or signed. `signed` (买家已签收, cash on delivery) is the last
  state a COD order reaches in most exports: the parcel was delivered and the cash collected, and
  nothing is left to send to that address. Open orders (unpaid, paid, partly shipped, shipped)
  are never touched, however old.
- An order's age runs from the last moment anything is known to have happened to it: created,
  paid, shipped or finished (确认收货时间) as the export says, or a status change an import saw
  (order_history). So an order closed by a refund last week keeps its data for the full retention
  from last week, while an old export imported today is judged by its own dates. An order with no
  time at all counts from when shoptool first saw it.
- Removed: the buyer's nick, receiver name, phones, street address and invoice title (发票抬头: often
  a person's name) wherever they are stored
  (order, address history, shipments, SMS outbox, merge groups, reviews of the order); unknown
  export columns kept in `extra` (they may hold anything); and, inside free texts (buyer message,
  seller notes, the notes log, SMS texts, review texts), the order's own names, phones and
  addresses plus anything shaped like a phone number. The texts themselves stay: what staff did
  and what a review said are not personal data once nobody can be identified from them.
- Kept: order numbers, statuses, times, money, item lines, tracking numbers, province, city and
  district (regions are statistics, not an address: the address becomes `浙江省 杭州市 西湖区 ****`,
  the form the platform's own desensitised export uses), and the opt-out list (a phone that said
  "no texts" must stay on it: that is the purpose it was given for).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from .phones import mask_phones_in_text

FINISHED = ("completed", "closed", "signed")
MASK = "****"

# orders columns emptied (NULL) for a purged order; `address` keeps its region (region_only)
ORDER_PERSONAL = ("buyer_nick", "receiver_name", "receiver_mobile", "receiver_tel", "address",
                  "address_original", "address_modified", "address_detail", "invoice_title")
# order_history fields whose old/new values are personal
HISTORY_PERSONAL = ("address", "receiver_name", "receiver_mobile", "receiver_tel")

_MIN_KNOWN = 2  # shorter strings (a one-character name) would blank out ordinary words


def cut_before(now: datetime, older_than: timedelta) -> datetime:
    if older_than <= timedelta(0):
        raise ValueError("--older-than must be longer than zero")
    return now - older_than


def region_only(address: str | None) -> str | None:
    """"浙江省 杭州市 西湖区 ****": what the platform's own desensitised export keeps, so regional
    counts still work on purged orders."""
    from .privacy import mask_address

    return mask_address(address) if address else None


def known_values(order: dict) -> list[str]:
    """The strings that identify this order's buyer, longest first (so a full address is replaced
    before its street, and the street before a house number inside it)."""
    found: set[str] = set()
    for key in ("buyer_nick", "receiver_name"):
        value = _clean(order.get(key))
        if value and "*" not in value:
            found.add(value)
    for key in ("receiver_mobile", "receiver_tel"):
        value = _clean(order.get(key))
        if value:
            found.add(value)
            digits = re.sub(r"\D", "", value)
            if len(digits) >= 7:
                found.add(digits)
    for key in ("address", "address_original", "address_modified", "address_detail"):
        value = _clean(order.get(key))
        if not value:
            continue
        found.add(value)
        found.add(value.replace(" ", ""))
        parts = value.split()
        if key != "address_detail" and len(parts) > 3:
            parts = parts[3:]  # province, city and district are not personal
            found.add(" ".join(parts))
            found.add("".join(parts))
        if key == "address_detail" or len(parts) > 1:
            found.update(part for part in parts if len(part) >= 3)
    region = {_clean(order.get(k)) for k in ("province", "city", "district")}
    return sorted((v for v in found if len(v) >= _MIN_KNOWN and v not in region and v != MASK),
                  key=len, reverse=True)


def redact(text: str | None, known: list[str]) -> str | None:
    """The text with the order's known personal values and anything shaped like a phone number
    replaced by ****. None and empty texts stay as they are."""
    if not text:
        return text
    for value in known:
        if value in text:
            text = text.replace(value, MASK)
    # Every spelling of a phone §16 reads as one (full width, dots, +86…): phones.py finds them.
    return mask_phones_in_text(text, MASK)


def _clean(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
