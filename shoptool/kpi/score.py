"""The weighted score of the board (`[kpi.weights]`, `[kpi.targets]`, `[kpi] cap`) and the rank.

Each metric with a weight is scored against its target as a share: value / target where more is
better, target / value for response times (less is better), at most `cap` (1.2 = 120%). The score
is 100 × Σ weight × share / Σ weight over the metrics that count this period; an agent without a
value for a metric that counts gets 0 for it. A chat metric that no agent has (no sheet imported
gives it) does not count for anyone, and neither does an outcome shoptool cannot know (no refunds
table; reminders credited to nobody). Counting targets (notes, reviews revised, sales…) are per
month and scale with a shorter period.

Pure domain: rows and settings values in, numbers out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

HIGHER, LOWER, COUNT = "higher", "lower", "count"
# metric → (what better means, its Chinese name); COUNT: more is better, target per month.
METRICS: dict[str, tuple[str, str]] = {
    "inquiry_conversion": (HIGHER, "询单转化率"),
    "first_response_s": (LOWER, "首次响应(秒)"),
    "avg_response_s": (LOWER, "平均响应(秒)"),
    "reply_rate": (HIGHER, "回复率"),
    "satisfaction": (HIGHER, "客户满意率"),
    "sales": (COUNT, "销售额(元)"),
    "notes": (COUNT, "备注数"),
    "addresses_confirmed": (COUNT, "确认地址"),
    "reviews_revised": (COUNT, "中差评改评"),
    "refunds_on_time": (COUNT, "按时处理退款"),
    "remind_recovered": (COUNT, "催付成功"),
}
CHAT_METRICS = ("inquiry_conversion", "first_response_s", "avg_response_s", "reply_rate", "satisfaction", "sales")


@dataclass(frozen=True)
class Scoring:
    weights: dict[str, float]
    targets: dict[str, float]
    cap: float

    @classmethod
    def from_settings(cls, weights: Mapping, targets: Mapping, cap) -> Scoring:
        """ValueError naming the setting and key when a weight or target is unusable."""
        checked = {}
        for path, table in (("kpi.weights", weights), ("kpi.targets", targets)):
            values = {}
            for key, value in (table or {}).items():
                if key not in METRICS:
                    raise ValueError(f"setting {path}: unknown metric {key!r}; metrics: {', '.join(METRICS)}")
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    raise ValueError(f"setting {path}.{key}: expected a number ≥ 0, got {value!r}")
                values[key] = float(value)
            checked[path] = values
        try:
            cap = float(cap)
        except (TypeError, ValueError):
            raise ValueError(f"setting kpi.cap: expected a number ≥ 1, got {cap!r}") from None
        if cap < 1:
            raise ValueError(f"setting kpi.cap: expected a number ≥ 1, got {cap!r}")
        weighted = {k: w for k, w in checked["kpi.weights"].items() if w > 0}
        missing = [k for k in weighted if not checked["kpi.targets"].get(k)]
        if missing:
            raise ValueError(f"setting kpi.targets: {', '.join(missing)} has a weight but no target above 0")
        return cls(weighted, checked["kpi.targets"], cap)


@dataclass(frozen=True)
class Rule:
    """One metric of this period's score: counted or not, and why not."""

    metric: str
    name: str
    better: str
    weight: float
    target: float | None
    counted: bool
    reason: str | None = None

    def as_row(self) -> dict:
        return {"metric": self.metric, "name": self.name, "better": self.better, "weight": self.weight,
                "target": self.target, "counted": self.counted, "reason": self.reason}


# Why a metric does not count this period (labels.py: kpi_reason).
REASONS = {
    "no_weight": "it has no weight",
    "no_data": "no imported sheet gives it for this period",
    "no_refunds_table": "no refunds table in this database (after-sales not set up)",
    "not_credited": "催付 texts are sent by shoptool and credited to no agent ([kpi] reminders_staff)",
}


def plan(scoring: Scoring, agents: Sequence[Mapping], scale: float, unknown: Mapping[str, str]) -> list[Rule]:
    """The rules of this period: every metric with its weight and (scaled) target, and whether it
    counts. `unknown`: outcome metric → the REASONS code of why shoptool cannot know it this time."""
    rules = []
    for metric, (better, name) in METRICS.items():
        weight = scoring.weights.get(metric, 0.0)
        target = scoring.targets.get(metric)
        if target is not None and better == COUNT:
            target = round(target * scale, 2)
        reason = None
        if weight <= 0:
            reason = "no_weight"
        elif metric in unknown:
            reason = unknown[metric]
        elif metric in CHAT_METRICS and not any(a.get(metric) is not None for a in agents):
            reason = "no_data"
        rules.append(Rule(metric, name, better, weight, target, reason is None, reason))
    return rules


def _value(row: Mapping, metric: str) -> float | None:
    value = row.get(metric)
    if value is None:
        return None
    return value / 100 if metric == "sales" else float(value)  # sales: fen → yuan, as targeted


def share(rule: Rule, value: float | None, cap: float) -> float:
    if value is None or not rule.target:
        return 0.0
    if rule.better == LOWER:
        return cap if value <= 0 else min(rule.target / value, cap)
    return min(value / rule.target, cap)


def score(row: Mapping, rules: Sequence[Rule], cap: float) -> float | None:
    counted = [r for r in rules if r.counted]
    total = sum(r.weight for r in counted)
    if not total:
        return None
    return round(100 * sum(r.weight * share(r, _value(row, r.metric), cap) for r in counted) / total, 1)


def rank(rows: Sequence[dict]) -> None:
    """`rank` 1, 1, 3… by score, highest first; rows without a score get none."""
    scored = sorted((r for r in rows if r.get("score") is not None), key=lambda r: -r["score"])
    previous, place = None, 0
    for index, row in enumerate(scored, start=1):
        if row["score"] != previous:
            place, previous = index, row["score"]
        row["rank"] = place
