"""`shoptool note`: seller notes and flags written through the notes log, and an order's history."""

from __future__ import annotations

import pytest
from builders import LEGACY_ORDER_HEADER, PAID, legacy_order, oid, write_csv

ORDER = oid(110)
ADDRESS = "上海 上海市 浦东新区 张江路 100弄 5号 301室"


def legacy(status=PAID, addr=ADDRESS, note="", **cells) -> dict:
    return legacy_order(110, status, 收货地址=addr, 订单备注=note, **cells)


@pytest.fixture
def order(cli, shop_folder):
    def imported(name="orders.csv", **fields):
        path = write_csv(shop_folder / name, LEGACY_ORDER_HEADER, [legacy(**fields)], encoding="gbk")
        result = cli("import", path, "--format", "json")
        assert result.exit_code == 0, result
        return ORDER

    return imported


def notes(db) -> list[tuple]:
    return db().execute("SELECT subject, subject_id, at, staff, action, old_note, new_note, old_flag, new_flag, source "
                        "FROM notes ORDER BY id").fetchall()


def test_note_and_flag_update_the_order_and_the_log(cli, order, db):
    order(note="老客户")
    run = cli("note", ORDER, "已电话确认地址", "--flag", "red", "--staff", "kf07", "--now", "2026-11-21 10:00",
              "--format", "json")
    assert run.exit_code == 0, run
    (row,) = run.rows
    keys = ("order_id", "at", "action", "staff", "old_note", "new_note", "old_flag", "new_flag")
    assert {k: row[k] for k in keys} == {
        "order_id": ORDER, "at": "2026-11-21T10:00:00+08:00", "action": "note_flag", "staff": "kf07",
        "old_note": "老客户", "new_note": "已电话确认地址", "old_flag": None, "new_flag": "red"}
    assert run.json["summary"] == {"order_id": ORDER, "status": "paid", "seller_note": "已电话确认地址", "flag": "red",
                                        "entries": 1}
    assert db().execute("SELECT seller_note, flag FROM orders").fetchall() == [("已电话确认地址", "red")]
    assert notes(db) == [("order", ORDER, "2026-11-21T10:00:00+08:00", "kf07", "note_flag", "老客户", "已电话确认地址",
                          None, "red", "note")]


def test_staff_defaults_to_the_shop_setting(cli, order, db, shop_folder):
    order()
    assert cli("note", ORDER, "--flag", "黄", "--format", "json").exit_code == 0
    (shop_folder / "shoptool.toml").write_text('[shop]\nstaff = "kf09"\n', encoding="utf-8")
    assert cli("note", ORDER, "--flag", "2", "--format", "json").rows == []  # already yellow: nothing written
    assert cli("note", ORDER, "--flag", "green", "--format", "json").exit_code == 0
    assert [(n[3], n[4], n[7], n[8]) for n in notes(db)] == [("kf01", "flag", None, "yellow"),
                                                             ("kf09", "flag", "yellow", "green")]


def test_the_same_note_twice_is_logged_once(cli, order, db):
    order()
    assert cli("note", ORDER, "请优先发货", "--format", "json").rows[0]["action"] == "note"
    again = cli("note", ORDER, " 请优先发货 ", "--format", "json")
    assert again.exit_code == 0 and again.rows == []
    assert "nothing written" in again.stderr
    assert len(notes(db)) == 1


def test_append_clear_note_and_clear_flag(cli, order, db):
    order(note="老客户")
    assert cli("note", ORDER, "送礼", "--append", "--flag", "blue", "--format", "json").exit_code == 0
    assert db().execute("SELECT seller_note, flag FROM orders").fetchone() == ("老客户；送礼", "blue")
    assert cli("note", ORDER, "", "--flag", "none", "--format", "json").exit_code == 0
    assert db().execute("SELECT seller_note, flag FROM orders").fetchone() == (None, None)
    assert [(n[5], n[6], n[7], n[8]) for n in notes(db)] == [("老客户", "老客户；送礼", None, "blue"),
                                                             ("老客户；送礼", None, "blue", None)]


def test_without_text_it_shows_the_history_including_status_and_address_changes(cli, order):
    order()
    assert cli("note", ORDER, "改地址了，已确认", "--now", "2025-01-01 09:00", "--format", "json").exit_code == 0
    order(name="orders2.csv", addr="上海 上海市 徐汇区 漕溪北路 88号 12楼")
    order(name="orders3.csv", addr="上海 上海市 徐汇区 漕溪北路 88号 12楼", status="卖家已发货，等待买家确认")

    run = cli("note", ORDER, "--format", "json")
    assert run.exit_code == 0, run
    actions = [r["action"] for r in run.rows]
    assert actions[0] == "note" and sorted(actions[1:]) == ["address_changed", "status_changed"]
    change = {r["action"]: r for r in run.rows}
    assert (change["status_changed"]["old_status"], change["status_changed"]["new_status"]) == ("paid", "shipped")
    assert change["address_changed"]["old_address"] == "上海 上海市 浦东新区 ****"  # masked
    assert change["note"]["new_note"] == "改地址了，已确认"
    assert run.json["summary"]["entries"] == 3

    revealed = cli("note", ORDER, "--format", "json", "--show-pii")
    assert {r["action"]: r for r in revealed.rows}["address_changed"]["old_address"] == ADDRESS


def test_merge_notes_show_in_the_history(cli, shop_folder):
    rows = [legacy(), legacy(订单编号=oid(111), 订单创建时间="2026-11-20 09:30:00")]
    assert cli("import", write_csv(shop_folder / "o.csv", LEGACY_ORDER_HEADER, rows, encoding="gbk")).exit_code == 0
    assert cli("merge-shipping", "--now", "2026-11-21 10:00", "--apply", "--format", "json").exit_code == 0
    run = cli("note", "3912000000000000111", "--format", "json")
    (row,) = run.rows
    assert (row["action"], row["source"], row["new_flag"]) == ("merge", "merge-shipping", "blue")
    assert row["new_note"] == f"合并发货 M-{ORDER}：随 {ORDER} 同一包裹"


def test_unknown_order_is_a_usage_error_and_writes_nothing(cli, order, db):
    order()
    for args in (["3912000000000000999"], ["3912000000000000999", "备注"], ["3912000000000000999", "--flag", "red"]):
        run = cli("note", *args, "--format", "json")
        assert run.exit_code == 2, run
        assert "order 3912000000000000999 is not in the shop database" in run.stderr and run.stdout == ""
    assert notes(db) == []


@pytest.mark.parametrize(("args", "message"), [
    (["--flag", "pink"], "not a flag: 'pink'"),
    (["1.23457E+18"], "Excel turned into a rounded number"),
])
def test_bad_flag_or_mangled_order_number(cli, order, db, args, message):
    order()
    target = [] if args[0] == "1.23457E+18" else [ORDER]
    run = cli("note", *target, *args, "--format", "json")
    assert run.exit_code == 2, run
    assert message in run.stderr
    assert notes(db) == []


def test_an_order_number_as_exported_is_accepted(cli, order):
    order()
    run = cli("note", f'="{ORDER}"', "--flag", "purple", "--format", "json")
    assert run.exit_code == 0, run
    assert run.rows[0]["order_id"] == ORDER
