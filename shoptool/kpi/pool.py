"""Chat metrics over a period, pooled the only right way: 询单转化率 is Σ paid / Σ inquiries over the
period's rows, never a mean of daily rates; response times, reply rate and satisfaction are means
weighted by 接待人数 (a quiet day weighs as little as it was).

Rows are the stored `cs_performance` rows (one per sheet shape, account or summary label, and
period). Several sheets may cover one account and one month (千牛's 接待分析 for response times,
生意参谋 for conversion, a plug-in's sheet for both): each group of metrics is taken from one sheet
shape only — the one covering the most days of the period, then by a fixed preference — so nothing
is counted twice. Within one shape, a row whose days overlap a longer row of the same account is
left out (a half-month sheet imported beside the whole month).

Pure domain: row dicts in, dicts out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from .periods import Period

AGENT_DAILY, SHOP_DAILY = "agent_daily", "shop_daily"
QIANNIU_RECEPTION, SYCM_ACCOUNT, PLUGIN = "qianniu_reception", "sycm_account", "plugin"
SOURCES = (QIANNIU_RECEPTION, SHOP_DAILY, SYCM_ACCOUNT, AGENT_DAILY, PLUGIN)

COUNTS = ("consulted", "received", "effective_received", "unreplied", "inquiries", "inquiry_paid", "ordered",
          "sales_qty", "order_count", "slow_responses")
MONEY = ("order_amount_fen", "sales_fen", "avg_order_value_fen")
RATES = ("conversion_given", "sales_share", "response_3min_rate", "reply_rate", "satisfaction")
SECONDS = ("avg_response_s", "first_response_s")
RATIOS = ("qa_ratio",)
METRICS = COUNTS + MONEY + RATES + SECONDS + RATIOS


@dataclass(frozen=True)
class Group:
    """Metrics that must come from one sheet shape, and which shape is preferred on a tie."""

    name: str
    metrics: tuple[str, ...]
    preferred: tuple[str, ...]
    needs: tuple[str, ...]  # a row counts for the group when it has one of these


GROUPS = (
    Group("conversion", ("inquiries", "inquiry_paid", "conversion_given"),
          (AGENT_DAILY, PLUGIN, SYCM_ACCOUNT, SHOP_DAILY, QIANNIU_RECEPTION), ("inquiry_paid", "conversion_given")),
    Group("service", ("consulted", "received", "effective_received", "unreplied", "avg_response_s",
                      "first_response_s", "reply_rate", "response_3min_rate", "slow_responses"),
          (QIANNIU_RECEPTION, AGENT_DAILY, PLUGIN, SYCM_ACCOUNT, SHOP_DAILY),
          ("received", "consulted", "avg_response_s", "first_response_s", "reply_rate", "unreplied")),
    Group("sales", ("sales_fen", "ordered", "order_amount_fen", "sales_qty", "order_count"),
          (SYCM_ACCOUNT, PLUGIN, AGENT_DAILY, SHOP_DAILY, QIANNIU_RECEPTION), ("sales_fen",)),
    Group("satisfaction", ("satisfaction",), (PLUGIN, AGENT_DAILY, QIANNIU_RECEPTION, SYCM_ACCOUNT, SHOP_DAILY),
          ("satisfaction",)),
)


def _day(text) -> date:
    return text if isinstance(text, date) else date.fromisoformat(str(text)[:10])


def days_of(row: Mapping) -> list[date]:
    first, last = _day(row["period_start"]), _day(row["period_end"])
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def span_of(row: Mapping) -> str:
    """A row's days as people read them: 2026-11-20, or 2026-11-01..2026-11-20."""
    first, last = _day(row["period_start"]), _day(row["period_end"])
    return first.isoformat() if first == last else f"{first}..{last}"


def pending_of(row: Mapping) -> list[str]:
    value = row.get("pending")
    if not value:
        return []
    return list(value) if isinstance(value, (list, tuple)) else list(json.loads(value))


@dataclass
class Selection:
    """The rows of a period: inside it, and those left out, and why."""

    inside: list[dict] = field(default_factory=list)
    partly: list[dict] = field(default_factory=list)  # cover days outside the period too: not split
    overlapped: list[dict] = field(default_factory=list)  # a longer row of the same sheet shape covers them


def select(rows: Iterable[Mapping], period: Period) -> Selection:
    """Rows wholly inside the period's days; of overlapping rows of one shape and account, the longest."""
    chosen = Selection()
    first, last = period.first_day, period.last_day
    candidates: dict[tuple, list[dict]] = {}
    for row in rows:
        start, end = _day(row["period_start"]), _day(row["period_end"])
        if end < first or start > last:
            continue
        if start < first or end > last:
            chosen.partly.append(dict(row))
            continue
        candidates.setdefault((row["source"], row["nick_key"]), []).append(dict(row))
    for group in candidates.values():
        group.sort(key=lambda r: (-len(days_of(r)), str(r["period_start"])))
        taken: set[date] = set()
        for row in group:
            days = set(days_of(row))
            if days & taken:
                chosen.overlapped.append(row)
                continue
            taken |= days
            chosen.inside.append(row)
    return chosen


def _has(row: Mapping, names: Sequence[str]) -> bool:
    return any(row.get(name) is not None for name in names)


def _weight(row: Mapping) -> float | None:
    for name in ("received", "consulted", "effective_received", "inquiries"):
        if row.get(name) is not None:
            return float(row[name])
    return None


