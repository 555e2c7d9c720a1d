"""merge-shipping's domain: postage rules, conflicts per order, and grouping, called directly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoptool import merge as M
from shoptool import postage as P

MAX = P.parse_postage_rule("max")
WORDS = ["顺丰", "EMS", "指定快递"]
SH = "上海 上海市 浦东新区 张江路 100弄 5号 301室"


def order(n: int, *, nick="tb_buyer", name="张三", mobile="13800138000", address=SH,
          created="2026-11-20T09:00:00+08:00", status="paid", postage=1000, goods=5900, **extra) -> dict:
    return {"order_id": f"39120000000000{n:05d}", "shop": "示例旗舰店", "buyer_nick": nick, "status": status,
            "receiver_name": name, "receiver_mobile": mobile, "address": address, "created_at": created,
            "postage_fen": postage, "goods_fen": goods, "is_cod": 0, **extra}


def merges(orders, **kw):
    kw.setdefault("window", timedelta(days=3))
    kw.setdefault("rule", MAX)
    kw.setdefault("courier_words", WORDS)
    return M.find_merges(orders, **kw)


# ---------------------------------------------------------------- postage


@pytest.mark.parametrize(("text", "kind", "amount"), [
    ("max", "max", 0), (" FIRST ", "first", 0), ("flat:8", "flat", 800), ("flat:12.5", "flat", 1250),
    ("free_over:99", "free_over", 9900), ("free_over：99.90", "free_over", 9990), ("flat:0", "flat", 0),
])
def test_postage_rules_parse_to_exact_fen(text, kind, amount):
    rule = P.parse_postage_rule(text)
    assert (rule.kind, rule.amount_fen) == (kind, amount)


@pytest.mark.parametrize("text", ["", "cheapest", "flat", "flat:", "flat:-1", "flat:1.234", "free_over:abc", "max:3",
                                  "flat:nan"])
def test_bad_postage_rules_are_refused(text):
    with pytest.raises(ValueError, match="postage rule|amount"):
        P.parse_postage_rule(text)


@pytest.mark.parametrize(("rule", "postages", "goods", "due", "refund"), [
    ("max", [1000, 800], 9800, 1000, 800),
    ("first", [800, 1000], 9800, 800, 1000),
    ("flat:6", [1000, 800], 9800, 600, 1200),
    ("flat:25", [1000, 800], 9800, 2500, 0),  # one parcel dearer than both: the shop pays, refund 0
    ("free_over:99", [1000, 800], 9800, 1000, 800),  # 98 yuan of goods: below the threshold → max
    ("free_over:98", [1000, 800], 9800, 0, 1800),  # at the threshold: postage free, all of it back
    ("max", [0, 0], 9800, 0, 0),
    ("first", [None, 800], 9800, 0, 800),
])
def test_one_parcel_postage_under_each_rule(rule, postages, goods, due, refund):
    result = P.one_parcel(postages, goods, P.parse_postage_rule(rule))
    assert result == P.Postage(sum(p or 0 for p in postages), due, refund)


_RULES = st.one_of(
    st.sampled_from(["max", "first"]),
    st.integers(0, 100_000).map(lambda fen: f"flat:{fen // 100}.{fen % 100:02d}"),
    st.integers(0, 1_000_000).map(lambda fen: f"free_over:{fen // 100}.{fen % 100:02d}"),
)


@given(
    postages=st.lists(st.one_of(st.none(), st.integers(-500, 50_000)), min_size=1, max_size=8),
    goods=st.integers(0, 2_000_000),
    rule=_RULES,
)
def test_refund_is_exact_and_never_exceeds_what_was_paid(postages, goods, rule):
    result = P.one_parcel(postages, goods, P.parse_postage_rule(rule))
    paid = sum(p or 0 for p in postages)
    assert result.paid == paid
    assert isinstance(result.refund, int)
    assert 0 <= result.refund <= max(paid, 0)
    if all((p or 0) >= 0 for p in postages):
        assert result.refund == max(0, paid - result.due)


@given(postages=st.lists(st.integers(0, 50_000), min_size=2, max_size=6), rule=_RULES)
def test_a_merged_group_reports_the_postage_it_was_given(postages, rule):
    orders = [order(i, postage=fee, created=f"2026-11-20T09:{i:02d}:00+08:00") for i, fee in enumerate(postages)]
    (group,) = merges(orders, rule=P.parse_postage_rule(rule)).rows
    row = group.as_row()
    assert row["postage_paid"] == sum(postages)
    assert 0 <= row["refund"] <= row["postage_paid"]
    assert row["postage_paid"] - row["refund"] == min(row["postage_due"], row["postage_paid"])


# ---------------------------------------------------------------- one order


@pytest.mark.parametrize(("status", "fen", "refunding"), [
    ("没有申请退款", 0, False), (None, None, False), ("退款关闭", 0, False), ("NO_REFUND", None, False),
    ("买家已经申请退款，等待卖家同意", 0, True), ("买家已经申请退款,等待卖家同意", None, True),
    ("卖家已经同意退款，等待买家退货", None, True), ("卖家拒绝退款", None, True), ("退款成功", 1000, True),
    ("WAIT_SELLER_AGREE", None, True), ("退款中", None, True), ("没有申请退款", 500, True),
])
def test_refund_states(status, fen, refunding):
    assert M.is_refunding({"refund_status": status, "refund_fen": fen}) is refunding


def test_a_refund_on_one_order_line_is_a_refund():
    assert M.is_refunding({"item_refund_status": "没有申请退款|买家已经申请退款，等待卖家同意"})
    assert not M.is_refunding({"item_refund_status": "没有申请退款|没有申请退款", "item_refund_fen": 0})


@pytest.mark.parametrize(("fields", "word"), [
    ({"buyer_message": "请发顺丰，急用"}, "顺丰"),
    ({"seller_note": "客户要求ems"}, "EMS"),
    ({"shipping_method": "EMS"}, "EMS"),
    ({"buyer_message": "two items please"}, None),  # "ems" inside a word is no courier
    ({"buyer_message": "尽快发货", "seller_note": "已核对"}, None),
])
def test_courier_requests(fields, word):
    assert M.courier_request(fields, WORDS) == word


def test_conflicts_of_one_order():
    assert M.order_conflicts(order(1, is_cod=1, status="partly_shipped", buyer_message="发EMS"), WORDS) == (
        M.COD, M.PARTLY_SHIPPED, M.COURIER_REQUEST)
    assert M.order_conflicts(order(2, presale_stage="all_paid")) == (M.PRESALE,)
    assert M.order_conflicts(order(2, presale_stage="all_paid"), include_presale=True) == ()
    assert M.order_conflicts(order(3, presale_stage="balance_unpaid"), include_presale=True) == (M.PRESALE,)


# ---------------------------------------------------------------- groups


def test_addresses_differing_only_in_spaces_width_and_punctuation_are_one_receiver():
    orders = [
        order(1, address=SH),
        order(2, address="上海  上海市 浦东新区 张江路 100弄5号 301室。", created="2026-11-20T10:00:00+08:00"),
        order(3, address="上海　上海市　浦东新区　张江路　１００弄　５号　３０１室", name="张 三",
              created="2026-11-21T08:00:00+08:00"),
    ]
    report = merges(orders)
    assert [(r.group_id, r.order_ids, r.conflicts) for r in report.rows] == [
        ("M-3912000000000000001", [o["order_id"] for o in orders], ())]


def test_group_ids_do_not_depend_on_the_order_rows_come_in():
    orders = [order(5, created="2026-11-20T11:00:00+08:00"), order(4, created="2026-11-20T10:00:00+08:00")]
    assert [r.group_id for r in merges(orders).rows] == ["M-3912000000000000004"]
    assert [r.group_id for r in merges(list(reversed(orders))).rows] == ["M-3912000000000000004"]


def test_window_counts_from_the_groups_first_order():
    times = ["2026-11-18T09:00:00+08:00", "2026-11-20T09:00:00+08:00", "2026-11-21T09:00:01+08:00",
             "2026-11-22T09:00:00+08:00"]
    report = merges([order(i, created=t) for i, t in enumerate(times)])
    assert [r.order_ids for r in report.rows] == [
        ["3912000000000000000", "3912000000000000001"], ["3912000000000000002", "3912000000000000003"]]


def test_the_buyer_nick_must_match_unless_loose():
    orders = [order(1, nick="tb_a"), order(2, nick="tb_b", created="2026-11-20T10:00:00+08:00")]
    assert merges(orders).rows == []
    assert [r.order_ids for r in merges(orders, loose=True).rows] == [
        ["3912000000000000001", "3912000000000000002"]]
    assert merges(orders, loose=True).rows[0].as_row()["buyer"] == "tb_a / tb_b"


def test_orders_without_a_full_receiver_are_not_compared():
    hidden = "江苏省 南京市 建邺区 沙洲街道****"
    orders = [order(1, address=hidden, masked=1), order(2, address=hidden, masked=1), order(3, mobile=""),
              order(4, mobile="")]
    report = merges(orders)
    assert (report.rows, report.unmatched) == ([], 4)


def test_a_blocked_order_is_listed_and_the_rest_still_merge():
    orders = [order(1), order(2, is_cod=1, created="2026-11-20T09:30:00+08:00"),
              order(3, created="2026-11-20T10:00:00+08:00")]
    merge_row, listed = merges(orders).rows
    assert (merge_row.order_ids, merge_row.conflicts) == (["3912000000000000001", "3912000000000000003"], ())
    assert (listed.group_id, listed.conflicts) == ("X-3912000000000000001", (M.COD,))
    assert listed.order_ids == ["3912000000000000001", "3912000000000000002", "3912000000000000003"]
    assert listed.as_row()["order_conflicts"] == {"3912000000000000002": ["cod"]}
    assert listed.as_row()["refund"] is None


def test_the_same_buyer_to_two_addresses_is_a_hint_not_a_merge():
    orders = [order(1), order(2, address="上海 上海市 徐汇区 漕溪北路 88号 12楼", created="2026-11-20T12:00:00+08:00")]
    (row,) = merges(orders).rows
    assert (row.group_id, row.conflicts) == ("D-3912000000000000001", (M.DIFFERENT_ADDRESS,))
    assert row.as_row()["refund"] is None


def test_receiver_is_masked_part_by_part_unless_show_pii():
    (row,) = merges([order(1), order(2, created="2026-11-20T10:00:00+08:00")]).rows
    assert row.as_row()["receiver"] == "张* 138****8000 上海 上海市 浦东新区 ****"
    assert row.as_row(show_pii=True)["receiver"] == f"张三 13800138000 {SH}"


def test_the_refund_is_written_on_the_first_order_only():
    (row,) = merges([order(1, postage=1000), order(2, postage=800, created="2026-11-20T10:00:00+08:00")]).rows
    texts = row.note_text()
    assert "8.00 元应退" in texts["3912000000000000001"]
    assert "应退" not in texts["3912000000000000002"] and "M-3912000000000000001" in texts["3912000000000000002"]


def test_summary_counts_rows_by_main_code():
    orders = [order(1), order(2, created="2026-11-20T10:00:00+08:00"),
              order(3, nick="tb_c", is_cod=1, refund_status="退款成功", name="李四"),
              order(4, nick="tb_c", name="李四", created="2026-11-20T10:00:00+08:00")]
    summary = merges(orders).summary()
    assert {k: summary[k] for k in ("merge", "cod", "orders_merged", "postage_refund")} == {
        "merge": 1, "cod": 1, "orders_merged": 2, "postage_refund": 10.0}
    assert "refunding" not in summary  # counted under its row's main code only
