"""`shoptool sms outbox | opt-out | reconcile`: why a buyer was or was not texted, the opt-out list,
and settling messages whose fate is unknown (PRODUCT §8, §15)."""

from __future__ import annotations

import json

import pytest
from builders import LEGACY_ORDER_HEADER, SHIPPED, UNPAID, legacy_order, oid, write_csv
from sms_stub import SmsStub

OUTBOX_KEYS = ["message_id", "purpose", "order_id", "step", "status", "reason", "provider", "provider_id",
               "attempts", "created_at", "sent_at"]
SECRETS = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI5tFakeKeyId0001",
           "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "ali-secret-DO-NOT-SHOW-9f8e7d"}


@pytest.fixture
def samples_sent(cli, sample):
    for name in ("orders_legacy_gbk.csv", "orders_qianniu.xlsx", "shipments_erp.csv", "opt_outs.csv"):
        assert cli("import", sample(name), "--now", "2026-11-21 10:00").exit_code == 0
    assert cli("remind-unpaid", "--now", "2026-11-21 10:00", "-q").exit_code == 0
    assert cli("notify-shipped", "--now", "2026-11-21 10:00", "-q").exit_code == 0


def test_outbox_says_why_each_buyer_was_or_was_not_texted(cli, samples_sent):
    run = cli("sms", "outbox", "--format", "json")
    assert run.exit_code == 0, run
    doc = run.json
    assert doc["command"] == "sms outbox"
    assert all(list(row)[:len(OUTBOX_KEYS)] == OUTBOX_KEYS for row in doc["rows"])
    assert doc["summary"] == {"sent": 4, "skipped": 9}
    why = {(r["purpose"], r["order_id"]): (r["status"], r["reason"]) for r in doc["rows"]}
    assert why[("unpaid", oid(201))] == ("sent", None)
    assert why[("unpaid", oid(206))] == ("skipped", "paid_other_order")
    assert why[("unpaid", oid(209))] == ("skipped", "no_phone")
    assert why[("shipped", oid(304))] == ("skipped", "too_old")
    sent = next(r for r in doc["rows"] if r["order_id"] == oid(302))
    assert sent["provider"] == "file" and sent["attempts"] == 1 and sent["sent_at"] == "2026-11-21T10:00:00+08:00"
    assert sent["provider_id"].startswith("sms-SMS_SHIPPED-") and sent["phone"] == "138****8302"
    assert "sent 4, skipped 9" in run.stderr


def test_outbox_filters(cli, samples_sent, db):
    sent = cli("sms", "outbox", "--status", "sent", "--purpose", "unpaid", "-f", "json").rows
    assert sorted(r["order_id"] for r in sent) == [oid(201), oid(202)]
    parcel = cli("sms", "outbox", "--order", oid(303), "-f", "json").rows
    assert [(r["order_id"], r["order_ids"]) for r in parcel] == [(oid(302), [oid(302), oid(303)])]
    assert len(cli("sms", "outbox", "--limit", "3", "-f", "json").rows) == 3
    bad = cli("sms", "outbox", "--status", "lost")
    assert bad.exit_code == 2 and "lost" in bad.stderr
    pii = cli("sms", "outbox", "--status", "sent", "--show-pii", "-f", "json").rows
    assert {r["phone"] for r in pii} >= {"13800138201", "13800138302"}
    assert db().conn.execute("SELECT count(*) FROM audit WHERE command = 'sms outbox'").fetchone()[0] == 1


def test_opt_out_adds_a_normalised_phone_once(cli, db):
    run = cli("sms", "opt-out", "+86 138-0013-8000", "--note", "回复TD", "--now", "2026-11-21 10:00", "-f", "json")
    assert run.exit_code == 0, run
    assert run.rows == [{"phone": "138****8000", "status": "added", "opted_out_at": "2026-11-21T10:00:00+08:00",
                         "source": "shoptool", "note": "回复TD"}]
    again = cli("sms", "opt-out", "13800138000", "-f", "json")
    assert again.exit_code == 0 and again.rows[0]["status"] == "already"
    assert "already" in again.stderr
    assert db().conn.execute("SELECT phone, source, note FROM opt_outs").fetchall() == [
        ("13800138000", "shoptool", "回复TD")]
    bad = cli("sms", "opt-out", "0571-88881234")
    assert bad.exit_code == 2 and "not a mainland mobile" in bad.stderr


