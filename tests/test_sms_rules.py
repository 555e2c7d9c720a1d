"""The pure parts of sending: rules (quiet hours, caps, opt-outs), the outbox's decisions and state
changes, and the two selections (reminder steps, parcels). No database, no provider."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shoptool.messages import outbox as ob
from shoptool.messages import rules as R
from shoptool.messages.due import reminders, shipping
from shoptool.messages.providers.base import SendResult

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


# --- quiet hours --------------------------------------------------------------------------------

@pytest.mark.parametrize(("moment", "until"), [
    ("2026-11-21 20:59:59", None),
    ("2026-11-21 21:00:00", "2026-11-22 08:00:00"),
    ("2026-11-21 23:30:00", "2026-11-22 08:00:00"),
    ("2026-11-22 00:00:00", "2026-11-22 08:00:00"),
    ("2026-11-22 07:59:59", "2026-11-22 08:00:00"),
    ("2026-11-22 08:00:00", None),
    ("2026-11-22 12:00:00", None),
])
def test_overnight_quiet_hours_end_at_the_next_morning(moment, until):
    hours = R.QuietHours.parse("21:00-08:00")
    assert hours.until(at(moment)) == (at(until) if until else None)


def test_quiet_hours_within_one_day_and_none():
    lunch = R.QuietHours.parse("12:00-14:00")
    assert lunch.until(at("2026-11-21 12:30:00")) == at("2026-11-21 14:00:00")
    assert lunch.until(at("2026-11-21 14:00:00")) is None
    assert lunch.until(at("2026-11-21 11:59:00")) is None
    assert R.QuietHours.parse("").until(at("2026-11-21 03:00:00")) is None
    with pytest.raises(ValueError):
        R.QuietHours.parse("21:00")


def test_quiet_hours_are_shop_time_whatever_the_moment_says():
    moment_utc = datetime(2026, 11, 21, 14, 0, tzinfo=ZoneInfo("UTC"))  # 22:00 in Shanghai
    rules = R.Rules.from_settings({"sms.quiet_hours.notification": "21:00-08:00"})
    assert rules.quiet_until("notification", moment_utc.astimezone(TZ)) == at("2026-11-22 08:00:00")


# --- caps and opt-outs --------------------------------------------------------------------------

def test_phone_caps_say_until_when():
    now = at("2026-11-21 10:00:00")
    assert R.cap_wait(now, [], per_minute=1, per_day=10) is None
    assert R.cap_wait(now, [now - timedelta(seconds=20)], per_minute=1, per_day=10) == (
        R.PHONE_MINUTE_CAP, now + timedelta(seconds=40))
    assert R.cap_wait(now, [now - timedelta(seconds=61)], per_minute=1, per_day=10) is None
    day = [now - timedelta(hours=h) for h in (23, 12, 1)]
    assert R.cap_wait(now, day, per_minute=1, per_day=3) == (R.PHONE_DAY_CAP, now + timedelta(hours=1))
    assert R.cap_wait(now, day + [now], per_minute=0, per_day=0) is None  # 0 = no cap


def test_buyer_limit_counts_the_last_24_hours():
    now = at("2026-11-21 10:00:00")
    assert R.limit_reached(now, [now - timedelta(hours=23)], 1)
    assert not R.limit_reached(now, [now - timedelta(hours=24, seconds=1)], 1)
    assert not R.limit_reached(now, [now - timedelta(hours=1)], 2)
    assert not R.limit_reached(now, [now], 0)


def test_opt_out_is_an_exact_11_digit_match():
    assert R.opted_out("13800138208", {"13800138208"})
    assert not R.opted_out("13800138209", {"13800138208"})
    assert not R.opted_out(None, {"13800138208"})


# --- decisions ----------------------------------------------------------------------------------

RULES = R.Rules.from_settings({"sms.quiet_hours.reminder": "20:00-08:00", "sms.quiet_hours.notification": "21:00-08:00",
                               "sms.per_phone_per_minute": 1, "sms.per_phone_per_day": 10})


def draft(**kw) -> ob.Draft:
    base = dict(purpose="unpaid", key="u:1:30m", step="30m", order_ids=["1"], phone="13800138000", buyer="tb_a",
                buyer_limit=1)
    base.update(kw)
    return ob.Draft(**base)


def test_decide_in_order_of_what_staff_act_on():
    now = at("2026-11-21 10:00:00")
    ctx = ob.Context(opt_outs={"13800138000"})
    assert ob.decide(draft(skip="presale"), None, ctx, RULES, "reminder", now) == ob.Decision(ob.SKIP, "presale")
    assert ob.decide(draft(phone=None), None, ctx, RULES, "reminder", now).reason == "no_phone"
    assert ob.decide(draft(), None, ctx, RULES, "reminder", now).reason == "opted_out"
    ctx = ob.Context(buyer_sends={"tb_a": [now - timedelta(hours=2)]})
    assert ob.decide(draft(), None, ctx, RULES, "reminder", now).reason == "buyer_reminded"
    assert ob.decide(draft(), None, ob.Context(), RULES, "reminder", now).action == ob.SEND


def test_decide_defers_in_quiet_hours_and_drops_what_would_go_out_too_late():
    night = at("2026-11-21 21:30:00")
    deferred = ob.decide(draft(deadline=at("2026-11-22 21:00:00")), None, ob.Context(), RULES, "reminder", night)
    assert deferred == ob.Decision(ob.WAIT, "quiet_hours", at("2026-11-22 08:00:00"), "deferred")
    dropped = ob.decide(draft(deadline=at("2026-11-22 07:30:00"), deadline_reason="closes_first"), None,
                        ob.Context(), RULES, "reminder", night)
    assert dropped == ob.Decision(ob.SKIP, "closes_first")


def test_decide_never_touches_a_message_that_may_have_gone_out():
    now = at("2026-11-21 10:00:00")
    for status in ("sending", "sent", "unknown", "failed"):
        assert ob.decide(draft(), {"status": status}, ob.Context(), RULES, "reminder", now).action == ob.DONE
    waiting = {"status": "retry", "reason": "provider_retry", "next_attempt_at": "2026-11-21T10:05:00+08:00"}
    assert ob.decide(draft(), waiting, ob.Context(), RULES, "reminder", now) == ob.Decision(
        ob.WAIT, "provider_retry", at("2026-11-21 10:05:00"), "retry")
    assert ob.decide(draft(), waiting, ob.Context(), RULES, "reminder", now + timedelta(minutes=5)).action == ob.SEND
    # a skip recorded earlier is a decision, not a verdict: the situation may have changed
    assert ob.decide(draft(), {"status": "skipped", "reason": "no_phone"}, ob.Context(), RULES, "reminder",
                     now).action == ob.SEND


def test_a_run_counts_its_own_sends_against_the_caps():
    now = at("2026-11-21 10:00:00")
    ctx = ob.Context()
    first = draft()
    assert ob.decide(first, None, ctx, RULES, "reminder", now).action == ob.SEND
    ctx.note_send(first, now)
    other_purpose = draft(purpose="shipped", key="s:X", buyer=None, buyer_limit=0)
    assert ob.decide(other_purpose, None, ctx, RULES, "notification", now) == ob.Decision(
        ob.WAIT, "phone_minute_cap", now + timedelta(minutes=1), "deferred")
    same_buyer = ob.decide(draft(key="u:2:30m", order_ids=["2"]), None, ctx, RULES, "reminder", now)
    assert same_buyer.reason == "buyer_reminded"


# --- the provider's answer ----------------------------------------------------------------------

NOW = at("2026-11-21 10:00:00")


@pytest.mark.parametrize(("result", "status", "action", "reason"), [
    (SendResult("sent", provider_id="p1"), "sent", "sent", None),
    (SendResult("unknown", code="timeout"), "unknown", "unknown", "timeout"),
    (SendResult("failed", code="isv.MOBILE_NUMBER_ILLEGAL"), "failed", "failed", "isv.MOBILE_NUMBER_ILLEGAL"),
    (SendResult("retry", code="throttled", retry_after=1.5), "retry", "deferred", "provider_retry"),
    (SendResult("defer", code="isv.BUSINESS_LIMIT_CONTROL", retry_after=60), "deferred", "deferred", "provider_limit"),
    (SendResult("stop", code="isv.AMOUNT_NOT_ENOUGH"), "queued", "queued", "provider_stopped"),
])
def test_settle_maps_every_outcome(result, status, action, reason):
    settled = ob.settle(result, attempts=1, max_attempts=5, now=NOW)
    assert (settled.status, settled.action, settled.reason) == (status, action, reason)
    assert settled.keep_sent_at == (status in ("sent", "unknown")), "only these may be with the buyer"
    assert settled.stop == (status == "queued")
    assert settled.status not in ob.CLAIMABLE or not result.maybe_sent, "a text that may be out is never claimable"


def test_retry_follows_the_schedule_and_gives_up_after_max_attempts_when_set():
    retry = SendResult("retry", code="throttled", retry_after=1.5)
    assert ob.settle(retry, attempts=1, max_attempts=5, now=NOW).next_attempt_at == NOW + timedelta(minutes=1)
    assert ob.settle(retry, attempts=3, max_attempts=5, now=NOW).next_attempt_at == NOW + timedelta(minutes=5)
    assert ob.settle(SendResult("retry", retry_after=7200), attempts=1, max_attempts=5,
                     now=NOW).next_attempt_at == NOW + timedelta(hours=1), "Retry-After capped at sms.retry.max_wait"
    assert ob.backoff(20) == timedelta(minutes=30), "the schedule's last wait repeats"
    given_up = ob.settle(retry, attempts=5, max_attempts=5, now=NOW)
    assert (given_up.status, given_up.reason) == ("failed", "retries_exhausted")
    assert ob.settle(retry, attempts=50, now=NOW).status == "retry", "no cap by default: the deadline decides"
    defer = ob.settle(SendResult("defer"), attempts=1, max_attempts=5, now=NOW)
    assert defer.next_attempt_at == NOW + timedelta(hours=1)


def test_retry_is_failed_only_when_the_deadline_passes():
    retry = SendResult("retry", code="http_503")
    closes = NOW + timedelta(minutes=20)
    first = ob.settle(retry, attempts=5, now=NOW, deadline=closes)
    assert (first.status, first.next_attempt_at) == ("retry", NOW + timedelta(minutes=15))
    last = ob.settle(retry, attempts=6, now=NOW + timedelta(minutes=15), deadline=closes)
    assert (last.status, last.next_attempt_at) == ("retry", closes - timedelta(minutes=1)), "one last try in time"
    over = ob.settle(retry, attempts=7, now=closes - timedelta(seconds=30), deadline=closes)
    assert (over.status, over.reason) == ("failed", "retries_exhausted")


@pytest.mark.parametrize("asked", [999999999999999, 1.7e12, 1.7e9, float("inf"), float("nan"), -5, 1e308])
def test_absurd_provider_waits_defer_never_overflow(asked):
    from shoptool.messages.providers.base import bounded_wait

    wait = bounded_wait(asked)
    assert wait is None or 0 <= wait <= 86_400
    for outcome in ("retry", "defer"):
        settled = ob.settle(SendResult(outcome, retry_after=wait), attempts=1, now=NOW)
        assert NOW < settled.next_attempt_at <= NOW + timedelta(days=1)
    raw = ob.settle(SendResult("defer", retry_after=1e300), attempts=1, now=NOW)
    assert raw.next_attempt_at == NOW + timedelta(days=1), "even an unbounded figure cannot overflow"


# --- reminder steps -----------------------------------------------------------------------------

def test_schedule_steps_after_placing_and_before_closing():
    steps = reminders.parse_schedule(["30m", "3h", "close-1h"])
    placed, closes = at("2026-11-21 09:00:00"), at("2026-11-22 09:00:00")
    assert [s.due_at(placed, closes) for s in steps] == [
        at("2026-11-21 09:30:00"), at("2026-11-21 12:00:00"), at("2026-11-22 08:00:00")]
    assert reminders.first_due(steps, timedelta(hours=24)) == timedelta(minutes=30)
    assert reminders.first_due(reminders.parse_schedule(["close-1h"]), timedelta(hours=24)) == timedelta(hours=23)
    for bad in (["soon"], ["30m", "30m"], ["close-x"]):
        with pytest.raises(ValueError, match="reminders.schedule"):
            reminders.parse_schedule(bad)


def unpaid(n: int, created: str, **kw) -> dict:
    return {"order_id": str(n), "status": "unpaid", "created_at": at(created).isoformat(), "buyer_nick": f"b{n}",
            "receiver_mobile": "13800138000", **kw}


def test_a_late_run_decides_on_the_latest_due_step_only():
    steps = reminders.parse_schedule(["30m", "3h", "close-1h"])
    order = unpaid(1, "2026-11-21 09:00:00")
    now = at("2026-11-21 12:30:00")
    recorded = {reminders.message_key("1", "30m"): {"purpose": "unpaid", "order_id": "1", "step": "30m",
                                                      "status": "deferred", "dedupe_key": "x"}}
    [due] = reminders.due_steps([order], steps, close_after=timedelta(hours=24), now=now, recorded=recorded)
    assert due.step_name == "3h" and due.superseded == [("30m", reminders.message_key("1", "30m"))]
    made = reminders.drafts([due], paid_orders=[], now=now, cutoff=time(16), shop_name="店", per_buyer_per_day=1)
    assert [(d.step, d.skip) for d in made] == [("3h", None), ("30m", "superseded")]
    # too young, or closed by the platform's clock: nothing due
    assert reminders.due_steps([unpaid(2, "2026-11-21 12:10:00")], steps, close_after=timedelta(hours=24),
                               now=now, recorded={}) == []
    assert reminders.due_steps([unpaid(3, "2026-11-20 12:00:00")], steps, close_after=timedelta(hours=24),
                               now=now, recorded={}) == []


def test_paid_since_is_the_same_buyer_paying_after_this_order():
    order = unpaid(1, "2026-11-21 09:00:00", buyer_nick="tb_x")
    later = {"order_id": "2", "buyer_nick": "tb_x", "status": "paid", "paid_at": at("2026-11-21 09:06:00").isoformat(),
             "created_at": at("2026-11-21 09:05:00").isoformat()}
    earlier = {**later, "order_id": "3", "paid_at": at("2026-11-20 09:06:00").isoformat()}
    other_buyer = {**later, "order_id": "4", "buyer_nick": "tb_y"}
    assert reminders.paid_since(order, [earlier, other_buyer, later])["order_id"] == "2"
    assert reminders.paid_since(order, [earlier, other_buyer]) is None
    no_nick = unpaid(5, "2026-11-21 09:00:00", buyer_nick=None, receiver_mobile="13800138005")
    by_phone = {**later, "order_id": "6", "buyer_nick": None, "receiver_mobile": "13800138005"}
    assert reminders.buyer_of(no_nick) == "13800138005"
    assert reminders.paid_since(no_nick, [by_phone])["order_id"] == "6"


def test_cutoff_hint_before_and_after_the_cutoff():
    assert reminders.cutoff_hint(at("2026-11-21 15:59:00"), time(16)) == "16:00前付款当天发货，"
    assert reminders.cutoff_hint(at("2026-11-21 16:00:00"), time(16)) == "付款后将尽快发货，"


# --- parcels ------------------------------------------------------------------------------------

def test_orders_sharing_a_tracking_number_are_one_parcel_and_the_warehouse_wins():
    orders = [
        {"order_id": "2", "status": "shipped", "tracking_no": "YT880", "courier": "圆通"},
        {"order_id": "1", "status": "shipped", "tracking_no": "YT8801234567890", "courier": "圆通速递",
         "shipped_seen_at": "2026-11-21T10:00:00+08:00"},
        {"order_id": "3", "status": "shipped", "tracking_no": "yt8801234567890", "courier": "圆通速递"},
        {"order_id": "4", "status": "shipped", "tracking_no": "0"},  # 无需物流 placeholder
    ]
    shipments = [{"order_id": "2", "tracking_no": "YT8801234567890", "courier": "圆通速递",
                  "shipped_at": "2026-11-20T16:00:00+08:00"}]
    found = shipping.parcels(orders, shipments)
    assert [(p.key, p.order_ids) for p in found] == [("s:YT8801234567890", ["1", "2", "3"])]
    assert found[0].shipped_at == at("2026-11-20 16:00:00"), "the export's ship time wins over first seen"
    assert [o["order_id"] for o in shipping.no_tracking(orders, shipments)] == ["4"]


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=80), st.text(min_size=1, max_size=40))
def test_message_keys_are_short_ascii_whatever_the_ids(order_id, step):
    for key in (reminders.message_key(order_id, step), shipping.parcel_key(order_id)):
        assert key.isascii() and len(key) < 64 and key.isprintable()
    assert reminders.message_key(order_id, step) == reminders.message_key(order_id, step)
