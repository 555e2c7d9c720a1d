"""The streaming reader's cheap test of whether a piece may hold an over-long cell
(readers._long_cell): it looks at one position in every limit // 2 bytes, so it must never miss a
cell longer than the limit wherever it sits, whatever its shape (plain, rich runs, a formula's
text). The CLI cases are in test_xlsx_stream.py (a cell too long deep in a streamed sheet)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shoptool.tables.readers import _long_cell

_SHAPES = ("inline", "rich", "formula", "number", "empty")


def _cell(column: int, row: int, shape: str, text: str) -> str:
    ref = f'r="{chr(65 + column)}{row}"'
    if shape == "inline":
        return f'<c {ref} t="inlineStr"><is><t>{text}</t></is></c>'
    if shape == "rich":  # runs of at most 7 characters: no long run without a tag
        runs = [text[i:i + 7] for i in range(0, len(text), 7)] or [""]
        return f'<c {ref} t="inlineStr"><is>' + "".join(f"<r><rPr><b/></rPr><t>{r}</t></r>" for r in runs) + "</is></c>"
    if shape == "formula":
        return f'<c {ref} t="str"><f>A1</f><v>{text}</v></c>'
    if shape == "number":
        return f"<c {ref}><v>{len(text)}</v></c>"
    return f'<c {ref} t="inlineStr" />'


cells = st.tuples(st.sampled_from(_SHAPES), st.text(alphabet="ab长&;", max_size=120))


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.lists(cells, min_size=1, max_size=8), min_size=1, max_size=12),
       limit=st.integers(1, 90), lead=st.integers(0, 60))
def test_a_piece_with_a_cell_longer_than_the_limit_is_always_measured(rows, limit, lead):
    # a first cell no longer than the limit shifts where the positions looked at fall
    xml = '<row r="0">' + _cell(0, 0, "inline", "x" * min(lead, limit)) + "</row>"
    longest = 0
    for number, row in enumerate(rows, 1):
        xml += f'<row r="{number}">' + "".join(_cell(c, number, shape, text) for c, (shape, text) in enumerate(row))
        xml += "</row>"
        longest = max([longest, *(len(text) for shape, text in row if shape in ("inline", "rich", "formula"))])
    if longest > limit:
        assert _long_cell(xml.encode(), limit)


@pytest.mark.parametrize("shape", ["inline", "rich", "formula"])
@pytest.mark.parametrize("limit", [40, 1000])
def test_a_cell_one_character_too_long_is_found_wherever_it_falls(shape, limit):
    """Just past the limit, at every offset from the positions looked at (one in limit // 2)."""
    for offset in range(limit // 2 + 1):
        head = '<row r="1">' + _cell(0, 1, "inline", "x" * offset) + "</row>"
        xml = head + '<row r="2">' + _cell(1, 2, shape, "y" * (limit + 1)) + _cell(2, 2, "number", "") + "</row>"
        assert _long_cell(xml.encode(), limit), offset


def test_short_cells_need_no_measuring_and_cells_that_end_otherwise_do():
    row = '<row r="1">' + '<c r="A1" t="inlineStr"><is><t>订单</t></is></c>' * 400 + "</row>"
    assert not _long_cell(row.encode() * 50, 1000)
    assert _long_cell(row.replace("<c ", "<x:c ").replace("</c>", "</x:c>").encode() * 50, 1000)
