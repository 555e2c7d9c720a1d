"""shoptool's own SVG charts (report/charts.py): inline, scalable, accessible, and inert — no
script, no link, no id, every text escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from shoptool.report import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    # inline SVG in HTML needs no namespace; to read it as XML, give it one
    return ET.fromstring(svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


CHARTS = [
    charts.sparkline([0, 3, 1, 0, 7], "付款订单 <近5天>"),
    charts.day_bars(["11-20", "11-21"], [2, 5], "催付 & 付款"),
    charts.hbars([("尺码不合适", 4), ('质量 "破损" <b>', 1)], "退款原因"),
    charts.sparkline([], "空"),
    charts.day_bars([], [], "空"),
    charts.hbars([], "空"),
]


@pytest.mark.parametrize("svg", CHARTS)
def test_every_chart_is_one_inert_scalable_svg_with_a_title(svg):
    root = parse(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img" and root.get("aria-label")
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox")), root.get("viewBox")
    assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}title").text == root.get("aria-label")
    lowered = svg.lower()
    for forbidden in ("<script", "href", "http", "url(", " id=", "<image", "<foreignobject", "<style"):
        assert forbidden not in lowered, forbidden
    assert not re.search(r"\bon[a-z]+=", lowered)


def test_texts_are_escaped_and_whole_in_titles():
    svg = charts.hbars([('质量 "破损" <b>很长的一个原因', 1)], "退款原因 <b>")
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "退款原因 <b>"
    row = root.find(f"{SVG}g")
    assert row.find(f"{SVG}title").text == '质量 "破损" <b>很长的一个原因：1'  # whole in its title
    assert row.find(f"{SVG}text").text == '质量 "破损…'  # cut on the bar's label


def test_bars_are_as_long_as_their_share_of_the_largest():
    root = parse(charts.hbars([("a", 4), ("b", 2), ("c", 1)], "t"))
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert widths == [170, 85, 42.5]
    day = parse(charts.day_bars(["1", "2", "3"], [0, 4, 2], "t"))
    heights = [float(r.get("height")) for r in day.iter(f"{SVG}rect")]
    assert heights == [80, 40]  # a zero day draws no bar, only its label
    texts = [t.text for t in day.iter(f"{SVG}text")]
    assert texts == ["0", "1", "4", "2", "2", "3"]
    spark = parse(charts.sparkline([0, 5, 10], "t"))
    bars = [r for r in spark.iter(f"{SVG}rect")][1:]  # after the base line
    assert [float(r.get("height")) for r in bars] == [11, 22]
    assert bars[-1].get("fill") == charts.ACCENT and bars[0].get("fill") == charts.MUTED  # today stands out
