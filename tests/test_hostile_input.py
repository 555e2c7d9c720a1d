"""Files from anywhere: every hostile or damaged input ends in a clear error naming the file (and
the row and column where there is one), exit 3, and a database left exactly as it was — or, for
a file that is merely odd, a well-formed import. Never a traceback, never exit 70.

The explicit cases come first; the fuzz test at the end feeds random bytes and mangled samples,
and every case it ever found is kept above as a regression test."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from builders import LEGACY_ORDER_HEADER, QIANNIU_ORDER_HEADER, legacy_order, write_csv, write_xlsx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p for p in (REPO / "samples").rglob("*") if p.suffix in (".csv", ".xlsx"))
SAMPLE_BYTES = {p.name: p.read_bytes() for p in SAMPLES}
TABLES = {"orders": "orders", "items": "order_items", "page-stock": "page_stock",
          "warehouse-stock": "warehouse_stock", "shipments": "shipments", "reviews": "reviews",
          "opt-outs": "opt_outs", "cs-performance": "cs_performance", "consents": "consents",
          "customers": "members",
          "tracking": "parcels", "refunds": "refunds"}


def legacy_csv(path: Path, rows: list[dict]) -> Path:
    return write_csv(path, LEGACY_ORDER_HEADER, rows, encoding="gbk")


def dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def shop(cli, shop_folder):
    """A shop that already holds one import, so 'unchanged' means something."""
    assert cli("import", legacy_csv(shop_folder / "first.csv", [legacy_order(1)])).exit_code == 0
    return shop_folder


def refused(cli, shop: Path, *args, env: dict | None = None):
    """Run an import that must fail at file level: exit 3, the database byte-for-byte unchanged."""
    before, raw = dump(shop / "shoptool.db"), (shop / "shoptool.db").read_bytes()
    result = cli("import", *args, "--format", "json", env=env)
    assert result.exit_code == 3, result
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    [row] = result.rows
    assert row["status"] in ("failed", "refused"), row
    assert dump(shop / "shoptool.db") == before
    assert (shop / "shoptool.db").read_bytes() == raw
    return result


# ---------------------------------------------------------------- sizes and bombs

def test_an_oversized_file_is_refused_unread(cli, shop):
    path = legacy_csv(shop / "big.csv", [legacy_order(i) for i in range(2, 40)])

    result = refused(cli, shop, path, env={"SHOPTOOL_IMPORT_MAX_FILE_SIZE": "2KB"})

    assert "big.csv" in result.stderr and "import.max_file_size" in result.stderr


def workbook_bytes(rows=(("订单编号", "订单状态"), ("3712345678901200002", "交易成功"))) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rezip(data: bytes, change) -> bytes:
    """A valid zip again after `change(name, bytes) -> bytes | None` (None drops the part)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            part = change(name, source.read(name))
            if part is not None:
                target.writestr(name, part)
    return out.getvalue()


def test_a_zip_declaring_huge_sizes_is_refused_before_unpacking(cli, shop):
    data = bytearray(workbook_bytes())
    at = data.find(b"PK\x01\x02")
    while at != -1:  # every central-directory entry now claims 4 GB unpacked
        data[at + 24:at + 28] = (0xF0000000).to_bytes(4, "little")
        at = data.find(b"PK\x01\x02", at + 4)
    (shop / "bomb.xlsx").write_bytes(bytes(data))

    result = refused(cli, shop, shop / "bomb.xlsx")

    assert "bomb.xlsx" in result.stderr and "zip bomb" in result.stderr and "import.max_xlsx_expanded" in result.stderr


def test_a_part_compressed_too_many_times_is_refused(cli, shop):
    data = rezip(workbook_bytes(), lambda name, part: part)
    data = rezip(data, lambda name, part: part + b" " * (9 * 1024**2) if name == "xl/worksheets/sheet1.xml" else part)
    (shop / "ratio.xlsx").write_bytes(data)

    result = refused(cli, shop, shop / "ratio.xlsx")

    assert "compressed" in result.stderr and "zip bomb" in result.stderr


def far_cell_workbook(cell: str) -> bytes:
    extra = f'<row r="{re.sub("[A-Z]", "", cell)}"><c r="{cell}" t="n"><v>1</v></c></row></sheetData>'.encode()
    return rezip(workbook_bytes(), lambda n, p: p.replace(b"</sheetData>", extra) if n.endswith("sheet1.xml") else p)


