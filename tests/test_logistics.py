"""The parcel's domain rules (PRODUCT §18): states from the providers' codes, ship-by promises,
the penalty rule, care texts that stay notifications; and the JSON reader's hostile cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shoptool.logistics import deadlines as D
from shoptool.logistics import findings as F
from shoptool.logistics import messages as M
from shoptool.logistics import states as S
from shoptool.logistics import trace as T

TZ = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    "state, code, expected",
    [
        ("0", None, ("in_transit", None)),
        ("1", "101", ("awaiting_pickup", None)),
        ("1", "103", ("picked_up", None)),
        ("5", "501", ("at_pickup_point", None)),
        ("3", "304", ("delivered", None)),
        ("2", "206", ("exception", "unreachable")),
        ("4", None, ("returned", None)),
        ("6", None, ("returning", None)),
        ("14", None, ("rejected", "refused")),
        ("101", None, ("awaiting_pickup", None)),
        ("99", None, None),
    ],
)
def test_kuaidi100_codes(state, code, expected):
    assert S.kuaidi100(state, code) == expected


@pytest.mark.parametrize(
    "state, ex, expected",
    [
        ("0", "", ("no_info", None)),
        ("2", "202", ("out_for_delivery", None)),
        ("2", "211", ("at_pickup_point", None)),
        ("3", "311", ("delivered", None)),
        ("4", "420", ("exception", "address_unclear")),
        ("4", "421", ("exception", "phone_wrong")),
        ("4", "404", ("rejected", "refused")),
        ("4", "414", ("exception", "damaged")),
        ("4", "406", ("returned", None)),
        ("4", "499", ("exception", None)),
        (2.0, None, ("in_transit", None)),
    ],
)
def test_kdniao_codes(state, ex, expected):
    assert S.kdniao(state, ex) == expected


@pytest.mark.parametrize(
    "words, expected",
    [
        ("已签收", ("delivered", None)),
        ("派件中", ("out_for_delivery", None)),
        ("运输中", ("in_transit", None)),
        ("问题件-地址不详", ("exception", "address_unclear")),
        ("拒签", ("rejected", "refused")),
        ("退回中", ("returning", None)),
        ("已放入菜鸟驿站", ("at_pickup_point", None)),
        ("暂无轨迹", ("no_info", None)),
        ("in_transit", ("in_transit", None)),
        ("", None),
        ("火星", None),
    ],
)
def test_sheet_words(words, expected):
    assert S.from_words(words) == expected


def test_a_trace_without_codes_finds_its_first_scan():
    events = T.events_of(
        T.KUAIDI100,
        [
            {"time": "2026-11-20 18:00:00", "context": "到达【杭州转运中心】"},
            {"time": "2026-11-20 10:00:00", "context": "商家已下单"},
            {"time": "2026-11-20 12:00:00", "context": "快递员已揽件"},
        ],
        TZ,
    )
    found = T.result(T.KUAIDI100, state="0", events=events)
    assert found.first_scan_at == datetime(2026, 11, 20, 12, tzinfo=TZ)
    assert found.last_event == "到达【杭州转运中心】" and found.state == "in_transit"


@pytest.mark.parametrize(
    "rule, order_yuan, expected_yuan",
    [
        ("10%:5-100", 2000, 100),
        ("10%:5-100", 30, 5),
        ("10%:5-100", 159, 15.9),
        ("5%", 30, 1.5),
        ("5%:1-", 10, 1),
        ("30", 1000, 30),
        ("0", 1000, 0),
        ("10 %：5-100元".replace("：", ":"), 159, 15.9),
    ],
)
def test_penalty_rule(rule, order_yuan, expected_yuan):
    assert D.Penalty.parse(rule).of(int(order_yuan * 100)) == round(expected_yuan * 100)


@pytest.mark.parametrize("rule", ["a lot", "10%:100-5", "%", "10%:5"])
def test_a_bad_penalty_rule_is_refused(rule):
    with pytest.raises(ValueError):
        D.Penalty.parse(rule)


PLACED = datetime(2026, 11, 20, 9, tzinfo=TZ)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("颜色分类:黑色;发货时间:预计12月5日前发货", datetime(2026, 12, 5, 23, 59, 59, tzinfo=TZ)),
        ("预售 2027-01-03发货", datetime(2027, 1, 3, 23, 59, 59, tzinfo=TZ)),
        ("【预售】1月10日陆续发货", datetime(2027, 1, 10, 23, 59, 59, tzinfo=TZ)),
        ("付款后15天内发货", timedelta(days=15)),
        ("颜色分类:黑色;尺码:M", None),
    ],
)
def test_presale_dates(text, expected):
    found = D.presale_date([text], PLACED)
    assert (found[0] if found else None) == expected


def test_the_longest_sku_promise_of_an_order_holds():
    rules = D.Rules(sku={"A": timedelta(days=3), "B": timedelta(days=7)}, sku_text={"A": "3d", "B": "7d"})
    order = {"paid_at": "2026-11-20T09:00:00+08:00", "created_at": "2026-11-20T08:59:00+08:00"}
    promise = D.promise_of(order, [{"sku_code": "A"}, {"sku_code": "B"}, {"sku_code": "C"}], rules)
    assert (promise.text, promise.sku, promise.source) == ("7d", "B", "sku")
    cod = D.promise_of({"is_cod": 1, "created_at": "2026-11-20T08:00:00+08:00"}, [], rules)
    assert cod.due_at == datetime(2026, 11, 22, 8, tzinfo=TZ)
    assert D.promise_of({"paid_at": None}, [], rules) is None


def test_care_texts_are_notifications():
    from shoptool.messages.templates import MARKETING_WORDS, Template
    from shoptool.settings_defaults import default

    Template.from_settings("logistics_care", default("sms.templates.logistics_care")).check()
    for finding in F.FINDINGS:
        for text in (
            M.care_text(finding, "damaged"),
            M.suggested_message(finding, "damaged"),
            M.next_action(finding, "damaged"),
        ):
            assert text and not any(word in text for word in MARKETING_WORDS), (finding, text)


def test_the_mcp_registry_knows_every_finding():
    from shoptool.mcp_server.registry import LOGISTICS_FINDINGS

    assert set(LOGISTICS_FINDINGS) == set(F.FINDINGS)
    assert set(F.DEFAULT_FAIL_ON) - {"ship_overdue"} <= set(F.FINDINGS)


def test_every_state_and_subtype_has_a_label():
    from shoptool.labels import VOCABULARIES

    assert set(S.STATES) == set(VOCABULARIES["parcel_state"])
    subtypes = {s for table in (S.KUAIDI100_CODE, S.KDNIAO_STATE_EX) for _, s in table.values() if s}
    assert subtypes <= set(VOCABULARIES["parcel_subtype"]) and subtypes <= set(M.SUBTYPE_ZH)
    assert set(F.FINDINGS) == set(VOCABULARIES["logistics_finding"])


# ---------------------------------------------------------------- JSON files, hostile and odd


def test_deeply_nested_json_is_refused_not_a_crash(cli, shop_folder):
    (shop_folder / "deep.json").write_text("[" * 100000 + "]" * 100000, encoding="utf-8")
    run = cli("import", shop_folder / "deep.json")
    assert run.exit_code == 3 and "deep.json" in run.stderr


def test_json_without_known_fields_says_so(cli, shop_folder):
    (shop_folder / "other.json").write_text('[{"foo": 1}, {"bar": 2}]', encoding="utf-8")
    run = cli("import", shop_folder / "other.json")
    assert run.exit_code == 3 and "no recognisable fields" in run.stderr


def test_records_that_are_not_objects_are_rejected_by_number(cli, shop_folder):
    (shop_folder / "odd.json").write_text('[{"nu": "ZT1234567", "state": "0", "data": []}, 42, "x"]', encoding="utf-8")
    run = cli("import", shop_folder / "odd.json", "--format", "json")
    assert run.exit_code == 3 and run.rows[0]["inserted"] == 1 and run.rows[0]["rejected"] == 2


def test_a_sheet_whose_first_cell_starts_with_a_bracket_is_still_a_sheet(cli, shop_folder):
    (shop_folder / "t.csv").write_text(
        "[物流跟踪]\n运单号,物流状态,最新物流信息\nZT7500000000001,运输中,到达【杭州】\n", encoding="utf-8"
    )
    run = cli("import", shop_folder / "t.csv", "--format", "json")
    assert run.exit_code == 0, run
    assert run.rows[0]["kind"] == "tracking"


def test_a_formula_in_a_tracking_result_is_neutralised_in_staff_files(cli, shop_folder):
    (shop_folder / "f.json").write_text(
        '[{"nu": "ZT7500000000001", "state": "2", "data": [{"time": "2026-11-21 08:00:00", '
        '"context": "=HYPERLINK(\\"http://x\\")", "statusCode": "204"}]}]',
        encoding="utf-8",
    )
    assert cli("import", shop_folder / "f.json").exit_code == 0
    run = cli("export", "parcels", "-o", "parcels.csv")
    assert run.exit_code == 0, run
    text = (shop_folder / "parcels.csv").read_text(encoding="utf-8-sig")
    assert "=HYPERLINK" not in text.replace("'=HYPERLINK", "")


def test_kuaidi100_overall_trouble_wins_over_an_ordinary_code_on_the_newest_line():
    line = {"time": "2026-11-20 18:00:00", "context": "快件到达【杭州】", "statusCode": "1002"}
    events = T.events_of(T.KUAIDI100, [line], TZ)
    assert T.result(T.KUAIDI100, state="2", events=events).state == "exception"
    assert T.result(T.KUAIDI100, state="0", events=events).state == "in_transit"
    assert T.result(T.KUAIDI100, state="1", state_ex="101", events=[]).state == "awaiting_pickup"
