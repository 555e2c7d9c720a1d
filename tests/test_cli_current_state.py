"""One current state whatever order the exports arrive in (PRODUCT §16): an export is a snapshot
taken at a moment, and an older one never moves an order back or blanks what a newer one set."""

from __future__ import annotations

import json

from builders import (
    CLOSED,
    DONE,
    LEGACY_ORDER_HEADER,
    PAID,
    QIANNIU_ORDER_HEADER,
    SHIPPED,
    UNPAID,
    legacy_order,
    oid,
    qianniu_order,
    write_csv,
    write_xlsx,
)

NEW_ADDRESS = "浙江省 杭州市 滨江区 江南大道 100号 3幢501室"


def today_rows() -> list[dict]:
    """The shop on 2026-11-21 at 11:00: four orders placed yesterday, each gone on in its life."""
    return [
        legacy_order(1, SHIPPED, 物流单号="No:SF1400123456789", 物流公司="顺丰速运"),
        legacy_order(2, DONE, 物流单号="YT8801234567890", 物流公司="圆通速递"),
        legacy_order(3, CLOSED, 订单关闭原因="买家不想买了"),
        legacy_order(4, PAID, 收货地址=NEW_ADDRESS, 订单备注="已电话确认地址"),
    ]


def yesterday_rows() -> list[dict]:
    """The same orders as yesterday's export had them: all still unpaid, at the old address."""
    return [legacy_order(n, UNPAID) for n in (1, 2, 3, 4)]


def state(db) -> dict[str, tuple]:
    return {row[0]: row[1:] for row in db().conn.execute(
        "SELECT order_id, status, paid_at, tracking_no, address, seller_note FROM orders ORDER BY order_id")}


EXPECTED_TODAY = {
    oid(1): ("shipped", "2026-11-20T09:01:00+08:00", "SF1400123456789", legacy_order(1)["收货地址"], None),
    oid(2): ("completed", "2026-11-20T09:01:00+08:00", "YT8801234567890", legacy_order(2)["收货地址"], None),
    oid(3): ("closed", "2026-11-20T09:01:00+08:00", None, legacy_order(3)["收货地址"], None),
    oid(4): ("paid", "2026-11-20T09:01:00+08:00", None, NEW_ADDRESS, "已电话确认地址"),
}


def test_yesterdays_export_imported_after_todays_changes_nothing_and_says_so(cli, db, shop_folder):
    today = write_csv(shop_folder / "ExportOrderList202611211100.csv", LEGACY_ORDER_HEADER, today_rows(),
                      encoding="gbk")
    yesterday = write_csv(shop_folder / "ExportOrderList202611201100.csv", LEGACY_ORDER_HEADER, yesterday_rows(),
                          encoding="gbk")
    assert cli("import", today, "--now", "2026-11-21 12:00").exit_code == 0

    run = cli("import", yesterday, "--now", "2026-11-21 12:05", "--format", "json")

    assert run.exit_code == 0, run
    (row,) = run.rows
    assert {k: row[k] for k in ("rows_in", "inserted", "updated", "unchanged", "stale", "rejected")} == {
        "rows_in": 4, "inserted": 0, "updated": 0, "unchanged": 0, "stale": 4, "rejected": 0}
    assert (row["snapshot_at"], row["snapshot_source"]) == ("2026-11-20T11:00:00+08:00", "file_name")
    assert "4 row(s) older than what the shop already knew" in run.stderr
    assert state(db) == EXPECTED_TODAY
    conn = db().conn
    # kept in history, not lost: each stale row as the old export had it
    stale = conn.execute("SELECT row_key, snapshot_at, known_at, data FROM stale_rows ORDER BY row_key").fetchall()
    assert [(k, s, known) for k, s, known, _ in stale] == [
        (oid(n), "2026-11-20T11:00:00+08:00", "2026-11-21T11:00:00+08:00") for n in (1, 2, 3, 4)]
    assert json.loads(stale[0][3])["status"] == "unpaid"
    assert conn.execute("SELECT stale, snapshot_at FROM imports WHERE id = 2").fetchone() == (
        4, "2026-11-20T11:00:00+08:00")
    # no history row says an order went back
    assert conn.execute("SELECT count(*) FROM order_history").fetchone()[0] == 0


