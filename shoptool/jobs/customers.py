"""`shoptool customers show|list|tag|consent` (PRODUCT §20, §24): one view of a buyer, the buyer
list with tiers, segments and RFM, staff tags and consents recorded by hand (both audited in the
notes log)."""

from __future__ import annotations

from .. import columns as K
from ..errors import UsageError
from ..result import Result
from .shop import Shop

LIST_COLUMNS = [
    K.Column("buyer", "买家", "Buyer"),  # the nick (visible, §12); a buyer known by phone only is masked as text
    K.Column("tier", "会员等级", "Tier"),
    K.Column("segment", "人群", "Segment"),
    K.Column("orders", "成交订单数", "Paid orders", K.INT),
    K.Column("spend", "成交金额（元）", "Spend", K.MONEY),
    K.Column("last_paid_at", "最近购买", "Last purchase", K.TIME),
    K.Column("r", "R", "R", K.INT),
    K.Column("f", "F", "F", K.INT),
    K.Column("m", "M", "M", K.INT),
    K.Column("tags", "标签", "Tags", K.LIST),
    K.Column("opted_out", "已退订", "Opted out", K.BOOL),
    K.Column("consented", "已同意营销", "Consented", K.BOOL),
    K.Column("segments", "所属人群", "Segments", K.LIST),
    K.Column("all_orders", "订单数", "Orders", K.INT),
    K.Column("window_orders", "周期内成交", "Paid in window", K.INT),
    K.Column("window_spend", "周期内金额（元）", "Spend in window", K.MONEY),
    K.Column("days_since", "距最近购买天数", "Days since", K.INT),
    K.Column("phone", "手机号", "Phone", K.PHONE),
]
LIST_TABLE_KEYS = ("buyer", "tier", "segment", "orders", "spend", "last_paid_at", "r", "f", "m", "tags")
TIMELINE_COLUMNS = [
    K.Column("at", "时间", "At", K.TIME),
    K.Column("event", "事件", "Event", labels="customer_event"),
    K.Column("order_id", "订单编号", "Order", K.ID),
    K.Column("status", "状态", "Status"),
    K.Column("amount", "金额（元）", "Amount", K.MONEY),
    K.Column("detail", "内容", "Detail"),
    K.Column("staff", "客服", "Staff"),
    K.Column("phone", "手机号", "Phone", K.PHONE),
]
MARK_COLUMNS = [
    K.Column("buyer", "买家", "Buyer"),
    K.Column("tag", "标签", "Tag"),
    K.Column("action", "处理", "Action"),
    K.Column("staff", "客服", "Staff"),
    K.Column("at", "时间", "At", K.TIME),
]
CONSENT_COLUMNS = [
    K.Column("phone", "手机号", "Phone", K.PHONE),
    K.Column("buyer", "买家", "Buyer"),
    K.Column("action", "处理", "Action"),
    K.Column("source", "来源", "Source"),
    K.Column("consented_at", "同意时间", "Consented at", K.TIME),
    K.Column("proof", "凭证", "Proof"),
    K.Column("staff", "客服", "Staff"),
]


def resolve(shop: Shop, text: str) -> tuple[str, list[str]]:
    """A buyer as staff type it (nick, or phone in any spelling) → (buyer key, notes). Unknown: exit 2."""
    from ..db import customers as cq
    from ..phones import buyer_key, mask_phone, normalise_mobile

    given = (text or "").strip()
    if not given:
        raise UsageError("name a BUYER: the buyer nick (买家会员名) or a phone")
    db = shop.db
    if cq.orders_of(db, [given]).get(given) or cq.members_of(db, [given]) or cq.tag_rows(db, given):
        return given, []
    mobile = normalise_mobile(given)
    if mobile is None:
        raise UsageError(f"no buyer {given!r} in the shop database ({shop.settings.db_path})",
                         hint="give the buyer nick exactly as exported (买家会员名), or the buyer's phone")
    keys = list(dict.fromkeys(k for k in (buyer_key(o) for o in cq.orders_with_phone(db, mobile)) if k))
    notes = []
    if len(keys) > 1:
        notes.append(f"{mask_phone(mobile)} is the phone of {len(keys)} buyers ({', '.join(keys[1:4])}…): showing "
                     f"{keys[0]}, whose order is the newest")
    if keys:
        return keys[0], notes
    members = db.conn.execute("SELECT member_key FROM members WHERE phone = ?", (mobile,)).fetchone()
    if members:
        return members[0], notes
    if cq.consent_rows(db, [mobile]) or cq.opted_out(db, [mobile]):
        return mobile, notes
    raise UsageError(f"no buyer with phone {mask_phone(mobile)} in the shop database ({shop.settings.db_path})")


def _profile_row(p, *, tags=(), phone=None, opted=False, consented=False) -> dict:
    s = p.stats
    return {"buyer": s.buyer, "tier": p.tier, "segment": p.segment, "orders": s.paid_orders, "spend": s.spend_fen,
            "last_paid_at": s.last_paid_at, "r": p.r, "f": p.f, "m": p.m, "tags": list(tags), "opted_out": opted,
            "consented": consented, "segments": list(p.segments), "all_orders": s.orders,
            "window_orders": s.window_orders, "window_spend": s.window_spend_fen, "days_since": p.days_since,
            "phone": phone}


