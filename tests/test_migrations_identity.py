"""A shop database written before PRODUCT §16 (migrations up to m004) is brought forward: phones
and tracking numbers in their one spelling, opt-outs merged, shipping notices on their parcel's
new key — a notice already sent keeps counting, and two that meet keep one key."""

from __future__ import annotations

import json

from builders import oid

T = "2026-11-21T09:00:00+08:00"


def old_shop(path):
    """The database as a shop running the previous version has it."""
    from shoptool.db import open_db
    from shoptool.db.identity import _old_parcel_key
    from shoptool.db.schema import migrations

    db = open_db(path, migrate=False)
    migrations.apply(db, stop_before="m005_snapshots")
    conn = db.conn
    conn.execute("INSERT INTO imports (id, file, sha256, kind, status, started_at) VALUES "
                 "(1, 'ExportOrderList202611201100.csv', 'a', 'orders', 'stored', '2026-11-21T08:00:00+08:00'), "
                 "(2, '发货单.csv', 'b', 'shipments', 'stored', '2026-11-21T10:00:00+08:00')")
    orders = [
        (oid(1), "shipped", "+86 138 1111 0003", "13811110004.0", "SF-1400123456789", "tb_a"),
        (oid(2), "shipped", "138-1111-0005", "0571-8888 1234", "sf 1400 1234 5678 9", "tb_b"),
        (oid(3), "paid", "13800000000-1234", None, None, "tb_c"),
    ]
    conn.executemany(
        "INSERT INTO orders (order_id, status, receiver_mobile, receiver_tel, tracking_no, buyer_nick, first_seen_at, "
        "updated_at, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)", [(*o, T, T) for o in orders])
    conn.executemany(
        "INSERT INTO shipments (order_id, tracking_no, courier, shipped_at, receiver_mobile, first_seen_at, "
        "updated_at, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, 2)",
        [(oid(1), "SF-1400123456789", None, "2026-11-21T09:30:00+08:00", "+86 138 1111 0003", T, T),
         (oid(1), "SF1400123456789", "顺丰速运", None, None, "2026-11-21T08:00:00+08:00", T),
         (oid(4), "YT 8801 2345 6789 0", "圆通速递", None, "13811110006", T, T)])
    conn.executemany("INSERT INTO opt_outs (phone, opted_out_at, source, first_seen_at) VALUES (?, ?, ?, ?)", [
        ("13600138004.0", "2026-10-02T10:00:00+08:00", None, T),
        ("13600138004", "2026-10-05T10:00:00+08:00", "短信回复TD", T),
        ("136.0013.8008", None, "客服登记", T)])

    def message(key, status, order_ids, params=None, purpose="shipped"):
        conn.execute(
            "INSERT INTO messages (dedupe_key, purpose, class, order_id, order_ids, step, phone, params, status, "
            "created_at, updated_at, sent_at) "
            "VALUES (?, ?, 'notification', ?, ?, 'notice', '13811110003', ?, ?, ?, ?, ?)",
            (key, purpose, order_ids[0], json.dumps(order_ids), json.dumps(params or {}, ensure_ascii=False), status,
             T, T, T if status in ("sent", "unknown") else None))

    # the bug this fixes: one parcel, noticed twice under two spellings
    message("s:SF-1400123456789", "sent", [oid(1)])
    message(_old_parcel_key("sf 1400 1234 5678 9"), "sent", [oid(2)])
    # a parcel whose notice is in doubt, and a later plan for the same parcel under its plain spelling
    message(_old_parcel_key("YT 8801 2345 6789 0"), "unknown", [oid(4)], {"tracking_no": "YT 8801 2345 6789 0"})
    message("s:YT8801234567890", "deferred", [oid(4)])
    message(f"u:{oid(3)}:30m", "sent", [oid(3)], purpose="unpaid")
    db.close()


