"""The rules of the other CS lists (shoptool/cs_lists.py): cut-offs, COD amounts and scripts, the
rating window, what asks for an invoice; and COD detection (orders.is_cod)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from shoptool import cs_lists as C
from shoptool.orders import is_cod
from shoptool.privacy import mask_invoice_title

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=TZ)
RULES = C.CodRules("示例旗舰店", time(16, 0), timedelta(hours=2), C.CodRules.from_settings({}).script)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.mark.parametrize(("placed", "cutoff"), [
    ("2026-11-21 08:30", "2026-11-21 16:00"),  # before the day's cut-off: ships today
    ("2026-11-21 16:00", "2026-11-22 16:00"),  # at the cut-off: tomorrow
    ("2026-11-20 17:30", "2026-11-21 16:00"),  # after yesterday's: today
    ("2026-11-20 10:00", "2026-11-20 16:00"),  # yesterday morning: yesterday (now past)
])
def test_an_order_must_be_confirmed_by_the_first_cutoff_after_it_was_placed(placed, cutoff):
    assert C.cutoff_after(at(placed), time(16, 0)) == at(cutoff)


@pytest.mark.parametrize(("order", "expected"), [
    ({"total_fen": 13900, "cod_fee_fen": 600}, (14500, 600)),
    ({"total_fen": 13900, "cod_fee_fen": 0}, (13900, 0)),
    ({"total_fen": 13900}, (13900, None)),
    ({"goods_fen": 5900, "postage_fen": 800, "cod_fee_fen": 500}, (7200, 500)),
    # what the courier collects already holds the fee
    ({"total_fen": 13900, "cod_amount_fen": 14500, "cod_fee_fen": 600}, (14500, 600)),
    ({}, (None, None)),
])
def test_the_cod_total_is_what_the_courier_collects(order, expected):
    assert C.cod_amounts(order) == expected


def test_the_script_says_the_total_includes_the_fee_and_by_how_much_it_is_higher():
    order = {"order_id": "3912000000000000601", "item_title": "羊毛围巾", "total_fen": 13900, "cod_fee_fen": 600}
    script = C.cod_script(order, *C.cod_amounts(order), RULES)
    assert "共145.00元" in script and "含货到付款服务费6.00元" in script and "多6.00元" in script
    assert "尾号000601" in script and "羊毛围巾" in script and "示例旗舰店" in script


@pytest.mark.parametrize(("total", "fee", "words"), [
    (13900, None, "货款139.00元，另加货到付款服务费"),
    (13900, 0, "共139.00元（无货到付款服务费）"),
    (None, None, "货款以订单为准"),
])
def test_the_script_never_claims_a_fee_it_does_not_know(total, fee, words):
    assert words in C.amount_words(total, fee)


def test_a_script_with_an_unknown_placeholder_is_refused():
    with pytest.raises(ValueError, match=r"\{phone\}"):
        C.check_script("请拨打{phone}")
    C.check_script("{shop}{order_tail}{item}{amount}{cod_total}{cod_fee}")


@pytest.mark.parametrize(("text", "result"), [
    ("agreed", "agreed"), ("同意", "agreed"), (" Declined ", "declined"), ("拒收", "declined"),
    ("unreachable", "unreachable"), ("未接通", "unreachable"),
])
def test_call_results_as_staff_say_them(text, result):
    assert C.parse_result(text) == result


def test_an_unknown_call_result_is_refused():
    with pytest.raises(ValueError, match="agreed, declined or unreachable"):
        C.parse_result("maybe")


def cod_order(n: int, created: str, **fields) -> dict:
    return {"order_id": f"39120000000000{n:05d}", "status": "paid", "created_at": f"{created}:00+08:00",
            "receiver_mobile": "13800138000", "total_fen": 9900, **fields}


def test_cod_rows_unconfirmed_by_cutoff_then_declined_and_agreed_gone():
    rows = C.cod_rows([
        cod_order(1, "2026-11-21T08:30"),
        cod_order(2, "2026-11-20T10:00", cod_result="unreachable", cod_attempts=2),
        cod_order(3, "2026-11-20T11:00", cod_result="declined"),
        cod_order(4, "2026-11-20T12:00", cod_result="agreed"),
    ], NOW, RULES)
    assert [(r["order_id"][-1], r["finding"], r["hours_to_cutoff"], r["due_soon"]) for r in rows] == [
        ("2", "unconfirmed", -18.0, True), ("1", "unconfirmed", 6.0, False), ("3", "declined", None, False)]
    assert rows[0]["attempts"] == 2 and "再打" in rows[0]["next_action"]
    assert rows[2]["script"] is None and "关闭订单" in rows[2]["next_action"]
    assert C.cod_summary(rows) == {"unconfirmed": 2, "declined": 1, "due_soon": 1, "no_phone": 0}


def test_a_cod_order_without_a_callable_phone_is_for_wangwang():
    (row,) = C.cod_rows([cod_order(1, "2026-11-21T09:00", receiver_mobile="", receiver_tel=None)], NOW, RULES)
    assert row["phone"] is None and "旺旺" in row["next_action"]
    (row,) = C.cod_rows([cod_order(1, "2026-11-21T09:00", receiver_mobile="13800138000-1234")], NOW, RULES)
    assert row["phone"] == "13800138000转1234"
    rows = C.cod_rows([cod_order(1, "2026-11-21T09:00", receiver_mobile="138****5678")], NOW, RULES)
    assert (rows[0]["phone"], rows[0]["can_call"]) == ("138****5678", False)
    assert C.cod_summary(rows)["no_phone"] == 1


def test_the_seller_note_of_a_call():
    assert C.cod_note("agreed", 1, 14500, 600) == "货到付款已电话确认：买家同意，到付145.00元（含服务费6.00元）"
    assert C.cod_note("unreachable", 2, None, None, "傍晚再打") == "货到付款电话未接通（第2次）：傍晚再打"
    assert "关闭订单" in C.cod_note("declined", 1, 9900, None)


# ---------------------------------------------------------------- rating window


def completed(n: int, finished: str | None = None, seen: str | None = None, **fields) -> dict:
    return {"order_id": f"39120000000000{n:05d}", "status": "completed", "buyer_nick": f"tb_buyer{n}",
            "finished_at": finished, "completed_seen_at": seen, **fields}


def test_the_rating_window_is_15_days_in_whole_days():
    rows, unknown = C.rate_rows([
        completed(1, "2026-11-18T10:00:00+08:00"),  # 3 days ago
        completed(2, "2026-11-01T10:00:00+08:00"),  # 20 days ago
        completed(3, "2026-11-06T20:00:00+08:00"),  # window ends tonight
        completed(4, "2026-11-06T09:59:00+08:00"),  # window ended a minute ago
        completed(5, "2026-11-22T10:00:00+08:00"),  # after --now
        completed(6, None, "2026-11-19T08:00:00+08:00"),  # seen turning completed by an import
        completed(7),  # never known
        completed(8, "2026-11-20T10:00:00+08:00", rated_at="2026-11-20T12:00:00+08:00"),
    ], NOW, 15)
    assert [(r["order_id"][-1], r["days_left"], r["completed_source"]) for r in rows] == [
        ("3", 0, "export"), ("1", 12, "export"), ("6", 12, "import")]
    assert unknown == 1
    assert rows[0]["window_ends_at"] == "2026-11-21T20:00:00+08:00"


# ---------------------------------------------------------------- invoices


@pytest.mark.parametrize("text", [None, "", "-", "无", "否", "不开发票", "不需要发票", " 不 需要 ", "NULL",
                                  "不需要开票。"])
def test_cells_that_ask_for_no_invoice(text):
    assert not C.asks_for_invoice(text)
    assert C.parse_invoice(text) is None


@pytest.mark.parametrize(("text", "kind", "title", "said"), [
    ("杭州云栖科技有限公司", None, "杭州云栖科技有限公司", None),
    ("个人", None, "个人", None),
    ("发票类型：电子普通发票；发票抬头：南京金陵电子商务有限公司；税号：91320105MA1W000000", None,
     "南京金陵电子商务有限公司", "电子普通发票"),
    ("抬头:上海某某有限公司, 纳税人识别号:913100000000000000", "增值税专用发票", "上海某某有限公司", "增值税专用发票"),
])
def test_invoice_cells_as_exports_write_them(text, kind, title, said):
    request = C.parse_invoice(text, kind)
    assert (request.title, request.kind) == (title, said)


def test_invoices_oldest_first_until_issued():
    orders = [
        {"order_id": "2", "status": "paid", "invoice_title": "乙公司有限公司", "paid_at": "2026-11-20T09:00:00+08:00"},
        {"order_id": "1", "status": "completed", "invoice_title": "个人", "paid_at": "2026-11-10T09:00:00+08:00"},
        {"order_id": "3", "status": "closed", "invoice_title": "丙有限公司", "paid_at": "2026-11-01T09:00:00+08:00"},
        {"order_id": "4", "status": "unpaid", "invoice_title": "丁有限公司", "created_at": "2026-11-01T09:00:00+08:00"},
        {"order_id": "5", "status": "paid", "invoice_title": "戊有限公司", "paid_at": "2026-11-05T09:00:00+08:00",
         "invoice_result": "issued", "invoice_staff": "kf02", "invoice_at": "2026-11-06T09:00:00+08:00"},
    ]
    rows = C.invoice_rows(orders, NOW)
    assert [(r["order_id"], r["age_days"], r["status"]) for r in rows] == [
        ("1", 11, "requested"), ("2", 1, "requested")]
    everything = C.invoice_rows(orders, NOW, ("requested", "issued"))
    assert [r["order_id"] for r in everything] == ["5", "1", "2"]
    assert everything[0]["issued_by"] == "kf02"


@pytest.mark.parametrize(("title", "shown"), [
    ("杭州云栖科技有限公司", "杭州云栖科技有限公司"), ("个人", "个人"), ("王小明", "王**"), ("欧阳娜娜", "欧***"),
    ("西湖区文三路便利店", "西湖区文三路便利店"), (None, None),
])
def test_an_invoice_title_is_masked_only_when_it_names_a_person(title, shown):
    assert mask_invoice_title(title) == shown


# ---------------------------------------------------------------- COD in every shape


@pytest.mark.parametrize(("fields", "expected"), [
    ({"cod": "是"}, True), ({"cod": "否"}, False), ({"cod": "货到付款"}, True), ({"cod": "款到发货"}, False),
    ({"cod": "货到付款(含部分货到付款)"}, True),
    ({"trade_type": "cod"}, True), ({"trade_type": "COD"}, True), ({"trade_type": "fixed"}, False),
    ({"shipping_method": "货到付款"}, True), ({"shipping_method": "快递"}, False),
    ({"shipping_method": "非货到付款"}, False),
    ({"status_text": "买家已签收（货到付款专用）"}, True),
    ({"cod_fee_fen": 600}, True), ({"cod_fee_fen": 0}, False), ({"cod_amount_fen": 14500}, True),
])
def test_cod_is_read_from_whichever_column_says_it(fields, expected):
    assert is_cod(**fields) is expected
