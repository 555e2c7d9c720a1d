"""address-check through the CLI, on exports written here: from the database after `shoptool import`
and straight from the file with --orders (PRODUCT §6, §12, §15)."""

from __future__ import annotations

import csv
import json

import pytest
from builders import (
    ADDRESS,
    DONE,
    LEGACY_ORDER_HEADER,
    PAGE_STOCK_HEADER,
    PAID,
    QIANNIU_ITEM_HEADER,
    QIANNIU_ORDER_HEADER,
    SHIPPED,
    legacy_order,
    oid,
    page_stock_row,
    qianniu_item,
    qianniu_order,
    write_csv,
    write_xlsx,
)

CONTRACT_KEYS = ["order_id", "severity", "findings", "province", "city", "district", "suggested_message"]
RANK = {"error": 0, "warning": 1, "info": 2, None: 3}


def legacy(n: int, status: str = PAID, *, address: str = ADDRESS, mobile: str = "", tel: str = "", **cells) -> dict:
    """Order n, with no phone unless given one."""
    return legacy_order(n, status, 收货地址=address, 联系手机=f"'{mobile}" if mobile else "", 联系电话=tel, **cells)


def write_legacy(path, rows):
    return write_csv(path, LEGACY_ORDER_HEADER, rows, encoding="gbk")


def check(cli, path, mode: str, *extra):
    """address-check over `path`: imported first (db) or read directly (file)."""
    if mode == "db":
        imported = cli("import", path, "--now", "2026-11-21 09:00", "-f", "json")
        assert imported.exit_code == 0, imported
        return cli("address-check", "-f", "json", *extra)
    return cli("address-check", "--orders", path, "-f", "json", *extra)


def by_id(run) -> dict[str, dict]:
    return {row["order_id"]: row for row in run.rows}


MODES = pytest.mark.parametrize("mode", ["db", "file"])

# Orders that must be errors, with the finding that makes them one.
ERROR_CASES = {
    1: ({"address": "浙江省 杭州市 朝阳区 建国路88号 现代城5号楼", "mobile": "13800138001"}, "region_mismatch"),
    2: ({"address": "广东省 深圳市 南山区 不详", "mobile": "13800138002"}, "placeholder"),
    3: ({"address": "test", "mobile": "13800138003"}, "placeholder"),
    4: ({"address": "浙江省 杭州市 西湖区 测试", "mobile": "13800138004"}, "placeholder"),
    5: ({"mobile": "12812345678"}, "phone_invalid"),
    6: ({}, "phone_missing"),
    7: ({"address": "北京市朝阳区1号", "mobile": "13800138007"}, "detail_too_short"),
}
# Orders that must not be errors.
FINE_CASES = {
    11: {"tel": "0571-88881234"},  # landline only
    12: {"address": "内蒙古自治区 呼和浩特市 赛罕区 大学西路 235号 内蒙古大学南校区", "mobile": "13800138012"},
    13: {"address": "湖北省 仙桃市 干河街道 仙桃大道 中段 18号", "mobile": "13800138013"},
    14: {"mobile": "13800138014-1234"},  # platform privacy number with its extension
    15: {"address": "广东省 广州市 天河区 天河路 385号 太古汇一座 2301", "mobile": "13800138015"},
    16: {"address": "新疆维吾尔自治区 乌鲁木齐市 天山区 解放北路 88号 3号楼502", "mobile": "13800138016"},
}


