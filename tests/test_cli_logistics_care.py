"""`logistics-check --send`: the logistics_care texts (PRODUCT §18, §8) through the http provider —
one per (parcel, finding) ever, none in quiet hours, none to masked phones (listed for 旺旺), off
until [logistics] care names findings."""

from __future__ import annotations

import pytest
from builders import kdniao_result, oid, write_json
from sms_stub import SmsStub
from test_cli_logistics_check import NOW, open_refund, orders_and_shipments, tracking_files


@pytest.fixture
def stub():
    with SmsStub() as server:
        yield server


def configure(folder, stub, care='["no_pickup", "stalled", "exception", "returned"]'):
    (folder / "shoptool.toml").write_text(
        f'[sms]\nprovider = "http"\n[sms.http]\nurl = "{stub.http_url}"\ntimeout = "2s"\n'
        f"[logistics]\ncare = {care}\n", encoding="utf-8")


@pytest.fixture
def world(cli, shop_folder, stub):
    configure(shop_folder, stub)
    # parcel 3 (stalled) belongs to a desensitised order: its phone cannot be texted
    orders_and_shipments(cli, shop_folder, cells={3: {"联系手机": "139****0003"}})
    for name in tracking_files(shop_folder):
        assert cli("import", shop_folder / name, "--now", "2026-11-21 09:30").exit_code == 0
    open_refund(cli, shop_folder, 9)
    return shop_folder


def send(cli, now=NOW, *extra):
    return cli("logistics-check", "--send", "--now", now, "--format", "json", *extra)


def test_one_care_text_per_parcel_and_finding_ever(cli, world, stub, db):
    first = send(cli)
    assert first.exit_code == 0, first
    actions = {(r["tracking_no"], r["step"]): (r["action"], r["reason"]) for r in first.rows}
    assert actions == {
        ("ZT7500000000001", "no_pickup"): ("sent", None),
        ("YT8800000000006", "exception"): ("sent", None),
        ("ZT7500000000007", "returned"): ("sent", None),
        ("ZT7500000000003", "stalled"): ("skipped", "no_phone"),
    }
    assert all(r["purpose"] == "logistics_care" for r in first.rows)
    assert sorted(r["out_id"] for r in stub.sent) == [
        "lc:exception:YT8800000000006", "lc:no_pickup:ZT7500000000001", "lc:returned:ZT7500000000007"]
    text = next(r["text"] for r in stub.sent if r["out_id"].startswith("lc:exception"))
    assert "YT8800000000006" in text and "地址不详" in text and "拒收请回复R" not in text
    masked = next(r for r in first.rows if r["reason"] == "no_phone")
    assert masked["phone"] == "139****0003" and masked["order_id"] == oid(3)
    again = send(cli, "2026-11-21 11:00")
    assert again.exit_code == 0, again
    assert len(stub.sent) == 3
    assert not [r for r in again.rows if r["action"] == "sent"]
    stored = db().execute("SELECT count(*) FROM messages WHERE purpose = 'logistics_care' AND status = 'sent'")
    assert stored.fetchone()[0] == 3


def test_quiet_hours_defer_then_the_morning_sends(cli, world, stub):
    night = send(cli, "2026-11-21 22:00")
    assert night.exit_code == 0, night
    assert stub.sent == []
    deferred = [r for r in night.rows if r["action"] == "deferred"]
    assert len(deferred) == 3 and {r["reason"] for r in deferred} == {"quiet_hours"}
    morning = send(cli, "2026-11-22 08:30")
    assert morning.exit_code == 0, morning
    # the three held back overnight, and parcel 11, which has now waited 24 h for its pickup scan
    assert sorted(r["out_id"] for r in stub.sent) == sorted(
        [r["order_id"] and f"lc:{r['step']}:{r['tracking_no']}" for r in deferred] + ["lc:no_pickup:ZT7500000000011"])
    later = send(cli, "2026-11-22 09:30")
    assert not [r for r in later.rows if r["action"] == "sent"] and len(stub.sent) == 4


def test_off_until_care_lists_findings(cli, world, stub):
    configure(world, stub, care="[]")
    run = send(cli)
    assert run.exit_code == 0 and run.rows == [] and stub.sent == []
    assert "logistics.care" in run.stderr
    configure(world, stub, care='["lost_parcel"]')
    assert send(cli).exit_code == 2


def test_dry_run_sends_and_writes_nothing(cli, world, stub, db):
    run = send(cli, NOW, "--dry-run")
    assert run.exit_code == 0, run
    assert sorted(r["action"] for r in run.rows) == ["skipped", "would_send", "would_send", "would_send"]
    assert stub.sent == []
    assert db().execute("SELECT count(*) FROM messages").fetchone()[0] == 0


def test_plain_logistics_check_sends_nothing(cli, world, stub):
    assert cli("logistics-check", "--now", NOW, "--format", "json").exit_code == 1
    assert stub.sent == []


def test_a_text_held_overnight_is_dropped_when_the_parcel_recovers(cli, world, stub, db):
    night = send(cli, "2026-11-21 22:00")
    assert {(r["tracking_no"], r["action"]) for r in night.rows if r["action"] == "deferred"} >= {
        ("YT8800000000006", "deferred")}
    write_json(world / "fixed.json", [kdniao_result("YT8800000000006", "3", "301", [
        ("2026-11-21 07:00:00", "派件员反馈：地址不详，无法派送", "420"), ("2026-11-21 23:00:00", "已签收", "301")])])
    assert cli("import", world / "fixed.json", "--now", "2026-11-22 07:00").exit_code == 0
    morning = send(cli, "2026-11-22 08:30")
    assert morning.exit_code == 0, morning
    assert ("lc:exception:YT8800000000006", "skipped", "resolved") in {
        (f"lc:{r['step']}:{r['tracking_no']}", r["action"], r["reason"]) for r in morning.rows}
    assert "lc:exception:YT8800000000006" not in {r["out_id"] for r in stub.sent}
    status = db().execute("SELECT status, reason FROM messages WHERE dedupe_key = 'lc:exception:YT8800000000006'")
    assert tuple(status.fetchone()) == ("skipped", "resolved")
    later = send(cli, "2026-11-22 09:00")
    assert "resolved" not in {r["reason"] for r in later.rows}


def test_one_run_at_a_time_exit_5_and_a_dry_run_beside_it(cli, world, stub):
    from shoptool.locks import single_instance

    with single_instance(world / "shoptool.db", "logistics-check"):
        held = send(cli)
        assert held.exit_code == 5 and held.stdout == "" and stub.sent == []
        assert send(cli, NOW, "--dry-run").exit_code == 0
