"""One buyer's history as one timeline (PRODUCT §20 `customers show`): orders, refunds, 中差评,
notes, tags, opt-out and consent, oldest first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..orders import REFUND_NONE, refund_state


def events(*, orders: Iterable[Mapping] = (), reviews: Iterable[Mapping] = (), notes: Iterable[Mapping] = (),
           tags: Iterable[Mapping] = (), opt_outs: Iterable[Mapping] = (), consents: Iterable[Mapping] = (),
           refunds: Iterable[Mapping] = (), messages: Iterable[Mapping] = ()) -> list[dict]:
    out: list[dict] = []

    def add(at, event, *, order_id=None, status=None, amount_fen=None, detail=None, staff=None):
        out.append({"at": at, "event": event, "order_id": order_id, "status": status, "amount": amount_fen,
                    "detail": detail, "staff": staff})

    refund_orders = {r.get("order_id") for r in refunds}
    for o in orders:
        add(o.get("paid_at") or o.get("created_at"), "order", order_id=o["order_id"], status=o.get("status"),
            amount_fen=o.get("paid_fen") if o.get("paid_fen") is not None else o.get("total_fen"),
            detail=o.get("item_title"))
        if o["order_id"] not in refund_orders and refund_state(o.get("refund_status")) != REFUND_NONE:
            add(o.get("updated_at"), "refund", order_id=o["order_id"], status=o.get("refund_status"),
                amount_fen=o.get("refund_fen"))
    for r in refunds:
        add(r.get("created_at") or r.get("updated_at"), "refund", order_id=r.get("order_id"), status=r.get("status"),
            amount_fen=r.get("amount_fen"), detail=r.get("reason"))
    for r in reviews:
        add(r.get("created_at"), "review", order_id=r.get("order_id"), status=r.get("rating"),
            detail=r.get("content"))
    for n in notes:
        add(n.get("at"), "note", order_id=n.get("subject_id") if n.get("subject") == "order" else None,
            status=n.get("action"), detail=n.get("new_note") or n.get("text"), staff=n.get("staff"))
    for t in tags:
        add(t.get("at"), "tag", status=t.get("tag"), staff=t.get("staff"))
    for o in opt_outs:
        add(o.get("opted_out_at") or o.get("first_seen_at"), "opt_out", detail=o.get("source"))
    for c in consents:
        add(c.get("consented_at") or c.get("first_seen_at"), "consent", status=c.get("source"),
            detail=c.get("proof"), staff=c.get("staff"))
    for m in messages:
        add(m.get("sent_at") or m.get("created_at"), "sms", order_id=m.get("order_id"), status=m.get("status"),
            detail=f"{m.get('purpose')}:{m.get('step')}")
    out.sort(key=lambda e: (e["at"] or "", e["event"]))
    return out
