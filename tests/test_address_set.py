"""address-check on a realistic day's addresses (tests/data/addresses.tsv: 400 of them, every
province, 直辖市 forms, 省直辖县, cities without districts, renamed districts, the platform's functional
zones, room-only and placeholder details, impossible combinations), in the domain and end to end.

The bar (issue #17): at most 1% false warnings on the clean ones, at most 1% missed problems, and
every impossible combination still an error.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from builders import LEGACY_ORDER_HEADER, legacy_order, oid, write_csv

from shoptool.address import check_order

DATA = Path(__file__).parent / "data" / "addresses.tsv"


def load() -> list[dict]:
    with DATA.open(encoding="utf-8") as fh:
        return list(csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t"))


ADDRESSES = load()
CLEAN = [a for a in ADDRESSES if a["expected"] == "ok"]
PROBLEMS = [a for a in ADDRESSES if a["expected"] != "ok"]


def test_the_set_covers_a_real_day():
    assert len(ADDRESSES) >= 400 and len(CLEAN) >= 300 and len(PROBLEMS) >= 90
    cases = {a["case"] for a in ADDRESSES}
    for wanted in ("clean zone", "clean 直辖市 form", "clean 省直辖县", "clean city without districts",
                   "clean renamed, one successor", "clean landmark with a number", "problem room only",
                   "problem placeholder", "problem impossible combination", "problem unknown zone"):
        assert wanted in cases
    provinces = {a["address"].replace(" ", "")[:2] for a in CLEAN}
    assert len(provinces) >= 33  # 31 mainland provinces + 港澳台 (by their first characters)


def verdicts(findings_of) -> tuple[list, list]:
    """(clean addresses that got a warning or error, problems whose finding was not reported)."""
    false, missed = [], []
    for number, entry in enumerate(ADDRESSES):
        codes = findings_of(number, entry)
        if entry["expected"] == "ok":
            if codes:
                false.append((entry["address"], codes))
        elif entry["expected"] not in codes:
            missed.append((entry["address"], entry["expected"], codes))
    return false, missed


def test_false_warnings_and_missed_problems_at_most_one_percent():
    def findings_of(number, entry):
        order = {"order_id": str(number), "address": entry["address"], "receiver_name": "林悦",
                 "receiver_mobile": "13812345678", "status": "paid"}
        return [f.code for f in check_order(order).findings if f.severity != "info"]

    false, missed = verdicts(findings_of)
    assert len(false) <= len(CLEAN) // 100, false
    assert len(missed) <= len(PROBLEMS) // 100, missed


def test_every_impossible_combination_is_an_error():
    for entry in (a for a in PROBLEMS if a["expected"] == "region_mismatch"):
        check = check_order({"order_id": "1", "address": entry["address"], "receiver_name": "林悦",
                             "receiver_mobile": "13812345678"})
        assert "region_mismatch" in check.codes and check.severity == "error", entry["address"]


# Phones as the same exports spell them (PRODUCT §16): all of these are one good number.
GOOD_PHONES = ["'13812345678", "13812345678.00", "+86 138-1234-5678", "0086 13812345678", "138 1234 5678",
               '="13812345678"', "１３８１２３４５６７８"]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_end_to_end_on_an_export(cli, shop_folder, encoding):
    """The whole set as one legacy 订单报表 (the phones spelt every way), checked with
    `address-check --orders`: the same verdicts as the domain, through the real reader."""
    rows = []
    for number, entry in enumerate(ADDRESSES):
        hongkong = entry["address"].startswith("香港")
        mobile = "852 91234567" if hongkong else GOOD_PHONES[number % len(GOOD_PHONES)]
        rows.append(legacy_order(number, 收货地址=entry["address"], 联系手机=mobile, 买家会员名=f"buyer{number}"))
    rows.append(legacy_order(len(ADDRESSES), 联系手机="1.38123E+10", 买家会员名="mangled"))
    path = shop_folder / "ExportOrderList202611211000.csv"
    write_csv(path, LEGACY_ORDER_HEADER, rows, encoding=encoding)

    run = cli("address-check", "--orders", path, "--all", "-f", "json", "--now", "2026-11-21 10:00")
    assert run.exit_code == 1, run
    by_order = {row["order_id"]: row for row in run.rows}
    assert run.json["summary"]["checked"] == len(rows)

    def findings_of(number, entry):
        row = by_order[oid(number)]
        return [code for code in row["findings"] if code not in ("masked", "remote_region")]

    false, missed = verdicts(findings_of)
    assert len(false) <= len(CLEAN) // 100, false
    assert len(missed) <= len(PROBLEMS) // 100, missed
    mangled = by_order[oid(len(ADDRESSES))]
    assert mangled["findings"] == ["phone_missing"] and "Excel" in " ".join(mangled["details"])
