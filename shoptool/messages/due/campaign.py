"""Who a campaign's marketing text is due to (PRODUCT §20): the buyers of its segment that
suppression let through (customers/suppression.py), one draft per phone. The key is per
(campaign, phone), so a phone gets a campaign's text at most once, ever, whichever buyer it
belongs to and however often `campaign send` runs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..outbox import Draft

PURPOSE = "campaign"
VALUES = ("shop", "buyer", "tier")  # the variables a campaign template may use


def message_key(campaign_id: int, phone: str) -> str:
    return f"c:{int(campaign_id)}:{phone}"


def drafts(campaign: Mapping, rows: Iterable[Mapping], *, shop_name: str) -> list[Draft]:
    out = []
    for row in rows:
        if row["action"] != "would_send" or not row.get("mobile"):
            continue
        nick = row.get("nick")
        out.append(Draft(
            purpose=PURPOSE, key=message_key(campaign["campaign_id"], row["mobile"]), step=campaign["name"],
            order_ids=[], phone=row["mobile"], buyer=row["buyer"], buyer_nick=nick,
            values={"shop": shop_name, "buyer": nick or "", "tier": row.get("tier") or ""}))
    return out
