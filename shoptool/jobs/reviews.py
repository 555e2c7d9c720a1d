"""reviews (PRODUCT §10): the medium and negative reviews to work through, and their audited
workflow (update, history)."""

from __future__ import annotations

from .. import columns as K
from ..errors import UsageError
from ..result import Result
from .shop import Shop

COMMAND = "reviews"
COLUMNS = [
    K.Column("review_id", "评价ID", "Review ID", K.ID),
    K.Column("order_id", "订单编号", "Order", K.ID),
    K.Column("rating", "评价", "Rating", labels="review_rating"),
    K.Column("status", "处理状态", "Status", labels="review_status"),
    K.Column("created_at", "评价时间", "Reviewed at", K.TIME),
    K.Column("age_days", "已过天数", "Age (days)", K.INT),
    K.Column("days_left", "剩余天数", "Days left", K.INT),
    K.Column("tags", "原因", "Tags", K.LIST),
    K.Column("buyer", "买家", "Buyer", K.NAME),  # platform nicks like t**3 pass through as they are
    K.Column("item", "宝贝", "Item"),
    K.Column("content", "评价内容", "Review"),
    K.Column("can_explain", "可解释", "Can explain", K.BOOL),
    K.Column("window_ends_at", "解释截止", "Window ends", K.TIME),
    K.Column("overdue", "超时未处理", "Overdue", K.BOOL),
    K.Column("followup", "追评", "Follow-up"),
    K.Column("reply", "卖家回复", "Seller reply"),
    K.Column("status_at", "处理时间", "Status at", K.TIME),
    K.Column("status_staff", "处理人", "Staff"),
    K.Column("status_note", "处理备注", "Note"),
]
# What fits a terminal: the order to look up, how urgent, and why; JSON and files carry the rest.
TABLE_KEYS = ("order_id", "rating", "status", "days_left", "tags", "buyer", "content")
HISTORY_COLUMNS = [
    K.Column("at", "时间", "At", K.TIME),
    K.Column("staff", "处理人", "Staff"),
    K.Column("action", "操作", "Action"),
    K.Column("old_status", "原状态", "Old status", labels="review_status"),
    K.Column("new_status", "新状态", "New status", labels="review_status"),
    K.Column("text", "备注", "Note"),
]


def listing(shop: Shop, *, rating=None, status=None, since: str | None = None) -> Result:
    """The reviews worklist now (also what `daily` shows)."""
    from .. import clock
    from .. import reviews as R
    from ..db.reviews import listed_reviews

    moment = shop.now()
    rules = R.ReviewRules.from_settings(shop.settings)
    ratings, statuses = R.parse_ratings(rating), R.parse_statuses(status)
    try:
        start = clock.parse_time(since, shop.tz) if since else None
    except ValueError as exc:
        raise UsageError(f"--since: {exc}", hint=clock.TIME_FORMATS_HINT) from None
    rows = R.worklist(listed_reviews(shop.db, ratings, statuses), moment, rules,
                      ratings=ratings, statuses=statuses, since=start)
    summary = R.summarize(rows, rules)
    return Result(COMMAND, COLUMNS, rows, summary, exit_code=1 if R.needs_action(rows) else 0,
                  title="中差评", summary_line=R.summary_line(summary, rules), table_keys=TABLE_KEYS,
                  generated_at=shop.iso(moment))


def update(shop: Shop, review: str, *, status: str | None = None, note: str | None = None,
           staff: str | None = None) -> Result:
    """Record a review's new status and/or a note (audited); the review's history as rows."""
    from .. import reviews as R
    from ..db import reviews as store

    new_status = R.check_new_status(status)
    if new_status is None and note is None:
        raise UsageError("give --status and/or --note")
    at = shop.iso(shop.now())
    review_id = R.resolve_id(review, store.candidates(shop.db, review))
    current = store.record_status(shop.db, review_id, status=new_status, note=note, staff=shop.staff(staff), at=at)
    return _history("reviews update", current, store.history(shop.db, review_id), at)


def history(shop: Shop, review: str) -> Result:
    """Who moved a review to which status, when, and their notes."""
    from .. import reviews as R
    from ..db import reviews as store

    review_id = R.resolve_id(review, store.candidates(shop.db, review))
    return _history("reviews history", store.get_review(shop.db, review_id), store.history(shop.db, review_id),
                    shop.iso(shop.now()))


def _history(command: str, review: dict, rows: list[dict], at: str) -> Result:
    summary = {"review_id": review["review_id"], "order_id": review["order_id"], "rating": review["rating"],
               "status": review["status"], "changes": len(rows)}
    line = f"review {review['review_id']}: {review['status']} ({len(rows)} change(s) recorded)"
    return Result(command, HISTORY_COLUMNS, rows, summary, title=f"评价 {review['review_id']}", summary_line=line,
                  generated_at=at)