@MODES
def test_bad_addresses_and_phones_are_errors_and_good_ones_are_not(cli, shop_folder, mode):
    rows = [legacy(n, **fields) for n, (fields, _) in ERROR_CASES.items()]
    rows += [legacy(n, **fields) for n, fields in FINE_CASES.items()]
    path = write_legacy(shop_folder / "orders.csv", rows)

    run = check(cli, path, mode, "--all")
    assert run.exit_code == 1, run
    doc = run.json
    assert doc["command"] == "address-check" and set(doc) == {"command", "generated_at", "summary", "rows"}
    found = by_id(run)
    assert set(found) == {oid(n) for n in [*ERROR_CASES, *FINE_CASES]}
    for row in run.rows:
        assert list(row)[:len(CONTRACT_KEYS)] == CONTRACT_KEYS
        assert row["findings"] == [] or all(isinstance(code, str) for code in row["findings"])
    for n, (_, code) in ERROR_CASES.items():
        row = found[oid(n)]
        assert row["severity"] == "error" and code in row["findings"], row
        assert row["suggested_message"].startswith("亲") and oid(n) in row["suggested_message"]
    for n in FINE_CASES:
        assert found[oid(n)]["severity"] in (None, "info"), found[oid(n)]
    assert found[oid(1)]["province"] == "浙江省" and found[oid(1)]["city"] == "杭州市"
    assert (found[oid(12)]["province"], found[oid(12)]["city"], found[oid(12)]["district"]) == (
        "内蒙古自治区", "呼和浩特市", "赛罕区")
    assert (found[oid(13)]["province"], found[oid(13)]["city"]) == ("湖北省", "仙桃市")
    assert found[oid(16)]["severity"] == "info" and found[oid(16)]["findings"] == ["remote_region"]
    assert found[oid(11)]["phone"] == "0571-****1234" and found[oid(14)]["phone"] == "138****8014-1234"

    severities = [(RANK[r["severity"]], r["order_id"]) for r in run.rows]
    assert severities == sorted(severities)
    summary = doc["summary"]
    assert summary["error"] == len(ERROR_CASES) and summary["checked"] == len(rows) == summary["rows"]
    assert summary["findings"]["placeholder"] == 3 and summary["findings"]["remote_region"] >= 1

    default = cli("address-check", *(["--orders", path] if mode == "file" else []), "-f", "json")
    assert default.exit_code == 1, default
    assert [r["order_id"] for r in default.rows] == [
        r["order_id"] for r in run.rows if r["severity"] in ("error", "warning")]
    assert default.json["summary"]["not_listed"] == len(rows) - len(default.rows)


@MODES
def test_masked_qianniu_orders_are_checked_down_to_the_district(cli, shop_folder, mode):
    rows = [qianniu_order(21, 收货地址="江苏省 南京市 建邺区 沙洲街道****"),
            qianniu_order(22, 收货地址="浙江省 杭州市 朝阳区 ****")]
    path = write_xlsx(shop_folder / "qianniu.xlsx", QIANNIU_ORDER_HEADER, rows)

    run = check(cli, path, mode, "--all")
    assert run.exit_code == 1, run
    found = by_id(run)
    masked = found[oid(21)]
    assert masked["severity"] == "info" and masked["findings"] == ["masked"]
    assert (masked["province"], masked["city"], masked["district"]) == ("江苏省", "南京市", "建邺区")
    wrong = found[oid(22)]
    assert wrong["severity"] == "error" and set(wrong["findings"]) == {"region_mismatch", "masked"}
    for row in run.rows:
        assert not {"phone_missing", "name_invalid", "detail_too_short"} & set(row["findings"])
        assert "****" not in row["suggested_message"]  # never quotes the masked street back


def test_an_address_changed_by_a_newer_export_is_a_warning(cli, shop_folder, db):
    first = write_legacy(shop_folder / "orders_0900.csv", [
        legacy(31, mobile="13800138031"),
        legacy(32, mobile="13800138032"),
        legacy(33, mobile="13800138033"),
    ])
    newer = write_legacy(shop_folder / "orders_1000.csv", [
        legacy(31, mobile="13800138031", address="浙江省 杭州市 滨江区 江南大道 3588号 恒生大厦8楼"),
        legacy(32, mobile="13800138032"),
        legacy(33, mobile="13800138033", address="浙江省 杭州市 滨江区 江南大道 1号 9楼",
               status=SHIPPED),
    ])
    assert cli("import", first, "--now", "2026-11-21 09:00", "-f", "json").exit_code == 0
    assert cli("import", newer, "--now", "2026-11-21 10:00", "-f", "json").exit_code == 0

    run = cli("address-check", "-f", "json")
    assert run.exit_code == 0, run  # a warning asks for a confirmation; nothing blocks shipping
    assert [r["order_id"] for r in run.rows] == [oid(31)]  # 33 shipped: no longer checked
    row = run.rows[0]
    assert row["severity"] == "warning" and row["findings"] == ["address_changed"]
    assert row["district"] == "滨江区" and "滨江区" in row["suggested_message"]
    history = list(db().query("SELECT field, new FROM order_history WHERE order_id = ?", [oid(31)]))
    assert [h["field"] for h in history] == ["address"] and "滨江区" in history[0]["new"]


