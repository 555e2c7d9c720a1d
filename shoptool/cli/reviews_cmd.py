"""`shoptool reviews`: the medium and negative reviews to work through (PRODUCT §10), and
`reviews update` / `reviews history` for their audited workflow."""

from __future__ import annotations

from typing import Annotated

import typer

from .. import columns as K
from ..output import Result
from .app import app
from .options import (
    ConfigOpt,
    DbOpt,
    FormatOpt,
    HeadersOpt,
    NowOpt,
    OutputOpt,
    Shop,
    ShowPiiOpt,
    finish,
    options,
)

COLUMNS = [
    K.Column("review_id", "评价ID", "Review ID", K.ID),
    K.Column("order_id", "订单编号", "Order", K.ID),
    K.Column("rating", "评价", "Rating"),
    K.Column("status", "处理状态", "Status"),
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
    K.Column("old_status", "原状态", "Old status"),
    K.Column("new_status", "新状态", "New status"),
    K.Column("text", "备注", "Note"),
]

reviews_app = typer.Typer(
    name="reviews",
    invoke_without_command=True,
    no_args_is_help=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(reviews_app, name="reviews")

IdArg = Annotated[str, typer.Argument(help="Review id, or the order number when that order has one review.",
                                      show_default=False)]


@reviews_app.callback()
def reviews_command(
    ctx: typer.Context,
    rating: Annotated[list[str] | None, typer.Option("--rating", help="neutral (中评) or bad (差评); repeatable.",
                                                        show_default=False)] = None,
    status: Annotated[list[str] | None, typer.Option(
        "--status", help="open, contacted, resolved, revised, malicious, closed or all; repeatable "
                         "(default: open and contacted).", show_default=False)] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only reviews posted on or after DATE (shop time).",
                                                 show_default=False)] = None,
    now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto",
    out: OutputOpt = None, headers: HeadersOpt = "zh", show_pii: ShowPiiOpt = False,
) -> None:
    """Medium and negative reviews still to handle, oldest first, with days left to explain.

    Exit 1 when an open 差评 is older than reviews.alert_after (default 2d).
    """
    if ctx.invoked_subcommand is not None:
        _refuse_group_options(ctx)
        return
    opts = options(fmt, out, headers, show_pii)
    shop = Shop(db, config)
    moment = shop.now(now)
    opts.generated_at = shop.iso(moment)
    finish(listing(shop, moment, rating, status, since), opts, shop)


def _refuse_group_options(ctx: typer.Context) -> None:
    # `reviews --db X update ID` would otherwise update the review in ./shoptool.db
    given = [param.opts[0] for param in ctx.command.params
             if getattr(ctx.get_parameter_source(param.name), "name", "") == "COMMANDLINE"]
    if given:
        from ..errors import UsageError

        raise UsageError(f"{', '.join(given)}: put options after `reviews {ctx.invoked_subcommand}`, not before it")


def listing(shop: Shop, moment, rating=None, status=None, since=None) -> Result:
    """The reviews worklist as a Result (also what `daily` shows)."""
    from .. import clock
    from .. import reviews as R
    from ..db.reviews import listed_reviews
    from ..errors import UsageError

    rules = R.ReviewRules.from_settings(shop.settings)
    ratings, statuses = R.parse_ratings(rating), R.parse_statuses(status)
    try:
        start = clock.parse_time(since, shop.tz) if since else None
    except ValueError as exc:
        raise UsageError(f"--since: {exc}") from None
    rows = R.worklist(listed_reviews(shop.db, ratings, statuses), moment, rules,
                      ratings=ratings, statuses=statuses, since=start)
    summary = R.summarize(rows, rules)
    return Result("reviews", COLUMNS, rows, summary, exit_code=1 if R.needs_action(rows) else 0,
                  title="中差评", summary_line=R.summary_line(summary, rules), table_keys=TABLE_KEYS)


@reviews_app.command("update")
def update_command(
    review: IdArg,
    status: Annotated[str | None, typer.Option(
        "--status", help="contacted, resolved, revised, malicious or closed.", show_default=False)] = None,
    note: Annotated[str | None, typer.Option("--note", help="What was done or agreed.", show_default=False)] = None,
    staff: Annotated[str | None, typer.Option("--staff", help="Staff id (default: setting shop.staff).",
                                                 show_default=False)] = None,
    now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto",
    out: OutputOpt = None, headers: HeadersOpt = "zh",
) -> None:
    """Record a review's new status and/or a note (audited); prints the review's history."""
    from .. import reviews as R
    from ..db import reviews as store
    from ..errors import UsageError

    new_status = R.check_new_status(status)
    if new_status is None and note is None:
        raise UsageError("give --status and/or --note")
    opts = options(fmt, out, headers)
    shop = Shop(db, config)
    at = shop.iso(shop.now(now))
    opts.generated_at = at
    review_id = R.resolve_id(review, store.candidates(shop.db, review))
    current = store.record_status(shop.db, review_id, status=new_status, note=note, staff=shop.staff(staff), at=at)
    finish(_history_result("reviews update", current, store.history(shop.db, review_id)), opts, shop)


@reviews_app.command("history")
def history_command(
    review: IdArg, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto", out: OutputOpt = None,
    headers: HeadersOpt = "zh",
) -> None:
    """Show who moved a review to which status, when, and their notes."""
    from .. import reviews as R
    from ..db import reviews as store

    opts = options(fmt, out, headers)
    shop = Shop(db, config)
    opts.generated_at = shop.iso(shop.now())
    review_id = R.resolve_id(review, store.candidates(shop.db, review))
    finish(_history_result("reviews history", store.get_review(shop.db, review_id),
                           store.history(shop.db, review_id)), opts, shop)


def _history_result(command: str, review: dict, rows: list[dict]) -> Result:
    summary = {"review_id": review["review_id"], "order_id": review["order_id"], "rating": review["rating"],
               "status": review["status"], "changes": len(rows)}
    line = f"review {review['review_id']}: {review['status']} ({len(rows)} change(s) recorded)"
    return Result(command, HISTORY_COLUMNS, rows, summary, title=f"评价 {review['review_id']}", summary_line=line)
