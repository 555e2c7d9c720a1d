"""The review domain: the 30-day window, reason tags, filters, order and counts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoptool import reviews as R
from shoptool.config import load_settings
from shoptool.errors import ConfigError, UsageError

SHOP = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=SHOP)
RULES = R.ReviewRules(30, timedelta(days=2), {"物流": ("快递", "物流"), "尺码": ("偏小", "size"), "服务": ("客服",)})


def record(n: int, posted: datetime | None, rating: str = "bad", status: str = "open", **kw) -> dict:
    return {"review_id": f"r{n}", "order_id": f"o{n}", "rating": rating, "status": status,
            "created_at": posted.isoformat() if posted else None, "buyer_nick": "t**3", "item_title": "杯子",
            "content": kw.pop("content", "不好"), **kw}


@pytest.mark.parametrize("elapsed, age, left", [
    (timedelta(0), 0, 30),
    (timedelta(hours=1), 0, 29),  # 29 days and 23 hours left: 29 whole days
    (timedelta(days=1), 1, 29),
    (timedelta(days=28, hours=22), 28, 1),  # ends in 26 h: 1 day left, not 2
    (timedelta(days=29, hours=23), 29, 0),  # its last day: 0, with ends_at saying until when
    (timedelta(days=30), 30, 0),
    (timedelta(days=42), 42, 0),
])
def test_window(elapsed, age, left):
    win = R.window(NOW - elapsed, NOW, 30)
    assert (win.age_days, win.days_left) == (age, left)
    assert win.ends_at == NOW - elapsed + timedelta(days=30)


def test_window_unknown_time():
    assert R.window(None, NOW, 30) == R.Window(None, None, None)


@given(st.integers(min_value=0, max_value=30 * 86400 - 1))
def test_age_and_days_left_are_whole_days_that_never_overstate_the_time_left(seconds):
    win = R.window(NOW - timedelta(seconds=seconds), NOW, 30)
    assert win.age_days + win.days_left in (29, 30)
    assert timedelta(days=win.days_left) <= win.ends_at - NOW


def test_tags_follow_settings_order_and_ignore_case():
    assert R.tags_for("客服不理人，快递也慢", RULES.tags) == ["物流", "服务"]
    assert R.tags_for("Size too small", RULES.tags) == ["尺码"]
    assert R.tags_for("一般", RULES.tags) == []
    assert R.tags_for(None, RULES.tags) == []


def test_tag_rules_from_settings_are_checked():
    assert R.parse_tag_rules({"物流": "快递", "尺码": [" 偏小 ", ""]}) == {"物流": ("快递",), "尺码": ("偏小",)}
    with pytest.raises(ConfigError, match="reviews.tags.物流"):
        R.parse_tag_rules({"物流": [1, 2]})
    with pytest.raises(ConfigError):
        R.parse_tag_rules(["物流"])


def test_rules_from_settings_default_and_env():
    rules = R.ReviewRules.from_settings(load_settings(env={}))
    assert (rules.window_days, rules.alert_after) == (30, timedelta(days=2))
    assert list(rules.tags) == ["物流", "质量", "尺码", "色差", "破损", "服务"]
    rules = R.ReviewRules.from_settings(load_settings(env={"SHOPTOOL_REVIEWS_ALERT_AFTER": "36h",
                                                           "SHOPTOOL_REVIEWS_WINDOW_DAYS": "15"}))
    assert (rules.window_days, rules.alert_after) == (15, timedelta(hours=36))


@pytest.mark.parametrize("given_, expected", [
    (None, ("open", "contacted")),
    (["all"], R.STATUSES),
    (["closed,open"], ("open", "closed")),
    (["Resolved", "malicious"], ("resolved", "malicious")),
])
def test_parse_statuses(given_, expected):
    assert R.parse_statuses(given_) == expected


@pytest.mark.parametrize("given_, expected", [
    (None, ("neutral", "bad")), (["差评"], ("bad",)), (["bad,neutral"], ("neutral", "bad")),
])
def test_parse_ratings(given_, expected):
    assert R.parse_ratings(given_) == expected


@pytest.mark.parametrize("parse, value", [(R.parse_ratings, ["good"]), (R.parse_statuses, ["pending"]),
                                          (R.check_new_status, "open")])
def test_unknown_values_are_usage_errors(parse, value):
    with pytest.raises(UsageError):
        parse(value)


def test_worklist_order_filters_and_overdue():
    records = [
        record(1, NOW - timedelta(days=5), status="contacted"),
        record(2, NOW - timedelta(days=1)),
        record(3, NOW - timedelta(days=9)),
        record(4, NOW - timedelta(days=20), rating="good"),
        record(5, NOW - timedelta(days=40), status="resolved"),
        record(6, None),
        record(7, NOW - timedelta(days=3), rating="neutral"),
    ]
    rows = R.worklist(records, NOW, RULES)
    assert [r["review_id"] for r in rows] == ["r3", "r7", "r2", "r6", "r1"]
    assert {r["review_id"] for r in rows if r["overdue"]} == {"r3"}  # neutral and contacted never alert
    assert R.needs_action(rows)
    everything = R.worklist(records, NOW, RULES, statuses=R.STATUSES)
    assert [r["review_id"] for r in everything][-1] == "r5"
    recent = R.worklist(records, NOW, RULES, since=NOW - timedelta(days=4))
    assert [r["review_id"] for r in recent] == ["r7", "r2"]
    assert not R.needs_action(recent)


def test_followup_closes_the_explanation_not_the_window():
    rows = R.worklist([record(1, NOW - timedelta(days=3), followup_at="2026-11-20T10:00:00+08:00"),
                       record(2, NOW - timedelta(days=3))], NOW, RULES)
    assert [(r["days_left"], r["can_explain"]) for r in rows] == [(27, False), (27, True)]


def test_summary_counts_ratings_statuses_and_tags():
    rows = R.worklist([
        record(1, NOW - timedelta(days=3), content="快递太慢，客服不理"),
        record(2, NOW - timedelta(days=1), rating="neutral", content="偏小"),
        record(3, NOW - timedelta(days=1), status="contacted", content="还行"),
    ], NOW, RULES)
    summary = R.summarize(rows, RULES)
    assert summary == {"rows": 3, "bad": 2, "neutral": 1, "overdue": 1, "statuses": {"open": 2, "contacted": 1},
                       "tags": {"物流": 1, "尺码": 1, "服务": 1}, "untagged": 1}
    assert R.summary_line(summary, RULES) == "reviews: 3 listed (2 差评, 1 中评); 1 open 差评 older than 2d"


def test_resolve_id():
    one = [{"review_id": "o1-s1"}]
    assert R.resolve_id("o1-s1", one) == "o1-s1"
    assert R.resolve_id("o1", one) == "o1-s1"
    with pytest.raises(UsageError, match="o1-s1, o1-s2"):
        R.resolve_id("o1", [{"review_id": "o1-s1"}, {"review_id": "o1-s2"}])
    with pytest.raises(UsageError, match="no review"):
        R.resolve_id("x", [])