@MODES
def test_modified_address_column_is_an_address_change(cli, shop_folder, mode):
    path = write_legacy(shop_folder / "orders.csv", [
        legacy(41, mobile="13800138041", 修改后的收货地址="福建省 厦门市 湖里区 金山街道 云顶北路 16号 1栋1801"),
        legacy(42, mobile="13800138042", 修改后的收货地址=ADDRESS),  # same as the original: no change
    ])
    run = check(cli, path, mode)
    assert run.exit_code == 0, run
    assert [(r["order_id"], r["findings"]) for r in run.rows] == [(oid(41), ["address_changed"])]
    assert (run.rows[0]["city"], run.rows[0]["district"]) == ("厦门市", "湖里区")  # checks where it goes now


@MODES
def test_one_buyer_with_open_orders_to_different_addresses(cli, shop_folder, mode):
    elsewhere = "上海 上海市 徐汇区 漕溪北路 88号 12楼"
    path = write_legacy(shop_folder / "orders.csv", [
        legacy(51, 买家会员名="tb_liu", mobile="13800138051"),
        legacy(52, 买家会员名="tb_liu", mobile="13800138051", address=ADDRESS.replace(" 478号", "478号 ")),
        legacy(53, 买家会员名="tb_liu", mobile="13800138051", address=elsewhere),
        legacy(54, 买家会员名="tb_liu", mobile="13800138051", address="上海 上海市 浦东新区 张江路 100弄 5号 301室",
               status=DONE),  # finished: not an open order
        legacy(55, 买家会员名="tb_other", mobile="13800138055", address=elsewhere),
        # no nick: the buyer is the receiver phone
        legacy(56, 买家会员名="", mobile="13800138056"),
        legacy(57, 买家会员名="", mobile="13800138056", address=elsewhere),
        legacy(58, 买家会员名="", mobile="13800138058", address=elsewhere),
    ])
    run = check(cli, path, mode)
    assert run.exit_code == 0, run
    found = by_id(run)
    assert set(found) == {oid(51), oid(52), oid(53), oid(56), oid(57)}
    assert all(row["findings"] == ["multiple_addresses"] and row["severity"] == "warning" for row in run.rows)
    assert {row["buyer"] for row in run.rows} == {"tb_liu", None}


def test_only_paid_and_partly_shipped_orders_are_checked(cli, shop_folder):
    statuses = {61: "等待买家付款", 62: "卖家已发货，等待买家确认", 63: "交易成功", 64: "交易关闭", 65: "卖家部分发货",
                66: PAID}
    path = write_legacy(shop_folder / "orders.csv", [
        legacy(n, status, address="广东省 深圳市 南山区 不详", mobile=f"138001380{n}") for n, status in statuses.items()
    ])
    run = check(cli, path, "db")
    assert run.exit_code == 1, run
    assert sorted((r["order_id"], r["status"]) for r in run.rows) == [(oid(65), "partly_shipped"), (oid(66), "paid")]
    assert run.json["summary"]["checked"] == 2


