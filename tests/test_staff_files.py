"""Files for staff (PRODUCT §4): CSV that survives a double-click in Excel/WPS (19-digit order
numbers, tracking numbers, phones and codes with leading zeros written the platform's ="…" way,
read back by import), a plain CSV for programs one option away, and codes in Chinese in tables and
staff files while JSON keeps English codes.

A real reader checks the cells: LibreOffice, headless, opens the CSV as Excel would (formulas
evaluated) and saves it as xlsx; openpyxl reads the cells back. Without LibreOffice that test skips
and says how to install it.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from builders import (
    LEGACY_ITEM_HEADER,
    LEGACY_ORDER_HEADER,
    PAGE_STOCK_HEADER,
    WDT_STOCK_HEADER,
    legacy_item,
    legacy_order,
    oid,
    page_stock_row,
    wdt_stock_row,
    write_csv,
)

from shoptool.labels import VOCABULARIES

NOW = ("--now", "2026-11-21 10:00")


@pytest.fixture
def shop(cli, shop_folder):
    """Orders with 19-digit numbers and phones; stock whose codes start with 0."""
    write_csv(shop_folder / "orders.csv", LEGACY_ORDER_HEADER, [
        legacy_order(1, 物流单号="0075312345678901", 收货地址="浙江省 杭州市 朝阳区 文三路90号"),
        legacy_order(2, 联系手机="'13800138000"),
    ], encoding="gbk")
    write_csv(shop_folder / "items.csv", LEGACY_ITEM_HEADER, [legacy_item(1, "00123", 2)], encoding="gbk")
    write_csv(shop_folder / "page.csv", PAGE_STOCK_HEADER, [
        page_stock_row(1, "00123", "50", 商品ID="000612345678"),
        page_stock_row(2, "0456", "3"),
    ])
    write_csv(shop_folder / "warehouse.csv", WDT_STOCK_HEADER,
              [wdt_stock_row(1, "00123", 10), wdt_stock_row(2, "0789", 5)])
    for name in ("orders.csv", "items.csv", "page.csv", "warehouse.csv"):
        assert cli("import", shop_folder / name, *NOW, "-f", "json").exit_code == 0
    return shop_folder


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def column(rows: list[list[str]], header: str) -> list[str]:
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


def test_csv_for_staff_keeps_long_numbers_and_leading_zeros_as_text(cli, shop):
    assert cli("export", "orders", "-o", "orders.csv").exit_code == 0
    orders = read_csv(shop / "orders.csv")
    assert '="3912000000000000001"' in column(orders, "订单编号")
    assert '="0075312345678901"' in column(orders, "物流单号")
    assert cli("stock-check", *NOW, "-o", "stock.csv").exit_code == 1
    stock = read_csv(shop / "stock.csv")
    assert '="00123"' in column(stock, "商家编码") and '="0789"' in column(stock, "商家编码")
    assert "超卖风险" in column(stock, "问题") and "错误" in column(stock, "级别")


def test_plain_csv_for_programs(cli, shop):
    assert cli("export", "orders", "-o", "orders.csv", "--format", "plain-csv").exit_code == 0
    assert "3912000000000000001" in column(read_csv(shop / "orders.csv"), "订单编号")
    run = cli("stock-check", *NOW, "--format", "plain-csv", "--headers", "en")
    rows = list(csv.reader(run.stdout.splitlines()))
    assert "00123" in column(rows, "SKU code") and "oversell_risk" in column(rows, "Finding")


def test_json_keeps_english_codes_and_headers_en_shows_them(cli, shop):
    run = cli("stock-check", *NOW, "-f", "json")
    assert {"oversell_risk", "not_listed"} <= {row["finding"] for row in run.rows}
    assert cli("stock-check", *NOW, "-o", "en.csv", "--headers", "en").exit_code == 1
    en = read_csv(shop / "en.csv")
    assert "oversell_risk" in column(en, "Finding") and "error" in column(en, "Severity")


def test_import_reads_back_what_export_wrote(cli, shop):
    """A staff CSV goes back in: the page-stock export, ="…" and all, is a page-stock sheet again."""
    assert cli("export", "page_stock", "-o", "page_export.csv").exit_code == 0
    assert '="000612345678"' in column(read_csv(shop / "page_export.csv"), "商品ID")
    run = cli("stock-check", *NOW, "--page", "page_export.csv", "-f", "json")
    assert {row["sku"] for row in run.rows if row["finding"] == "oversell_risk"} == {"00123"}


# ---------------------------------------------------------------- no English code for staff

CODES = {code for vocabulary in VOCABULARIES.values() for code in vocabulary}
LISTINGS = [
    ("daily",), ("stock-check",), ("address-check", "--all"), ("merge-shipping",), ("reviews", "--status", "all"),
    ("notify-shipped", "--dry-run"), ("remind-unpaid", "--dry-run"), ("sms", "outbox"), ("import", "samples"),
    ("aftersale",), ("aftersale", "stop-list"), ("aftersale", "reasons"),
]  # doctor is left out: its rows name settings, files and locks by their (English) names; its status is 正常/警告/错误


def english_codes(texts) -> set[str]:
    found = set()
    for text in texts:
        for token in re.findall(r"(?<![\w.])[A-Za-z_+-]+(?![\w.])", text or ""):  # not a file name (reviews.csv)
            if token in CODES and token not in ("R",):
                found.add(token)
    return found


@pytest.fixture
def sample_shop(cli, shop_folder):
    shutil.copytree(Path(__file__).resolve().parent.parent / "samples", shop_folder / "samples")
    assert cli("import", "samples", *NOW, "-f", "json").exit_code == 0


@pytest.mark.parametrize("command", LISTINGS, ids=lambda c: " ".join(c))
def test_no_english_code_in_staff_files_and_tables(cli, sample_shop, shop_folder, command):
    import openpyxl

    again = command[0] == "import"  # a second import of the same files: all `duplicate`
    if command[0] == "sms":  # an outbox with something in it: the sample day's shipping notices
        assert cli("notify-shipped", *NOW, "-f", "json").exit_code == 0
        command = command[:2]
    else:
        command = (*command, *NOW)
    table = cli(*command, "--format", "table")
    assert table.exit_code in (0, 1), table
    assert english_codes(table.stdout.splitlines()) == set(), table.stdout
    if again:
        return
    assert cli(*command, "-o", "out.csv").exit_code in (0, 1)
    cells = [cell for row in read_csv(shop_folder / "out.csv") for cell in row]
    assert english_codes(cells) == set()
    assert cli(*command, "-o", "out.xlsx").exit_code in (0, 1)
    book = openpyxl.load_workbook(shop_folder / "out.xlsx", read_only=True)
    values = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v]
    assert english_codes(values) == set()
    assert not [v for v in values if v.startswith(("[{", "{\""))], "raw JSON in a staff file"


def test_booleans_follow_the_headers(cli, sample_shop):
    zh = cli("reviews", "--status", "all", *NOW, "--format", "table")
    en = cli("reviews", "--status", "all", *NOW, "--format", "csv", "--headers", "en")
    assert "是" in zh.stdout or "否" in zh.stdout or "可解释" not in zh.stdout
    rows = list(csv.reader(en.stdout.splitlines()))
    assert set(column(rows, "Overdue")) <= {"yes", "no"} and "是" not in en.stdout


# ---------------------------------------------------------------- a real reader

def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        pytest.skip("LibreOffice is not installed (apt-get install -y libreoffice-calc): the cells of a CSV "
                    "opened the way Excel opens it are not checked here")
    return found


def open_like_excel(path: Path, out: Path) -> list[list]:
    """Open a CSV as Excel does on a double-click (UTF-8 with BOM, formulas evaluated), save it as
    xlsx, and read the cells' values back."""
    import openpyxl

    soffice = _soffice()
    out.mkdir(exist_ok=True)
    profile = (out / "profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless",
                    "--infilter=CSV:44,34,76,1,,2052,false,true,false,false,false,-1,true",
                    "--convert-to", "xlsx", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=180)
    book = openpyxl.load_workbook(out / (path.stem + ".xlsx"), data_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_a_real_reader_shows_all_19_digits_and_leading_zeros(cli, shop):
    _soffice()
    assert cli("export", "orders", "-o", "orders.csv", "--show-pii").exit_code == 0
    assert cli("stock-check", *NOW, "-o", "stock.csv").exit_code == 1
    assert cli("export", "orders", "-o", "plain.csv", "--format", "plain-csv").exit_code == 0

    orders = open_like_excel(shop / "orders.csv", shop / "lo")
    header = orders[0]
    numbers = [row[header.index("订单编号")] for row in orders[1:]]
    assert numbers == [oid(1), oid(2)]  # text, all 19 digits
    assert "0075312345678901" in [row[header.index("物流单号")] for row in orders[1:]]
    assert "13800138000" in [row[header.index("联系手机")] for row in orders[1:]]
    stock = open_like_excel(shop / "stock.csv", shop / "lo")
    assert {"00123", "0789"} <= {row[stock[0].index("商家编码")] for row in stock[1:]}

    # the plain form is for programs: opened in a spreadsheet it loses digits, as the issue says
    plain = open_like_excel(shop / "plain.csv", shop / "lo")
    assert not isinstance(plain[1][plain[0].index("订单编号")], str)
