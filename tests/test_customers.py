"""The buyers' rules as plain functions (shoptool/customers/): tiers, segments, RFM, suppression."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shoptool.customers import segments as S
from shoptool.customers import suppression as X
from shoptool.customers.tiers import parse_tiers, tier_of
from shoptool.errors import ConfigError
from shoptool.settings_defaults import default

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=TZ)
TIERS = parse_tiers(default("crm.tiers"))


@pytest.mark.parametrize("orders, spend, tier", [
    (0, 0, None), (1, 0, "普通会员"), (2, 99_999, "普通会员"), (1, 100_000, "高级会员"), (3, 100, "高级会员"),
    (8, 100, "VIP会员"), (1, 300_000, "VIP会员"), (19, 999_999, "VIP会员"), (1, 1_000_000, "至尊VIP"),
    (20, 0, "至尊VIP"),
])
def test_a_tier_is_reached_by_spend_or_by_frequency(orders, spend, tier):
    assert tier_of(TIERS, orders=orders, spend_fen=spend) == tier


def test_tiers_must_ascend_and_say_what_reaches_them():
    with pytest.raises(ConfigError):
        parse_tiers({"高": {"spend": 1000}, "低": {"spend": 100}})
    with pytest.raises(ConfigError):
        parse_tiers({"高": {"amount": 1000}})
    assert [t.name for t in parse_tiers({"银": {"orders": 2}, "金": {"spend": 500, "orders": 5}})] == ["银", "金"]


def _stats(rng: random.Random, n: int) -> S.Stats:
    paid = rng.choice([0, 0, 1, 1, 2, 3, 9, 25])
    first = NOW - timedelta(days=rng.randrange(0, 700), minutes=rng.randrange(0, 1440))
    last = min(first + timedelta(days=rng.randrange(0, 400)), NOW)
    iso = lambda t: t.isoformat(timespec="seconds")  # noqa: E731
    return S.Stats(f"b{n}", paid + rng.choice([0, 1]), paid, paid * rng.randrange(500, 500_000),
                   min(paid, rng.randrange(0, 5)), rng.randrange(0, 2_000_000), iso(first) if paid else None,
                   iso(last) if paid else None, f"b{n}")


def test_tally_counts_exactly_what_the_profiles_say():
    rng = random.Random(20)
    stats = [_stats(rng, n) for n in range(3000)]
    rules = S.Rules()
    profiles = S.profiles(stats, NOW, rules, TIERS)
    counted = S.tally(stats, NOW, rules, TIERS)
    assert counted.segments == S.counts(profiles)
    tiers: dict[str, int] = {}
    for p in profiles:
        if p.tier:
            tiers[p.tier] = tiers.get(p.tier, 0) + 1
    assert counted.tiers == tiers
    for key in ("r", "f", "m"):
        scores: dict[int, int] = {}
        for p in profiles:
            if getattr(p, key) is not None:
                scores[getattr(p, key)] = scores.get(getattr(p, key), 0) + 1
        assert counted.rfm[key] == scores, key


def test_days_are_calendar_days_of_shop_time_whatever_zone_stored_the_moment():
    clock = S.Clock(NOW)
    assert clock.days("2026-11-21T00:01:00+08:00") == 0
    assert clock.days("2026-11-20T16:30:00+00:00") == 0  # 00:30 on the 21st in Shanghai
    assert clock.days("2026-11-20T23:59:00+08:00") == 1


def test_a_phone_is_chosen_newest_first_and_its_absence_is_explained():
    masked = {"receiver_mobile": "138****0001", "masked": 1}
    good = {"receiver_mobile": "13800130002"}
    assert X.choose_phone([masked, good]).mobile == "13800130002"
    assert X.choose_phone([masked]).reason == X.MASKED_PHONE
    assert X.choose_phone([{"receiver_mobile": "13800130003-1234"}]).reason == X.PRIVACY_NUMBER
    assert X.choose_phone([{"receiver_tel": "0571-88881234"}], ["+86 138 0013 0004"]).mobile == "13800130004"
    assert X.choose_phone([]).reason == X.NO_PHONE


def test_every_reason_that_holds_is_named_and_one_phone_gets_one_text():
    phone = X.PhoneChoice("13800130001", "13800130001", None)
    facts = X.Facts(consented_phones={"13800130001"}, opted_out={"13800130001"}, refunding={"a"}, bad_review={"a"},
                    malicious={"a"}, blacklisted={"13800130001"})
    assert X.reasons("a", phone, facts) == ["opted_out", "open_refund", "bad_review", "malicious", "blacklisted"]
    rows = X.decide([("a", phone), ("b", phone)], X.Facts(consented_phones={"13800130001"}))
    assert [(r["action"], r["reason"]) for r in rows] == [("would_send", None), ("excluded", "same_phone")]