def test_nobody_who_paid_closed_or_was_shipped_to_is_texted_after_the_old_export(cli, shop_folder):
    placed = {"订单创建时间": "2026-11-21 08:00:00"}
    early = [legacy_order(1, PAID, **placed), legacy_order(2, SHIPPED, 物流单号="YT8801234567890", **placed),
             legacy_order(3, UNPAID, **placed), legacy_order(4, UNPAID, **placed)]
    late = [legacy_order(1, SHIPPED, 物流单号="SF1400123456789", **placed),
            legacy_order(2, DONE, 物流单号="YT8801234567890", **placed),
            legacy_order(3, CLOSED, **placed), legacy_order(4, PAID, **placed)]
    write_csv(shop_folder / "ExportOrderList202611210830.csv", LEGACY_ORDER_HEADER, early, encoding="gbk")
    write_csv(shop_folder / "ExportOrderList202611211100.csv", LEGACY_ORDER_HEADER, late, encoding="gbk")
    assert cli("import", "ExportOrderList202611211100.csv", "--now", "2026-11-21 12:00").exit_code == 0
    assert cli("import", "ExportOrderList202611210830.csv", "--now", "2026-11-21 12:05").exit_code == 0

    reminders = cli("remind-unpaid", "--now", "2026-11-21 12:10", "--dry-run", "--format", "json")
    notices = cli("notify-shipped", "--now", "2026-11-21 12:10", "--dry-run", "--format", "json")

    assert reminders.exit_code == 0, reminders
    assert [r for r in reminders.rows if r["action"] == "would_send"] == []
    assert notices.exit_code == 0, notices
    would = {r["order_id"]: r for r in notices.rows if r["action"] == "would_send"}
    assert list(would) == [oid(1)]  # the shipped parcel; the completed order gets no notice


def test_without_a_stamp_the_newest_event_cell_dates_the_export(cli, db, shop_folder):
    """File names without a stamp: today's export holds a payment made this morning, yesterday's
    does not, so yesterday's is the older snapshot whatever the order of import."""
    today = today_rows() + [legacy_order(5, PAID, 订单创建时间="2026-11-21 08:00:00")]
    write_csv(shop_folder / "a.csv", LEGACY_ORDER_HEADER, today, encoding="gbk")
    write_csv(shop_folder / "b.csv", LEGACY_ORDER_HEADER, yesterday_rows(), encoding="gbk")
    first = cli("import", "a.csv", "--now", "2026-11-21 12:00", "--format", "json")
    assert first.rows[0]["snapshot_at"] == "2026-11-21T08:01:00+08:00"  # 订单付款时间 of order 5
    assert first.rows[0]["snapshot_source"] == "newest_cell"

    run = cli("import", "b.csv", "--now", "2026-11-21 12:05", "--format", "json")

    assert run.exit_code == 0, run
    assert (run.rows[0]["stale"], run.rows[0]["snapshot_source"]) == (4, "newest_cell")
    assert {k: v for k, v in state(db).items() if k != oid(5)} == EXPECTED_TODAY


def test_a_row_further_along_is_newer_whatever_its_files_time_says(cli, db, shop_folder):
    """A legacy 订单报表 has no ship or finish time: an export of old orders only is dated by old
    cells. Its rows that show an order further along are still news (an order only moves on)."""
    write_csv(shop_folder / "ExportOrderList202611211100.csv", LEGACY_ORDER_HEADER,
              [legacy_order(1, SHIPPED, 物流单号="SF1400123456789")], encoding="gbk")
    write_csv(shop_folder / "old_orders.csv", LEGACY_ORDER_HEADER,
              [legacy_order(1, DONE, 物流单号="SF1400123456789", 修改后的收货地址=NEW_ADDRESS)], encoding="gbk")
    assert cli("import", "ExportOrderList202611211100.csv").exit_code == 0

    run = cli("import", "old_orders.csv", "--format", "json")

    assert (run.rows[0]["stale"], run.rows[0]["updated"]) == (0, 1)
    assert state(db)[oid(1)][0] == "completed"
    assert db().conn.execute("SELECT address FROM orders").fetchone() == (NEW_ADDRESS,)


