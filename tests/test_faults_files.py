"""Fault injection for the files shoptool reads and writes (issue #16): workbooks whose row numbers
claim a billion rows, endless lines, FIFOs and devices, an inbox that must go on past a poisoned
file, rejects files that carry buyers' data, file names that try to forge log lines."""

from __future__ import annotations

import csv
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from builders import LEGACY_ORDER_HEADER, legacy_order, write_csv

REPO = Path(__file__).resolve().parent.parent

_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.'
    'xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
    'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
    'org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}
_HEAD = ('<row r="1"><c t="inlineStr"><is><t>订单编号</t></is></c><c t="inlineStr"><is><t>订单状态</t></is></c></row>')


def poisoned_workbook(path: Path, rows_xml: str) -> Path:
    """A 1–2 KB workbook whose sheet XML is `rows_xml` below a real header."""
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             f'spreadsheetml/2006/main"><sheetData>{_HEAD}{rows_xml}</sheetData></worksheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in {**_PARTS, "xl/worksheets/sheet1.xml": sheet}.items():
            archive.writestr(name, text)
    return path


BILLION_ROWS = {
    "row_attribute": '<row r="999999999"><c t="inlineStr"><is><t>3712345678901200001</t></is></c></row>',
    "cell_reference": '<row r="2"><c r="A999999999" t="inlineStr"><is><t>1</t></is></c></row>',
    "wide_bare_cells": '<row r="1048000">' + '<c t="inlineStr"><is><t>x</t></is></c>' * 3000 + "</row>",
    "past_excel_columns": '<row r="2"><c r="XFE2" t="inlineStr"><is><t>1</t></is></c></row>',
}