def test_reconcile_settles_file_handovers_from_the_handover_log(cli, samples_sent, db, shop_folder):
    handle = db()
    # as if each run died between writing its sheet and recording `sent`, and one text was never staged
    handle.conn.execute("UPDATE messages SET status = 'unknown', reason = 'interrupted' WHERE status = 'sent'")
    handle.close()
    log = shop_folder / "sms-upload" / "handover.jsonl"
    records = [json.loads(line) for line in log.read_text().splitlines()]
    for record in records:
        record["out_ids"] = [o for o in record["out_ids"] if o != f"u:{oid(202)}:30m"]
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    run = cli("sms", "reconcile", "--now", "2026-11-21 10:30", "-f", "json")
    assert run.exit_code == 0, run
    settled = {r["order_id"]: (r["status"], r["reason"]) for r in run.rows}
    assert settled == {oid(201): ("sent", "reconciled"), oid(202): ("failed", "not_sent"),
                       oid(301): ("sent", "reconciled"), oid(302): ("sent", "reconciled")}
    assert all(r["found"] for r in run.rows)
    assert cli("sms", "reconcile", "-f", "json").rows == []
    left = db().conn.execute("SELECT status, count(*) FROM messages GROUP BY status ORDER BY status").fetchall()
    assert left == [("failed", 1), ("sent", 3), ("skipped", 9)]
    # not_sent is never resent automatically (a person decides); the buyer's other order is now due
    later = cli("remind-unpaid", "--now", "2026-11-21 10:40", "-f", "json")
    assert sorted(r["order_id"] for r in later.rows if r["action"] == "sent") == [oid(203), oid(204)]


def test_reconcile_lists_what_only_a_person_can_settle(cli, shop_folder, db):
    with SmsStub() as stub:
        (shop_folder / "shoptool.toml").write_text(
            f'[sms]\nprovider = "http"\n[sms.http]\nurl = "{stub.http_url}"\ntimeout = "0.3s"\n', encoding="utf-8")
        unpaid = legacy_order(1, UNPAID, 订单创建时间="2026-11-21 09:20:00")
        write_csv(shop_folder / "o.csv", LEGACY_ORDER_HEADER, [unpaid], encoding="gbk")
        assert cli("import", shop_folder / "o.csv", "--now", "2026-11-21 10:00").exit_code == 0
        stub.script("13900000001", "slow:0.6")
        sent = cli("remind-unpaid", "--now", "2026-11-21 10:00", "-f", "json")
        assert sent.exit_code == 4 and sent.rows[0]["action"] == "unknown"
        run = cli("sms", "reconcile", "--now", "2026-11-21 10:30", "-f", "json")
        assert run.exit_code == 4
        [row] = run.rows
        assert (row["status"], row["reason"]) == ("unknown", "timeout") and "by hand" in row["found"]
        assert "need a person" in run.stderr
        assert len(stub.requests) == 1


def test_reconcile_through_aliyun_finds_the_text_the_timeout_hid(cli, shop_folder, monkeypatch, db):
    """Real time throughout: Aliyun's query is per phone and send date."""
    with SmsStub() as stub:
        for name, value in SECRETS.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("SHOPTOOL_SMS_PROVIDER", "aliyun")
        monkeypatch.setenv("SHOPTOOL_SMS_ALIYUN_ENDPOINT", stub.url)
        monkeypatch.setenv("SHOPTOOL_SMS_TIMEOUT", "0.3s")
        monkeypatch.setenv("SHOPTOOL_SMS_QUIET_HOURS_NOTIFICATION", "")  # whatever hour the test runs at
        shipped = legacy_order(1, SHIPPED, 订单创建时间="2026-11-21 09:20:00", 物流单号="75312340000001",
                               物流公司="中通快递")
        write_csv(shop_folder / "o.csv", LEGACY_ORDER_HEADER, [shipped], encoding="gbk")
        assert cli("import", shop_folder / "o.csv").exit_code == 0
        stub.script("13900000001", "slow:0.6")
        assert cli("notify-shipped", "-f", "json").exit_code == 4
        run = cli("sms", "reconcile", "-f", "json")
        assert run.exit_code == 0, run
        [row] = run.rows
        assert (row["status"], row["reason"]) == ("sent", "reconciled") and row["found"].startswith("delivered")
        assert [r["action"] for r in stub.requests] == ["SendSms", "QuerySendDetails"]
        assert db().conn.execute("SELECT status, reason FROM messages").fetchone() == ("sent", "reconciled")
        assert "ali-secret" not in run.stdout + run.stderr and "13900000001" not in run.stdout + run.stderr


def test_sending_commands_have_help():
    from typer.testing import CliRunner

    from shoptool.cli import app

    for args in (["notify-shipped"], ["remind-unpaid"], ["sms", "outbox"], ["sms", "opt-out"], ["sms", "reconcile"]):
        result = CliRunner().invoke(app, [*args, "--help"])
        assert result.exit_code == 0 and "Usage" in result.stdout, args
    assert "--dry-run" in CliRunner().invoke(app, ["remind-unpaid", "--help"]).stdout


def test_handover_log_is_json_lines(samples_sent, shop_folder):
    lines = (shop_folder / "sms-upload" / "handover.jsonl").read_text().splitlines()
    assert [json.loads(line)["template_code"] for line in lines] == ["SMS_UNPAID", "SMS_SHIPPED"]