def weighted_mean(pairs: Sequence[tuple[float, float | None]]) -> float | None:
    """Σ v·w / Σ w; a plain mean only when no row says how many people it covers."""
    values = [(float(v), w) for v, w in pairs if v is not None]
    if not values:
        return None
    if all(w is not None for _, w in values) and sum(w for _, w in values) > 0:
        return sum(v * w for v, w in values) / sum(w for _, w in values)
    return sum(v for v, _ in values) / len(values)


def _sum(rows: Sequence[Mapping], name: str) -> int | None:
    values = [row[name] for row in rows if row.get(name) is not None]
    return sum(values) if values else None


def _paid(row: Mapping) -> int | None:
    """询单->最终付款人数, or what the sheet's own rate says of its 询单人数 when only that is given."""
    if row.get("inquiry_paid") is not None:
        return row["inquiry_paid"]
    if row.get("conversion_given") is not None and row.get("inquiries") is not None:
        return round(row["conversion_given"] * row["inquiries"])
    return None


def conversion(rows: Sequence[Mapping]) -> dict:
    """Σ paid / Σ inquiries over the rows that give both (a day whose 付款人数 is 延迟统计 is left
    out of both), and — for comparison only — the mean of the daily rates a spreadsheet would show."""
    pairs = [(row["inquiries"], _paid(row)) for row in rows if row.get("inquiries") is not None]
    pairs = [(inquiries, paid) for inquiries, paid in pairs if paid is not None]
    inquiries = sum(i for i, _ in pairs) if pairs else None
    paid = sum(p for _, p in pairs) if pairs else None
    daily = [p / i for i, p in pairs if i]
    return {
        "inquiries": inquiries,
        "inquiry_paid": paid,
        "inquiry_conversion": round(paid / inquiries, 4) if inquiries else None,
        "_mean_of_rates": round(sum(daily) / len(daily), 4) if len(daily) > 1 else None,
    }


def service(rows: Sequence[Mapping]) -> dict:
    replies = []
    for row in rows:
        if row.get("reply_rate") is not None:
            replies.append((row["reply_rate"], float(row["consulted"]) if row.get("consulted") is not None
                            else _weight(row)))
        elif row.get("unreplied") is not None and row.get("consulted"):
            replies.append((1 - row["unreplied"] / row["consulted"], float(row["consulted"])))
    out = {name: _sum(rows, name) for name in ("received", "consulted", "unreplied", "slow_responses")}
    for name in ("avg_response_s", "first_response_s"):
        value = weighted_mean([(row.get(name), _weight(row)) for row in rows])
        out[name] = round(value, 1) if value is not None else None
    reply = weighted_mean(replies)
    out["reply_rate"] = round(reply, 4) if reply is not None else None
    three = weighted_mean([(row.get("response_3min_rate"), _weight(row)) for row in rows])
    out["response_3min_rate"] = round(three, 4) if three is not None else None
    return out


def sales(rows: Sequence[Mapping]) -> dict:
    return {"sales": _sum(rows, "sales_fen"), "ordered": _sum(rows, "ordered"),
            "order_count": _sum(rows, "order_count")}


def satisfaction(rows: Sequence[Mapping]) -> dict:
    value = weighted_mean([(row.get("satisfaction"), _weight(row)) for row in rows])
    return {"satisfaction": round(value, 4) if value is not None else None}


_POOL = {"conversion": conversion, "service": service, "sales": sales, "satisfaction": satisfaction}


def coverage(rows: Iterable[Mapping]) -> dict[str, set[date]]:
    """The days each sheet shape covers, over every account: a day without an agent's row in a
    per-day sheet is a day she did not work, not a day the sheet does not know."""
    days: dict[str, set[date]] = {}
    for row in rows:
        days.setdefault(row["source"], set()).update(days_of(row))
    return days


def pool(rows: Sequence[Mapping], covered: Mapping[str, set[date]] | None = None) -> dict:
    """One account's (or one benchmark's) rows of a period → its pooled metrics, with the days the
    chosen rows cover (`days`), the days not final yet (`not_final_days`) and the sheet shapes used.
    Each group of metrics comes from the shape covering the most days (`covered`, from coverage();
    else the account's own rows), then the group's preferred shape."""
    by_source: dict[str, list[Mapping]] = {}
    for row in rows:
        by_source.setdefault(row["source"], []).append(row)
    out: dict = {}
    used: list[Mapping] = []
    sources: list[str] = []
    for group in GROUPS:
        best = None
        for source, source_rows in by_source.items():
            usable = [r for r in source_rows if _has(r, group.needs) or set(pending_of(r)) & set(group.metrics)]
            if not usable:
                continue
            days = len(covered[source]) if covered and source in covered else len(
                {d for r in usable for d in days_of(r)})
            preference = group.preferred.index(source) if source in group.preferred else len(group.preferred)
            key = (days, -preference)
            if best is None or key > best[0]:
                best = (key, source, usable)
        chosen = best[2] if best else []
        out.update(_POOL[group.name](chosen))
        if best:
            known = {id(r) for r in used}
            used.extend(r for r in chosen if id(r) not in known)
            if best[1] not in sources:
                sources.append(best[1])
    out["days"] = len({d for r in used for d in days_of(r)})
    out["not_final_days"] = sorted({span_of(r) for r in used if not r.get("final", 1)})
    out["sources"] = [s for s in SOURCES if s in sources]
    out["_used"] = [r.get("id") for r in used]
    return out
