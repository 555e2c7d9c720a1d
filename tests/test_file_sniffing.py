"""A workbook is read as what its bytes say, whatever its name: an .xlsx saved as .xls (common when
staff rename files) and an .xls named .xlsx import like any other."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from builders import QIANNIU_ORDER_HEADER, qianniu_order, write_xlsx


def orders_workbook(shop_folder):
    return write_xlsx(shop_folder / "orders.xlsx", QIANNIU_ORDER_HEADER, [qianniu_order(1), qianniu_order(2)],
                      sheet="订单列表")


def test_an_xlsx_named_xls_is_read_as_xlsx(cli, shop_folder):
    renamed = orders_workbook(shop_folder).rename(shop_folder / "ExportOrderList202611211000.xls")
    run = cli("import", renamed, "-f", "json")
    assert run.exit_code == 0, run
    assert run.rows[0]["kind"] == "orders" and run.rows[0]["inserted"] == 2
    check = cli("address-check", "--orders", renamed, "-f", "json", "--all")
    assert check.json["summary"]["checked"] == 2


def test_an_old_xls_named_xlsx_is_read_as_xls(cli, shop_folder):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice is not installed (apt-get install -y libreoffice-calc): no way to write a real .xls")
    source = orders_workbook(shop_folder)
    out = shop_folder / "xls"
    subprocess.run([soffice, f"-env:UserInstallation={(out / 'profile').as_uri()}", "--headless",
                    "--convert-to", "xls", "--outdir", str(out), str(source)], check=True, capture_output=True,
                   timeout=180)
    legacy = (out / "orders.xls").read_bytes()
    assert legacy.startswith(b"\xd0\xcf\x11\xe0")  # a real BIFF/OLE workbook
    misnamed = shop_folder / "订单.xlsx"
    misnamed.write_bytes(legacy)
    source.unlink()
    run = cli("import", misnamed, "-f", "json")
    assert run.exit_code == 0, run
    assert run.rows[0]["inserted"] == 2


def test_a_csv_named_xls_is_still_a_csv(cli, shop_folder):
    from builders import LEGACY_ORDER_HEADER, legacy_order, write_csv

    path = write_csv(shop_folder / "orders.csv", LEGACY_ORDER_HEADER, [legacy_order(1)], encoding="gbk")
    path = path.rename(shop_folder / "orders.xls")
    run = cli("import", path, "-f", "json")
    assert run.exit_code == 0 and run.rows[0]["kind"] == "orders", run
