"""Templates: rendering, billing length and parts, class rules (PRODUCT §8)."""

from __future__ import annotations

import pytest

from shoptool.errors import ConfigError
from shoptool.messages.templates import (
    MARKETING,
    NOTIFICATION,
    REMINDER,
    Template,
    TemplateError,
    count_chars,
    count_parts,
    load_templates,
    render,
    signature,
)

SHIPPED = {"class": "notification", "code": "SMS_SHIPPED",
           "text": "您在{shop}的订单已由{courier}发出，运单号{tracking_no}，请留意查收。"}
UNPAID = {"class": "reminder", "code": "SMS_UNPAID",
          "text": "您在{shop}拍下的宝贝还未付款，{cutoff_hint}请尽快完成支付。"}
PROMO = {"class": "marketing", "code": "SMS_PROMO", "text": "{shop}会员日全场满减，详情见店铺首页。拒收请回复R"}


@pytest.mark.parametrize(
    ("chars", "parts"),
    [(0, 0), (1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)],
)
def test_parts_are_one_up_to_70_then_67_each(chars, parts):
    assert count_parts(chars) == parts


def test_signature_counts_towards_length_brackets_included():
    body = "一" * 62
    shipped = Template("x", "SMS_1", body, NOTIFICATION, ())
    rendered = render(shipped, {}, sign_name="示例旗舰店")
    assert rendered.text == "【示例旗舰店】" + body
    assert rendered.chars == 69 and rendered.parts == 1
    longer = render(Template("x", "SMS_1", body + "二", NOTIFICATION, ()), {}, sign_name="示例旗舰店")
    assert longer.chars == 70 and longer.parts == 1
    longest = render(Template("x", "SMS_1", body + "二三", NOTIFICATION, ()), {}, sign_name="示例旗舰店")
    assert longest.chars == 71 and longest.parts == 2


def test_every_character_counts_one_except_astral_ones():
    assert count_chars("abc 123，。") == 9
    assert count_chars("好😀") == 3  # an emoji travels as two UCS-2 units


def test_render_shipped_notice_names_courier_and_tracking_number():
    template = Template.from_settings("shipped", SHIPPED)
    assert template.params == ("shop", "courier", "tracking_no")
    rendered = render(
        template,
        {"shop": "示例旗舰店", "courier": "中通快递", "tracking_no": "78912345678901", "extra": "ignored"},
        sign_name="示例旗舰店",
    )
    assert rendered.text == "【示例旗舰店】您在示例旗舰店的订单已由中通快递发出，运单号78912345678901，请留意查收。"
    assert rendered.params == {"shop": "示例旗舰店", "courier": "中通快递", "tracking_no": "78912345678901"}
    assert list(rendered.params) == ["shop", "courier", "tracking_no"]  # Tencent's are positional
    assert rendered.parts == 1 and rendered.chars == len(rendered.text)
    assert rendered.template_code == "SMS_SHIPPED" and rendered.sms_class == NOTIFICATION
    assert rendered.sign_name == "示例旗舰店"


def test_unpaid_reminder_with_and_without_cutoff_hint():
    template = Template.from_settings("unpaid", UNPAID)
    with_cutoff = render(template, {"shop": "示例旗舰店", "cutoff_hint": "16:00前付款当天发货，"},
                         sign_name="示例旗舰店")
    assert "16:00前付款当天发货" in with_cutoff.text
    without = render(template, {"shop": "示例旗舰店", "cutoff_hint": ""}, sign_name="示例旗舰店")
    assert "发货" not in without.text
    assert without.chars < with_cutoff.chars


def test_aliyun_style_placeholders_are_understood():
    template = Template.from_settings("shipped", {**SHIPPED, "text": "订单已由${courier}发出，运单号${tracking_no}。"})
    assert template.params == ("courier", "tracking_no")
    rendered = render(template, {"courier": "顺丰", "tracking_no": "SF1"}, sign_name="店")
    assert rendered.body == "订单已由顺丰发出，运单号SF1。"


def test_missing_value_names_template_and_variable():
    template = Template.from_settings("shipped", SHIPPED)
    with pytest.raises(TemplateError, match=r"'shipped'.*tracking_no"):
        render(template, {"shop": "店", "courier": "中通"}, sign_name="店")


def test_signature_brackets_are_added_once():
    assert signature("示例旗舰店") == signature("【示例旗舰店】") == "【示例旗舰店】"
    with pytest.raises(TemplateError, match="sign_name"):
        signature("  ")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({**SHIPPED, "text": SHIPPED["text"] + "拒收请回复R"}, "unsubscribe"),
        ({**SHIPPED, "text": SHIPPED["text"] + "回T退订"}, "unsubscribe"),
        ({**SHIPPED, "text": "双11大促！" + SHIPPED["text"]}, "marketing wording"),
        ({**UNPAID, "text": "领券立减，" + UNPAID["text"]}, "marketing wording"),
        ({**PROMO, "text": "全场满减，详情见店铺首页。"}, "must end with the unsubscribe wording"),
        ({**PROMO, "text": "拒收请回复R 全场满减"}, "must end with the unsubscribe wording"),
        ({**SHIPPED, "class": "promo"}, "class must be one of"),
        ({**SHIPPED, "code": ""}, "no provider template code"),
        ({**SHIPPED, "text": ""}, "no text"),
        ({**SHIPPED, "text": "【别的店】" + SHIPPED["text"]}, "signature"),
        ({**SHIPPED, "params": ["shop", "courier"]}, "do not match"),
    ],
)
def test_class_rules_raise_a_clear_error_naming_the_template(table, message):
    with pytest.raises(TemplateError, match=message) as caught:
        Template.from_settings("shipped", table)
    assert "'shipped'" in str(caught.value)
    assert isinstance(caught.value, ConfigError) and caught.value.exit_code == 2


def test_valid_classes_pass_and_marketing_may_end_with_spaces():
    templates = load_templates({"shipped": SHIPPED, "unpaid": UNPAID, "promo": {**PROMO, "text": PROMO["text"] + " "}})
    assert {t.sms_class for t in templates.values()} == {NOTIFICATION, REMINDER, MARKETING}


def test_explicit_params_set_provider_order():
    template = Template.from_settings("shipped", {**SHIPPED, "params": ["tracking_no", "courier", "shop"]})
    rendered = render(template, {"shop": "店", "courier": "中通", "tracking_no": "1"}, sign_name="店")
    assert list(rendered.params) == ["tracking_no", "courier", "shop"]


def test_line_breaks_inside_a_value_are_flattened():
    template = Template.from_settings("shipped", SHIPPED)
    rendered = render(template, {"shop": "店", "courier": "中\n通", "tracking_no": " 1 "}, sign_name="店")
    assert "中 通" in rendered.text and "运单号1，" in rendered.text
