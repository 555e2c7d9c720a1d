"""shoptool purge: old finished orders lose their buyers' data everywhere, down to the file's bytes."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from builders import (
    CLOSED,
    DONE,
    LEGACY_ORDER_HEADER,
    REFUND_39_HEADER,
    SHIPMENT_HEADER,
    SHIPPED,
    kuaidi100_result,
    refund,
    shipment,
    write_csv,
)

NOW = "2026-11-21 10:00"
SIGNED = "买家已签收（货到付款专用）"
# Each buyer's data is unique, so finding any of it in the file's bytes means it survived.
OLD_A = {"id": "3800000000000000001", "nick": "tb_ouyang_feng", "name": "欧阳锋", "mobile": "13912340001",
         "tel": "0571-86612345", "spare": "13912349999", "addr": "浙江省 舟山市 普陀区 桃花岛路 1号 听涛阁",
         "street": "桃花岛路",
         "new_addr": "新疆维吾尔自治区 喀什地区 疏附县 白驼山庄 9号", "new_street": "白驼山庄"}
OLD_B = {"id": "3800000000000000002", "nick": "tb_hong_qigong", "name": "洪七公", "mobile": "13912340002",
         "addr": "河南省 开封市 龙亭区 丐帮总舵 77号", "street": "丐帮总舵"}
OLD_SIGNED = {"id": "3800000000000000005", "nick": "tb_huang_yaoshi", "name": "黄药师", "mobile": "13912340005",
              "addr": "浙江省 舟山市 定海区 碧海潮生路 3号", "street": "碧海潮生路"}
OPEN_OLD = {"id": "3800000000000000003", "nick": "tb_guo_jing", "name": "郭靖", "mobile": "13912340003",
            "addr": "湖北省 襄阳市 襄城区 守城路 1号", "street": "守城路"}
RECENT = {"id": "3800000000000000004", "nick": "tb_huang_rong", "name": "黄蓉", "mobile": "13912340004",
          "addr": "湖北省 襄阳市 樊城区 桃花路 2号", "street": "桃花路"}
PURGED = (OLD_A, OLD_B, OLD_SIGNED)
KEPT = (OPEN_OLD, RECENT)


def row(o: dict, status: str, created: str, *, addr: str | None = None, **kw) -> dict:
    values = {"订单编号": f'="{o["id"]}"', "买家会员名": o["nick"], "订单状态": status, "收货人姓名": o["name"],
              "收货地址": addr or o["addr"], "联系手机": f"'{o['mobile']}", "联系电话": o.get("tel", ""),
              "买家应付货款": "99.00", "买家应付邮费": "10.00", "总金额": "109.00", "买家实际支付金额": "109.00",
              "订单创建时间": created, "订单付款时间": created, "买家留言": f"请送到{o['street']}，电话{o['mobile']}",
              "发票抬头": o["name"]}
    values.update(kw)
    return values


def personal_values(o: dict) -> list[str]:
    return [v for k, v in o.items() if k in ("nick", "spare", "name", "mobile", "tel", "street", "new_street")]


def raw_bytes(folder) -> bytes:
    return b"".join((folder / name).read_bytes() for name in ("shoptool.db", "shoptool.db-wal", "shoptool.db-shm")
                    if (folder / name).exists())


@pytest.fixture
def shop(cli, db, shop_folder):
    """Three old finished orders (one with an address change, a shipment, a review, a note, an SMS
    and a merge group) and two that must stay: an old open one and a recent finished one.

    Written with secure_delete off, as most SQLite builds (macOS, Windows) do by default, so what
    earlier writes left in free space is there for the purge to clean up."""
    import shoptool.db

    with pytest.MonkeyPatch.context() as patch:
        open_db = shoptool.db.open_db

        def insecure(*args, **kw):
            handle = open_db(*args, **kw)
            handle.conn.execute("PRAGMA secure_delete = OFF")
            return handle

        patch.setattr(shoptool.db, "open_db", insecure)
        # A long buyer message, replaced by a short one in the next export: its old pages are free
        # pages now, holding a phone no row has any more, which only rebuilding the file removes.
        long_message = f"急用，备用电话{OLD_A['spare']}。" + "谢" * 2500
        first = [row(OLD_A, "卖家已发货，等待买家确认", "2026-04-01 09:00:00", 买家留言=long_message),
                 row(OLD_B, "交易关闭", "2026-04-02 09:00:00"),
                 row(OLD_SIGNED, SIGNED, "2026-04-03 09:00:00"),
                 row(OPEN_OLD, "买家已付款，等待卖家发货", "2026-04-04 09:00:00"),
                 row(RECENT, "交易成功", "2026-11-01 09:00:00")]
        assert cli("import", write_csv(shop_folder / "o1.csv", LEGACY_ORDER_HEADER, first, encoding="gbk"),
                   "--now", "2026-04-05 10:00").exit_code == 0
        later = [row(OLD_A, "交易成功", "2026-04-01 09:00:00", 修改后的收货地址=OLD_A["new_addr"])]
        assert cli("import", write_csv(shop_folder / "o2.csv", LEGACY_ORDER_HEADER, later, encoding="gbk"),
                   "--now", "2026-04-12 10:00").exit_code == 0
        shipments = [shipment(o["id"], f"7530{o['id'][-4:]}", "2026-04-05 09:00:00", 收货人=o["name"], 手机=o["mobile"])
                     for o in (OLD_A, OPEN_OLD)]
        assert cli("import", write_csv(shop_folder / "s.csv", SHIPMENT_HEADER, shipments),
                   "--now", "2026-04-12 10:00").exit_code == 0
        reviews = [{"订单编号": o["id"], "子订单编号": o["id"] + "1", "买家昵称": o["nick"], "评价结果": "差评",
                    "评价时间": "2026-04-13 12:00:00", "宝贝标题": "T恤",
                    "评价内容": f"太慢了，我{o['name']}电话{o['mobile']}没人接"} for o in (OLD_A, RECENT)]
        header = ["订单编号", "子订单编号", "买家昵称", "评价结果", "评价时间", "宝贝标题", "评价内容"]
        assert cli("import", write_csv(shop_folder / "r.csv", header, reviews),
                   "--now", "2026-04-13 13:00").exit_code == 0
        # OLD_A's refund (its logistics line names the buyer) and its parcel's trace (签收人 and phone)
        refunds = [refund(1, "退款关闭", **{"订单编号": OLD_A["id"], "买家会员名称": OLD_A["nick"],
                                          "退款的申请时间": "2026-04-06 10:00:00", "超时时间": "2026-04-08 10:00:00",
                                          "发货物流信息": f"已签收，签收人：{OLD_A['name']}"})]
        assert cli("import", write_csv(shop_folder / "refunds.csv", REFUND_39_HEADER, refunds, encoding="gbk"),
                   "--now", "2026-04-12 10:00").exit_code == 0
        trace = kuaidi100_result(f"7530{OLD_A['id'][-4:]}", "3", [
            ("2026-04-05 18:00:00", "【舟山市】快递员已揽收", "1"),
            ("2026-04-07 12:00:00", f"已签收，签收人：{OLD_A['name']}，电话 {OLD_A['mobile']}", "3")])
        (shop_folder / "kuaidi100.json").write_text(json.dumps(trace, ensure_ascii=False), encoding="utf-8")
        assert cli("import", shop_folder / "kuaidi100.json", "--now", "2026-04-12 10:00").exit_code == 0
        for o in (OLD_A, OPEN_OLD):
            assert cli("note", o["id"], f"{o['name']}来电{o['mobile']}，改到{o['street']}", "--staff", "kf02",
                       "--now", "2026-04-06 10:00").exit_code == 0
        conn = db().conn
        for o in (OLD_A, OPEN_OLD):
            conn.execute(
                "INSERT INTO messages (dedupe_key, purpose, class, order_id, order_ids, buyer, phone, params, text, "
                "status, created_at, updated_at, sent_at, detail) VALUES (?, 'shipped', 'notification', ?, ?, ?, ?, "
                "?, ?, 'sent', '2026-04-05T10:00:00+08:00', '2026-04-05T10:00:00+08:00', "
                "'2026-04-05T10:00:00+08:00', ?)",
                (f"shipped:{o['id']}", o["id"], json.dumps([o["id"]]), o["nick"], o["mobile"],
                 json.dumps({"name": o["name"]}, ensure_ascii=False), f"{o['name']}您好，包裹已发出",
                 json.dumps({"PhoneNumber": "+86" + o["mobile"]})))
            conn.execute(
                "INSERT INTO merge_groups (group_id, order_ids, buyer_nick, postage_paid_fen, postage_due_fen, "
                "refund_fen, postage_rule, created_at, updated_at) VALUES (?, ?, ?, 2000, 1000, 1000, 'max', 'x', 'x')",
                (f"g{o['id']}", json.dumps([o["id"], "999"]), o["nick"]))
    return shop_folder


def snapshot_of(conn, order_id: str) -> dict:
    tables = {"orders": "order_id", "order_history": "order_id", "shipments": "order_id", "messages": "order_id",
              "reviews": "order_id", "order_items": "order_id"}
    found = {t: conn.execute(f"SELECT * FROM {t} WHERE {k} = ? ORDER BY rowid", (order_id,)).fetchall()
             for t, k in tables.items()}
    found["notes"] = conn.execute("SELECT * FROM notes WHERE subject_id = ? ORDER BY id", (order_id,)).fetchall()
    return found


def test_purge_leaves_no_byte_of_old_finished_orders_and_keeps_the_rest(cli, db, shop):
    reader = sqlite3.connect(shop / "shoptool.db")  # idle second connection: the WAL stays on disk
    before = {o["id"]: snapshot_of(db().conn, o["id"]) for o in KEPT}
    assert (shop / "shoptool.db-wal").stat().st_size > 0
    for o in PURGED:
        for value in personal_values(o):
            assert value.encode() in raw_bytes(shop), value  # the scan below can fail

    result = cli("purge", "--older-than", "180d", "--yes", "--now", NOW, "--staff", "kf09")

    assert result.exit_code == 0, result
    doc = result.json
    assert doc["summary"]["orders"] == 3
    assert doc["summary"]["by_status"] == {"closed": 1, "completed": 1, "signed": 1}
    assert doc["summary"]["cut"] == "2026-05-25T10:00:00+08:00"
    assert (doc["summary"]["vacuumed"], doc["summary"]["wal_truncated"]) == (True, True)
    counts = {r["table"]: r["rows"] for r in doc["rows"]}
    assert counts == {"orders": 3, "order_history": 1, "shipments": 1, "messages": 1, "notes": 1, "reviews": 1,
                      "merge_groups": 1, "order_items": 0, "members": 0, "refunds": 1, "parcels": 1,
                      "parcel_events": 1}
    assert (shop / "shoptool.db-wal").stat().st_size == 0
    data = raw_bytes(shop)
    for o in PURGED:
        for value in personal_values(o):
            assert value.encode() not in data, value
    conn = db().conn
    for o in KEPT:
        assert snapshot_of(conn, o["id"]) == before[o["id"]]
        for value in personal_values(o):
            assert value.encode() in raw_bytes(shop), value
    reader.close()


def test_what_a_purged_order_keeps(cli, db, shop):
    assert cli("purge", "--yes", "--now", NOW).exit_code == 0

    conn = db().conn
    conn.row_factory = sqlite3.Row
    order = dict(conn.execute("SELECT * FROM orders WHERE order_id = ?", (OLD_A["id"],)).fetchone())
    assert {k: order[k] for k in ("status", "paid_fen", "total_fen", "address", "created_at", "purged_at")} == {
        "status": "completed", "paid_fen": 10900, "total_fen": 10900,
        "address": "新疆维吾尔自治区 喀什地区 疏附县 ****",
        "created_at": "2026-04-01T09:00:00+08:00", "purged_at": "2026-11-21T10:00:00+08:00"}
    assert all(order[k] is None for k in ("buyer_nick", "receiver_name", "receiver_mobile", "receiver_tel",
                                          "address_original", "address_modified", "address_detail"))
    assert (order["buyer_message"], order["extra"]) == ("请送到****，电话****", "{}")
    history = [tuple(r) for r in conn.execute(
        "SELECT field, old, new FROM order_history WHERE order_id = ? ORDER BY id", (OLD_A["id"],))]
    assert sorted(history) == [("address", None, None), ("status", "shipped", "completed")]
    note = dict(conn.execute("SELECT staff, action, new_note FROM notes WHERE subject_id = ?",
                             (OLD_A["id"],)).fetchone())
    assert note == {"staff": "kf02", "action": "note", "new_note": "****来电****，改到****"}
    shipment = dict(conn.execute("SELECT tracking_no, receiver_name, receiver_mobile FROM shipments WHERE order_id = ?",
                                 (OLD_A["id"],)).fetchone())
    assert shipment == {"tracking_no": "75300001", "receiver_name": None, "receiver_mobile": None}
    message = dict(conn.execute(
        "SELECT dedupe_key, status, phone, buyer, params, text FROM messages WHERE order_id = ?",
        (OLD_A["id"],)).fetchone())
    assert message == {"dedupe_key": f"shipped:{OLD_A['id']}", "status": "sent", "phone": None, "buyer": None,
                       "params": "{}", "text": "****您好，包裹已发出"}
    review = dict(conn.execute("SELECT rating, buyer_nick, content FROM reviews WHERE order_id = ?",
                               (OLD_A["id"],)).fetchone())
    assert review == {"rating": "bad", "buyer_nick": None, "content": "太慢了，我****电话****没人接"}
    [audit] = conn.execute("SELECT action, command, staff, detail FROM audit WHERE action = 'purge'").fetchall()
    detail = json.loads(audit["detail"])
    assert (audit["command"], audit["staff"].split()[0]) == ("purge", "kf01")
    assert detail["cut"] == "2026-05-25T10:00:00+08:00" and detail["rows"]["orders"] == 3


def test_dry_run_counts_exactly_what_a_purge_changes_and_writes_nothing(cli, db, shop):
    before = list(db().conn.iterdump())

    dry = cli("purge", "--dry-run", "--now", NOW)

    assert dry.exit_code == 0, dry
    assert list(db().conn.iterdump()) == before
    assert dry.json["summary"]["dry_run"] is True and dry.json["summary"]["vacuumed"] is False
    real = cli("purge", "--yes", "--now", NOW)
    assert real.exit_code == 0
    assert dry.rows == real.rows and dry.json["summary"]["by_status"] == real.json["summary"]["by_status"]
    assert "would anonymise 3" in dry.stderr and "anonymised 3" in real.stderr


def test_without_a_terminal_it_needs_yes(cli, db, shop):
    before = list(db().conn.iterdump())

    result = cli("purge", "--now", NOW)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "--yes" in result.stderr
    assert list(db().conn.iterdump()) == before


def test_on_a_terminal_it_asks_first(cli, db, shop, monkeypatch):
    from shoptool.cli import operations_cmd

    monkeypatch.setattr(operations_cmd, "_can_ask", lambda: True)
    before = list(db().conn.iterdump())

    declined = cli("purge", "--now", NOW, input="n\n")

    assert declined.exit_code == 0
    assert "Anonymise 3 finished orders" in declined.stderr and "cancelled" in declined.stderr
    assert list(db().conn.iterdump()) == before
    accepted = cli("purge", "--now", NOW, input="y\n")
    assert accepted.exit_code == 0
    # the test runner echoes the typed answer on stdout, as a terminal would on screen
    assert json.loads(accepted.stdout[accepted.stdout.index("{"):])["summary"]["orders"] == 3


def test_an_old_export_imported_again_cannot_bring_the_data_back(cli, db, shop):
    assert cli("purge", "--yes", "--now", NOW).exit_code == 0
    again = [row(OLD_A, DONE, "2026-04-01 09:00:00", 买家留言="再导入一次"), row(OLD_B, CLOSED, "2026-04-02 09:00:00")]
    shipments = [{"订单编号": OLD_A["id"], "物流公司": "中通快递", "运单号": "7530NEW", "收货人": OLD_A["name"],
                  "手机": OLD_A["mobile"]}]
    reviews = [{"订单编号": OLD_A["id"], "子订单编号": OLD_A["id"] + "1", "买家昵称": OLD_A["nick"], "评价结果": "差评",
                "评价时间": "2026-04-13 12:00:00", "评价内容": "again"}]

    result = cli("import", write_csv(shop / "o3.csv", LEGACY_ORDER_HEADER, again, encoding="gbk"),
                 write_csv(shop / "s2.csv", ["订单编号", "物流公司", "运单号", "收货人", "手机"], shipments),
                 write_csv(shop / "r2.csv", ["订单编号", "子订单编号", "买家昵称", "评价结果", "评价时间", "评价内容"],
                           reviews),
                 "--now", NOW)

    assert result.exit_code == 0, result
    assert [r["updated"] for r in result.rows] == [0, 0, 0]
    conn = db().conn
    assert conn.execute(
        "SELECT count(*) FROM orders WHERE receiver_name IS NOT NULL AND purged_at IS NOT NULL").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM shipments WHERE tracking_no = '7530NEW'").fetchone()[0] == 0
    assert conn.execute("SELECT buyer_nick FROM reviews WHERE order_id = ?", (OLD_A["id"],)).fetchone()[0] is None
    # staff can still note a purged order
    assert cli("note", OLD_A["id"], "已归档", "--now", NOW).exit_code == 0
    assert conn.execute("SELECT seller_note FROM orders WHERE order_id = ?", (OLD_A["id"],)).fetchone()[0] == "已归档"


def test_retention_setting_decides_the_default_cut_and_a_second_run_finds_nothing(cli, db, shop):
    result = cli("purge", "--yes", "--now", NOW, env={"SHOPTOOL_PRIVACY_RETENTION": "15d"})

    assert result.exit_code == 0, result
    assert result.json["summary"]["older_than"] == "15d"
    assert result.json["summary"]["by_status"] == {"closed": 1, "completed": 2, "signed": 1}  # RECENT too
    kept = db().conn.execute("SELECT receiver_name FROM orders WHERE order_id = ?", (OPEN_OLD["id"],)).fetchone()
    assert kept[0] == "郭靖"
    again = cli("purge", "--yes", "--now", NOW, env={"SHOPTOOL_PRIVACY_RETENTION": "15d"})
    assert again.exit_code == 0 and again.json["summary"]["orders"] == 0
    assert all(r["rows"] == 0 for r in again.rows)


def test_a_refund_that_closed_an_old_order_recently_keeps_it(cli, db, shop_folder):
    """Created in April, seen closed only in November: the status change starts the retention."""
    order = dict(OLD_B, id="3800000000000000009")
    path = write_csv(shop_folder / "a.csv", LEGACY_ORDER_HEADER, [row(order, SHIPPED, "2026-04-02 09:00:00")],
                     encoding="gbk")
    assert cli("import", path, "--now", "2026-04-05 10:00").exit_code == 0
    path = write_csv(shop_folder / "b.csv", LEGACY_ORDER_HEADER, [row(order, CLOSED, "2026-04-02 09:00:00")],
                     encoding="gbk")
    assert cli("import", path, "--now", "2026-11-10 10:00").exit_code == 0

    result = cli("purge", "--yes", "--now", NOW)

    assert result.exit_code == 0
    assert result.json["summary"]["orders"] == 0
    assert db().conn.execute("SELECT receiver_name FROM orders").fetchone()[0] == order["name"]


@pytest.mark.parametrize("value", ["0d", "soon", "-3d"])
def test_a_bad_older_than_is_a_usage_error(cli, shop_folder, value):
    result = cli("purge", "--older-than", value, "--yes", "--now", NOW)

    assert result.exit_code == 2
    assert "--older-than" in result.stderr
    assert not (shop_folder / "shoptool.db").exists()


# ---------------------------------------------------------------- revealing personal data is audited (§13)

def audits(db) -> list[tuple]:
    conn = db().conn
    rows = conn.execute("SELECT command, staff, detail FROM audit WHERE action = 'show_pii' ORDER BY id").fetchall()
    conn.close()
    return [(command, staff.split()[0], json.loads(detail)) for command, staff, detail in rows]


def test_show_pii_on_a_listing_is_written_to_the_audit_log(cli, db, shop_folder):
    path = write_csv(shop_folder / "o.csv", LEGACY_ORDER_HEADER, [row(RECENT, DONE, "2026-11-01 09:00:00")],
                     encoding="gbk")
    assert cli("import", path).exit_code == 0

    masked = cli("export", "orders", "--format", "json")
    assert masked.exit_code == 0
    assert masked.rows[0]["receiver_mobile"] == "139****0004" and audits(db) == []

    shown = cli("export", "orders", "--show-pii", "--format", "json", env={"SHOPTOOL_SHOP_STAFF": "kf07"})
    assert shown.exit_code == 0
    assert shown.rows[0]["receiver_mobile"] == RECENT["mobile"]
    assert audits(db) == [("export", "kf07", {"rows": 1, "output": "stdout"})]

    to_file = cli("export", "orders", "--show-pii", "-o", "full.csv")
    assert to_file.exit_code == 0
    assert RECENT["mobile"] in (shop_folder / "full.csv").read_text(encoding="utf-8-sig")
    assert audits(db)[-1] == ("export", "kf01", {"rows": 1, "output": "full.csv"})


def test_show_pii_on_the_daily_worklist_is_audited(cli, db, sample):
    assert cli("import", sample("orders_legacy_gbk.csv"), "--now", NOW).exit_code in (0, 3)

    result = cli("daily", "--show-pii", "--format", "json", "--now", NOW)

    assert re.search(r"1380013\d{4}", result.stdout)  # full phones revealed…
    assert [a[0] for a in audits(db)] == ["daily"]  # …so it must be on record


# ---------------------------------------------------------------- what counts as personal in free text

@pytest.mark.parametrize(("text", "expected"), [
    ("电话13912340001", "电话****"),
    ("+86 139 1234 0001 打不通", "**** 打不通"),
    ("8613912340001", "****"),
    ("座机0571-86612345转123", "座机****"),
    ("全角１５８１２３４５６７８请回电", "全角****请回电"),  # §16 spellings: full width, dots, dashes
    ("点号159.1234.0000", "点号****"),
    ("+86-138-1234-5678和0086 13912340001", "****和****"),
    ("１５８－１２３４－５６７８", "****"),
    ("运单号75312345678901，SF1312345678901", "运单号75312345678901，SF1312345678901"),  # not phones
    ("订单3800000000000000001已退款", "订单3800000000000000001已退款"),
    ("欧阳锋说送到桃花岛路 1号", "****说送到****"),
    (None, None),
])
def test_redact_free_text(text, expected):
    from shoptool import purge

    known = purge.known_values({"receiver_name": "欧阳锋", "address": "浙江省 舟山市 普陀区 桃花岛路 1号"})

    assert purge.redact(text, known) == expected