def test_a_stray_cell_at_the_end_of_the_sheet_is_refused_not_a_crash(shop):
    """Found by fuzzing: calamine lays a sheet out as a dense grid, so one cell at XFD1048576 made
    it allocate 512 GB and abort the process. In a subprocess, so a regression fails this test
    instead of killing the test run."""
    (shop / "far.xlsx").write_bytes(far_cell_workbook("XFD1048576"))
    before = dump(shop / "shoptool.db")

    run = subprocess.run([str(Path(sys.executable).with_name("shoptool")), "import", "far.xlsx", "--format", "json"],
                         cwd=shop, capture_output=True, text=True, timeout=60,
                         env={k: v for k, v in os.environ.items() if not k.startswith("SHOPTOOL_")})

    assert run.returncode == 3, run.stderr
    assert "far.xlsx" in run.stderr and "1,048,576" in run.stderr and "16,384" in run.stderr
    assert dump(shop / "shoptool.db") == before


@pytest.mark.parametrize("cell", ["XFD2", "A1048576", "CV20000"])
def test_a_wide_or_long_but_possible_sheet_is_read(cli, shop, cell):
    (shop / "wide.xlsx").write_bytes(far_cell_workbook(cell))

    result = cli("import", shop / "wide.xlsx", "--format", "json")

    assert result.exit_code in (0, 3), result
    assert "internal error" not in result.stderr
    assert result.rows[0]["inserted"] == 1


# ---------------------------------------------------------------- not a spreadsheet, or a broken one

