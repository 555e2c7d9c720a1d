"""The board itself: one row per agent (a staff id, or an unmapped 旺旺 nick) and one per benchmark,
with pooled chat metrics, shoptool outcomes, the score and the rank, plus what a lead must know
(days not final, sheets left out, nicks not mapped).

Pure domain: stored rows and counts in, rows and notes out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from . import nicks as N
from .outcomes import Outcomes
from .periods import Period
from .pool import coverage, pool, select, span_of
from .score import REASONS, Rule, Scoring, plan, rank, score

AGENT, BENCHMARK = "agent", "benchmark"
CHAT_KEYS = ("inquiries", "inquiry_paid", "inquiry_conversion", "first_response_s", "avg_response_s", "reply_rate",
             "sales")
OUTCOME_KEYS = ("refunds_on_time", "reviews_revised", "remind_recovered")
EXTRA_KEYS = ("satisfaction", "received", "notes", "addresses_confirmed", "refunds_handled", "days",
              "not_final_days", "sources")
# Pooled and daily-mean conversion further apart than this are worth a sentence.
_MEAN_GAP = 0.005


@dataclass
class Board:
    rows: list[dict]
    summary: dict
    rules: list[Rule]
    sheets: list[dict]  # every stored sheet row of the period: used or left out, and why
    notes: list[tuple[str, str]] = field(default_factory=list)


def _identity(row: Mapping, nicks: N.Nicks) -> tuple[str, str]:
    if row["kind"] == BENCHMARK:
        return BENCHMARK, row["nick_key"]
    staff = nicks.staff_of(row["nick"])
    return ("staff", staff) if staff else ("nick", row["nick_key"])


def _row(kind: str, staff: str | None, nick: str | None, pooled: Mapping, done: Mapping | None) -> dict:
    row: dict = {"staff": staff, "nick": nick, "kind": kind}
    row.update({key: pooled.get(key) for key in CHAT_KEYS})
    for key in OUTCOME_KEYS:
        row[key] = done.get(key) if done is not None else None
    row["score"] = row["rank"] = None
    row["satisfaction"] = pooled.get("satisfaction")
    row["received"] = pooled.get("received")
    for key in ("notes", "addresses_confirmed", "refunds_handled"):
        row[key] = done.get(key) if done is not None else None
    row["days"] = pooled.get("days", 0)
    row["not_final_days"] = pooled.get("not_final_days", [])
    row["sources"] = pooled.get("sources", [])
    row["_mean_of_rates"] = pooled.get("_mean_of_rates")
    return row


def build(chat_rows: Iterable[Mapping], outcomes: Outcomes, nicks: N.Nicks, scoring: Scoring, period: Period,
          unknown: Mapping[str, str]) -> Board:
    """`unknown`: outcome metric → why shoptool cannot know it (not scored, and said)."""
    chosen = select(chat_rows, period)
    grouped: dict[tuple[str, str], list[dict]] = {}
    for row in chosen.inside:
        grouped.setdefault(_identity(row, nicks), []).append(row)
    agents, benchmarks, used = [], [], set()
    covered = coverage(chosen.inside)
    for (kind, key), rows in grouped.items():
        pooled = pool(rows, covered)
        used.update(pooled.get("_used", ()))
        if kind == BENCHMARK:
            benchmarks.append(_row(BENCHMARK, None, N.clean(rows[0]["nick"]), pooled, None))
        elif kind == "staff":
            agents.append(_row(AGENT, key, N.shown_nick(r["nick"] for r in rows), pooled, outcomes.of(key)))
        else:
            agents.append(_row(AGENT, None, N.shown_nick(r["nick"] for r in rows), pooled, None))
    on_board = {row["staff"] for row in agents if row["staff"]}
    for staff in sorted(set(outcomes.by_staff) - on_board):
        if any(outcomes.by_staff[staff].values()):
            agents.append(_row(AGENT, staff, N.shown_nick(nicks.nicks_of(staff)), {}, outcomes.of(staff)))
    rules = plan(scoring, agents, period.target_scale, unknown)
    for row in agents:
        row["score"] = score(row, rules, scoring.cap)
    rank(agents)
    agents.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["staff"] or "~", r["nick"] or ""))
    benchmarks.sort(key=lambda r: N.benchmark_order(r["nick"]))
    board = Board(agents + benchmarks, {}, rules, _sheets(chosen, used))
    board.summary = _summary(board, agents, benchmarks, outcomes, period, nicks)
    board.notes = _notes(board, chosen, agents, outcomes, period, nicks, unknown)
    return board


def _sheets(chosen, used: set[int]) -> list[dict]:
    rows = []
    for status, found in (("used", chosen.inside), ("partly_outside", chosen.partly),
                          ("overlapped", chosen.overlapped)):
        for row in found:
            state = status if status != "used" or row["id"] in used else "not_needed"
            rows.append({"source": row["source"], "nick": row["nick"], "kind": row["kind"], "days": span_of(row),
                         "final": bool(row.get("final", 1)), "status": state, "file": row.get("file")})
    rows.sort(key=lambda r: (r["source"], r["days"], r["kind"] != AGENT, r["nick"]))
    return rows


def _team(agents: Sequence[Mapping]) -> tuple[int | None, int | None, float | None]:
    pairs = [(a["inquiries"], a["inquiry_paid"]) for a in agents if a["inquiries"] is not None
             and a["inquiry_paid"] is not None]
    if not pairs:
        return None, None, None
    inquiries, paid = sum(i for i, _ in pairs), sum(p for _, p in pairs)
    return inquiries, paid, round(paid / inquiries, 4) if inquiries else None


def _summary(board: Board, agents, benchmarks, outcomes: Outcomes, period: Period, nicks: N.Nicks) -> dict:
    inquiries, paid, rate = _team(agents)
    not_final = sorted({day for row in board.rows for day in row["not_final_days"]})
    return {
        "period": period.label,
        "start": period.start.isoformat(timespec="seconds"),
        "end": period.end.isoformat(timespec="seconds"),
        "agents": len(agents),
        "benchmarks": len(benchmarks),
        "inquiries": inquiries,
        "inquiry_paid": paid,
        "inquiry_conversion": rate,
        "not_final_days": not_final,
        "unmapped_nicks": sorted(row["nick"] for row in agents if row["staff"] is None and row["nick"]),
        "notes": outcomes.totals["notes"],
        "addresses_confirmed": outcomes.totals["addresses_confirmed"],
        "reviews_revised": outcomes.totals["reviews_revised"],
        "refunds_handled": outcomes.totals["refunds_handled"],
        "refunds_on_time": outcomes.totals["refunds_on_time"],
        "refunds_table": outcomes.refunds_known,
        "remind_sent": outcomes.remind_sent,
        "remind_recovered": outcomes.totals["remind_recovered"],
        "remind_recovered_amount": round(outcomes.recovered_fen / 100, 2),
        "target_scale": period.target_scale,
    }


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _notes(board: Board, chosen, agents, outcomes: Outcomes, period: Period, nicks: N.Nicks,
           unknown: Mapping[str, str]) -> list[tuple[str, str]]:
    notes: list[tuple[str, str]] = []
    if not chosen.inside:
        notes.append(("warning", f"no 客服绩效 sheet covers {period.label}: import 千牛 咨询接待分析 or 生意参谋 "
                                 "询单到付款 exports (shoptool import FILE); shown: shoptool's own records only"))
    used_files = {r.get("file") or r["source"] for r in chosen.inside}
    partly = sorted({(r.get("file") or r["source"], span_of(r)) for r in chosen.partly})
    for name, days in partly:
        if name in used_files:  # a per-day sheet: its days inside are used, its summary rows are not
            notes.append(("info", f"{name}: its days inside {period.label} are used; its summary rows (汇总值…) "
                                  f"cover {days} and are left out"))
        else:
            notes.append(("warning", f"{name}: covers {days}, not wholly inside {period.label}: left out "
                                     "(a sheet's total cannot be split by day; ask for the month it covers)"))
    if chosen.overlapped:
        notes.append(("info", f"{len(chosen.overlapped)} sheet row(s) left out: a longer sheet of the same shape "
                              "and account covers their days"))
    not_final = board.summary["not_final_days"]
    if not_final:
        notes.append(("warning", f"not final yet (延迟统计): {', '.join(not_final)} — the platform has not counted "
                                 "those figures; they are left out until you import the export again"))
    unmapped = board.summary["unmapped_nicks"]
    if unmapped:
        notes.append(("warning", f"旺旺 nick(s) not in [staff.nicks], shown without their shoptool work: "
                                 f"{', '.join(unmapped)}"))
    if nicks.ambiguous:
        notes.append(("warning", f"[staff.nicks] maps {', '.join(nicks.ambiguous)} to two staff ids: left unmapped"))
    for rule in board.rules:
        if rule.weight > 0 and not rule.counted and rule.reason != "no_refunds_table":  # said below
            notes.append(("info", f"{rule.metric} ({rule.name}) is not scored: {REASONS[rule.reason]}"))
    gaps = [(a["staff"] or a["nick"], a["inquiry_conversion"], a["_mean_of_rates"]) for a in agents
            if a.get("_mean_of_rates") is not None and a["inquiry_conversion"] is not None
            and abs(a["_mean_of_rates"] - a["inquiry_conversion"]) >= _MEAN_GAP]
    if gaps:
        shown = "; ".join(f"{who} {_pct(pooled)} (mean of daily rates {_pct(mean)})" for who, pooled, mean in gaps[:3])
        notes.append(("info", f"询单转化率 is pooled, Σ paid / Σ inquiries over the days, never a mean of daily "
                              f"rates (that weighs a quiet day like a busy one): {shown}"))
    if not outcomes.refunds_known:
        notes.append(("info", f"{REASONS['no_refunds_table']}: refunds_handled and refunds_on_time are 0"
                              + (" and not scored" if any(r.metric == "refunds_on_time" and r.weight > 0
                                                         for r in board.rules) else "")))
    return notes
