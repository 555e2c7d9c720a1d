"""address-check's domain: findings and severities per order, across orders, and the message."""

from __future__ import annotations

import pytest

from shoptool.address import (
    SEVERITY,
    AddressRules,
    address_changes,
    check_order,
    check_orders,
    find_multiple_addresses,
    normalize_address,
)

BASE = {
    "order_id": "4000000000000000001",
    "buyer_nick": "测试买家甲",
    "status": "paid",
    "receiver_name": "张三",
    "receiver_mobile": "13800138000",
    "receiver_tel": None,
    "address": "浙江省 杭州市 西湖区 文三路100号",
    "address_original": "浙江省 杭州市 西湖区 文三路100号",
    "address_modified": None,
    "province": None,
    "city": None,
    "district": None,
    "address_detail": None,
    "masked": 0,
    "paid_at": "2026-03-01T10:00:00+08:00",
    "courier": None,
    "shipping_method": "快递",
}


def order(**changes) -> dict:
    return {**BASE, **changes}


def codes(result) -> list[tuple[str, str]]:
    return [(f.code, f.severity) for f in result.findings]


CONTRACT_CODES = {
    "phone_missing", "phone_invalid", "region_unknown", "region_mismatch", "region_incomplete",
    "detail_too_short", "placeholder", "name_invalid", "masked", "remote_region",
    "courier_unreachable", "address_changed", "multiple_addresses",
}


def test_severity_table_covers_exactly_the_contract_codes():
    assert set(SEVERITY) == CONTRACT_CODES
    assert set(SEVERITY.values()) == {"error", "warning", "info"}


# ---------------------------------------------------------------- the done-when cases


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"address": "浙江省 杭州市 朝阳区 文三路100号"}, [("region_mismatch", "error")]),
        ({"address": "杭州市朝阳区建国路100号"}, [("region_mismatch", "error")]),
        ({"address": "不详"}, [("placeholder", "error"), ("region_incomplete", "error")]),
        ({"address": "浙江省 杭州市 西湖区 不详"}, [("placeholder", "error")]),
        ({"address": "浙江省 杭州市 西湖区 test"}, [("placeholder", "error")]),
        ({"address": "浙江省 杭州市 西湖区 测试地址"}, [("placeholder", "error")]),
        ({"receiver_name": "测试"}, [("placeholder", "error")]),
        ({"receiver_mobile": "12812345678"}, [("phone_invalid", "error")]),
        ({"receiver_mobile": None}, [("phone_missing", "error")]),
        ({"receiver_mobile": "", "receiver_tel": ""}, [("phone_missing", "error")]),
        ({"address": "北京市朝阳区1号"}, [("detail_too_short", "error")]),
        ({"address": "新疆维吾尔自治区 乌鲁木齐市 天山区 解放北路100号"}, [("remote_region", "info")]),
        ({"address": "西湖区文三路100号"}, [("region_incomplete", "error")]),
        ({"address": "浙江省 杭州市 江干区 新塘路100号"}, [("region_unknown", "warning")]),
        ({"address": "浙江省 杭州市 火星区 新塘路100号"}, [("region_unknown", "warning")]),
    ],
)
def test_findings(changes, expected):
    assert codes(check_order(order(**changes))) == expected


@pytest.mark.parametrize(
    "changes",
    [
        {"receiver_mobile": None, "receiver_tel": "0571-88881234"},  # landline-only order
        {"address": "内蒙古自治区 呼和浩特市 赛罕区 大学西路100号"},  # remote, but only info
        {"address": "湖北省 仙桃市 干河街道 仙桃大道100号"},  # province-direct county-level city
        {"address": "湖北省仙桃市干河街道仙桃大道100号"},
        {"receiver_mobile": "13800000000-1234"},  # privacy number with extension
        {"receiver_mobile": "13800000000转1234"},
        {"address": "广东省 广州市 天河区 天河路100号"},
        {"address": "广东省 中山市 石岐街道 中山路88号"},
        {"address": "广东省 东莞市 虎门镇 太沙路100号"},
        {"address": "北京市 密云县 鼓楼大街100号"},  # old name, one successor
        {"address": "江苏省 无锡市 梁溪区 人民中路100号"},
        {"receiver_name": "陈先生"},
        {"receiver_name": "先生"},  # a bare honorific still gets the parcel delivered
        {"receiver_name": "Lee Ming"},
    ],
)
def test_not_errors(changes):
    result = check_order(order(**changes))
    assert result.severity in (None, "info"), codes(result)
    assert not result.needs_attention