@pytest.mark.parametrize(("name", "data", "says"), [
    ("junk.csv", bytes(range(256)) * 20, "binary data"),
    ("junk.xlsx", b"PK\x03\x04" + bytes(range(256)) * 20, "damaged or truncated"),
    ("junk.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 20, "cannot read this xls file"),
    ("page.xls", b"<html><body><table><tr><td>1</td></tr></table></body></html>", "web page"),
    ("latin.csv", "订单编号,订单状态\n".encode() + b"\xff\xfe\xfa,\xfb\n", "unknown text encoding"),
    ("empty.csv", b"", "empty"),
])
def test_binary_junk_and_unknown_encodings(cli, shop, name, data, says):
    (shop / name).write_bytes(data)

    result = refused(cli, shop, shop / name)

    assert name in result.stderr and says in result.stderr


def test_a_truncated_workbook(cli, shop):
    data = SAMPLE_BYTES["orders_qianniu.xlsx"]
    (shop / "cut.xlsx").write_bytes(data[: len(data) // 2])

    result = refused(cli, shop, shop / "cut.xlsx")

    assert "cut.xlsx" in result.stderr and "truncated" in result.stderr


def test_a_workbook_with_no_sheets_or_an_empty_sheet(cli, shop):
    (shop / "empty.xlsx").write_bytes(workbook_bytes(rows=()))
    no_sheets = rezip(workbook_bytes(), lambda n, p: re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", p)
                      if n == "xl/workbook.xml" else p)
    (shop / "none.xlsx").write_bytes(no_sheets)

    assert "no recognisable header row" in refused(cli, shop, shop / "empty.xlsx").stderr
    assert "no sheets" in refused(cli, shop, shop / "none.xlsx").stderr


def test_a_header_only_file_says_there_is_nothing_to_import(cli, shop):
    result = refused(cli, shop, legacy_csv(shop / "header.csv", []))

    assert "header.csv" in result.stderr and "no rows below the header" in result.stderr


# ---------------------------------------------------------------- NULs, long cells, line endings

def test_a_nul_deep_in_a_csv_fails_the_file_with_its_row(cli, shop):
    """Past the first MB that is sniffed for binary data."""
    rows = [legacy_order(i) for i in range(2, 7000)] + [legacy_order(7000, 买家留言="留言\x00藏着")]
    path = legacy_csv(shop / "nul.csv", rows)
    assert path.stat().st_size > 1024**2

    result = refused(cli, shop, path)

    assert "nul.csv, row 7000" in result.stderr and "NUL" in result.stderr


def test_a_nul_with_the_encoding_given(cli, shop):
    path = legacy_csv(shop / "nul.csv", [legacy_order(2), legacy_order(3, 买家留言="a\x00b")])

    result = refused(cli, shop, path, "--encoding", "gbk")

    assert "row 3" in result.stderr and "NUL" in result.stderr


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_cell_too_long_names_row_and_column(cli, shop, fmt):
    if fmt == "csv":
        path = legacy_csv(shop / "long.csv", [legacy_order(2), legacy_order(3, 买家留言="长" * 2000)])
        where = "row 3, column 买家留言"
    else:
        path = write_xlsx(shop / "long.xlsx", QIANNIU_ORDER_HEADER,
                          [{"订单编号": "3712345678901200002", "订单状态": "交易成功", "商家备注": "长" * 2000}])
        where = "row 2, column 商家备注"

    result = refused(cli, shop, path, env={"SHOPTOOL_IMPORT_MAX_CELL_LENGTH": "1000"})

    assert where in result.stderr and "1000" in result.stderr


def test_a_cell_too_long_below_title_rows_names_its_column(cli, shop):
    """The column is named from the header row found below the title, not from the title."""
    text = ",".join(h.strip() for h in LEGACY_ORDER_HEADER)
    rows = [",".join(legacy_order(n, **({"买家留言": "长" * 2000} if n == 3 else {})).get(h.strip(), "")
                     for h in LEGACY_ORDER_HEADER) for n in (2, 3)]
    title = "订单报表（2026-11-21 导出）\r\n\r\n"
    (shop / "titled.csv").write_bytes((title + text + "\r\n" + "\r\n".join(rows) + "\r\n").encode("gbk"))

    result = refused(cli, shop, shop / "titled.csv", env={"SHOPTOOL_IMPORT_MAX_CELL_LENGTH": "1000"})

    assert "row 5, column 买家留言" in result.stderr and "2000 characters" in result.stderr


def test_a_long_title_row_above_the_header_is_just_read(cli, db, shop):
    """The cell-length limit is for the data; a title row may be as long as it likes."""
    text = ",".join(h.strip() for h in LEGACY_ORDER_HEADER)
    line = ",".join(legacy_order(2).get(h.strip(), "") for h in LEGACY_ORDER_HEADER)
    (shop / "title.csv").write_bytes(("说明" * 20000 + "\r\n" + text + "\r\n" + line + "\r\n").encode("gbk"))

    result = cli("import", shop / "title.csv", "--format", "json")

    assert result.exit_code == 0, result
    assert result.rows[0]["inserted"] == 1


def test_bytes_that_are_not_text_deep_in_a_file_are_reported_at_their_row(cli, shop):
    """Text is decoded 64 KiB at a time; the error still names the row of the bad bytes."""
    text = ",".join(h.strip() for h in LEGACY_ORDER_HEADER)
    lines = [",".join(legacy_order(n).get(h.strip(), "") for h in LEGACY_ORDER_HEADER) for n in range(2, 3002)]
    data = (text + "\r\n" + "\r\n".join(lines) + "\r\n").encode("utf-8")
    at = data.index("\r\n".join(lines[:2499]).encode("utf-8")) + len("\r\n".join(lines[:2499]).encode("utf-8")) + 2
    (shop / "bad.csv").write_bytes(data[:at + 5] + b"\xff\xfe" + data[at + 5:])  # inside row 2501

    result = refused(cli, shop, shop / "bad.csv", "--encoding", "utf-8")

    assert "bad.csv, row 2501" in result.stderr and "not valid UTF-8" in result.stderr


def test_mixed_line_endings_are_just_read(cli, db, shop):
    text = ",".join(h.strip() for h in LEGACY_ORDER_HEADER)
    lines = [",".join(legacy_order(n).get(h.strip(), "") for h in LEGACY_ORDER_HEADER) for n in (2, 3, 4)]
    mixed = text + "\r\n" + lines[0] + "\n" + lines[1] + "\r" + lines[2] + "\r\n"
    (shop / "mixed.csv").write_bytes(mixed.encode("gbk"))

    result = cli("import", shop / "mixed.csv", "--format", "json")

    assert result.exit_code == 0, result
    assert (result.rows[0]["rows_in"], result.rows[0]["inserted"]) == (3, 3)
    assert db().conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 4


# ---------------------------------------------------------------- regressions found by the fuzz test

def test_regression_zip_header_claiming_an_unsupported_version(cli, shop):
    data = bytearray(workbook_bytes())
    at = data.find(b"PK\x01\x02")
    data[at + 6:at + 8] = (231).to_bytes(2, "little")  # "needs zip 23.1": zipfile raised NotImplementedError
    (shop / "v.xlsx").write_bytes(bytes(data))

    assert "damaged" in refused(cli, shop, shop / "v.xlsx").stderr


@pytest.mark.parametrize(("column", "value"), [
    ("买家应付货款", "inf"), ("买家应付货款", "1e999999999"), ("买家应付货款", "9" * 30), ("买家应付货款", "sNaN"),
    ("宝贝总数量", "-inf"), ("宝贝总数量", "9" * 30), ("宝贝总数量", "9" * 5000), ("宝贝总数量", "NaN"),
    ("订单创建时间", "0001-01-01T00:00:00+14:00"), ("订单创建时间", "9999-12-31T23:59:59-10:00"),
])
def test_regression_numbers_and_dates_out_of_range_reject_their_row(cli, db, shop, column, value):
    """Were OverflowError/ValueError crashes (exit 70) that stopped the whole file."""
    path = legacy_csv(shop / "odd.csv", [legacy_order(2), legacy_order(3, **{column: value})])

    result = cli("import", path, "--format", "json")

    assert result.exit_code == 3, result
    assert (result.rows[0]["inserted"], result.rows[0]["rejected"]) == (1, 1)
    assert f"row 3, column {column}" in result.stderr
    assert db().conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 2


def test_regression_cells_never_leak_python_errors():
    from shoptool.tables import cells

    for value in (float("inf"), float("nan"), 1e300, 10**30, "1e400", "sNaN", "9" * 5000):
        for clean in (cells.money, cells.integer, cells.flag):
            with pytest.raises(cells.CellError):
                clean(value)


def test_regression_shipment_order_cell_of_separators_only(cli, shop):
    """'","' split into no order numbers at all: IndexError in the shipments converter. Now the row
    is rejected for its missing order number and the good row is stored."""
    path = write_csv(shop / "s.csv", ["订单编号", "物流公司", "运单号"],
                     [{"订单编号": "3712345678901200001", "物流公司": "中通", "运单号": "7531"},
                      {"订单编号": ",", "物流公司": "中通", "运单号": "7532"}])
    before = dump(shop / "shoptool.db")

    result = cli("import", path, "--format", "json")

    assert result.exit_code == 3, result
    assert "internal error" not in result.stderr and "bug" not in result.stderr
    assert (result.rows[0]["inserted"], result.rows[0]["rejected"]) == (1, 1)
    assert "row 3, column 订单编号: missing order number" in result.stderr
    assert dump(shop / "shoptool.db") != before


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "rot13"])
def test_regression_an_encoding_that_cannot_apply(cli, shop, encoding):
    """UTF-16 without a BOM raised a bare UnicodeError; rot13 is a codec but not a text encoding."""
    path = write_csv(shop / "o.csv", LEGACY_ORDER_HEADER, [legacy_order(2)], encoding="utf-8")

    result = refused(cli, shop, path, "--encoding", encoding)

    assert "o.csv" in result.stderr


# ---------------------------------------------------------------- the fuzz test

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "400"))  # CI: ~15 s; explore with thousands
CODECS = ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-le", "big5", "shift_jis", "latin-1", "utf-32"]
ODD_VALUES = ["9" * 30, "-1e400", "inf", "nan", "sNaN", "1e999999999", "１２３", "¥1,2,3", '="' + "9" * 40 + '"',
              "1.23457E+18", "0000-00-00", "2026-13-45 25:61:61", "0001-01-01T00:00:00+14:00", "2958466", ",", '"',
              "\r", "\u202e", "\ufeff", "𠀀" * 5, "a" * 3000, "=cmd|' /C calc'!A0", "交易成功", "货到付款", "红", ""]


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1")


