"""The three CS lists in every output format, on the sample shop (the README's moment)."""

from __future__ import annotations

import csv
import json

import openpyxl
import pytest

NOW = "2026-11-21 10:00"
LISTS = {"cod-confirm": ("3912000000000000112", 1), "rate-buyers": ("3912000000000000613", 0),
         "invoices": ("3912000000000000622", 0)}


@pytest.fixture
def sample_shop(cli, sample):
    for name in ("orders_legacy_gbk.csv", "orders_qianniu.xlsx", "orders_later_gbk.csv", "reviews.csv",
                 "shipments_erp.csv"):
        assert cli("import", sample(name)).exit_code == 0


@pytest.mark.parametrize("command", list(LISTS))
def test_json_table_csv_plain_csv_and_xlsx_say_the_same(cli, sample_shop, shop_folder, command):
    first, code = LISTS[command]
    document = cli(command, "--now", NOW, "--format", "json")
    assert document.exit_code == code, document
    rows = document.rows
    assert rows[0]["order_id"] == first
    assert json.loads(document.stdout)["command"] == command

    table = cli(command, "--now", NOW, "--format", "table")
    assert table.exit_code == code and first in table.stdout

    for fmt, name in (("csv", "list.csv"), ("plain-csv", "plain.csv")):
        assert cli(command, "--now", NOW, "--format", fmt, "-o", name).exit_code == code
        with (shop_folder / name).open(encoding="utf-8-sig", newline="") as fh:
            got = list(csv.reader(fh))
        assert len(got) == len(rows) + 1
        assert got[1][0] == (f'="{first}"' if fmt == "csv" else first)

    assert cli(command, "--now", NOW, "-o", "list.xlsx").exit_code == code
    sheet = openpyxl.load_workbook(shop_folder / "list.xlsx").active
    assert sheet.max_row == len(rows) + 1 and sheet["A2"].value == first
    assert sheet.freeze_panes == "A2"
