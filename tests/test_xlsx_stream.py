"""The row-streaming xlsx path (tables/xlsx_stream.py, issue #25) reads every workbook as calamine
does: the same cells, so an import stores the same orders whichever path a file's size chose.
Files here are small; `import.xlsx_stream_from = 0` makes the streaming path read them."""

from __future__ import annotations

import sqlite3
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import pytest
from builders import QIANNIU_ORDER_HEADER, qianniu_order, rows_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

STREAM_ALWAYS = '[import]\nxlsx_stream_from = 0\n'
ORDER_FIELDS = ("order_id", "status", "total_fen", "paid_fen", "goods_fen", "postage_fen", "address", "province",
                "city", "district", "created_at", "paid_at", "shipped_at", "tracking_no", "courier", "item_title")


def _orders(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT {', '.join(ORDER_FIELDS)} FROM orders ORDER BY order_id").fetchall()


def _import_both_ways(cli, folder: Path, workbook: Path) -> tuple:
    """Import the workbook into two shops, by calamine and by the streaming reader."""
    found = []
    for name, config in (("calamine", ""), ("streamed", STREAM_ALWAYS)):
        shop = folder / name
        shop.mkdir()
        (shop / "shoptool.toml").write_text(config, encoding="utf-8")
        result = cli("import", workbook, "--config", shop / "shoptool.toml", "--db", shop / "shoptool.db",
                     "--format", "json")
        assert result.exit_code in (0, 3), result
        document = result.json
        summary = {k: v for k, v in document["summary"].items() if k not in ("seconds", "import_id")}
        rejects = [(r.get("row"), r.get("column"), r.get("reason")) for r in document["rows"]
                   if r.get("status") == "rejected" or r.get("reason")]
        found.append((summary, rejects, _orders(shop / "shoptool.db")))
    return tuple(found)


def test_a_qianniu_export_with_a_title_row_shared_strings_and_odd_cells_stores_the_same(cli, shop_folder):
    """openpyxl's normal mode writes shared strings, as Excel does: a merged title row above the
    header, order numbers as text, one as a number (a float loses digits: rejected either way),
    money as numbers, times as date cells and as date-formatted serials, cells left out."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "订单列表"
    sheet.append(["订单导出 2026-11-21"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    sheet.append(QIANNIU_ORDER_HEADER)
    column = {h: i + 1 for i, h in enumerate(QIANNIU_ORDER_HEADER)}
    orders = [qianniu_order(n) for n in range(1, 9)]
    for values in rows_for(QIANNIU_ORDER_HEADER, orders):
        sheet.append([v if v not in (None, "") else None for v in values])
    sheet.cell(3, column["买家应付货款"], 99.0)  # a number cell, not text
    sheet.cell(4, column["订单创建时间"], datetime(2026, 11, 20, 9, 30, 15))
    serial = sheet.cell(5, column["订单创建时间"], 46346.5)  # 2026-11-20 12:00 as Excel stores it
    serial.number_format = "yyyy/m/d h:mm"
    sheet.cell(6, column["订单编号"], 3912000000000000004.0)  # digits lost: rejected, by both paths
    sheet.cell(7, column["收货地址"], "浙江省 杭州市 西湖区 A&B大厦 <3号楼>****")
    sheet.cell(8, column["订单状态"], None)  # a cell the XML leaves out
    path = shop_folder / "ExportOrderList20261121.xlsx"
    book.save(path)
    _with_shared_strings(path)
    with zipfile.ZipFile(path) as archive:
        assert "xl/sharedStrings.xml" in archive.namelist()

    by_calamine, streamed = _import_both_ways(cli, shop_folder, path)
    assert streamed == by_calamine
    stored = {row[0]: row for row in by_calamine[2]}
    # sheet row r holds order r - 2 (a title row, then the header)
    assert stored["3912000000000000002"][10].startswith("2026-11-20T09:30:15")
    assert stored["3912000000000000003"][10].startswith("2026-11-20T12:00:00")
    assert "A&B大厦 <3号楼>" in stored["3912000000000000005"][6]
    assert "3912000000000000004" not in stored and len(stored) == 7
    assert by_calamine[0]["rejected_rows"] == 1


def test_a_write_only_workbook_with_inline_strings_stores_the_same(cli, shop_folder):
    """Streaming writers (openpyxl write_only, POI SXSSF) write inline strings and no shared table."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("订单列表")
    sheet.append(QIANNIU_ORDER_HEADER)
    for values in rows_for(QIANNIU_ORDER_HEADER, [qianniu_order(n) for n in range(1, 40)]):
        sheet.append(list(values))
    path = shop_folder / "orders.xlsx"
    book.save(path)

    by_calamine, streamed = _import_both_ways(cli, shop_folder, path)
    assert streamed == by_calamine
    assert len(by_calamine[2]) == 39


def test_streamed_cells_are_calamine_s_cells(tmp_path):
    """Cell by cell: text with entities and rich runs, numbers as floats, booleans, formulas' cached
    values, dates, date-times and times by the cell's format, blank rows and cells the XML leaves
    out, a sheet that starts at B3."""
    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from python_calamine import CalamineWorkbook

    from shoptool.tables.xlsx_stream import iter_rows, sheet_parts

    book = Workbook()
    first = book.active
    first.title = "说明"
    first["A1"] = "导出说明"
    sheet = book.create_sheet("数据")
    sheet["B3"], sheet["C3"], sheet["D3"], sheet["E3"], sheet["F3"] = "订单编号", 1.5, True, "=1+1", "x&y<z>"
    sheet["B4"] = CellRichText(["红色", TextBlock(InlineFont(b=True), "加粗")])
    sheet["C5"] = datetime(2026, 11, 21, 10, 0, 5)
    sheet["D5"] = date(2026, 11, 21)
    sheet["E5"] = time(10, 30)
    sheet["F5"] = 46000.25
    sheet["F5"].number_format = "yyyy年m月d日"
    sheet["B7"] = 3913000000000000000
    sheet["G8"] = "  空格 保留  "
    path = tmp_path / "cells.xlsx"
    book.save(path)

    calamine = CalamineWorkbook.from_path(str(path))
    with zipfile.ZipFile(path) as archive:
        parts = sheet_parts(archive)
        assert list(parts) == calamine.sheet_names == ["说明", "数据"]
        for name, part in parts.items():
            expected = {n: _trimmed(r) for n, r in enumerate(calamine.get_sheet_by_name(name).iter_rows(), 1)}
            streamed = {n: _trimmed(r) for n, r in iter_rows(archive, part)}
            assert {n: r for n, r in streamed.items() if r} == {n: r for n, r in expected.items() if r}, name
    rows = dict(iter_rows(zipfile.ZipFile(path), parts["数据"]))
    assert rows[3][:2] == ["订单编号", 1.5] and rows[4][0] == "红色加粗" and rows[7][0] == 3.913e18


def _with_shared_strings(path: Path) -> None:
    """Rewrite the workbook's inline strings into a shared-string table, as Excel and WPS save
    (openpyxl writes inline strings); one entry has rich runs and a phonetic reading."""
    import re
    from html import unescape

    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    strings: list[str] = []

    def shared(match) -> bytes:
        strings.append(unescape(match.group(2).decode()))
        return match.group(1) + b' t="s"><v>' + str(len(strings) - 1).encode() + b"</v></c>"

    for name in [n for n in parts if n.startswith("xl/worksheets/")]:
        parts[name] = re.sub(rb'(<c r="[A-Z]+\d+"(?: s="\d+")?) t="inlineStr"><is><t(?: [^>]*)?>([^<]*)</t></is></c>',
                             shared, parts[name])
    from xml.sax.saxutils import escape

    items = [f"<si><t>{escape(t)}</t></si>" for t in strings]
    items.append('<si><r><t>红色</t></r><r><rPr><b/></rPr><t xml:space="preserve">加粗 </t></r>'
                 '<rPh sb="0" eb="1"><t>ホン</t></rPh></si>')
    parts["xl/sharedStrings.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        f' count="{len(items)}" uniqueCount="{len(items)}">' + "".join(items) + "</sst>").encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/officeDocument/'
                             b'2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    sheet = parts["xl/worksheets/sheet1.xml"]  # the rich entry in a spare cell far right of the data
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        b"</row>", f'<c r="AZ1" t="s"><v>{len(items) - 1}</v></c></row>'.encode(), 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_shared_strings_rich_runs_and_phonetics_read_as_calamine_reads_them(tmp_path):
    from builders import write_xlsx
    from python_calamine import CalamineWorkbook

    from shoptool.tables.xlsx_stream import iter_rows, sheet_parts

    path = write_xlsx(tmp_path / "s.xlsx", QIANNIU_ORDER_HEADER, [qianniu_order(n) for n in range(1, 4)])
    _with_shared_strings(path)
    calamine = CalamineWorkbook.from_path(str(path))
    with zipfile.ZipFile(path) as archive:
        part = sheet_parts(archive)["Sheet1"]
        streamed = {n: _trimmed(r) for n, r in iter_rows(archive, part)}
    expected = {n: _trimmed(r) for n, r in enumerate(calamine.get_sheet_by_name("Sheet1").iter_rows(), 1)}
    assert streamed == expected
    assert streamed[1][-1] == "红色加粗 " and streamed[2][0] == "3912000000000000001"


def _trimmed(row) -> list:
    row = list(row)
    while row and row[-1] == "":
        row.pop()
    return row


@pytest.mark.parametrize("threshold, streamed", [(0, True), (1 << 40, False)])
def test_the_path_is_chosen_by_the_sheet_s_unpacked_size(tmp_path, monkeypatch, threshold, streamed):
    from builders import write_xlsx

    from shoptool.tables import readers, xlsx_stream
    from shoptool.tables.table import Limits

    path = write_xlsx(tmp_path / "orders.xlsx", QIANNIU_ORDER_HEADER, [qianniu_order(1)])
    used = []
    real = xlsx_stream.iter_rows
    monkeypatch.setattr(xlsx_stream, "iter_rows", lambda *a: used.append(a) or real(*a))
    table = readers.open_table(path, header_score=lambda cells: float("订单编号" in cells),
                               limits=Limits(xlsx_stream_from=threshold))
    rows = list(table.rows)
    table.close()
    assert bool(used) is streamed
    assert len(rows) == 1 and rows[0][0] == 2


def _cells_by_calamine(path: Path, name: str) -> dict:
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).iter_rows()
    return {n: r for n, r in ((n, _trimmed(r)) for n, r in enumerate(rows, 1)) if r}


def _cells_streamed(path: Path, name: str) -> dict:
    from shoptool.tables.xlsx_stream import iter_rows, sheet_parts

    with zipfile.ZipFile(path) as archive:
        rows = list(iter_rows(archive, sheet_parts(archive)[name]))
    numbers = [n for n, _ in rows]
    assert numbers == list(range(1, len(numbers) + 1))  # every row, blank ones too, in order
    return {n: r for n, r in ((n, _trimmed(r)) for n, r in rows) if r}


@pytest.mark.parametrize("piece_bytes", [1, 700, 5000])
def test_a_sheet_read_in_many_pieces_reads_as_one(tmp_path, monkeypatch, piece_bytes):
    """The sheet is cut after a row every PIECE_BYTES and calamine reads each piece alone: pieces
    of one row each, pieces where column A is empty throughout (the columns stay where the
    sheet's dimension puts them), rows the XML leaves out between pieces, shared strings, dates."""
    from openpyxl import Workbook

    from shoptool.tables import xlsx_stream

    monkeypatch.setattr(xlsx_stream, "PIECE_BYTES", piece_bytes)
    monkeypatch.setattr(xlsx_stream, "PIECE_PER_PARTS", 0)
    book = Workbook()
    sheet = book.active
    sheet.title = "订单列表"
    sheet.append(["订单导出"])
    sheet.append(QIANNIU_ORDER_HEADER)
    for n, values in enumerate(rows_for(QIANNIU_ORDER_HEADER, [qianniu_order(n) for n in range(1, 30)])):
        row = [v if v not in (None, "") else None for v in values]
        if 10 <= n < 20:
            row[0] = None  # column A empty in a run of rows (whole pieces of them)
        sheet.append(row)
    sheet.cell(8, 5, 129.5)
    sheet.cell(9, 10, datetime(2026, 11, 20, 9, 30, 15))
    sheet.cell(60, 3, "after a gap")  # rows 33–59 are not in the XML at all
    sheet.cell(61, 2, 46346.5).number_format = "yyyy/m/d h:mm"
    path = tmp_path / "orders.xlsx"
    book.save(path)
    _with_shared_strings(path)

    pieces = []
    real = xlsx_stream._calamine_rows
    monkeypatch.setattr(xlsx_stream, "_calamine_rows", lambda *a: pieces.append(a) or real(*a))
    streamed = _cells_streamed(path, "订单列表")
    assert streamed == _cells_by_calamine(path, "订单列表")
    assert len(pieces) > (30 if piece_bytes == 1 else 10 if piece_bytes < 1000 else 1)
    assert streamed[60] == ["", "", "after a gap"] and streamed[61][1] == datetime(2026, 11, 20, 12, 0)
    status = QIANNIU_ORDER_HEADER.index("订单状态")
    assert streamed[13][0] == "" and streamed[13][status] == streamed[3][status]  # realigned, not shifted


def test_a_piece_calamine_cannot_take_alone_is_read_by_the_parser(tmp_path, monkeypatch):
    """Text that holds the private-use mark shared strings travel behind, and a shared-string
    cell whose type comes before an unusual attribute order, are read by the module's parser."""
    from shoptool.tables import xlsx_stream

    monkeypatch.setattr(xlsx_stream, "PIECE_BYTES", 1)
    monkeypatch.setattr(xlsx_stream, "PIECE_PER_PARTS", 0)
    from builders import write_xlsx

    orders = [qianniu_order(n) for n in range(1, 6)]
    path = write_xlsx(tmp_path / "s.xlsx", QIANNIU_ORDER_HEADER, orders)
    _with_shared_strings(path)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    marked = b'<c r="AX3" t="inlineStr"><is><t>\xee\x80\x80mark</t></is></c>'
    sheet = sheet.replace(b'<row r="3">', b'<row r="3">' + marked, 1)
    sheet = sheet.replace(b'<c r="A4" t="s">', b'<c t="s" r="A4"><f>x</f>', 1)
    parts["xl/worksheets/sheet1.xml"] = sheet
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)

    used = []
    real = xlsx_stream._regex_rows
    monkeypatch.setattr(xlsx_stream, "_regex_rows", lambda *a: used.append(a) or real(*a))
    streamed = _cells_streamed(path, "Sheet1")
    assert len(used) == 2
    assert streamed == _cells_by_calamine(path, "Sheet1")
    assert streamed[3][-1] == "\ue000mark" and streamed[4][0] == "3912000000000000003"


