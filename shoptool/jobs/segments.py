"""`shoptool segments` and `segments export SEG -o FILE` (PRODUCT §20, §24): how many buyers each
segment holds and the change since the last run (whose counts are stored), and a segment's buyers
as a file for the platform's tools (nicks; phones only with --show-pii)."""

from __future__ import annotations

from .. import columns as K
from ..errors import UsageError
from ..result import Result
from .shop import Shop

COLUMNS = [
    K.Column("segment", "人群", "Segment"),
    K.Column("count", "人数", "Buyers", K.INT),
    K.Column("change", "较上次变化", "Change", K.INT),
    K.Column("previous_at", "上次统计", "Previous run", K.TIME),
]
EXPORT_COLUMNS = [K.Column("buyer", "买家会员名", "Buyer nick")]
EXPORT_PII_COLUMNS = [K.Column("buyer", "买家会员名", "Buyer nick"), K.Column("phone", "手机号", "Phone", K.PHONE)]


def run(shop: Shop) -> Result:
    from ..db import customers as cq
    from ..db import write_transaction

    at = shop.iso(shop.now())
    unkeyed = [0]
    counted = cq.tally(shop.db, shop.settings, shop.now(), unkeyed)
    counts = counted.segments
    before = cq.last_segment_counts(shop.db)
    rows = [{"segment": name, "count": n, "change": n - before[name][0] if name in before else None,
             "previous_at": before[name][1] if name in before else None} for name, n in counts.items()]
    with write_transaction(shop.db):
        cq.save_segment_counts(shop.db, counts, at)
    summary = {"buyers": counted.buyers, **counts, "tiers": counted.tiers,
               "rfm": {k: dict(sorted(v.items())) for k, v in counted.rfm.items()}}
    line = "segments: " + ", ".join(f"{r['segment']} {r['count']}" + (f" ({r['change']:+d})" if r["change"] else "")
                                    for r in rows)
    result = Result("segments", COLUMNS, rows, summary, title="客户人群", summary_line=line, generated_at=at)
    if unkeyed[0]:
        result.info(f"{unkeyed[0]} order(s) name no buyer (a desensitised export without nick or phone): not counted")
    return result


def export(shop: Shop, segment: str, *, show_pii: bool = False) -> Result:
    """The buyers of SEG: nicks (what the platform's crowd tools take); phones only with --show-pii."""
    from ..customers.segments import segment_name
    from ..db import customers as cq
    from ..db import write_transaction
    from ..db.store import audit

    name = segment_name(segment)
    if name is None:
        raise UsageError(f"unknown segment {segment!r}", hint="成交客户 未成交客户 新客 复购 沉睡 流失")
    # (buyer key, nick) of each, not the profiles: a segment can hold most of a shop's buyers
    chosen = sorted(((p.stats.buyer, p.stats.nick) for p in cq.profiles(shop.db, shop.settings, shop.now())
                     if name in p.segments), key=lambda pair: pair[0])
    at = shop.iso(shop.now())
    if show_pii:
        contact = {r["buyer"]: r["mobile"] for r in cq.audience(shop.db, shop.settings,
                                                                [buyer for buyer, _ in chosen], shop.now())}
        rows = [{"buyer": nick, "phone": contact.get(buyer)} for buyer, nick in chosen]
        columns = EXPORT_PII_COLUMNS
    else:
        rows = [{"buyer": nick} for _, nick in chosen if nick]
        columns = EXPORT_COLUMNS
    with write_transaction(shop.db):
        audit(shop.db, "segment_export", at=at, command="segments export", staff=shop.operator(),
              detail={"segment": name, "rows": len(rows), "phones": show_pii})
    result = Result("segments export", columns, rows, {"segment": name, "rows": len(rows)}, title=name,
                    summary_line=f"segments export: {len(rows)} buyer(s) of {name}", generated_at=at)
    left = len(chosen) - len(rows)
    if left:
        result.info(f"{left} buyer(s) of {name} have no nick (known by phone only): only --show-pii exports them")
    return result
