"""Receiver phones: valid like phonenumbers says, privacy and masked numbers recognised first."""

from __future__ import annotations

import phonenumbers
import pytest

from shoptool import phones
from shoptool.phones import classify_phone, receiver_phone

# value -> (kind, number, extension, textable)
CASES = [
    ("13800138000", ("mobile", "13800138000", None, True)),
    ("16612345678", ("mobile", "16612345678", None, True)),
    ("19212345678", ("mobile", "19212345678", None, True)),
    ("19912345678", ("mobile", "19912345678", None, True)),
    ("17012345678", ("mobile", "17012345678", None, True)),
    ("138 0013 8000", ("mobile", "13800138000", None, True)),
    ("138-0013-8000", ("mobile", "13800138000", None, True)),
    ("+86 138 0013 8000", ("mobile", "13800138000", None, True)),
    ("8613800138000", ("mobile", "13800138000", None, True)),
    ("１３８００１３８０００", ("mobile", "13800138000", None, True)),  # full width
    ('="13800138000"', ("mobile", "13800138000", None, True)),  # Excel-protected
    ("'13800138000", ("mobile", "13800138000", None, True)),
    ("12812345678", ("invalid", None, None, False)),
    ("1380013800", ("invalid", None, None, False)),
    ("138001380001", ("invalid", None, None, False)),
    ("88881234", ("invalid", None, None, False)),  # a landline needs its area code
    ("abc", ("invalid", None, None, False)),
    ("0571-88881234", ("landline", "0571-88881234", None, False)),
    ("057188881234", ("landline", "0571-88881234", None, False)),
    ("(0571)88881234", ("landline", "0571-88881234", None, False)),
    ("010-88881234", ("landline", "010-88881234", None, False)),
    ("01088881234", ("landline", "010-88881234", None, False)),
    ("020-88881234-123", ("landline", "020-88881234", "123", False)),
    ("13800000000-1234", ("privacy", "13800000000", "1234", False)),
    ("13800000000转1234", ("privacy", "13800000000", "1234", False)),
    ("13800000000 转 1234", ("privacy", "13800000000", "1234", False)),
    ("13800000000#1234", ("privacy", "13800000000", "1234", False)),
    ("12800000000-1234", ("invalid", None, None, False)),
    ("138****5678", ("masked", None, None, False)),
    ("138＊＊＊＊5678", ("masked", None, None, False)),
    ("", ("missing", None, None, False)),
    ("   ", ("missing", None, None, False)),
    (None, ("missing", None, None, False)),
]


@pytest.mark.parametrize("value, expected", CASES)
def test_classify_phone(value, expected):
    phone = classify_phone(value)
    assert (phone.kind, phone.number, phone.extension, phone.textable) == expected
    assert phone.mobile == (phone.number if expected[3] else None)


@pytest.mark.parametrize(
    "mobile, tel, kind, number, rejected",
    [
        ("13800138000", None, "mobile", "13800138000", ()),
        (None, "13800138000", "mobile", "13800138000", ()),  # a mobile in 联系电话
        (None, "0571-88881234", "landline", "0571-88881234", ()),  # landline-only order
        ("12812345678", "0571-88881234", "landline", "0571-88881234", ("12812345678",)),
        ("13800000000-1234", "0571-88881234", "privacy", "13800000000", ()),
        ("13800000000-1234", "13900139000", "mobile", "13900139000", ()),
        ("138****5678", None, "masked", None, ()),
        ("138****5678", "12812345678", "masked", None, ("12812345678",)),
        ("12812345678", None, "invalid", None, ()),
        (None, None, "missing", None, ()),
        ("", "", "missing", None, ()),
    ],
)
def test_receiver_phone_takes_the_best_field(mobile, tel, kind, number, rejected):
    phone = receiver_phone(mobile, tel)
    assert (phone.kind, phone.number, phone.rejected) == (kind, number, rejected)


def test_only_a_plain_mobile_can_be_texted_but_a_courier_can_call_more():
    assert [receiver_phone(m).textable for m in ("13800138000", "13800000000-1234", "138****5678")] == [
        True, False, False
    ]
    assert receiver_phone("13800000000-1234").callable
    assert receiver_phone(None, "0571-88881234").callable
    assert not receiver_phone("138****5678").callable


def test_fast_mobile_check_agrees_with_phonenumbers():
    """The compiled metadata pattern must say exactly what is_valid_number + MOBILE says."""
    for prefix in range(100, 200):
        for tail in ("00000000", "12345678", "99999999", "74001234", "61001234"):
            digits = f"{prefix}{tail}"
            parsed = phonenumbers.parse(digits, "CN")
            expected = phonenumbers.is_valid_number(parsed) and (
                phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
            )
            assert phones._is_mobile(digits) == expected, digits


# ---------------------------------------------------------------- what imports store (PRODUCT §16)

@pytest.mark.parametrize("value, stored", [
    ("13800138000", "13800138000"),
    ("+86 138 0013 8000", "13800138000"),
    ("0086 138-0013-8000", "13800138000"),
    ("8613800138000", "13800138000"),
    ("138.0013.8000", "13800138000"),
    ("13800138000.0", "13800138000"),
    ("13800138000.00", "13800138000"),
    ("１３８００１３８０００", "13800138000"),
    ("1.38001E+10", "1.38001E+10"),  # mangled: kept as written, treated as missing
    ("12812345678", "12812345678"),  # not a mobile: as written
    ("0571-88881234", "0571-88881234"),
    ("13800000000-1234", "13800000000-1234"),
    ("138****5678", "138****5678"),
    ("+852 9123 4567", "+852 9123 4567"),
    ("", ""),
    (None, None),
])
def test_stored_phone_is_the_mobile_whatever_the_spelling(value, stored):
    assert phones.stored_phone(value) == stored


@pytest.mark.parametrize("value", [c[0] for c in CASES] + [
    "+86 138 0013 8000", "13800138000.0", "136.0013.8008", "0086 13600138014", "+852 9123 4567", "+853 6612 3456",
    "+886 912 345 678", "1.38123E+10", "138-0013-8000-", "=\"13800138000\"", "(86)13800138000"])
def test_stored_phone_agrees_with_the_classifier(value):
    """The import's cheap path gives exactly what classify_phone calls a mobile."""
    phone = classify_phone(value)
    stored = phones.stored_phone(value)
    if phone.kind == "mobile":
        assert stored == phone.number
    else:
        assert stored == value


def test_buyer_key_is_the_nick_else_the_normalised_phone():
    key = phones.buyer_key
    assert key({"buyer_nick": " tb_a ", "receiver_mobile": "13800138000"}) == "tb_a"
    assert key({"buyer_nick": None, "receiver_mobile": "+86 138 1111 0003"}) == "13811110003"
    assert key({"receiver_mobile": "13811110003.0"}) == key({"receiver_mobile": "138-1111-0003"}) == "13811110003"
    assert key({"receiver_mobile": "", "receiver_tel": "13811110003"}) == "13811110003"
    assert key({"receiver_mobile": "13800000000转1234"}) == "13800000000#1234"
    assert key({"receiver_mobile": "13800000000-5678"}) != key({"receiver_mobile": "13800000000-1234"})
    assert key({"receiver_tel": "0571-88881234"}) == "0571-88881234"
    assert key({"receiver_mobile": "138****5678"}) is None
    assert key({"receiver_mobile": "1.38111E+10"}) is None
    assert key({}) is None


def test_masking_reads_the_phone_first():
    assert phones.mask_phone("+86 138 1111 0003") == phones.mask_phone("13811110003") == "138****0003"
    assert phones.mask_phone("13811110003.0") == "138****0003"