@pytest.mark.parametrize("shape", ["inline", "rich", "shared", "formula"])
def test_a_cell_too_long_deep_in_a_streamed_sheet_names_row_and_column(cli, shop_folder, monkeypatch, shape):
    """The streaming reader measures only pieces that could hold an over-long cell: a long text
    run, rich text (many short runs make one cell), a long shared string, a formula's text."""
    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    from shoptool.tables import xlsx_stream

    monkeypatch.setattr(xlsx_stream, "PIECE_BYTES", 3000)
    monkeypatch.setattr(xlsx_stream, "PIECE_PER_PARTS", 0)
    book = Workbook()
    sheet = book.active
    sheet.append(["订单导出 " + "说明" * 800])  # a long title above the header is just read
    sheet.append(QIANNIU_ORDER_HEADER)
    for values in rows_for(QIANNIU_ORDER_HEADER, [qianniu_order(n) for n in range(1, 40)]):
        sheet.append([v if v not in (None, "") else None for v in values])
    note = QIANNIU_ORDER_HEADER.index("商家备注") + 1
    if shape == "rich":
        sheet.cell(35, note, CellRichText([TextBlock(InlineFont(b=n % 2 == 0), "长" * 90) for n in range(12)]))
    elif shape == "formula":
        sheet.cell(35, note, '=REPT("长",1200)')
    else:
        sheet.cell(35, note, "长" * 1200)
    path = shop_folder / "long.xlsx"
    book.save(path)
    if shape in ("shared", "formula"):
        _with_shared_strings(path)
    if shape == "formula":  # the cached text result, as Excel saves it
        with zipfile.ZipFile(path) as archive:
            parts = {name: archive.read(name) for name in archive.namelist()}
        parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
            b'<c r="P35"><f>REPT("\xe9\x95\xbf",1200)</f><v /></c>',
            ('<c r="P35" t="str"><f>REPT("长",1200)</f><v>' + "长" * 1200 + "</v></c>").encode())
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in parts.items():
                archive.writestr(name, data)
    env = {"SHOPTOOL_IMPORT_XLSX_STREAM_FROM": "0", "SHOPTOOL_IMPORT_MAX_CELL_LENGTH": "1000"}

    result = cli("import", path, "--format", "json", "--db", shop_folder / "shop.db", env=env)

    assert result.exit_code == 3, result
    assert "row 35, column 商家备注" in result.stderr and "more than the 1000 allowed" in result.stderr
    assert "cell of 1080 characters" in result.stderr if shape == "rich" else "cell of 1200" in result.stderr


