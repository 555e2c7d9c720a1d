"""What an agent may not do over MCP, and what it may: writes only for a named staff member (and
audited), sending only where the shop allows it, imports only from the shop's inbox."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from builders import REVIEW_HEADER, SHIPMENT_HEADER, review, shipment, write_csv, write_xlsx
from conftest import SAMPLES
from test_mcp import NOW, call, sample_shop, serve, write_config

from shoptool.mcp_server import registry

ORDER = "3912000000000000102"


@pytest.fixture
def shop(cli, shop_folder):
    return sample_shop(cli, shop_folder)


def _count(db, sql: str) -> int:
    return db().conn.execute(sql).fetchone()[0]


def _audit(db) -> list[dict]:
    cursor = db().conn.execute("SELECT action, command, staff, detail FROM audit WHERE action LIKE 'mcp%' ORDER BY id")
    return [{"action": a, "command": c, "staff": s, "detail": json.loads(d)} for a, c, s, d in cursor]


def test_a_write_needs_the_callers_own_staff_id(shop, db):
    notes_before = _count(db, "SELECT count(*) FROM notes")

    async def script(client):
        return [await call(client, "note", args) for args in (
            {"order": ORDER, "text": "已电话确认地址"},
            {"order": ORDER, "text": "已电话确认地址", "staff": "   "},
            {"order": ORDER, "text": "已电话确认地址", "staff": "kf\x0702"},
            {"order": ORDER, "text": "已电话确认地址", "flag": "red", "staff": "kf07"},
            {"order": ORDER, "text": "已电话确认地址", "flag": "red", "staff": "kf07"},
        )]

    (missing, e1), (blank, e2), (control, e3), (written, e4), (again, e5) = serve(shop, script)
    assert e1 and missing["error"]["type"] == "refused" and "staff" in missing["error"]["message"]
    assert "default staff id is not used" in missing["error"]["message"]
    assert e2 and blank["error"]["type"] == "refused"
    assert e3 and control["error"]["type"] == "refused"
    assert not e4 and written["command"] == "note" and written["summary"]["flag"] == "red"
    assert [r["staff"] for r in written["rows"]] == ["kf07"]
    assert not e5 and again["rows"] == []  # the same note again: nothing written (idempotent)
    rows = db().conn.execute("SELECT staff, new_note, new_flag FROM notes ORDER BY id").fetchall()
    assert len(rows) == notes_before + 1 and rows[-1] == ("kf07", "已电话确认地址", "red")
    assert not any(staff == "kf01" for staff, _, _ in rows)  # the config's default staff never stood in
    audit = _audit(db)
    assert [a["action"] for a in audit] == ["mcp_refused"] * 3 + ["mcp_write"] * 2
    assert audit[3]["command"] == "note" and audit[3]["staff"].startswith("kf07 (mcp: ")
    assert audit[3]["detail"]["tool"] == "note" and audit[3]["detail"]["arguments"]["order"] == ORDER
    assert "staff" in audit[0]["detail"]["reason"]


def test_writes_answer_with_the_command_lines_documents_and_store_the_same(cli, shop, db):
    """The same writes through MCP in one sample shop and through the command line in its twin."""
    twin = sample_shop(cli, shop / "twin")
    writes = [("note", {"order": ORDER, "text": "改发顺丰", "flag": "蓝", "staff": "kf05"}),
              ("note", {"order": ORDER, "text": "买家同意", "append": True, "staff": "kf05"}),
              ("reviews_update", {"review": "3912000000000000313", "status": "resolved", "note": "已补发",
                                  "staff": "kf05"}),
              ("sms_opt_out", {"phone": "13800138301", "note": "回复TD", "staff": "kf05"}),
              ("cod_confirm_record", {"order": "3912000000000000112", "result": "agreed", "staff": "kf05"}),
              ("rate_buyers_done", {"orders": ["3912000000000000613", "3912000000000000622"], "staff": "kf05"}),
              ("invoices_issued", {"orders": ["3912000000000000501"], "note": "电子发票已开", "staff": "kf05"})]

    async def script(client):
        return [await call(client, name, args) for name, args in writes]

    answers = serve(shop, script)
    for (name, args), (payload, is_error) in zip(writes, answers):
        tool = registry.BY_NAME[name]
        run = cli(*tool.cli(args), "--format", "json", "--db", twin / "shoptool.db", env={"SHOPTOOL_NOW": NOW})
        assert run.exit_code == 0 and not is_error, (name, run, payload)
        assert {key: payload[key] for key in run.json} == run.json, name
    query = "SELECT subject, subject_id, at, staff, action, old_note, new_note, old_flag, new_flag, old_status, " \
            "new_status, text, source FROM notes ORDER BY id"
    assert db().conn.execute(query).fetchall() == db(twin / "shoptool.db").conn.execute(query).fetchall()
    # first_seen_at is when each twin's sample import ran (wall clock), not part of the write
    opt_outs = "SELECT phone, opted_out_at, source, note, extra, version FROM opt_outs ORDER BY phone"
    assert db().conn.execute(opt_outs).fetchall() == db(twin / "shoptool.db").conn.execute(opt_outs).fetchall()


def test_reviews_update_and_opt_out_are_audited_for_their_staff(shop, db):
    async def script(client):
        update = await call(client, "reviews_update", {"review": "3912000000000000311", "status": "contacted",
                                                       "note": "已联系买家 13912345678", "staff": "kf03"})
        nostaff = await call(client, "reviews_update", {"review": "3912000000000000311", "status": "closed"})
        opt_out = await call(client, "sms_opt_out", {"phone": "139 1234 5678", "staff": "kf03"})
        return update, nostaff, opt_out

    (update, e1), (nostaff, e2), (opt_out, e3) = serve(shop, script)
    assert not e1 and update["summary"]["status"] == "contacted" and update["rows"][-1]["staff"] == "kf03"
    assert "13912345678" not in json.dumps(update, ensure_ascii=False) and "139****5678" in update["rows"][-1]["text"]
    assert e2 and nostaff["error"]["type"] == "refused"
    assert not e3 and opt_out["rows"][0]["phone"] == "139****5678"
    review = db().conn.execute("SELECT status, status_staff FROM reviews WHERE review_id LIKE '3912000000000000311%'")
    assert review.fetchone() == ("contacted", "kf03")
    assert _count(db, "SELECT count(*) FROM opt_outs WHERE phone = '13912345678'") == 1
    audit = _audit(db)
    assert [(a["action"], a["command"]) for a in audit] == [
        ("mcp_write", "reviews update"), ("mcp_refused", "reviews update"), ("mcp_write", "sms opt-out")]
    assert audit[2]["detail"]["arguments"]["phone"] == "139****5678"  # the audit log masks it too
    assert "13912345678" not in json.dumps([a["detail"] for a in audit], ensure_ascii=False)


def test_nothing_is_sent_unless_the_shop_allows_it(shop, db):
    async def script(client):
        names = {t.name for t in (await client.list_tools()).tools}
        dry = await call(client, "notify_shipped")
        reminders = await call(client, "remind_unpaid")
        send = await call(client, "notify_shipped_send", {"staff": "kf02"})
        remind = await call(client, "remind_unpaid_send", {"staff": "kf02"})
        return names, dry, reminders, send, remind

    names, (dry, e1), (reminders, e2), (send, e3), (remind, e4) = serve(shop, script)
    assert "notify_shipped_send" not in names and "remind_unpaid_send" not in names
    assert not e1 and dry["summary"]["dry_run"] is True and dry["summary"]["would_send"] == 2
    assert {r["action"] for r in dry["rows"]} <= {"would_send", "skipped", "deferred"}
    assert not e2 and reminders["summary"]["would_send"] >= 1
    for refused in (send, remind):
        assert refused["error"]["type"] == "refused" and "allow_send" in refused["error"]["message"]
    assert e3 and e4
    assert _count(db, "SELECT count(*) FROM messages") == 0  # the outbox is unchanged
    assert not (shop / "sms-upload").exists()  # the file provider wrote no sheet
    assert [a["action"] for a in _audit(db)] == ["mcp_refused", "mcp_refused"]


def test_where_the_shop_allows_it_sending_goes_through_the_purposes_guarantee(shop, db):
    write_config(shop, "[mcp]\nallow_send = true\n")

    async def script(client):
        names = {t.name for t in (await client.list_tools()).tools}
        nostaff = await call(client, "notify_shipped_send")
        first = await call(client, "notify_shipped_send", {"staff": "kf02"})
        second = await call(client, "notify_shipped_send", {"staff": "kf02"})
        write_config(shop, "[mcp]\nallow_send = false\n")  # switched off while the server runs
        off = await call(client, "remind_unpaid_send", {"staff": "kf02"})
        return names, nostaff, first, second, off

    names, (nostaff, e0), (first, e1), (second, e2), (off, e3) = serve(shop, script)
    assert {"notify_shipped_send", "remind_unpaid_send"} <= names
    assert e0 and nostaff["error"]["type"] == "refused"
    assert not e1 and first["summary"]["sent"] == 2 and first["summary"]["dry_run"] is False
    assert not e2 and second["summary"]["sent"] == 0  # at most one notice per parcel, ever
    assert e3 and "allow_send" in off["error"]["message"]
    assert _count(db, "SELECT count(*) FROM messages WHERE status = 'sent'") == 2
    assert _count(db, "SELECT count(*) FROM messages WHERE purpose = 'unpaid'") == 0
    assert len(list((shop / "sms-upload").glob("*.xlsx"))) == 1
    assert [(a["action"], a["command"]) for a in _audit(db)] == [
        ("mcp_refused", "notify-shipped"), ("mcp_send", "notify-shipped"), ("mcp_send", "notify-shipped"),
        ("mcp_refused", "remind-unpaid")]


def test_without_an_inbox_there_is_no_import(shop, db):
    async def script(client):
        names = {t.name for t in (await client.list_tools()).tools}
        return names, await call(client, "import_file", {"file": "samples/page_stock.csv", "staff": "kf02"})

    names, (refused, is_error) = serve(shop, script)
    assert "import_file" not in names and "import_inbox" not in names
    assert is_error and refused["error"]["type"] == "refused" and "[mcp] inbox" in refused["error"]["message"]


def test_imports_read_only_files_inside_the_inbox(shop, shop_folder, db, tmp_path_factory):
    write_config(shop, '[mcp]\ninbox = "inbox"\n')
    inbox = shop / "inbox"
    inbox.mkdir()
    (inbox / "sub").mkdir()
    write_csv(inbox / "reviews.csv", REVIEW_HEADER, [review(901, 评价内容="发错颜色"), review(902, "中评")],
              encoding="gbk")
    secret = tmp_path_factory.mktemp("elsewhere") / "orders.csv"
    shutil.copyfile(SAMPLES / "orders_legacy_gbk.csv", secret)
    os.symlink(secret, inbox / "link.csv")
    imports_before = _count(db, "SELECT count(*) FROM imports")

    async def script(client):
        names = {t.name for t in (await client.list_tools()).tools}
        answers = [await call(client, "import_file", {"file": name, "staff": "kf02"}) for name in (
            "../samples/page_stock.csv", str(secret), "link.csv", "sub", "missing.csv", "sub/../../shoptool.toml")]
        nostaff = await call(client, "import_file", {"file": "reviews.csv"})
        good = await call(client, "import_file", {"file": "reviews.csv", "staff": "kf02"})
        again = await call(client, "import_file", {"file": str(inbox / "reviews.csv"), "staff": "kf02"})
        whole = await call(client, "import_inbox", {"staff": "kf02"})
        return names, answers, nostaff, good, again, whole

    names, answers, (nostaff, e1), (good, e2), (again, e3), (whole, e4) = serve(shop, script)
    assert {"import_file", "import_inbox"} <= names
    for (answer, is_error), why in zip(answers, ("outside", "outside", "link", "not a file", "no such file",
                                                 "outside")):
        assert is_error and answer["error"]["type"] == "refused" and why in answer["error"]["message"], answer
    assert e1 and nostaff["error"]["type"] == "refused"
    assert not e2 and good["rows"][0]["kind"] == "reviews" and good["rows"][0]["status"] == "stored"
    assert good["rows"][0]["inserted"] == 2 and good["exit_code"] == 0
    assert good["rows"][0]["file"] == str((inbox / "reviews.csv").resolve())
    assert not e3 and again["rows"][0]["status"] == "duplicate"
    assert e4 and "link.csv" in whole["error"]["message"]  # a link out of the inbox stops the whole run
    assert _count(db, "SELECT count(*) FROM imports") == imports_before + 1
    assert (inbox / "reviews.csv").exists() and not (inbox / "done").exists()  # nothing moved
    actions = [a["action"] for a in _audit(db)]
    assert actions.count("mcp_import") == 2 and actions.count("mcp_refused") == 8


def test_import_inbox_takes_every_new_file_as_cron_does(shop, db):
    write_config(shop, '[mcp]\ninbox = "inbox"\n')
    inbox = shop / "inbox"
    inbox.mkdir()
    shutil.copyfile(SAMPLES / "variants" / "warehouse_jushuitan.csv", inbox / "1_warehouse.csv")
    write_xlsx(inbox / "2_shipments.xlsx", SHIPMENT_HEADER, [shipment("3912000000000000120", "SF1400123456789")])
    write_csv(inbox / "3_reviews.csv", REVIEW_HEADER, [review(903)])
    (inbox / "4_notes.txt").write_text("not an export\n", encoding="utf-8")

    async def script(client):
        return await call(client, "import_inbox", {"staff": "kf02"})

    whole, is_error = serve(shop, script)
    assert not is_error and whole["exit_code"] == 3 and whole["needs_action"] is True  # notes.txt failed
    assert [(r["kind"], r["status"]) for r in whole["rows"]] == [
        ("warehouse-stock", "stored"), ("shipments", "stored"), ("reviews", "stored"), (None, "failed")]
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["1_warehouse.csv", "2_shipments.xlsx",
                                                                  "3_reviews.csv"]
    assert (inbox / "failed" / "4_notes.txt").exists()
    assert _count(db, "SELECT count(*) FROM shipments WHERE order_id = '3912000000000000120'") == 1
    assert [a["action"] for a in _audit(db)] == ["mcp_import"]
