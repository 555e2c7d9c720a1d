"""logistics-check (PRODUCT §18): parcels in trouble between 发货 and 签收, each with a next action
and an 安抚 text for 旺旺; `couriers`: exception and stall rates per courier × province; `--send`:
the logistics_care texts through the SMS engine (messages/purposes.Care)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from .. import columns as K
from ..errors import ConfigError, UsageError
from ..result import Result
from .fail_on import parse as parse_codes
from .shop import Shop

COMMAND = "logistics-check"
COLUMNS = [
    K.Column("tracking_no", "物流单号", "Tracking no.", K.ID),
    K.Column("courier", "物流公司", "Courier"),
    K.Column("order_ids", "订单编号", "Orders", K.LIST),
    K.Column("finding", "情况", "Finding", K.ID, labels="logistics_finding"),
    K.Column("subtype", "异常类型", "Subtype", K.ID, labels="parcel_subtype"),
    K.Column("severity", "级别", "Severity", K.ID, labels="severity"),
    K.Column("state", "物流状态", "State", K.ID, labels="parcel_state"),
    K.Column("last_event_at", "最新轨迹时间", "Last event at", K.TIME),
    K.Column("last_event", "最新轨迹", "Last event", width=40),
    K.Column("hours_since", "已过(小时)", "Hours since", K.INT),
    K.Column("next_action", "下一步", "Next action", width=40),
    K.Column("suggested_message", "旺旺安抚话术", "Suggested message", width=60),
    K.Column("other_findings", "其他情况", "Other findings", K.LIST, labels="logistics_finding"),
    K.Column("shipped_at", "发货时间", "Shipped at", K.TIME),
    K.Column("first_scan_at", "揽收时间", "First scan", K.TIME),
    K.Column("province", "省份", "Province"),
    K.Column("remote", "偏远地区", "Remote", K.BOOL),
    K.Column("buyer", "买家会员名", "Buyer"),
]
TABLE_KEYS = ("tracking_no", "courier", "finding", "subtype", "state", "hours_since", "next_action")
COURIER_COLUMNS = [
    K.Column("courier", "物流公司", "Courier"),
    K.Column("province", "省份", "Province"),
    K.Column("parcels", "包裹数", "Parcels", K.INT),
    K.Column("exceptions", "异常数", "Exceptions", K.INT),
    K.Column("exception_rate", "异常率", "Exception rate"),
    K.Column("stalled", "停滞数", "Stalled", K.INT),
    K.Column("stall_rate", "停滞率", "Stall rate"),
    K.Column("delivered", "已签收", "Delivered", K.INT),
    K.Column("avg_days_to_deliver", "平均签收天数", "Avg days to deliver"),
]


def rules(shop: Shop):
    from ..logistics.findings import Rules

    try:
        return Rules.from_settings(shop.settings)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def parse_fail_on(values) -> tuple[str, ...]:
    from ..logistics.findings import DEFAULT_FAIL_ON, FINDINGS

    return parse_codes(values, FINDINGS, [f for f in DEFAULT_FAIL_ON if f in FINDINGS], noun="finding")


def checked(shop: Shop, now, the_rules, tracking_nos=None, *,
            all_states: bool = False) -> Iterator[tuple[dict, object]]:
    """(parcel, its findings) for every parcel followed (db/parcels.parcels_to_check)."""
    from ..db import parcels as q
    from ..logistics import findings as F

    disputed_orders = q.not_received_refund_orders(shop.db)
    links = q.tracking_of_orders(shop.db, disputed_orders) if disputed_orders else {}
    disputed = {t for ts in links.values() for t in ts}
    cuts = F.Cuts.at(now, the_rules)
    for parcel in q.parcels_to_check(shop.db, delivered_too=disputed, tracking_nos=tracking_nos,
                                     all_states=all_states, quiet_after=cuts.quiet_after()):
        yield parcel, F.check(parcel, now, the_rules, disputed=parcel["tracking_no"] in disputed, cuts=cuts)


def run(shop: Shop, *, fail_on=None) -> Result:
    """Every parcel with a finding, most urgent first. Exit 1 when a row's finding is in `fail_on`
    (default no_pickup, exception, returned, auto_confirm_risk)."""
    from ..db import parcels as q
    from ..logistics import findings as F

    fails = parse_fail_on(fail_on)
    moment = shop.now()
    the_rules = rules(shop)
    rows = [F.listing_row(p, c, moment) for p, c in checked(shop, moment, the_rules) if c.findings]
    rank = {f: i for i, f in enumerate(F.FINDINGS)}
    rows.sort(key=lambda r: (rank[r["finding"]], -(r["hours_since"] or 0), r["tracking_no"]))
    summary = {code: 0 for code in F.FINDINGS}
    for row in rows:
        summary[row["finding"]] += 1
    errors = sum(1 for r in rows if r["severity"] == "error")
    found = ", ".join(f"{k} {v}" for k, v in summary.items() if v) or "no parcel in trouble"
    line = f"logistics-check: {len(rows)} parcel(s) need attention ({errors} error-level): {found}"
    result = Result(COMMAND, COLUMNS, rows, summary, exit_code=1 if any(summary[f] for f in fails) else 0,
                    title="物流异常", summary_line=line, table_keys=TABLE_KEYS, generated_at=shop.iso(moment))
    if not q.has_table(shop.db, "parcels") or not q.parcel_count(shop.db):
        result.warn("no tracking results imported yet: import 快递100/快递鸟 JSON or a tracking sheet "
                    "(shoptool import FILE) so parcels can be followed")
    else:
        missing = q.shipped_without_result(shop.db, shop.iso(moment - the_rules.auto_confirm_after))
        if missing:
            result.info(f"{missing} shipped order(s) of the last {shop.settings['logistics.auto_confirm_after']} "
                        "have no tracking result imported: they cannot be checked")
    return result


def couriers(shop: Shop, *, since: str = "30d") -> Result:
    """Exception and stall rates per courier × province, over parcels shipped (or first seen) since."""
    from .. import clock
    from ..logistics import findings as F
    from ..logistics import states as S

    try:
        window = clock.parse_duration(since)
    except ValueError as exc:
        raise UsageError(f"--since: {exc}") from None
    moment = shop.now()
    start = moment - window
    the_rules = rules(shop)
    stats: dict[tuple, dict] = {}
    for parcel, found in checked(shop, moment, the_rules, all_states=True):
        sent = clock.from_iso(found.shipped_at or parcel.get("first_seen_at"))
        if sent is None or sent < start:
            continue
        province = parcel_province(parcel)
        key = (parcel.get("courier") or "未知", province or "未知")
        row = stats.setdefault(key, {"courier": key[0], "province": key[1], "parcels": 0, "exceptions": 0,
                                     "stalled": 0, "delivered": 0, "_days": []})
        row["parcels"] += 1
        if parcel["state"] in (S.EXCEPTION, S.REJECTED) or parcel.get("subtype"):
            row["exceptions"] += 1
        if F.STALLED in found.findings:
            row["stalled"] += 1
        if parcel["state"] == S.DELIVERED:
            row["delivered"] += 1
            done = clock.from_iso(parcel.get("delivered_at") or parcel.get("last_event_at"))
            if done is not None and found.shipped_at is not None:
                row["_days"].append((done - clock.from_iso(found.shipped_at)) / timedelta(days=1))
    rows = []
    for row in sorted(stats.values(), key=lambda r: (-r["parcels"], r["courier"], r["province"])):
        days = row.pop("_days")
        row["exception_rate"] = f"{row['exceptions'] / row['parcels']:.1%}"
        row["stall_rate"] = f"{row['stalled'] / row['parcels']:.1%}"
        row["avg_days_to_deliver"] = round(sum(days) / len(days), 1) if days else None
        rows.append(row)
    total = sum(r["parcels"] for r in rows)
    line = f"logistics-check couriers: {total} parcel(s) since {since} over {len(rows)} courier × province pair(s)"
    return Result(f"{COMMAND} couriers", COURIER_COLUMNS, rows, {"parcels": total, "pairs": len(rows)},
                  title="快递表现", summary_line=line, generated_at=shop.iso(moment))


def parcel_province(parcel: dict) -> str | None:
    return next((o.get("province") for o in parcel.get("orders") or () if o.get("province")), None)


def send(shop: Shop, *, dry_run: bool = False, provider=None) -> Result:
    """The logistics_care texts due now (one per parcel and finding, ever), through the SMS engine."""
    from ..messages.engine import run_command
    from .sending import SEND_COLUMNS

    report = run_command(COMMAND, shop, dry_run=dry_run, provider=provider)
    result = Result(COMMAND, SEND_COLUMNS, report.rows, report.summary, exit_code=report.exit_code,
                    title="物流关怀短信", summary_line=report.summary_line,
                    table_keys=("order_id", "step", "action", "reason", "phone", "tracking_no"),
                    generated_at=shop.iso(shop.now()))
    for note in report.notes:
        result.info(note)
    if not shop.settings["logistics.care"]:
        result.info("logistics.care lists no finding: no care text is sent (e.g. care = [\"stalled\", \"exception\"] "
                    "in [logistics])")
    return result
