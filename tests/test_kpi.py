"""The board's rules as plain functions (shoptool/kpi): periods, accounts, pooling, scoring, the
audit's counts. End to end through the CLI: test_cli_kpi.py."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shoptool import kpi as K
from shoptool.kpi import outcomes as O
from shoptool.kpi import pool as P
from shoptool.kpi import score as S
from shoptool.kpi.periods import month_period, parse_month, since_period

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=TZ)


def row(day: str, inquiries=None, paid=None, *, last: str | None = None, source=P.AGENT_DAILY, nick="小美",
        kind="agent", final=1, **metrics) -> dict:
    return {"id": id(metrics) + hash((day, nick, source)), "source": source, "kind": kind, "nick": nick,
            "nick_key": K.nick_key(nick), "period_start": day, "period_end": last or day, "final": final,
            "pending": None, "inquiries": inquiries, "inquiry_paid": paid, **metrics}


# ---------------------------------------------------------------- periods

@pytest.mark.parametrize("text", ["2026-10", "2026/10", "202610", "2026年10月", "２０２６-10"])
def test_a_month_is_read_as_staff_write_it(text):
    assert parse_month(text) == (2026, 10)


@pytest.mark.parametrize("text", ["2026-13", "26-10", "October", "2026-10-05", ""])
def test_a_month_that_is_not_one_is_refused(text):
    with pytest.raises(ValueError):
        parse_month(text)


def test_a_past_month_is_whole_and_the_current_one_runs_to_now():
    october = month_period("2026-10", NOW)
    assert (october.start, october.end) == (datetime(2026, 10, 1, tzinfo=TZ), datetime(2026, 11, 1, tzinfo=TZ))
    assert october.whole_month and october.target_scale == 1.0 and october.last_day == date(2026, 10, 31)
    november = month_period("2026-11", NOW)
    assert november.end == NOW and not november.whole_month
    assert november.target_scale == pytest.approx(20 / 30 + 10 / 24 / 30, abs=1e-3)
    with pytest.raises(ValueError, match="not begun"):
        month_period("2026-12", NOW)


def test_since_takes_a_duration_or_a_date():
    assert since_period("7d", NOW).start == NOW - timedelta(days=7)
    assert since_period("2026-11-01", NOW).first_day == date(2026, 11, 1)
    with pytest.raises(ValueError):
        since_period("2026-12-01", NOW)
    with pytest.raises(ValueError, match="--month or --since"):
        K.board_period("2026-10", "7d", NOW)


@pytest.mark.parametrize("name, days", [
    ("客服绩效_20261001-20261031.xlsx", (date(2026, 10, 1), date(2026, 10, 31))),
    ("咨询接待分析2026-10-01至2026-10-31.xlsx", (date(2026, 10, 1), date(2026, 10, 31))),
    ("询单到付款_20261105.xlsx", (date(2026, 11, 5), date(2026, 11, 5))),
    ("绩效_202610.xlsx", (date(2026, 10, 1), date(2026, 10, 31))),
    ("ExportOrderList202611211100.xlsx", None),  # an order list's stamp is no period
    ("数据信息.xlsx", None),
    ("客服_20261031-20261001.xlsx", None),  # ends before it begins
])
def test_the_days_a_file_name_names(name, days):
    assert K.days_in_text(name) == days


@pytest.mark.parametrize("text, days", [
    ("2026-10", (date(2026, 10, 1), date(2026, 10, 31))),
    ("2026-02", (date(2026, 2, 1), date(2026, 2, 28))),
    ("2026-10-05", (date(2026, 10, 5), date(2026, 10, 5))),
    ("20261001-20261015", (date(2026, 10, 1), date(2026, 10, 15))),
    ("2026-10-01..2026-10-15", (date(2026, 10, 1), date(2026, 10, 15))),
    ("2026/10/01~2026/10/15", (date(2026, 10, 1), date(2026, 10, 15))),
])
def test_import_period_spellings(text, days):
    assert K.parse_days(text) == days


@pytest.mark.parametrize("text", ["last month", "2026-10-15..2026-10-01", "20261001 20261015 20261020", "2026-10-40",
                                  "from 2026-10-01"])
def test_an_import_period_that_is_not_one_is_refused(text):
    with pytest.raises(ValueError):
        K.parse_days(text)


# ---------------------------------------------------------------- accounts and summary rows

def test_one_sub_account_whatever_the_sheet_writes():
    assert K.nick_key("示例旗舰店:小美") == K.nick_key("示例旗舰店：小美") == K.nick_key(" 小美 ") == "小美"
    assert K.nick_key("ShopA:Tom") == K.nick_key("tom")
    nicks = K.Nicks({"示例旗舰店:小美": "kf01", "阿强": "kf02", "示例旗舰店:丽丽": "kf03", "其他店:丽丽": "kf09"})
    assert nicks.staff_of("示例旗舰店：小美") == "kf01" and nicks.staff_of("小美") == "kf01"
    assert nicks.staff_of("示例旗舰店:阿强") == "kf02"
    assert nicks.staff_of("示例旗舰店:丽丽") == "kf03"  # the full nick is unambiguous
    assert nicks.staff_of("丽丽") is None and nicks.ambiguous == ["丽丽"]
    assert nicks.staff_of("示例旗舰店:大壮") is None


@pytest.mark.parametrize("text", ["汇总值", "平均值", "全店汇总值", "同行同层均值", "同行同层优秀", "合计", " 汇总 ",
                                  "行业均值"])
def test_summary_rows_are_benchmarks(text):
    assert K.summary_label(text)


@pytest.mark.parametrize("text", ["示例旗舰店:小美", "2026-11-01", "平均小美", "汇总组:阿强"])
def test_accounts_and_dates_are_not(text):
    assert K.summary_label(text) is None


# ---------------------------------------------------------------- pooling

def test_conversion_is_pooled_never_a_mean_of_daily_rates():
    days = [row("2026-11-01", 10, 8), row("2026-11-02", 100, 30), row("2026-11-03", 10, 8)]
    pooled = P.pool(days)
    assert (pooled["inquiries"], pooled["inquiry_paid"]) == (120, 46)
    assert pooled["inquiry_conversion"] == round(46 / 120, 4) == 0.3833
    assert pooled["_mean_of_rates"] == round((0.8 + 0.3 + 0.8) / 3, 4)  # 63.3%: what a spreadsheet says


def test_a_day_still_being_counted_is_left_out_of_both_sums_and_said():
    days = [row("2026-11-01", 10, 5), row("2026-11-02", 40, None, final=0, pending='["inquiry_paid"]')]
    pooled = P.pool(days)
    assert (pooled["inquiries"], pooled["inquiry_paid"], pooled["inquiry_conversion"]) == (10, 5, 0.5)
    assert pooled["not_final_days"] == ["2026-11-02"] and pooled["days"] == 2


def test_only_a_rate_and_inquiries_give_the_paid_count():
    pooled = P.pool([row("2026-11-01", 200, None, last="2026-11-30", source=P.PLUGIN, conversion_given=0.123)])
    assert (pooled["inquiry_paid"], pooled["inquiry_conversion"]) == (25, 0.125)


def test_response_times_and_rates_are_weighted_by_people_received():
    days = [row("2026-11-01", received=100, avg_response_s=20.0, reply_rate=1.0, satisfaction=0.9),
            row("2026-11-02", received=10, avg_response_s=130.0, reply_rate=0.5, satisfaction=0.5)]
    pooled = P.pool(days)
    assert pooled["avg_response_s"] == 30.0  # (100×20 + 10×130) / 110
    assert pooled["reply_rate"] == round((100 + 5) / 110, 4)
    assert pooled["satisfaction"] == round((90 + 5) / 110, 4)


def test_reply_rate_from_unreplied_when_the_sheet_gives_no_rate():
    pooled = P.pool([row("2026-11-01", last="2026-11-20", source=P.QIANNIU_RECEPTION, consulted=200, unreplied=10,
                         received=190)])
    assert pooled["reply_rate"] == 0.95


def test_each_group_of_metrics_comes_from_one_sheet_shape():
    reception = row("2026-11-01", last="2026-11-20", source=P.QIANNIU_RECEPTION, received=300, avg_response_s=20.0)
    daily = [row(f"2026-11-{d:02d}", 10, 5, received=12, avg_response_s=99.0) for d in range(1, 21)]
    account = row("2026-11-01", 1000, 900, last="2026-11-20", source=P.SYCM_ACCOUNT, sales_fen=123400)
    pooled = P.pool([reception, *daily, account], P.coverage([reception, *daily, account]))
    assert pooled["avg_response_s"] == 20.0 and pooled["received"] == 300  # 千牛 for service, not summed with days
    assert (pooled["inquiries"], pooled["inquiry_paid"]) == (200, 100)  # per-day sheet preferred on a tie
    assert pooled["sales"] == 123400
    assert pooled["sources"] == [P.QIANNIU_RECEPTION, P.SYCM_ACCOUNT, P.AGENT_DAILY]


def test_the_sheet_covering_more_of_the_period_wins_and_a_part_timer_is_not_penalised():
    ten_days = [row(f"2026-11-{d:02d}", 10, 5) for d in range(1, 11)]
    month = row("2026-11-01", 400, 100, last="2026-11-20", source=P.PLUGIN)
    assert P.pool([*ten_days, month], P.coverage([*ten_days, month]))["inquiries"] == 400
    # the per-day sheet covers the 20 days (others worked them); she worked two
    others = [row(f"2026-11-{d:02d}", 10, 5, nick="阿强") for d in range(1, 21)]
    mine = [row("2026-11-01", 50, 10, nick="丽丽"), row("2026-11-08", 50, 10, nick="丽丽")]
    plug = row("2026-11-01", 100, 20, last="2026-11-20", source=P.PLUGIN, nick="丽丽")
    covered = P.coverage([*others, *mine, plug])
    assert P.pool([*mine, plug], covered)["sources"] == [P.AGENT_DAILY]


def test_rows_partly_outside_the_period_or_under_a_longer_row_are_left_out():
    period = month_period("2026-11", NOW)
    october = row("2026-10-15", 10, 5, last="2026-11-14", source=P.PLUGIN)
    whole = row("2026-11-01", 100, 50, last="2026-11-20", source=P.PLUGIN)
    half = row("2026-11-01", 40, 20, last="2026-11-10", source=P.PLUGIN)
    chosen = P.select([october, whole, half, row("2026-12-01", 1, 1)], period)
    assert [r["period_end"] for r in chosen.inside] == ["2026-11-20"]
    assert [r["period_start"] for r in chosen.partly] == ["2026-10-15"]
    assert [r["period_end"] for r in chosen.overlapped] == ["2026-11-10"]


# ---------------------------------------------------------------- scoring

def scoring(weights=None, targets=None, cap=1.2):
    return S.Scoring.from_settings(weights or {"inquiry_conversion": 50, "first_response_s": 50},
                                   targets or {"inquiry_conversion": 0.5, "first_response_s": 10}, cap)


def test_the_score_is_the_weighted_share_of_each_target_capped():
    rules = S.plan(scoring(), [{"inquiry_conversion": 0.4, "first_response_s": 20}], 1.0, {})
    assert S.score({"inquiry_conversion": 0.4, "first_response_s": 20.0}, rules, 1.2) == 65.0  # 80% and 50%
    assert S.score({"inquiry_conversion": 0.9, "first_response_s": 5.0}, rules, 1.2) == 120.0  # both capped
    assert S.score({"inquiry_conversion": None, "first_response_s": 10.0}, rules, 1.2) == 50.0  # a missing one is 0


def test_a_metric_nobody_has_does_not_count_for_anyone_and_counts_scale_with_the_period():
    rules = {r.metric: r for r in S.plan(scoring({"inquiry_conversion": 50, "satisfaction": 30, "notes": 20},
                                                 {"inquiry_conversion": 0.5, "satisfaction": 0.9, "notes": 30}),
                                         [{"inquiry_conversion": 0.5}], 0.5, {})}
    assert not rules["satisfaction"].counted and rules["satisfaction"].reason == "no_data"
    assert rules["notes"].counted and rules["notes"].target == 15
    assert S.score({"inquiry_conversion": 0.5, "notes": 15}, list(rules.values()), 1.2) == 100.0


@pytest.mark.parametrize("weights, targets, cap, message", [
    ({"conversion": 10}, {}, 1.2, "unknown metric 'conversion'"),
    ({"notes": -1}, {"notes": 5}, 1.2, "kpi.weights.notes"),
    ({"notes": 10}, {"notes": 0}, 1.2, "has a weight but no target"),
    ({}, {}, 0.5, "kpi.cap"),
])
def test_unusable_settings_name_themselves(weights, targets, cap, message):
    with pytest.raises(ValueError, match=message):
        S.Scoring.from_settings(weights, targets, cap)


def test_ranks_share_a_place_on_a_tie():
    rows = [{"score": 80.0}, {"score": 91.5}, {"score": 80.0}, {"score": None}, {"score": 70.0}]
    S.rank(rows)
    assert [r.get("rank") for r in rows] == [2, 1, 2, None, 4]


# ---------------------------------------------------------------- the audit

ORDER = {"order_id": "1", "status": "paid", "buyer_nick": "tb", "receiver_name": "林悦",
         "receiver_mobile": "13900000001", "receiver_tel": None,
         "address": "浙江省 杭州市 朝阳区 文三路 478号 华星时代广场A座", "province": None, "city": None,
         "district": None, "address_detail": None, "masked": 0, "paid_at": "2026-11-20T09:01:00+08:00"}
FIXED = "浙江省 杭州市 西湖区 文三路 478号 华星时代广场A座"


def note(staff, order_id, at, source="note", subject="order", **more):
    return {"subject": subject, "subject_id": order_id, "at": at, "staff": staff, "source": source, **more}


def test_an_address_confirmed_is_a_note_on_an_order_whose_address_needed_it_then():
    period = month_period("2026-11", NOW)
    fixed_later = [{"field": "address", "old": ORDER["address"], "new": FIXED,
                    "changed_at": "2026-11-20T15:00:00+08:00"}]
    orders = {"1": {**ORDER, "address": FIXED, "district": "西湖区"}, "2": {**ORDER, "order_id": "2", "address": FIXED}}
    found = O.count(period, notes=[note("kf01", "1", "2026-11-20T10:00:00+08:00"),
                                   note("kf01", "1", "2026-11-20T16:00:00+08:00"),
                                   note("kf02", "2", "2026-11-20T10:00:00+08:00"),
                                   note("kf02", "1", "2026-11-20T16:00:00+08:00")],
                    orders=orders, history={"1": fixed_later}, refunds=None, reminders=[],
                    address_rules=None)
    # kf01 wrote while 杭州 + 朝阳区 stood (once per order); order 2 was always fine; kf02 wrote on 1
    # after the buyer changed the address after payment: address-check's address_changed, a confirmation too
    assert found.of("kf01")["addresses_confirmed"] == 1 and found.of("kf01")["notes"] == 2
    assert found.of("kf02")["addresses_confirmed"] == 1 and found.of("kf02")["notes"] == 2
    clean = O.count(period, notes=[note("kf02", "2", "2026-11-20T10:00:00+08:00")], orders=orders, history={},
                    refunds=None, reminders=[], address_rules=None)
    assert clean.of("kf02") == {**dict.fromkeys(O.OUTCOMES, 0), "notes": 1}


def test_order_as_of_reads_the_old_values_back():
    later = [{"field": "address", "old": "旧地址", "new": "新地址", "changed_at": "2026-11-20T12:00:00+08:00"},
             {"field": "receiver_mobile", "old": "13900000000", "new": "13900000001",
              "changed_at": "2026-11-19T12:00:00+08:00"}]
    then, earlier = O.order_as_of({**ORDER, "address": "新地址", "province": "浙江省"}, later,
                                  datetime(2026, 11, 20, 9, tzinfo=TZ))
    assert then["address"] == "旧地址" and then["province"] is None and then["receiver_mobile"] == "13900000001"
    assert [c["field"] for c in earlier] == ["receiver_mobile"]


def test_reviews_refunds_and_reminders_are_counted_once_each_inside_the_period():
    period = month_period("2026-11", NOW)
    notes = [note("kf02", "r1", "2026-11-10T10:00:00+08:00", subject="review", old_status="open", new_status="revised"),
             note("kf02", "r1", "2026-11-11T10:00:00+08:00", subject="review", old_status="revised",
                  new_status="revised"),
             note("kf02", "r2", "2026-10-30T10:00:00+08:00", subject="review", old_status="open", new_status="revised"),
             note("kf03", "r3", "2026-11-12T10:00:00+08:00", subject="review", old_status="open", new_status="closed")]
    refunds = [{"refund_id": "T1", "staff": "kf03", "at": "2026-11-10T10:00:00+08:00",
                "deadline": "2026-11-10T12:00:00+08:00"},
               {"refund_id": "T2", "staff": "kf03", "at": "2026-11-10T13:00:00+08:00",
                "deadline": "2026-11-10T12:00:00+08:00"},
               {"refund_id": "T3", "staff": "kf03", "at": "2026-11-10T13:00:00+08:00", "deadline": None}]
    reminders = [{"order_id": "A", "sent_at": "2026-11-10T10:00:00+08:00", "paid_at": "2026-11-11T09:00:00+08:00",
                  "paid_fen": 9900},
                 {"order_id": "B", "sent_at": "2026-11-10T10:00:00+08:00", "paid_at": "2026-11-11T11:00:00+08:00",
                  "paid_fen": 5000},
                 {"order_id": "C", "sent_at": "2026-11-10T10:00:00+08:00", "paid_at": None, "paid_fen": None},
                 {"order_id": "D", "sent_at": "2026-11-10T10:00:00+08:00", "paid_at": "2026-11-10T09:00:00+08:00",
                  "paid_fen": 100}]
    found = O.count(period, notes=notes, orders={}, history={}, refunds=refunds, reminders=reminders,
                    address_rules=None, reminders_staff="kf01")
    assert found.of("kf02")["reviews_revised"] == 1 and found.of("kf03")["reviews_revised"] == 0
    assert (found.of("kf03")["refunds_handled"], found.of("kf03")["refunds_on_time"]) == (3, 1)
    assert found.of("kf01")["remind_recovered"] == 1 and found.remind_sent == 4 and found.recovered_fen == 9900
    nobody = O.count(period, notes=[], orders={}, history={}, refunds=None, reminders=reminders, address_rules=None)
    assert nobody.totals["remind_recovered"] == 1 and nobody.by_staff == {} and not nobody.refunds_known