def test_a_stray_cell_far_out_in_a_streamed_sheet_is_refused_not_a_crash(shop_folder):
    """Each piece's extent is checked before calamine lays it out (the sheet is not scanned
    twice): the same refusal as for a whole sheet. In a subprocess, as an abort would kill it."""
    import os
    import subprocess
    import sys

    from test_hostile_input import far_cell_workbook

    (shop_folder / "far.xlsx").write_bytes(far_cell_workbook("XFD1048576"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPTOOL_")}
    env["SHOPTOOL_IMPORT_XLSX_STREAM_FROM"] = "0"
    run = subprocess.run([str(Path(sys.executable).with_name("shoptool")), "import", "far.xlsx", "--format", "json",
                          "--db", "shop.db"], cwd=shop_folder, capture_output=True, text=True, timeout=60, env=env)

    assert run.returncode == 3, run.stderr
    assert "far.xlsx" in run.stderr and "1,048,576" in run.stderr and "16,384" in run.stderr
    assert "cells to lay out" in run.stderr


@pytest.mark.parametrize("cell, parser", [("XFD2", False), ("A1048576", False), ("Z1048576", True), ("CV20000", False)])
def test_a_wide_or_long_but_possible_streamed_sheet_is_read_without_a_big_grid(cli, shop_folder, monkeypatch,
                                                                               cell, parser):
    """A piece calamine would lay out as millions of empty cells (a million rows left out, a
    cell at column XFD) is read by the module's own parser instead."""
    from test_hostile_input import far_cell_workbook

    from shoptool.tables import xlsx_stream

    (shop_folder / "wide.xlsx").write_bytes(far_cell_workbook(cell))
    used = []
    real = xlsx_stream._regex_rows
    monkeypatch.setattr(xlsx_stream, "_regex_rows", lambda *a: used.append(a) or real(*a))

    result = cli("import", shop_folder / "wide.xlsx", "--format", "json", "--db", shop_folder / "shop.db",
                 env={"SHOPTOOL_IMPORT_XLSX_STREAM_FROM": "0"})

    assert result.exit_code in (0, 3), result
    assert result.rows[0]["inserted"] == 1
    assert bool(used) is parser


def test_a_workbook_read_by_the_forked_reader_stores_what_the_serial_reader_stores(cli, shop_folder, monkeypatch):
    """Half the batches of a workbook travel raw to the importing process (its cells: text,
    floats, dates) and are converted there; rejects keep their rows' numbers."""
    from openpyxl import Workbook

    from shoptool.imports import pipeline

    book = Workbook()
    sheet = book.active
    sheet.append(QIANNIU_ORDER_HEADER)
    column = {h: i + 1 for i, h in enumerate(QIANNIU_ORDER_HEADER)}
    for values in rows_for(QIANNIU_ORDER_HEADER, [qianniu_order(n) for n in range(1, 12)]):
        sheet.append([v if v not in (None, "") else None for v in values])
    sheet.cell(3, column["订单创建时间"], datetime(2026, 11, 20, 9, 30, 15))
    sheet.cell(5, column["买家应付货款"], 99.5)
    sheet.cell(6, column["订单编号"], 3912000000000000004.0)  # rejected
    sheet.cell(9, column["宝贝总数量"], "三")  # rejected
    path = shop_folder / "orders.xlsx"
    book.save(path)
    _with_shared_strings(path)
    config = shop_folder / "shoptool.toml"
    config.write_text(STREAM_ALWAYS, encoding="utf-8")

    def imported(db: str) -> tuple:
        result = cli("import", path, "--config", config, "--db", shop_folder / db, "--now", "2026-11-21 09:00",
                     "--format", "json")
        assert result.exit_code == 3, result  # rows were rejected
        rejects = (shop_folder / "orders.xlsx.rejects.csv").read_text(encoding="utf-8-sig")
        with sqlite3.connect(shop_folder / db) as conn:
            return conn.execute("SELECT * FROM orders ORDER BY order_id").fetchall(), rejects, result.stderr

    serial = imported("serial.db")
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(pipeline, "BATCH_ROWS", 2)
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 2)
    for share in (1, 2, 3):  # 1, the default: this process converts every batch
        monkeypatch.setattr(pipeline, "WORKBOOK_SHARE", share)
        assert imported(f"forked{share}.db") == serial
    assert len(serial[0]) == 9 and "row 6" in serial[2]


@pytest.mark.parametrize("lookup_strings", [0, 300_000])
def test_shared_strings_are_looked_up_by_either_way_with_bad_indexes_blank(tmp_path, monkeypatch, lookup_strings):
    """A piece's shared-string cells are looked up in a dict of marked indexes (small tables) or
    cell by cell (big ones); an index past the table or not a number reads as an empty cell."""
    from builders import write_xlsx

    from shoptool.tables import xlsx_stream

    monkeypatch.setattr(xlsx_stream, "_LOOKUP_STRINGS", lookup_strings)
    path = write_xlsx(tmp_path / "s.xlsx", QIANNIU_ORDER_HEADER, [qianniu_order(n) for n in range(1, 6)])
    _with_shared_strings(path)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    good = _cells_streamed(path, "Sheet1")
    sheet = parts["xl/worksheets/sheet1.xml"]
    at = sheet.index(b'<c r="A3" t="s"><v>') + len(b'<c r="A3" t="s"><v>')
    sheet = sheet[:at] + b"99999" + sheet[sheet.index(b"<", at):]
    at = sheet.index(b'<c r="A4" t="s"><v>') + len(b'<c r="A4" t="s"><v>')
    parts["xl/worksheets/sheet1.xml"] = sheet[:at] + b"x1" + sheet[sheet.index(b"<", at):]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)

    streamed = _cells_streamed(path, "Sheet1")
    assert streamed[3][0] == "" and streamed[4][0] == ""
    assert streamed[3][1:] == good[3][1:] and streamed[5] == good[5] and streamed[2][0] == "3912000000000000001"