def shoptool(folder: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """A real process: a reader that aborts (SIGABRT from a failed allocation) must not take the
    test run with it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPTOOL_")}
    return subprocess.run([sys.executable, "-m", "shoptool", *args], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("case", sorted(BILLION_ROWS))
def test_a_workbook_claiming_a_billion_rows_is_refused_not_a_crash(shop_folder, case):
    book = poisoned_workbook(shop_folder / "orders.xlsx", BILLION_ROWS[case])
    assert book.stat().st_size < 4096
    done = shoptool(shop_folder, "import", str(book), "--format", "json")
    assert done.returncode == 3, (done.returncode, done.stderr[-500:])
    assert "orders.xlsx" in done.stderr and ("Excel" in done.stderr or "cells to lay out" in done.stderr)


def test_the_inbox_moves_a_poisoned_workbook_to_failed_and_imports_the_next_file(shop_folder):
    inbox = shop_folder / "inbox"
    inbox.mkdir()
    poisoned_workbook(inbox / "1-poison.xlsx", BILLION_ROWS["row_attribute"])
    write_csv(inbox / "2-orders.csv", LEGACY_ORDER_HEADER, [legacy_order(1), legacy_order(2)], encoding="gbk")
    done = shoptool(shop_folder, "import", "--inbox", str(inbox), "--format", "json")
    assert done.returncode == 3, done.stderr
    assert sorted(p.name for p in (inbox / "failed").iterdir()) == ["1-poison.xlsx", "1-poison.xlsx.error.txt"]
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["2-orders.csv"]
    assert stat.S_IMODE((inbox / "failed" / "1-poison.xlsx.error.txt").stat().st_mode) == 0o600
    again = shoptool(shop_folder, "import", "--inbox", str(inbox), "--format", "json")
    assert again.returncode == 0, "the next cron run has nothing left to trip on"


def test_a_file_that_killed_the_previous_run_goes_to_failed_on_the_next(shop_folder):
    inbox = shop_folder / "inbox"
    (inbox / ".importing").mkdir(parents=True)
    (inbox / ".importing" / "0-crashed.xlsx").write_bytes(b"PK\x03\x04whatever")
    write_csv(inbox / "1-orders.csv", LEGACY_ORDER_HEADER, [legacy_order(1)], encoding="gbk")
    done = shoptool(shop_folder, "import", "--inbox", str(inbox), "--format", "json")
    assert done.returncode == 3, done.stderr
    assert "did not finish" in (inbox / "failed" / "0-crashed.xlsx.error.txt").read_text(encoding="utf-8")
    assert [p.name for p in (inbox / "done").iterdir()] == ["1-orders.csv"]
    assert not (inbox / ".importing").exists()


def test_an_endless_line_is_refused_naming_the_file(shop_folder):
    path = shop_folder / "orders.csv"
    with path.open("wb") as fh:
        fh.write(",".join(LEGACY_ORDER_HEADER).encode("gbk") + b"\r\n")
        fh.write(b"1," * (10 * 1024**2))  # 20 MB of short cells on one line
    done = shoptool(shop_folder, "import", str(path), "--format", "json")
    assert done.returncode == 3, done.stderr[-400:]
    assert "orders.csv" in done.stderr and "a line of more than" in done.stderr


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_fifo_or_a_device_is_refused_unread(shop_folder, kind):
    if kind == "fifo":
        target = shop_folder / "orders.csv"
        os.mkfifo(target)
    else:
        target = shop_folder / "zero.csv"
        target.symlink_to("/dev/zero")
    done = shoptool(shop_folder, "import", str(target), "--format", "json", timeout=20)
    assert done.returncode == 3, done.stderr
    assert ("named pipe" if kind == "fifo" else "a device") in done.stderr


def test_the_rejects_file_is_owner_only_from_creation_and_never_a_live_formula(cli, shop_folder):
    stale = shop_folder / ".orders.csv.rejects.csv.tmp"
    stale.write_text("left by a killed import", encoding="utf-8")
    os.chmod(stale, 0o644)
    write_csv(shop_folder / "orders.csv", LEGACY_ORDER_HEADER, [
        legacy_order(1),
        legacy_order(2, 订单付款时间="张三丰 13812345678", 收货人姓名="=HYPERLINK(\"http://x.example\",\"点我\")"),
        legacy_order(3, 买家实际支付金额="＝1+1", 收货地址="+cmd|' /C calc'!A0"),
    ], encoding="gbk")
    old = os.umask(0o022)
    try:
        run = cli("import", shop_folder / "orders.csv", "--format", "json")
    finally:
        os.umask(old)
    assert run.exit_code == 3
    rejects = shop_folder / "orders.csv.rejects.csv"
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o600
    assert not stale.exists()
    with rejects.open(encoding="utf-8-sig", newline="") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    live = [c for c in cells if c[:1] in ("=", "+", "-", "@", "＝", "＋", "－", "＠") and not c.startswith('="')]
    assert live == [], live
    assert "'=HYPERLINK(\"http://x.example\",\"点我\")" in cells
    assert "13812345678" not in run.stderr and "张三丰" not in run.stderr, "the cell itself is never echoed"
    assert "订单付款时间" in run.stderr


def test_file_names_with_newlines_or_escapes_cannot_forge_log_lines(cli, shop_folder):
    name = "orders\n[ERROR] forged line\x1b[2J.csv"
    write_csv(shop_folder / name, LEGACY_ORDER_HEADER, [legacy_order(1)], encoding="gbk")
    run = cli("import", shop_folder / name, "--format", "json")
    assert run.exit_code == 0
    assert "\x1b" not in run.stderr
    assert not any(line.startswith("[ERROR]") for line in run.stderr.splitlines())
    assert "\\n[ERROR] forged line\\x1b[2J.csv" in run.stderr


def test_an_import_killed_half_way_leaves_nothing_half_written(shop_folder):
    """One file = one transaction: an import killed at any moment stores nothing of the file, logs
    nothing, leaves no rejects file readable by others, and the next import of it stores it whole."""
    import signal
    import sqlite3
    import time

    rows = [legacy_order(n) for n in range(1, 30_001)] + [legacy_order(30_001, 订单编号="1.23457E+18")]
    write_csv(shop_folder / "orders.csv", LEGACY_ORDER_HEADER, rows, encoding="gbk")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPTOOL_")}
    for delay in (0.4, 0.8, 1.2):
        proc = subprocess.Popen([sys.executable, "-m", "shoptool", "import", "orders.csv", "--format", "json"],
                                cwd=shop_folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        if (shop_folder / "shoptool.db").exists():
            with sqlite3.connect(shop_folder / "shoptool.db") as conn:
                assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                # killed while the first open built the schema: its migrations roll back whole and
                # the next open runs them again, so there is nothing of the file either
                built = {"orders", "imports"} <= tables
                stored = conn.execute("SELECT count(*) FROM orders").fetchone()[0] if built else 0
                logged = conn.execute("SELECT count(*) FROM imports").fetchone()[0] if built else 0
            if stored:  # the kill came after the commit: the whole file, logged
                assert (stored, logged) == (30_000, 1)
                break
            assert logged == 0
        for tmp in shop_folder.glob(".*.tmp"):
            assert stat.S_IMODE(tmp.stat().st_mode) == 0o600, tmp
    done = shoptool(shop_folder, "import", "orders.csv", "--format", "json")
    assert done.returncode in (0, 3), done.stderr
    with sqlite3.connect(shop_folder / "shoptool.db") as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone() == (30_000,)