@st.composite
def hostile_files(draw) -> tuple[str, bytes]:
    """(file name, bytes): random bytes, or a real sample truncated, flipped, spliced, re-encoded,
    with odd values in its cells, or with the XML inside a workbook damaged. Positions come from
    a Hypothesis-seeded Random: uniform over the file, where plain draws would favour its start."""
    name = draw(st.sampled_from(sorted(SAMPLE_BYTES)))
    data = SAMPLE_BYTES[name]
    workbook = name.endswith(".xlsx")
    if workbook:
        ways = ["random", "truncate", "flip", "splice", "cells", "cells", "cells", "xml", "xml"]
    else:
        ways = ["random", "truncate", "flip", "splice", "reencode", "cells", "cells", "cells", "endings"]
    how = draw(st.sampled_from(ways))
    rnd = draw(st.randoms(use_true_random=False))
    if how == "random":
        magic = [b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf", b"\xff\xfe"]
        prefix = draw(st.sampled_from(magic))
        data = prefix + draw(st.binary(max_size=2000))
    elif how == "truncate":
        data = data[: rnd.randrange(len(data) + 1)]
    elif how == "flip":
        flipped = bytearray(data)
        for _ in range(rnd.randint(1, 8)):
            flipped[rnd.randrange(len(flipped))] ^= rnd.randrange(1, 256)
        data = bytes(flipped)
    elif how == "splice":
        other = SAMPLE_BYTES[draw(st.sampled_from(sorted(SAMPLE_BYTES)))]
        data = data[: rnd.randrange(len(data) + 1)] + other[rnd.randrange(len(other) + 1):]
    elif how == "reencode":
        data = _decode(data).encode(draw(st.sampled_from(CODECS)), errors="replace")
    elif how == "endings":
        data = data.replace(b"\r\n", draw(st.sampled_from([b"\n", b"\r", b"\r\r\n", b"\n\r"])))
    elif how == "cells" and not workbook:
        rows = list(csv.reader(io.StringIO(_decode(data))))
        for _ in range(rnd.randint(1, 8)):
            row = rows[rnd.randrange(1, len(rows))]  # a data row: headers have their own tests
            if row:
                row[rnd.randrange(len(row))] = rnd.choice(ODD_VALUES)
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        data = out.getvalue().encode(draw(st.sampled_from(["utf-8-sig", "gb18030"])), errors="replace")
    elif how == "cells":
        def odd_values(part_name: str, part: bytes) -> bytes:
            if not part_name.startswith("xl/worksheets/"):
                return part
            def swap(match):
                if rnd.random() > 0.15:
                    return match.group(0)
                value = rnd.choice(ODD_VALUES).replace("&", "&amp;").replace("<", "&lt;").encode()
                return match.group(1) + value + match.group(3)
            return re.sub(rb"(<[tv]>)([^<]*)(</[tv]>)", swap, part)
        data = rezip(data, odd_values)
    else:  # damaged XML inside a valid zip
        parts = sorted(zipfile.ZipFile(io.BytesIO(data)).namelist())
        sheets = [p for p in parts if p.startswith("xl/worksheets/")]
        target = draw(st.sampled_from(sheets) | st.sampled_from(parts))
        junk = draw(st.sampled_from([None, b"", b"<", b"&", b"\x00", b'<c r="XFD1048576"><v>1</v></c>', b"<v>1e400</v>",
                                     b"]]>", b'<row r="0">', b'<c r="A0"><v>1</v></c>']))

        def damage(part_name: str, part: bytes) -> bytes | None:
            if part_name != target:
                return part
            if junk is None:
                return None  # the part is missing
            at = rnd.randrange(len(part) + 1)
            return part[:at] + junk + part[at:]

        data = rezip(data, damage)
    suffix = draw(st.sampled_from([Path(name).suffix] * 3 + [".csv", ".xlsx", ".xls"]))
    return Path(name).stem + suffix, data


@pytest.fixture(scope="module")
def template_db(tmp_path_factory) -> Path:
    from shoptool.db import open_db

    path = tmp_path_factory.mktemp("template") / "shoptool.db"
    open_db(path).close()
    return path


def check_import(cli, folder: Path, name: str, data: bytes, template: Path, forced: str | None = None) -> None:
    db_path = folder / "shoptool.db"
    shutil.copyfile(template, db_path)
    path = folder / name
    path.write_bytes(data)
    before, raw = dump(db_path), db_path.read_bytes()

    result = cli("import", path, "--db", db_path, "--format", "json", *(["--as", forced] if forced else []))

    assert result.exit_code in (0, 3), result
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr + result.stdout
    [row] = result.json["rows"]
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        if row["status"] in ("failed", "refused"):
            assert result.exit_code == 3 and row["message"]
            assert dump(db_path) == before
            assert db_path.read_bytes() == raw
            return
        table = TABLES[row["kind"]]
        if result.exit_code == 0:
            assert (row["status"], row["rejected"]) == ("stored", 0), row
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == row["inserted"]
        else:
            assert row["status"] == "partial" and row["rejected"] > 0
            with open(row["rejects_file"], encoding="utf-8-sig", newline="") as fh:
                assert len(list(csv.reader(fh))) >= row["rejected"] + 1
        assert conn.execute("SELECT rows_in, status FROM imports").fetchone() == (row["rows_in"], row["status"])
        cursor = conn.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cursor.description]
        for record in cursor:
            for column, value in zip(names, record):
                if isinstance(value, str):
                    assert "\x00" not in value, column
                if value is not None and column.endswith("_at"):
                    datetime.fromisoformat(value)
                if value is not None and (column.endswith("_fen") or column in ("quantity", "on_hand", "available")):
                    assert isinstance(value, int), (column, value)
    finally:
        conn.close()


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=not os.environ.get("FUZZ_RANDOM"), database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(file=hostile_files(), forced=st.sampled_from([None] * 6 + list(TABLES)))
def test_fuzz_import_never_crashes_and_never_half_writes(cli, template_db, file, forced):
    name, data = file
    with tempfile.TemporaryDirectory(dir=".") as folder:
        check_import(cli, Path(folder), name, data, template_db, forced)