def test_a_shared_string_cell_in_a_workbook_without_a_table_reads_blank(tmp_path):
    """A workbook of inline strings has no shared-string table, so its pieces are not scanned for
    shared cells; one that turns up anyway (an index into no table) reads as an empty cell, the
    rest of its row and piece as before."""
    from builders import write_xlsx

    path = write_xlsx(tmp_path / "s.xlsx", QIANNIU_ORDER_HEADER, [qianniu_order(n) for n in range(1, 6)])
    good = _cells_streamed(path, "Sheet1")
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    assert "xl/sharedStrings.xml" not in parts
    sheet = parts["xl/worksheets/sheet1.xml"]
    start = sheet.index(b'<c r="A3"')
    end = sheet.index(b"</c>", start) + 4
    parts["xl/worksheets/sheet1.xml"] = sheet[:start] + b'<c r="A3" t="s"><v>0</v></c>' + sheet[end:]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)

    streamed = _cells_streamed(path, "Sheet1")
    assert good[3][0] == "3912000000000000002" and streamed[3][0] == ""
    assert streamed[3][1:] == good[3][1:] and {n: r for n, r in streamed.items() if n != 3} == {
        n: r for n, r in good.items() if n != 3}


def test_rows_without_numbers_read_in_pieces_are_numbered_on(tmp_path, monkeypatch):
    """Rows and cells need no r="…" (each follows the one before); pieces are cut between such
    rows too, and their rows are numbered on from the rows before, as calamine numbers them."""
    import re

    from builders import write_xlsx

    from shoptool.tables import xlsx_stream

    monkeypatch.setattr(xlsx_stream, "PIECE_BYTES", 900)
    monkeypatch.setattr(xlsx_stream, "PIECE_PER_PARTS", 0)
    path = write_xlsx(tmp_path / "s.xlsx", QIANNIU_ORDER_HEADER, [qianniu_order(n) for n in range(1, 25)])
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    bare = re.sub(rb'<row r="\d+"', b"<row", parts["xl/worksheets/sheet1.xml"])
    parts["xl/worksheets/sheet1.xml"] = re.sub(rb'<c r="[A-Z]+\d+"', b"<c", bare)  # nor do cells
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)

    streamed = _cells_streamed(path, "Sheet1")
    assert streamed == _cells_by_calamine(path, "Sheet1")
    assert len(streamed) == 25 and streamed[25][0] == "3912000000000000024"