def test_a_newer_snapshot_still_updates_and_a_blank_cell_never_erases(cli, db, shop_folder):
    write_csv(shop_folder / "ExportOrderList202611201100.csv", LEGACY_ORDER_HEADER, yesterday_rows(), encoding="gbk")
    today = today_rows()
    today[3]["订单备注"] = ""  # staff wrote the note in shoptool, not on the platform
    write_csv(shop_folder / "ExportOrderList202611211100.csv", LEGACY_ORDER_HEADER, today, encoding="gbk")
    assert cli("import", "ExportOrderList202611201100.csv").exit_code == 0
    assert cli("note", oid(4), "已电话确认地址", "--staff", "kf01", "--now", "2026-11-21 10:00").exit_code == 0

    run = cli("import", "ExportOrderList202611211100.csv", "--format", "json")

    assert (run.rows[0]["updated"], run.rows[0]["stale"]) == (4, 0)
    assert state(db) == EXPECTED_TODAY
    history = db().conn.execute("SELECT order_id, field, old, new FROM order_history WHERE field = 'status' "
                                "ORDER BY order_id").fetchall()
    assert history == [(oid(1), "status", "unpaid", "shipped"), (oid(2), "status", "unpaid", "completed"),
                       (oid(3), "status", "unpaid", "closed"), (oid(4), "status", "unpaid", "paid")]


def test_a_note_written_in_shoptool_is_not_reverted_by_an_export_taken_before_it(cli, db, shop_folder):
    before = [legacy_order(1, PAID, 订单备注="平台上的旧备注")]
    write_csv(shop_folder / "ExportOrderList202611210900.csv", LEGACY_ORDER_HEADER, before, encoding="gbk")
    write_csv(shop_folder / "ExportOrderList202611200900.csv", LEGACY_ORDER_HEADER,
              [legacy_order(1, PAID, 订单备注="更早的备注")], encoding="gbk")
    assert cli("import", "ExportOrderList202611200900.csv").exit_code == 0
    assert cli("note", oid(1), "客户来电：改为周末送达", "--staff", "kf02", "--now", "2026-11-21 10:00").exit_code == 0

    assert cli("import", "ExportOrderList202611210900.csv").exit_code == 0  # taken at 9:00, before the note

    assert db().conn.execute("SELECT seller_note FROM orders").fetchone() == ("客户来电：改为周末送达",)


def test_a_masked_export_never_replaces_the_real_receiver_whichever_comes_first(cli, db, shop_folder):
    legacy = write_csv(shop_folder / "ExportOrderList202611201100.csv", LEGACY_ORDER_HEADER,
                       [legacy_order(1, PAID)], encoding="gbk")
    qianniu = write_xlsx(shop_folder / "ExportOrderList202611211100.xlsx", QIANNIU_ORDER_HEADER,
                         [qianniu_order(1, SHIPPED, 物流单号="SF1400123456789", 发货时间="2026-11-21 08:00:00")])
    assert cli("import", qianniu).exit_code == 0

    run = cli("import", legacy, "--format", "json")  # older, but the only one with the receiver

    assert run.rows[0]["stale"] == 1
    row = db().conn.execute("SELECT status, receiver_name, receiver_mobile, address, masked, buyer_nick, "
                            "shipped_at FROM orders").fetchone()
    assert row == ("shipped", "林悦", "13900000001", legacy_order(1)["收货地址"], 0, "tb_buyer1",
                   "2026-11-21T08:00:00+08:00")


