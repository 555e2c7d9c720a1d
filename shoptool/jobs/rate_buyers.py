"""rate-buyers (PRODUCT §19): completed trades whose buyer the seller may still rate (the platform's
15-day window), fewest days left first; and marking them rated (audited)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from .. import columns as K
from ..errors import ConfigError
from ..result import Result
from .shop import Shop

COMMAND = "rate-buyers"
COLUMNS = [
    K.Column("order_id", "订单编号", "Order", K.ID),
    K.Column("buyer", "买家会员名", "Buyer"),
    K.Column("completed_at", "交易成功时间", "Completed at", K.TIME),
    K.Column("days_left", "剩余天数", "Days left", K.INT),
    K.Column("window_ends_at", "评价截止", "Window ends", K.TIME),
    K.Column("completed_source", "成功时间来自", "Completed time from", labels="completed_source"),
    K.Column("buyer_rating", "买家给的评价", "Buyer's rating", labels="review_rating"),
    K.Column("item", "宝贝", "Item"),
    K.Column("total", "实付金额", "Paid", K.MONEY),
]
TABLE_KEYS = ("order_id", "buyer", "completed_at", "days_left", "buyer_rating", "item")


def window_days(shop: Shop) -> int:
    days = shop.settings["rate_buyers.window_days"]
    if not isinstance(days, int) or isinstance(days, bool) or days <= 0:
        raise ConfigError(f"setting rate_buyers.window_days: a whole number of days above 0, not {days!r}")
    return days


def listing(shop: Shop) -> Result:
    """The buyers to rate now (also what `daily` shows). Exit 0: a missed rating costs no penalty."""
    from .. import cs_lists as C
    from ..db.cs_lists import completed_without_time, rating_candidates

    moment = shop.now()
    days = window_days(shop)
    since = shop.iso(moment - timedelta(days=days))
    rows, unknown = C.rate_rows(rating_candidates(shop.db, since), moment, days)
    # the platform confirms receipt by itself 10 days after shipping, later only when the buyer
    # extends it: an order last moved more than a month before the window cannot still be in it
    unknown += completed_without_time(shop.db, since, shop.iso(moment - timedelta(days=days + 30)))
    summary = {"to_rate": len(rows), "last_day": sum(1 for r in rows if r["days_left"] == 0),
               "unknown_completion": unknown}
    line = (f"rate-buyers: {len(rows)} buyer(s) to rate within the {days}-day window, "
            f"{summary['last_day']} on their last day")
    result = Result(COMMAND, COLUMNS, rows, summary, title="待评价买家", summary_line=line, table_keys=TABLE_KEYS,
                    generated_at=shop.iso(moment))
    if unknown:
        result.warn(f"{unknown} completed order(s) imported recently have no completion time (确认收货时间) and were "
                    "already completed when first imported: their rating window cannot be told; an export with "
                    "确认收货时间 lists them")
    return result


def done(shop: Shop, given: Sequence[str], *, staff: str | None = None, note: str | None = None) -> Result:
    """Mark the orders named (or listed in files) as rated; each is logged with who and when."""
    from ..cs_lists import RATED_TASK
    from .cs_marks import mark

    return mark(shop, f"{COMMAND} done", given, task=RATED_TASK, result="rated", action="buyer_rated",
                text="已评价买家", staff=staff, note=note)