def test_remote_region_is_info_and_names_the_region():
    result = check_order(order(address="新疆维吾尔自治区 乌鲁木齐市 天山区 解放北路100号"))
    assert (result.severity, result.codes, result.suggested_message) == ("info", ["remote_region"], "")
    assert result.as_row()["province"] == "新疆维吾尔自治区"


# ---------------------------------------------------------------- masked exports


def test_masked_order_is_checked_as_far_as_it_goes():
    masked = order(address="江苏省 南京市 建邺区 沙洲街道****", receiver_name=None, receiver_mobile=None, masked=1)
    result = check_order(masked)
    assert codes(result) == [("masked", "info")]  # blank phone on a masked order: not phone_missing
    assert (result.region.province, result.region.city, result.region.district) == ("江苏省", "南京市", "建邺区")
    assert result.suggested_message == ""


def test_masked_order_still_gets_region_errors_and_the_message_never_expands_the_mask():
    masked = order(address="江苏省 杭州市 建邺区 沙洲街道****", receiver_name="", receiver_mobile="", masked=1)
    result = check_order(masked, show_pii=True)
    assert codes(result) == [("region_mismatch", "error"), ("masked", "info")]
    assert "“江苏省”和“杭州市”对不上" in result.suggested_message
    assert "沙洲街道" not in result.suggested_message  # nothing of the hidden part is quoted or guessed


def test_masked_detail_is_not_too_short_and_masked_phone_is_masked():
    result = check_order(order(address="江苏省 南京市 ****", masked=1, receiver_mobile=None, receiver_name=None))
    assert result.codes == ["masked"]
    result = check_order(order(receiver_mobile="138****5678"))
    assert result.codes == ["masked"]


# ---------------------------------------------------------------- names and placeholders


@pytest.mark.parametrize(
    "name, expected",
    [
        ("", ["name_invalid"]),
        (None, ["name_invalid"]),
        ("123456", ["name_invalid"]),
        ("...", ["name_invalid"]),
        ("张三13800138000", ["name_invalid"]),  # the phone typed into the name
        ("浙江省杭州市西湖区文三路100号阳光小区3幢2单元501室", ["name_invalid"]),  # address pasted
        ("test", ["placeholder"]),
        ("TEST", ["placeholder"]),
        ("张三", []),
        ("欧阳娜娜", []),
        ("女士", []),
    ],
)
def test_receiver_name(name, expected):
    assert check_order(order(receiver_name=name)).codes == expected


@pytest.mark.parametrize(
    "words, address, flagged",
    [
        (["无"], "江苏省 无锡市 梁溪区 人民中路100号", False),  # one-character words match whole fields only
        (["无"], "江苏省 无锡市 梁溪区 无", True),
        (["test"], "浙江省 杭州市 西湖区 contest大厦100号", False),  # Latin words match whole words
        (["test"], "浙江省 杭州市 西湖区 TEST大厦", True),
        (["待定"], "浙江省 杭州市 西湖区 地址待定", True),
        (["不详"], "浙江省 杭州市 西湖区 地址待定", False),
    ],
)
def test_placeholder_words_from_settings(words, address, flagged):
    rules = AddressRules.from_settings({"placeholder_words": words})
    assert ("placeholder" in check_order(order(address=address), rules).codes) is flagged


def test_min_detail_length_from_settings():
    address = "浙江省 杭州市 西湖区 文三路1号"  # 文三路1号: five characters
    assert check_order(order(address=address)).codes == []
    strict = AddressRules.from_settings({"min_detail_length": 8})
    assert check_order(order(address=address), strict).codes == ["detail_too_short"]
    assert check_order(order(address="浙江省 杭州市 西湖区 12345678"), strict).codes == ["detail_too_short"]


# ---------------------------------------------------------------- settings: remote regions, couriers


def test_remote_regions_and_courier_coverage_from_settings():
    rules = AddressRules.from_settings(
        {"remote_regions": ["三沙", "西藏"], "courier_unreachable": {"极兔": ["西藏"], "顺丰": "香港"}}
    )
    lhasa = "西藏自治区 拉萨市 城关区 北京中路100号"
    assert codes(check_order(order(address=lhasa, courier="极兔速递"), rules)) == [
        ("courier_unreachable", "error"), ("remote_region", "info")
    ]
    assert check_order(order(address=lhasa, courier="中通快递"), rules).codes == ["remote_region"]
    assert check_order(order(address=lhasa), rules).codes == ["remote_region"]  # 快递: no courier named
    assert check_order(order(address="海南省 三沙市 西沙区 永兴岛100号"), rules).codes == ["remote_region"]
    assert check_order(order(address="新疆维吾尔自治区 乌鲁木齐市 天山区 解放北路100号"), rules).codes == []
    hong_kong = order(address="香港特别行政区 九龙 油尖旺区 弥敦道100号", courier="顺丰速运")
    assert check_order(hong_kong, rules).codes == ["courier_unreachable"]
    by_default = AddressRules.from_settings({"courier_unreachable": {"极兔": ["西藏"]}, "default_courier": "极兔"})
    assert check_order(order(address=lhasa), by_default).codes == ["courier_unreachable", "remote_region"]