@MODES
def test_the_last_row_of_an_order_in_a_file_is_what_is_checked(cli, shop_folder, mode):
    path = write_legacy(shop_folder / "orders.csv", [
        legacy(67, address="不详", mobile="13800138067"),
        legacy(68, mobile="13800138068"),
        legacy(67, address="不详", mobile="13800138067", status=SHIPPED),  # shipped since
        legacy(68, address="广东省 深圳市 南山区 不详", mobile="13800138068"),  # the buyer's address got worse
    ])
    run = check(cli, path, mode)
    assert run.exit_code == 1, run
    assert [(r["order_id"], r["findings"][0]) for r in run.rows] == [(oid(68), "placeholder")]
    assert run.json["summary"]["checked"] == 1


def test_clean_orders_exit_0_and_list_nothing_by_default(cli, shop_folder):
    path = write_legacy(shop_folder / "orders.csv", [legacy(71, mobile="13800138071"), legacy(72, tel="010-62345678")])
    run = check(cli, path, "file")
    assert run.exit_code == 0, run
    assert run.rows == [] and run.json["summary"]["checked"] == 2 and run.json["summary"]["not_listed"] == 2
    listed = check(cli, path, "file", "--all")
    assert listed.exit_code == 0
    assert [(r["severity"], r["findings"], r["suggested_message"]) for r in listed.rows] == [(None, [], "")] * 2
    assert not (shop_folder / "shoptool.db").exists()  # --orders reads the file and stores nothing


@MODES
def test_personal_data_is_masked_unless_show_pii_and_the_reveal_is_audited(cli, shop_folder, db, mode):
    path = write_legacy(shop_folder / "orders.csv", [
        legacy(81, 收货人姓名="欧阳娜娜", mobile="12812345678", address="北京市朝阳区1号"),
    ])
    run = check(cli, path, mode)
    assert run.exit_code == 1, run
    row = run.rows[0]
    assert (row["phone"], row["receiver"]) == ("128****5678", "欧***")
    for secret in ("12812345678", "欧阳娜娜", "北京市朝阳区1号"):
        assert secret not in run.stdout

    shown = cli("address-check", *(["--orders", path] if mode == "file" else []), "-f", "json", "--show-pii")
    assert shown.exit_code == 1, shown
    row = shown.rows[0]
    assert (row["phone"], row["receiver"], row["address"]) == ("12812345678", "欧阳娜娜", "北京市朝阳区1号")
    assert "12812345678" in row["suggested_message"]
    audit = list(db().query("SELECT action, command FROM audit"))
    assert audit == [{"action": "show_pii", "command": "address-check"}]


def test_rejected_rows_are_reported_and_the_rest_checked(cli, shop_folder):
    rows = [legacy(91, mobile="13800138091"), legacy(92, mobile="13800138092")]
    rows[1]["订单编号"] = "3.91200E+18"  # mangled by an Excel re-save: cannot be told apart
    path = write_legacy(shop_folder / "orders.csv", rows)
    run = cli("address-check", "--orders", path, "-f", "json", "--all")
    assert run.exit_code == 3, run  # nothing to fix in what was read, but a row went unchecked
    assert [r["order_id"] for r in run.rows] == [oid(91)]
    assert run.json["summary"]["rejected_rows"] == 1
    assert "row 3, column 订单编号" in run.stderr and "rejected" in run.stderr

    rows[0]["收货地址"] = "不详"
    write_legacy(path, rows)
    assert cli("address-check", "--orders", path, "-f", "json").exit_code == 1  # errors outrank rejects

    write_legacy(path, rows[1:])
    nothing = cli("address-check", "--orders", path, "-f", "json")
    assert nothing.exit_code == 3 and nothing.stdout == ""
    assert "every row was rejected" in nothing.stderr


@pytest.mark.parametrize(("header", "row"), [
    (PAGE_STOCK_HEADER, page_stock_row(1, "TS-1", "5")),
    (QIANNIU_ITEM_HEADER, qianniu_item(1)),
], ids=["page-stock", "items"])
def test_a_file_that_is_not_an_orders_export_is_an_input_error(cli, shop_folder, header, row):
    path = write_csv(shop_folder / "other.csv", header, [row], encoding="utf-8")
    run = cli("address-check", "--orders", path, "-f", "json")
    assert run.exit_code == 3 and run.stdout == ""
    assert "other.csv" in run.stderr and "order" in run.stderr


