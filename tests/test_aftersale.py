"""The after-sales rules as plain functions (shoptool/aftersale): export words → codes, deadlines,
one finding per refund and its priority."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shoptool.aftersale import codes, deadlines
from shoptool.aftersale import findings as F

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=TZ)
RULES = F.Rules(timedelta(hours=12), timedelta(hours=12), 3,
                {"wait_seller_agree": timedelta(hours=48), "wait_buyer_return": timedelta(days=7)})


def at(text: str) -> str:
    return datetime.fromisoformat(text).replace(tzinfo=TZ).isoformat()


def refund(**kw) -> dict:
    base = {"status": "wait_seller_agree", "requested_at": at("2026-11-21 08:00"),
            "deadline_at": at("2026-11-23 08:00"), "order_status": "paid", "goods_status": "not_received",
            "cs_status": "none"}
    return base | kw


@pytest.mark.parametrize("text, status", [
    ("买家已经申请退款，等待卖家同意", "wait_seller_agree"), ("买家已经申请退款,等待卖家同意", "wait_seller_agree"),
    ("WAIT_SELLER_AGREE", "wait_seller_agree"), ("wait_buyer_return_goods", "wait_buyer_return"),
    ("卖家已经同意退款，等待买家退货", "wait_buyer_return"),
    ("买家已经退货，等待卖家确认收货", "wait_seller_confirm_goods"),
    ("SELLER_REFUSE_BUYER", "seller_refused"), ("卖家拒绝退款", "seller_refused"), ("退款关闭", "closed"),
    ("CLOSED", "closed"), ("退款成功", "success"), ("SUCCESS", "success"), ("待审核", "wait_seller_agree"),
    ("已入库", "wait_seller_confirm_goods"), ("作废", "closed"), ("", None), ("处理中", None),
])
def test_status_texts_and_api_names(text, status):
    assert codes.refund_status(text) == status


@pytest.mark.parametrize("text, code", [
    ("不需客服介入", "none"), ("需要客服介入", "requested"), ("客服已经介入", "intervening"),
    ("客服初审完成", "intervening"),
    ("客服主管复审失败", "intervening"), ("客服处理完成", "done"), ("系统撤销", "done"), ("支持买家", "done"),
    ("支持卖家", "done"), ("举证中", "evidence"), ("开放申诉", "appeal"), ("", None), ("-", None),
])
def test_intervention_by_substring(text, code):
    assert codes.cs_status(text) == code


@pytest.mark.parametrize("text, arrived", [
    ("【杭州市】已签收，签收人：本人", True), ("包裹已送达菜鸟驿站", True), ("快件已暂存至门卫", True),
    ("由前台代收", True), ("【武汉市】快件已发车", False), ("运输中", False), ("快件未签收，联系不上收件人", False),
    ("买家拒签", False), (None, False),
])
def test_logistics_words_that_mean_arrived(text, arrived):
    assert codes.says_arrived(text) is arrived


def test_kinds_from_needs_return_or_the_type_column():
    assert codes.refund_kind("是") == "return_refund" and codes.refund_kind("否") == "refund_only"
    assert codes.refund_kind(None, "退款不退货") == "refund_only" and codes.refund_kind(None, "换货") == "exchange"
    assert codes.refund_kind("否", "退货") == "return_refund" and codes.refund_kind(None, None) is None


def test_the_deadline_is_the_exports_else_the_configs_from_when_the_step_began():
    assert deadlines.deadline(refund(), RULES.timeouts) == deadlines.Deadline(
        datetime(2026, 11, 23, 8, 0, tzinfo=TZ), "export")
    configured = deadlines.deadline(refund(deadline_at=None), RULES.timeouts)
    assert configured == deadlines.Deadline(datetime(2026, 11, 23, 8, 0, tzinfo=TZ), "config")
    waiting = refund(status="wait_buyer_return", deadline_at=None, status_since=at("2026-11-21 09:00"))
    assert deadlines.deadline(waiting, RULES.timeouts).at == datetime(2026, 11, 28, 9, 0, tzinfo=TZ)
    assert deadlines.deadline(refund(status="success"), RULES.timeouts) == deadlines.Deadline(None, None)
    assert deadlines.deadline(refund(status="seller_refused", deadline_at=None), RULES.timeouts).at is None
    assert deadlines.hours_left(datetime(2026, 11, 21, 8, 30, tzinfo=TZ), NOW) == -1.5


@pytest.mark.parametrize("kw, finding", [
    ({}, "refund_on_unshipped"),
    ({"outbound": ["ZT1"], "shipped_at": at("2026-11-21 09:00"), "order_status": "shipped"}, "intercept"),
    ({"outbound": ["ZT1"], "shipped_at": at("2026-11-19 09:00"), "order_status": "shipped"}, "intercept_or_refuse"),
    ({"outbound": ["ZT1"], "order_status": "shipped", "parcel_states": {"ZT1": "awaiting_pickup"},
      "shipped_at": at("2026-11-18 09:00")}, "intercept"),
    ({"outbound": ["ZT1"], "order_status": "shipped", "parcel_states": {"ZT1": "in_transit"},
      "shipped_at": at("2026-11-21 09:30")}, "intercept_or_refuse"),
    ({"outbound": ["ZT1"], "order_status": "shipped", "parcel_states": {"ZT1": "delivered"}}, "agree_return"),
    ({"order_status": "completed", "goods_status": "received"}, "agree_return"),
    ({"order_status": None, "ship_logistics": "已签收"}, "agree_return"),
    ({"cs_status": "intervening"}, "intervention_open"),
    ({"cs_status": "evidence"}, "evidence_due"),
    ({"cs_status": "done", "status": "seller_refused"}, "refused_watch"),
    ({"status": "wait_buyer_return"}, "waiting_buyer"),
    ({"status": "wait_buyer_return", "return_tracking": "SF1"}, "return_in_transit"),
    ({"status": "wait_buyer_return", "warehouse_in": 2}, "return_arrived"),
    ({"status": "wait_seller_confirm_goods"}, "return_tracking_missing"),
    ({"status": "wait_seller_confirm_goods", "return_tracking": "SF1", "return_state": "delivered"}, "return_arrived"),
    ({"status": "wait_seller_confirm_goods", "return_tracking": "SF1", "return_logistics": "驿站代收"},
     "return_arrived"),
    ({"status": "wait_seller_confirm_goods", "return_tracking": "SF1", "reused": True,
      "return_logistics": "已签收"}, "return_tracking_reused"),
    ({"status": "wait_seller_confirm_goods", "return_tracking": "SF1", "deadline_at": at("2026-11-21 20:00")},
     "due_soon"),
    ({"status": "wait_seller_confirm_goods", "return_tracking": "SF1", "deadline_at": at("2026-11-21 09:00")},
     "overdue"),
    ({"order_status": "completed", "goods_status": "received", "buyer_refunds": 3}, "repeat_refunder"),
    ({"order_status": "completed", "goods_status": "received", "buyer_refunds": 2}, "agree_return"),
    ({"status": "success", "requested_at": at("2026-11-19 10:00"), "shipped_at": at("2026-11-19 15:00")},
     "refunded_but_shipped"),
])
def test_one_finding_per_refund(kw, finding):
    assert F.assess(refund(**kw), NOW, RULES)["finding"] == finding


def test_not_on_the_list_and_the_clock_on_specific_findings():
    assert F.assess(refund(status="closed"), NOW, RULES) is None
    assert F.assess(refund(status="success", shipped_at=at("2026-11-21 07:00")), NOW, RULES) is None
    urgent = F.assess(refund(deadline_at=at("2026-11-21 12:00")), NOW, RULES)
    assert urgent["finding"] == "refund_on_unshipped" and urgent["flags"] == ["refund_on_unshipped", "due_soon"]
    assert urgent["hours_left"] == 2.0 and urgent["severity"] == "error"
    # the buyer's clock is not the shop's: waiting_buyer is never due_soon
    waiting = F.assess(refund(status="wait_buyer_return", deadline_at=at("2026-11-21 11:00")), NOW, RULES)
    assert waiting["finding"] == "waiting_buyer" and waiting["flags"] == ["waiting_buyer"]


def test_fail_on_codes():
    assert F.parse_fail_on(None) == frozenset(F.DEFAULT_FAIL_ON)
    assert F.parse_fail_on("") == frozenset()
    with pytest.raises(ValueError):
        F.parse_fail_on("overdue,late")
    assert set(F.NEXT_ACTION) == set(F.FINDINGS)