def test_rules_from_an_empty_dict_are_the_defaults():
    assert AddressRules.from_settings({}) == AddressRules()
    assert AddressRules.from_settings(None).min_detail_length == 5


# ---------------------------------------------------------------- address changed after payment


@pytest.mark.parametrize(
    "history, modified, expected",
    [
        ([{"field": "address", "old": "浙江省 杭州市 西湖区 文三路100号", "new": "浙江省 杭州市 滨江区 江南大道1号",
           "changed_at": "2026-03-01T12:00:00+08:00"}], None, "付款后改过收货地址"),
        ([{"field": "address", "old": "浙江省 杭州市 西湖区 文三路100号", "new": "浙江省 杭州市 滨江区 江南大道1号",
           "changed_at": "2026-03-01T09:00:00+08:00"}], None, None),  # before payment: normal
        ([{"field": "address", "old": "浙江省 杭州市 西湖区 文三路100号", "new": "浙江省杭州市西湖区文三路100号。",
           "changed_at": "2026-03-01T12:00:00+08:00"}], None, None),  # only the spelling changed
        ([{"field": "receiver_mobile", "old": "13800138000", "new": "13900139000",
           "changed_at": "2026-03-01T03:00:00+00:00"}], None, "付款后改过手机"),  # 11:00 in Shanghai
        ([{"field": "status", "old": "paid", "new": "shipped", "changed_at": "2026-03-02T12:00:00+08:00"}], None, None),
        ([], "浙江省 杭州市 滨江区 江南大道1号", "付款后改过收货地址"),
        ([], "浙江省 杭州市 西湖区 文三路100号", None),
    ],
)
def test_address_changes(history, modified, expected):
    assert address_changes(order(address_modified=modified), history) == expected


def test_address_changed_is_a_warning_quoting_the_address_to_confirm():
    history = [{"field": "address", "old": "浙江省 杭州市 西湖区 文三路100号",
                "new": "浙江省 杭州市 西湖区 文一路200号", "changed_at": "2026-03-01T12:00:00+08:00"}]
    result = check_order(order(address="浙江省 杭州市 西湖区 文一路200号"), history=history, show_pii=True)
    assert codes(result) == [("address_changed", "warning")]
    assert "浙江省杭州市西湖区文一路200号" in result.suggested_message
    hidden = check_order(order(address="浙江省 杭州市 西湖区 文一路200号"), history=history)
    assert "文一路200号" not in hidden.suggested_message and "浙江省杭州市西湖区文一****" in hidden.suggested_message


# ---------------------------------------------------------------- one buyer, several addresses


def test_multiple_addresses_for_one_buyer():
    orders = [
        order(order_id="A1"),
        order(order_id="A2", address="浙江省杭州市西湖区文三路１００号。"),  # same place, other spelling
        order(order_id="A3", address="浙江省 杭州市 滨江区 江南大道1号"),
        order(order_id="B1", buyer_nick="测试买家乙", address="浙江省 杭州市 滨江区 江南大道2号"),
        order(order_id="A4", status="shipped", address="浙江省 杭州市 上城区 解放路1号"),
    ]
    assert find_multiple_addresses(orders) == {"A1": ("A3",), "A2": ("A3",), "A3": ("A1", "A2")}


def test_buyer_is_the_phone_when_there_is_no_nick_and_masked_addresses_are_not_told_apart():
    orders = [
        order(order_id="P1", buyer_nick=None),
        order(order_id="P2", buyer_nick="", address="浙江省 杭州市 滨江区 江南大道1号"),
        order(order_id="M1", buyer_nick="测试买家丙", address="江苏省 南京市 建邺区 沙洲街道****"),
        order(order_id="M2", buyer_nick="测试买家丙", address="江苏省 南京市 建邺区 沙洲街道****"),
        order(order_id="M3", buyer_nick="测试买家丙", address="江苏省 南京市 建邺区 沙洲街道100号"),
        order(order_id="N1", buyer_nick=None, receiver_mobile=None, address="浙江省 杭州市 上城区 解放路1号"),
    ]
    assert find_multiple_addresses(orders) == {"P1": ("P2",), "P2": ("P1",)}