def test_address_settings_reach_the_check(cli, shop_folder):
    (shop_folder / "shoptool.toml").write_text(
        '[address]\ndefault_courier = "极兔速递"\nremote_regions = []\nplaceholder_words = ["待定"]\n'
        '[address.courier_unreachable]\n"极兔" = ["新疆"]\n', encoding="utf-8")
    path = write_legacy(shop_folder / "orders.csv", [
        legacy(95, mobile="13800138095", address=FINE_CASES[16]["address"]),
        legacy(96, mobile="13800138096", address="浙江省 杭州市 西湖区 文三路 测试大厦 8楼"),  # 测试: not a placeholder
    ])
    run = check(cli, path, "file", "--all")
    assert run.exit_code == 1, run
    found = by_id(run)
    assert found[oid(95)]["findings"] == ["courier_unreachable"]
    assert found[oid(96)]["findings"] == []


def test_the_table_fits_an_80_column_terminal_and_files_carry_every_column(cli, shop_folder):
    from rich.cells import cell_len

    path = write_legacy(shop_folder / "orders.csv", [
        legacy(n, **fields) for n, (fields, _) in ERROR_CASES.items()
    ])
    table = cli("address-check", "--orders", path, "-f", "table", env={"COLUMNS": "80"})
    assert table.exit_code == 1, table
    lines = table.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    assert all(oid(n) in table.stdout for n in ERROR_CASES)  # ids are never folded
    assert "问题说明" in table.stdout and "138****8001" in table.stdout

    out = shop_folder / "confirm.csv"
    written = cli("address-check", "--orders", path, "-o", out)
    assert written.exit_code == 1, written
    with out.open(encoding="utf-8-sig", newline="") as fh:
        sheet = list(csv.DictReader(fh))
    assert list(sheet[0])[:3] == ["订单编号", "级别", "问题"] and "建议发给买家" in sheet[0]
    assert {r["订单编号"] for r in sheet} == {f'="{oid(n)}"' for n in ERROR_CASES}  # 19 digits kept in Excel
    assert {r["级别"] for r in sheet} == {"错误"} and "省市区对不上" in {r["问题"] for r in sheet}
    assert all("13800138" not in value for r in sheet for value in r.values())


def test_no_orders_at_all_says_what_to_do(cli):
    run = cli("address-check", "-f", "json")
    assert run.exit_code == 0, run
    assert run.rows == [] and json.loads(run.stdout)["summary"]["checked"] == 0
    assert "shoptool import" in run.stderr


def test_readme_example_on_the_samples(cli, sample):
    """The README's example: `shoptool address-check` after importing samples/ (orders 01xx, 05xx)."""
    imported = cli("import", sample("orders_legacy_gbk.csv"), sample("orders_qianniu.xlsx"),
                   "--now", "2026-11-21 10:00", "-f", "json")
    assert imported.exit_code == 0, imported
    run = cli("address-check", "--now", "2026-11-21 10:00", "-f", "json")
    assert run.exit_code == 1, run
    assert [(r["order_id"][-3:], r["severity"], r["findings"]) for r in run.rows] == [
        ("102", "error", ["region_mismatch"]),
        ("103", "error", ["placeholder"]),
        ("104", "error", ["phone_invalid"]),
        ("105", "error", ["phone_missing"]),
        ("106", "error", ["detail_too_short"]),
        ("502", "error", ["region_mismatch", "masked"]),
        ("110", "warning", ["multiple_addresses"]),
        ("111", "warning", ["multiple_addresses"]),
        ("114", "warning", ["multiple_addresses"]),
        ("120", "warning", ["address_changed"]),
    ]
    summary = run.json["summary"]
    assert (summary["checked"], summary["error"], summary["warning"], summary["not_listed"]) == (21, 6, 4, 11)