def test_the_same_order_three_times_in_one_file_is_resolved_and_reported(cli, db, shop_folder):
    rows = [legacy_order(1, UNPAID), legacy_order(1, SHIPPED, 物流单号="SF1400123456789", 收货地址=NEW_ADDRESS),
            legacy_order(1, PAID, 收货地址=NEW_ADDRESS), legacy_order(2, PAID)]
    write_csv(shop_folder / "ExportOrderList202611211100.csv", LEGACY_ORDER_HEADER, rows, encoding="gbk")

    run = cli("import", "ExportOrderList202611211100.csv", "--format", "json")

    assert run.exit_code == 0, run
    row = run.rows[0]
    assert (row["rows_in"], row["inserted"], row["duplicates"]) == (4, 2, 1)
    assert "1 key(s) appear more than once in this file with different content" in run.stderr
    assert state(db)[oid(1)] == ("shipped", "2026-11-20T09:01:00+08:00", "SF1400123456789", NEW_ADDRESS, None)
    # the status went forward once; no paid → shipped → paid flapping in the history
    assert db().conn.execute("SELECT field, old, new FROM order_history WHERE field = 'status'").fetchall() == [
        ("status", "unpaid", "shipped")]


def test_within_one_file_the_row_with_the_later_event_wins_at_the_same_status(cli, db, shop_folder):
    """A 千牛 workbook listing one order twice: the row shipped later is the newer one, wherever it
    stands in the sheet; an exact repeat is no duplicate."""
    rows = [qianniu_order(1, SHIPPED, 物流单号="YT8801234567890", 发货时间="2026-11-21 09:00:00"),
            qianniu_order(1, SHIPPED, 物流单号="SF1400123456789", 发货时间="2026-11-21 10:00:00"),
            qianniu_order(1, SHIPPED, 物流单号="YT8801234567890", 发货时间="2026-11-21 09:00:00"),
            qianniu_order(2, PAID), qianniu_order(2, PAID)]
    write_xlsx(shop_folder / "ExportOrderList20261121110000.xlsx", QIANNIU_ORDER_HEADER, rows)

    run = cli("import", "ExportOrderList20261121110000.xlsx", "--format", "json")

    assert run.exit_code == 0, run
    assert (run.rows[0]["inserted"], run.rows[0]["duplicates"]) == (2, 1)
    assert db().conn.execute("SELECT tracking_no, shipped_at FROM orders WHERE order_id = ?", (oid(1),)).fetchone() \
        == ("SF1400123456789", "2026-11-21T10:00:00+08:00")


def test_a_stamp_in_the_future_is_read_as_a_day_after_the_import(cli, shop_folder):
    write_csv(shop_folder / "ExportOrderList209901011200.csv", LEGACY_ORDER_HEADER, [legacy_order(1)], encoding="gbk")
    run = cli("import", "ExportOrderList209901011200.csv", "--now", "2026-11-21 10:00", "--format", "json")
    assert run.rows[0]["snapshot_at"] == "2026-11-22T10:00:00+08:00"


def test_a_file_without_times_or_stamp_is_as_new_as_its_import(cli, shop_folder):
    write_csv(shop_folder / "orders.csv", ["订单编号", "订单状态"], [{"订单编号": oid(1), "订单状态": PAID}])
    run = cli("import", "orders.csv", "--now", "2026-11-21 10:00", "--format", "json")
    assert (run.rows[0]["snapshot_at"], run.rows[0]["snapshot_source"]) == ("2026-11-21T10:00:00+08:00",
                                                                          "import_time")


def test_a_deadline_is_never_read_as_the_exports_moment(cli, shop_folder):
    header = ["订单编号", "订单状态", "订单创建时间", "超时时间"]
    rows = [{"订单编号": oid(1), "订单状态": UNPAID, "订单创建时间": "2026-11-21 09:00:00",
             "超时时间": "2026-11-22 09:00:00"}]
    write_csv(shop_folder / "orders.csv", header, rows)
    run = cli("import", "orders.csv", "--now", "2026-11-21 12:00", "--format", "json")
    assert (run.rows[0]["snapshot_at"], run.rows[0]["snapshot_source"]) == ("2026-11-21T09:00:00+08:00",
                                                                          "newest_cell")