def _contact(shop: Shop, buyers: list[str]) -> dict[str, tuple[str | None, bool, bool]]:
    """Per buyer: (phone, opted out, consented)."""
    from ..db import customers as cq

    rows = cq.audience(shop.db, shop.settings, buyers, shop.now())
    return {r["buyer"]: (r["phone"], "opted_out" in r["reasons"], "no_consent" not in r["reasons"]) for r in rows}


def listing(shop: Shop, *, tiers=(), segments=(), limit: int | None = 1000) -> Result:
    """Buyers with tier, segment and RFM, the biggest spenders first."""
    from ..customers.segments import segment_name
    from ..customers.tiers import parse_tiers
    from ..db import customers as cq

    tiers = [tiers] if isinstance(tiers, str) else tiers
    segments = [segments] if isinstance(segments, str) else segments
    known_tiers = [t.name for t in parse_tiers(shop.settings["crm.tiers"])]
    wanted_tiers = [t for v in tiers or () for t in v.split(",") if t.strip()]
    wrong = [t for t in wanted_tiers if t not in known_tiers]
    if wrong:
        raise UsageError(f"--tier: {', '.join(wrong)} (choose from {', '.join(known_tiers)})")
    wanted_segments = []
    for value in (v for s in segments or () for v in s.split(",") if v.strip()):
        name = segment_name(value)
        if name is None:
            raise UsageError(f"--segment: unknown segment {value!r}", hint="成交客户 未成交客户 新客 复购 沉睡 流失")
        wanted_segments.append(name)
    import heapq

    def order(p):
        return -p.stats.spend_fen, -p.stats.paid_orders, p.stats.buyer

    counts: dict = {}
    first: dict = {}  # per tier, its first buyer in the list's order: the summary keeps that order

    def counted(profiles):  # the summary counts every buyer listed as they stream past
        for p in profiles:
            name = p.tier or "无等级"
            counts[name] = counts.get(name, 0) + 1
            key = order(p)
            if name not in first or key < first[name]:
                first[name] = key
            yield p

    found = counted(p for p in cq.profiles(shop.db, shop.settings, shop.now())
                    if (not wanted_tiers or p.tier in wanted_tiers)
                    and (not wanted_segments or any(s in p.segments for s in wanted_segments)))
    if limit and limit > 0:  # sorted(...)[:limit], ties included, without holding every profile
        shown = heapq.nsmallest(limit, found, key=order)
    else:
        shown = sorted(found, key=order)
        shown = shown[:limit] if limit else shown
    summary = {name: counts[name] for name in sorted(counts, key=first.__getitem__)}
    total = sum(counts.values())
    buyers = [p.stats.buyer for p in shown]
    tags = cq.tags_of(shop.db, buyers)
    contact = _contact(shop, buyers)
    rows = [_profile_row(p, tags=tags.get(p.stats.buyer, ()), phone=contact[p.stats.buyer][0],
                         opted=contact[p.stats.buyer][1], consented=contact[p.stats.buyer][2]) for p in shown]
    line = f"customers list: {total} buyer(s)" + (f", first {len(rows)} shown (--limit)" if total > len(rows) else "")
    return Result("customers list", LIST_COLUMNS, rows, summary, title="客户列表", table_keys=LIST_TABLE_KEYS,
                  summary_line=line, generated_at=shop.iso(shop.now()))


