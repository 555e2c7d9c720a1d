import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shoptool.clock import zone
from shoptool.tables import cells


@pytest.mark.parametrize(
    "raw, expected",
    [
        ('="3712345678901234567"', "3712345678901234567"),
        ("'3712345678901234567", "3712345678901234567"),
        ("\t3712345678901234567", "3712345678901234567"),
        ("３７１２３４５６７８９０１２３４５６７", "3712345678901234567"),
        ("123.00", "123"),
        (12345.0, "12345"),
        ("TS-001-BLK-M", "TS-001-BLK-M"),
        ("", None),
        (None, None),
    ],
)
def test_identifier_keeps_every_digit(raw, expected):
    assert cells.identifier(raw) == expected


@pytest.mark.parametrize("raw", ["3.70000000000001E+18", "1.23457E+18", "3712345678901234567.00", 3.7e18])
def test_identifier_refuses_numbers_excel_mangled(raw):
    with pytest.raises(cells.CellError):
        cells.identifier(raw)


@pytest.mark.parametrize(
    "raw, fen",
    [("¥1,234.50", 123450), ("12.5", 1250), ("0.10", 10), ("１２.００", 1200), ("0元", 0), (3.5, 350), (7, 700),
     ("", None)],
)
def test_money_is_exact_fen(raw, fen):
    assert cells.money(raw) == fen


@pytest.mark.parametrize("raw", ["12.345", "abc", "1.2.3"])
def test_money_refuses_what_is_not_money(raw):
    with pytest.raises(cells.CellError):
        cells.money(raw)


@pytest.mark.parametrize("raw, value", [("-2", -2), ("1,000", 1000), ("5.0", 5), (3.0, 3), ("", None)])
def test_integer_keeps_negative_stock(raw, value):
    assert cells.integer(raw) == value


@pytest.mark.parametrize(
    "raw, iso",
    [
        ("2026-11-20 10:15:00", "2026-11-20T10:15:00+08:00"),
        ("2026/11/20 10:15", "2026-11-20T10:15:00+08:00"),
        ("2026年11月20日 10时15分", "2026-11-20T10:15:00+08:00"),
        ("2026-11-20T02:15:00Z", "2026-11-20T10:15:00+08:00"),
        (46346.5, "2026-11-20T12:00:00+08:00"),
        ("", None),
    ],
)
def test_times_become_shop_time_with_offset(raw, iso):
    assert cells.TimeCleaner(zone("Asia/Shanghai"))(raw) == iso


def test_tracking_number_loses_its_label():
    assert cells.tracking("No:SF1400123456789") == "SF1400123456789"
    assert cells.tracking("75312345678901") == "75312345678901"


@pytest.mark.parametrize("raw, colour", [("1", "red"), ("红", "red"), ("紫旗", "purple"), ("0", None), (3.0, "green")])
def test_flags(raw, colour):
    assert cells.flag(raw) == colour


@pytest.mark.parametrize(
    "text, state",
    [("没有申请退款", "none"), ("", "none"), (None, "none"), ("退款关闭", "none"),
     ("买家已经申请退款，等待卖家同意", "open"), ("卖家已经同意退款,等待买家退货", "open"), ("卖家拒绝退款", "refused"),
     ("退款成功", "done"), ("某种新状态", "open")],
)
def test_refund_state_reads_the_platform_words(text, state):
    from shoptool.orders import refund_state

    assert refund_state(text) == state


@pytest.mark.parametrize("raw, key", [
    ("SF1400123456789", "SF1400123456789"),
    ("SF-1400123456789", "SF1400123456789"),
    ("sf 1400 1234 5678 9", "SF1400123456789"),
    ("No:SF1400123456789", "SF1400123456789"),
    ("NO. sf-1400123456789", "SF1400123456789"),
    ("运单号：SF1400123456789", "SF1400123456789"),
    ("快递单号 SF 1400 1234 5678 9", "SF1400123456789"),
    ("ＳＦ１４００１２３４５６７８９", "SF1400123456789"),
    ('="75312345678901"', "75312345678901"),
    ("75312345678901.0", "75312345678901"),
    ("Nothing 123", "NOTHING123"),  # a word starting with "no" is no label
])
def test_a_tracking_number_is_one_parcel_whatever_the_spelling(raw, key):
    from shoptool.orders import tracking_key

    assert cells.tracking(raw) == key
    assert tracking_key(cells.tracking(raw)) == key


def test_a_tracking_number_excel_mangled_is_refused_and_separators_alone_are_none():
    with pytest.raises(cells.CellError):
        cells.tracking("7.53123E+13")
    assert cells.tracking("---") is None


_CELL_TEXT = st.text(alphabet="0123456789sfSF -.:'=\"+No运单号：１３８*转", max_size=22)


@settings(max_examples=400, deadline=None)
@given(phone=_CELL_TEXT, tracking=_CELL_TEXT)
def test_generated_fast_paths_give_exactly_what_the_cleaners_give(phone, tracking):
    """Imports inline the cleaners' fast paths (imports/codegen.py); a shortcut must never change
    the result: the stored phone and the stored tracking number are identities (PRODUCT §16)."""
    from shoptool.imports.codegen import compile_fields

    generated = compile_fields([("phone", 0, cells.phone), ("tracking", 1, cells.tracking)], True)

    def outcome(clean, value):
        try:
            return clean(value)
        except cells.CellError as exc:
            return ("error", str(exc))

    try:
        fast = generated([phone, tracking])
    except cells.CellError:
        fast = None
    expected = {"phone": outcome(cells.phone, phone), "tracking": outcome(cells.tracking, tracking)}
    if any(isinstance(v, tuple) for v in expected.values()):
        assert fast is None
    else:
        assert fast == expected
