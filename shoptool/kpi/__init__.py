"""The CS team's board (PRODUCT §23): chat metrics from 千牛/生意参谋/plug-in sheets pooled over a
period (Σ/Σ, never a mean of daily rates), what each agent did in shoptool, a weighted score and a
rank, and the platform's summary rows kept as benchmarks.

The pieces: periods.py (months, --since, the days a sheet covers), nicks.py (旺旺 accounts and
summary rows), pool.py (one account's rows → its metrics), outcomes.py (the audit → counts),
score.py (weights, targets, rank), board.py (the rows and notes of one period).
"""

from .board import AGENT, BENCHMARK, Board, build
from .nicks import SHOP_ROW, Nicks, nick_key, summary_label
from .outcomes import OUTCOMES, Outcomes, count
from .periods import Period, board_period, days_in_text, parse_day, parse_days
from .pool import METRICS, SOURCES
from .score import METRICS as SCORED_METRICS
from .score import Scoring

__all__ = [
    "AGENT", "BENCHMARK", "METRICS", "OUTCOMES", "SCORED_METRICS", "SHOP_ROW", "SOURCES", "Board", "Nicks",
    "Outcomes", "Period", "Scoring", "board_period", "build", "count", "days_in_text", "nick_key", "parse_day",
    "parse_days", "summary_label",
]