def show(shop: Shop, text: str) -> Result:
    """One buyer as one timeline: orders, refunds, 中差评, notes, tags, opt-out, consent, texts."""
    from ..customers import timeline
    from ..customers.segments import Stats
    from ..db import customers as cq

    buyer, notes = resolve(shop, text)
    db = shop.db
    profile = next((p for p in cq.profiles(db, shop.settings, shop.now()) if p.stats.buyer == buyer), None)
    orders = cq.orders_of(db, [buyer])[buyer]
    ids = [o["order_id"] for o in orders]
    contact = cq.audience(db, shop.settings, [buyer], shop.now())[0]
    phones = {p for p in [contact["mobile"], *(o["receiver_mobile"] for o in orders)] if p}
    nick = next((o["buyer_nick"] for o in orders if o.get("buyer_nick")), None)
    reviews = cq.reviews_of(db, ids, nick or buyer)
    consents = cq.consent_rows(db, phones, buyer)
    opt_outs = cq.opt_out_rows(db, phones)
    refunds = cq.refunds_of(db, ids)
    events = timeline.events(orders=reversed(orders), reviews=reviews, notes=cq.notes_of(db, ids, buyer),
                             tags=cq.tag_rows(db, buyer), opt_outs=opt_outs, consents=consents, refunds=refunds,
                             messages=cq.messages_of(db, ids, buyer))
    by_order = {o["order_id"]: o["receiver_mobile"] for o in orders}
    for event in events:
        event["phone"] = by_order.get(event["order_id"]) if event["event"] == "order" else None
    for event, row in zip([e for e in events if e["event"] == "consent"], consents):
        event["phone"] = row["phone"]
    for event, row in zip([e for e in events if e["event"] == "opt_out"], opt_outs):
        event["phone"] = row["phone"]
    if profile is None:
        from ..customers.segments import Profile

        profile = Profile(Stats(buyer), None)
    member = cq.members_of(db, [buyer]).get(buyer)
    s = profile.stats
    from ..privacy import mask_free_text

    shown = mask_free_text(buyer)  # a buyer known by phone only: the summary is not masked by column
    summary = {
        "buyer": shown, "tier": profile.tier, "segment": profile.segment, "segments": profile.segments,
        "orders": s.paid_orders, "all_orders": s.orders, "spend": round(s.spend_fen / 100, 2),
        "last_paid_at": s.last_paid_at, "r": profile.r, "f": profile.f, "m": profile.m,
        "refunds": sum(1 for e in events if e["event"] == "refund"),
        "bad_reviews": sum(1 for r in reviews if r.get("rating") in ("neutral", "bad")),
        "tags": [t["tag"] for t in cq.tag_rows(db, buyer)], "opted_out": bool(opt_outs),
        "consented": "no_consent" not in contact["reasons"], "marketing": contact["action"],
        "excluded_because": contact["reasons"], "blacklisted": bool(member and member.get("blacklisted")),
    }
    line = (f"customers show: {shown} — {profile.tier or '无等级'}, {profile.segment or '无订单'}, "
            f"{s.paid_orders} paid order(s), {summary['spend']} yuan, {len(events)} event(s)")
    result = Result("customers show", TIMELINE_COLUMNS, events, summary, title="客户档案", summary_line=line,
                    generated_at=shop.iso(shop.now()))
    for note in notes:
        result.info(mask_free_text(note))
    return result


def tag(shop: Shop, text: str, tag_name: str, *, staff: str | None = None, remove: bool = False) -> Result:
    """Tag a buyer (e.g. malicious: never texted), or untag; logged with who and when."""
    from ..db import customers as cq
    from ..db import write_transaction

    name = (tag_name or "").strip()
    if not name:
        raise UsageError("name the TAG, e.g. malicious")
    buyer, _ = resolve(shop, text)
    at, who = shop.iso(shop.now()), shop.staff(staff)
    with write_transaction(shop.db):
        if remove:
            changed = cq.remove_tag(shop.db, buyer, name)
            action = "removed" if changed else "not_tagged"
        else:
            changed = cq.add_tag(shop.db, buyer, name, staff=who, at=at)
            action = "tagged" if changed else "already"
        if changed:
            cq.log(shop.db, buyer, at=at, staff=who, action="untag" if remove else "tag", text=name,
                   source="customers tag")
    row = {"buyer": buyer, "tag": name, "action": action, "staff": who, "at": at}
    from ..privacy import mask_free_text

    return Result("customers tag", MARK_COLUMNS, [row], {action: 1}, generated_at=at,
                  summary_line=f"customers tag: {mask_free_text(buyer)} {name}: {action} by {who}")


def consent(shop: Shop, phone: str, *, source: str, proof: str | None = None, at: str | None = None,
            buyer: str | None = None, staff: str | None = None) -> Result:
    """Record by hand that a phone agreed to marketing texts: where, when, and the proof."""
    from .. import clock
    from ..db import customers as cq
    from ..db import write_transaction
    from ..db.store import audit
    from ..phones import mask_phone, normalise_mobile

    mobile = normalise_mobile(phone)
    if mobile is None:
        raise UsageError(f"not a mainland mobile number: {mask_phone(phone)!r} (marketing texts go to mobiles only)")
    if not (source or "").strip():
        raise UsageError("--source: where the buyer agreed (会员注册, 入会协议, 线下表单…)")
    now = shop.iso(shop.now())
    when = now
    if at:
        try:
            when = clock.to_iso(clock.parse_time(at, shop.settings.tz), shop.settings.tz)
        except (ValueError, TypeError):
            raise UsageError(f"--at: not a time: {at!r}") from None
    who = shop.staff(staff)
    with write_transaction(shop.db):
        existing = cq.add_consent(shop.db, mobile, buyer=(buyer or "").strip() or None, source=source.strip(),
                                  consented_at=when, proof=(proof or "").strip() or None, staff=who, at=now)
        if existing is None:
            cq.log(shop.db, (buyer or "").strip() or mobile, at=now, staff=who, action="consent",
                   text=f"{source.strip()}：{(proof or '').strip()}", source="customers consent")
            audit(shop.db, "consent", at=now, command="customers consent", staff=who,
                  detail={"phone": mask_phone(mobile), "source": source.strip(), "proof": proof})
    row = dict(existing) if existing else {"phone": mobile, "buyer": buyer, "source": source.strip(),
                                           "consented_at": when, "proof": proof, "staff": who}
    row = {k: row.get(k) for k in ("phone", "buyer", "source", "consented_at", "proof", "staff")}
    row["action"] = "already" if existing else "recorded"
    return Result("customers consent", CONSENT_COLUMNS, [row], {row["action"]: 1}, generated_at=now,
                  summary_line=f"customers consent: {mask_phone(mobile)} {row['action']}")