def test_an_old_database_is_brought_to_one_identity(cli, db, shop_folder):
    old_shop(shop_folder / "shoptool.db")

    conn = db().conn  # opening runs the migrations

    orders = conn.execute("SELECT order_id, receiver_mobile, receiver_tel, tracking_no FROM orders ORDER BY 1")
    assert orders.fetchall() == [(oid(1), "13811110003", "13811110004", "SF1400123456789"),
            (oid(2), "13811110005", "0571-8888 1234", "SF1400123456789"),
            (oid(3), "13800000000-1234", None, None)]
    assert conn.execute("SELECT count(*) FROM order_history").fetchone()[0] == 0  # a spelling is no change
    # the two rows of one parcel of one order became one, keeping what each knew
    assert conn.execute("SELECT order_id, tracking_no, courier, shipped_at, receiver_mobile, first_seen_at "
                        "FROM shipments ORDER BY 1").fetchall() == [
        (oid(1), "SF1400123456789", "顺丰速运", "2026-11-21T09:30:00+08:00", "13811110003",
         "2026-11-21T08:00:00+08:00"),
        (oid(4), "YT8801234567890", "圆通速递", None, "13811110006", T)]
    assert conn.execute("SELECT phone, opted_out_at, source FROM opt_outs ORDER BY 1").fetchall() == [
        ("13600138004", "2026-10-02T10:00:00+08:00", "短信回复TD"), ("13600138008", None, "客服登记")]
    messages = {r[0]: r[1:] for r in conn.execute(
        "SELECT message_id, dedupe_key, status, reason, out_id FROM messages ORDER BY message_id")}
    from shoptool.db.identity import _old_parcel_key as old_key

    assert messages == {
        1: ("s:SF1400123456789", "sent", None, "s:SF-1400123456789"),
        2: ("s:SF1400123456789#2", "sent", None, old_key("sf 1400 1234 5678 9")),
        3: ("s:YT8801234567890", "unknown", None, old_key("YT 8801 2345 6789 0")),
        4: ("s:YT8801234567890#4", "skipped", "duplicate_parcel", "s:YT8801234567890"),
        5: (f"u:{oid(3)}:30m", "sent", None, None),
    }
    assert conn.execute("SELECT snapshot_at, snapshot_source FROM imports ORDER BY id").fetchall() == [
        ("2026-11-20T11:00:00+08:00", "file_name"), ("2026-11-21T10:00:00+08:00", "import_time")]
    # the history triggers still work after the rewrite
    conn.execute("UPDATE orders SET receiver_mobile = '13900000000', updated_at = ? WHERE order_id = ?", (T, oid(1)))
    assert conn.execute("SELECT field, old, new FROM order_history").fetchall() == [
        ("receiver_mobile", "13811110003", "13900000000")]


def test_a_notice_sent_before_the_upgrade_is_not_sent_again(cli, db, shop_folder):
    old_shop(shop_folder / "shoptool.db")

    run = cli("notify-shipped", "--now", "2026-11-21 10:00", "--format", "json")

    # exit 4 only because the old shop still has one `unknown` text waiting for `sms reconcile`
    assert run.exit_code == 4, run
    assert run.json["summary"]["unknown_in_outbox"] == 1
    assert [r for r in run.rows if r["action"] in ("sent", "queued", "would_send")] == []
    assert db().conn.execute("SELECT count(*) FROM messages WHERE status = 'sent' AND purpose = 'shipped'"
                             ).fetchone()[0] == 2


def test_reconcile_asks_the_provider_for_the_key_it_was_given(cli, db, shop_folder):
    """A message in doubt whose key moved is looked up by the out-id its provider was given: the
    file provider's hand-over log names the old key."""
    from shoptool.db.identity import _old_parcel_key as old_key

    old_shop(shop_folder / "shoptool.db")
    upload = shop_folder / "sms-upload"
    upload.mkdir()
    (upload / "sms-shipped-20261121-090000.xlsx").write_bytes(b"")
    (upload / "handover.jsonl").write_text(json.dumps(
        {"sheet": "sms-shipped-20261121-090000.xlsx", "template_code": "SMS_1", "rows": 1,
         "out_ids": [old_key("YT 8801 2345 6789 0")]}) + "\n", encoding="utf-8")

    run = cli("sms", "reconcile", "--now", "2026-11-21 10:00", "--format", "json")

    assert run.exit_code == 0, run
    assert db().conn.execute("SELECT status, reason FROM messages WHERE message_id = 3").fetchone() == (
        "sent", "reconciled")