def test_a_big_sheet_calamine_reads_whole_after_all_is_checked_before(shop_folder):
    """A workbook whose big sheet cannot be read in pieces (no relationships part to find it by)
    goes to calamine whole: its extent is checked first, as for any sheet calamine lays out."""
    import os
    import subprocess
    import sys

    from test_hostile_input import far_cell_workbook, rezip

    data = far_cell_workbook("XFD1048576")
    (shop_folder / "far.xlsx").write_bytes(rezip(data, lambda name, part: part if "_rels/workbook" not in name
                                                 else part.replace(b"Relationship ", b"Relation ")))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPTOOL_")}
    env["SHOPTOOL_IMPORT_XLSX_STREAM_FROM"] = "0"
    run = subprocess.run([str(Path(sys.executable).with_name("shoptool")), "import", "far.xlsx", "--format", "json",
                          "--db", "shop.db"], cwd=shop_folder, capture_output=True, text=True, timeout=60, env=env)

    assert run.returncode == 3, run.stderr
    assert "far.xlsx" in run.stderr and "cells to lay out" in run.stderr


from test_hostile_input import template_db  # noqa: E402,F401  (the fixture)


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_fuzz_a_streamed_import_never_crashes_and_never_half_writes(cli, template_db, monkeypatch, data):  # noqa: F811
    """The hostile files of test_hostile_input, read in pieces of a few rows each."""
    import tempfile

    from test_hostile_input import TABLES, check_import, hostile_files

    from shoptool.tables import xlsx_stream

    monkeypatch.setenv("SHOPTOOL_IMPORT_XLSX_STREAM_FROM", "0")
    monkeypatch.setattr(xlsx_stream, "PIECE_BYTES", 600)
    monkeypatch.setattr(xlsx_stream, "PIECE_PER_PARTS", 0)
    name, content = data.draw(hostile_files())
    forced = data.draw(st.sampled_from([None] * 6 + list(TABLES)))
    with tempfile.TemporaryDirectory(dir=".") as folder:
        check_import(cli, Path(folder), name, content, template_db, forced)