def test_check_orders_puts_it_together():
    orders = [order(order_id="A1"), order(order_id="A3", address="浙江省 杭州市 滨江区 江南大道1号")]
    history = {"A1": [{"field": "address", "old": "x", "new": "y", "changed_at": "2026-03-02T00:00:00+08:00"}]}
    rows = [r.as_row() for r in check_orders(orders, history=history)]
    assert [(r["order_id"], r["severity"], r["findings"]) for r in rows] == [
        ("A1", "warning", ["address_changed", "multiple_addresses"]),
        ("A3", "warning", ["multiple_addresses"]),
    ]
    assert set(rows[0]) >= {"order_id", "severity", "findings", "province", "city", "district", "suggested_message"}
    assert rows[0]["suggested_message"].startswith("亲，您好！您的订单A1发货前需要和您确认一下：1. ")


# ---------------------------------------------------------------- normalising and the message


@pytest.mark.parametrize(
    "a, b",
    [
        ("浙江省 杭州市 西湖区 文三路1号", "浙江省杭州市西湖区文三路1号"),
        ("浙江省　杭州市　西湖区　文三路１号", "浙江省杭州市西湖区文三路1号"),
        ("浙江省杭州市西湖区文三路1号。", "浙江省杭州市西湖区文三路1号"),
        ("浙江省杭州市西湖区文三路1号A座", "浙江省杭州市西湖区文三路1号a座"),
        ("中国 浙江省杭州市西湖区文三路1号", "浙江省杭州市西湖区文三路1号"),
    ],
)
def test_normalize_address(a, b):
    assert normalize_address(a) == normalize_address(b)


def test_normalize_address_keeps_what_tells_places_apart():
    assert normalize_address("文三路1-2号") != normalize_address("文三路12号")
    assert normalize_address(None) == normalize_address("") == ""


@pytest.mark.parametrize(
    "changes, show_pii, quoted, hidden",
    [
        ({"address": "浙江省 杭州市 朝阳区 文三路100号"}, False, ["“杭州市”和“朝阳区”"], []),
        ({"address": "西湖区文三路100号"}, False, ["浙江省杭州市西湖区还是江西省南昌市西湖区"], []),
        ({"address": "浙江省 杭州市 江干区 新塘路100号"}, False, ["“江干区”", "上城区还是浙江省杭州市钱塘区"], []),
        ({"address": "北京市朝阳区1号"}, True, ["“1号”"], []),
        # a detail too short to deliver to is too short to point at anyone: quoted whole, it is what
        # the buyer is asked to complete
        ({"address": "浙江省 杭州市 西湖区 幸福里3"}, False, ["“幸福里3”"], []),
        ({"address": "浙江省 杭州市 西湖区 3栋501"}, False, ["只写了“3栋501”", "街道和小区"], []),
        ({"address": "浙江省 杭州市 西湖区"}, False, ["没有填写详细地址"], ["“”"]),
        ({"address": "四川省 成都市 高新区 天府大道1000号"}, False, ["“高新区”", "街道和门牌号"], ["区/县"]),
        ({"receiver_mobile": "12812345678"}, False, ["128****5678"], ["12812345678"]),
        ({"receiver_mobile": "12812345678"}, True, ["12812345678"], []),
        ({"address": "不详"}, False, ["“不详”"], ["缺少"]),
    ],
)
def test_suggested_message_quotes_what_to_confirm(changes, show_pii, quoted, hidden):
    message = check_order(order(**changes), show_pii=show_pii).suggested_message
    assert message.startswith("亲，您好！") and message.endswith("谢谢！")
    for text in quoted:
        assert text in message
    for text in hidden:
        assert text not in message


def test_details_for_staff_are_masked_unless_show_pii():
    bad = order(receiver_mobile="12812345678", receiver_name="张三13800138000", address="浙江省 杭州市 西湖区 幸福里3")
    hidden = " ".join(f.detail for f in check_order(bad).findings)
    assert "12812345678" not in hidden and "13800138000" not in hidden
    assert "幸福里3" in hidden  # the short detail in question is quoted whole
    shown = " ".join(f.detail for f in check_order(bad, show_pii=True).findings)
    assert "12812345678" in shown and "张三13800138000" in shown and "幸福里3" in shown
