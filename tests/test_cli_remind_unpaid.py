"""`shoptool remind-unpaid` end to end: legacy GBK exports imported, the command run at fixed
moments through the http provider against the stub, the stub's requests counted, the outbox read
back (PRODUCT §8, §12, §15)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from builders import LEGACY_ORDER_HEADER, OPT_OUT_HEADER, PAID, UNPAID, legacy_order, oid, opt_out, phone, write_csv
from sms_stub import SmsStub

ROW_KEYS = ["order_id", "order_ids", "purpose", "step", "action", "reason", "phone", "parts"]


def order(n: int, created: str, status: str = UNPAID, **cells) -> dict:
    return legacy_order(n, status, 订单创建时间=created, **cells)


@pytest.fixture
def stub():
    with SmsStub() as server:
        yield server


@pytest.fixture
def shop(shop_folder, stub):
    (shop_folder / "shoptool.toml").write_text(
        f'[sms]\nprovider = "http"\n[sms.http]\nurl = "{stub.http_url}"\ntimeout = "2s"\n', encoding="utf-8")
    return shop_folder


def load(cli, folder: Path, orders: list[dict], now: str, name: str = "orders.csv", opt_outs=()) -> None:
    write_csv(folder / name, LEGACY_ORDER_HEADER, orders, encoding="gbk")
    assert cli("import", folder / name, "--now", now).exit_code == 0
    if opt_outs:
        write_csv(folder / "opt_outs.csv", OPT_OUT_HEADER, [opt_out(p) for p in opt_outs])
        assert cli("import", folder / "opt_outs.csv", "--now", now).exit_code == 0


def remind(cli, now: str, *extra):
    return cli("remind-unpaid", "--now", now, "--format", "json", *extra)


def by_order(rows: list[dict]) -> dict[str, tuple]:
    return {r["order_id"]: (r["action"], r["reason"]) for r in rows}


@pytest.mark.parametrize("meanwhile", [False, True], ids=["paid-read-in-place", "paid-read-meanwhile"])
def test_the_issue_cases_at_a_fixed_moment(cli, shop, stub, db, monkeypatch, meanwhile):
    """Also with the buyers' paid orders read on a second connection in a thread (as a big run
    does from db/paid_orders.MEANWHILE_FROM buyers): the same answers."""
    if meanwhile:
        from shoptool.db import paid_orders

        monkeypatch.setattr(paid_orders, "MEANWHILE_FROM", 0)
    now = "2026-11-21 10:00"
    load(cli, shop, [
        order(1, "2026-11-21 09:20:00"),                         # 40 min: reminded once
        order(2, "2026-11-21 09:50:00"),                         # 10 min: not yet
        order(3, "2026-11-20 09:00:00"),                         # past the 24 h window: closed by now
        order(4, "2026-11-21 09:10:00", 买家会员名="tb_two"),    # one buyer, two unpaid orders:
        order(5, "2026-11-21 09:15:00", 买家会员名="tb_two"),    # … one text
        order(6, "2026-11-21 09:00:00", 买家会员名="tb_paid"),   # paid another order since
        order(7, "2026-11-21 09:05:00", PAID, 买家会员名="tb_paid", 订单付款时间="2026-11-21 09:06:00"),
        order(8, "2026-11-21 09:20:00"),                         # opted out
        order(9, "2026-11-21 09:20:00", 联系手机=""),            # no phone
        order(10, "2026-11-21 09:05:00", 分阶段订单信息="定金已付,尾款未付"),  # pre-sale, balance unpaid
    ], now, opt_outs=["+86 139 0000 0008"])
    run = remind(cli, now)
    assert run.exit_code == 0, run
    assert by_order(run.rows) == {
        oid(1): ("sent", None), oid(4): ("sent", None), oid(5): ("skipped", "buyer_reminded"),
        oid(6): ("skipped", "paid_other_order"), oid(8): ("skipped", "opted_out"), oid(9): ("skipped", "no_phone"),
        oid(10): ("skipped", "presale"),
    }
    assert sorted(r["phone"] for r in stub.sent) == [phone(1), phone(4)]
    assert {r["out_id"] for r in stub.sent} == {f"u:{oid(1)}:30m", f"u:{oid(4)}:30m"}
    assert all("16:00前付款当天发货" in r["text"] and r["text"].startswith("【示例旗舰店】") for r in stub.sent)
    doc = run.json
    assert doc["command"] == "remind-unpaid" and doc["generated_at"] == "2026-11-21T10:00:00+08:00"
    assert list(doc["rows"][0])[:len(ROW_KEYS)] == ROW_KEYS
    assert doc["summary"]["sent"] == 2 and doc["summary"]["skipped"] == 5 and doc["summary"]["closable"] == 1
    closable = [r for r in run.rows if r["reason"] == "paid_other_order"]
    assert closable[0]["paid_order_id"] == oid(7)
    assert all("****" in r["phone"] for r in run.rows if r["phone"]), "phones masked without --show-pii"
    assert "1 unpaid duplicate(s)" in run.stderr and "sent 2 (2 part(s))" in run.stderr

    again = remind(cli, now)
    assert again.exit_code == 0 and len(stub.requests) == 2, "a second run at the same moment sends nothing"
    assert {r["action"] for r in again.rows} == {"skipped"}
    sent = db().conn.execute("SELECT dedupe_key, status, attempts, provider_id FROM messages WHERE status = 'sent' "
                             "ORDER BY order_id").fetchall()
    assert sorted(sent) == sorted((r["out_id"], "sent", 1, r["provider_id"]) for r in stub.sent)


def test_at_night_nothing_goes_out_and_the_morning_run_sends_what_is_still_open(cli, shop, stub, db):
    load(cli, shop, [order(1, "2026-11-21 21:00:00"), order(2, "2026-11-21 21:05:00")], "2026-11-21 21:30")
    night = remind(cli, "2026-11-21 21:30")
    assert night.exit_code == 0, night
    assert [(r["action"], r["reason"], r["next_attempt_at"]) for r in night.rows] == [
        ("deferred", "quiet_hours", "2026-11-22T08:00:00+08:00")]
    assert stub.requests == []
    assert remind(cli, "2026-11-22 07:59").rows[0]["action"] == "deferred"
    # order 2 was paid overnight: the morning export says so
    load(cli, shop, [order(2, "2026-11-21 21:05:00", PAID, 订单付款时间="2026-11-22 06:00:00")], "2026-11-22 08:00",
         name="orders-morning.csv")
    morning = remind(cli, "2026-11-22 08:05")
    assert morning.exit_code == 0
    assert by_order(morning.rows) == {oid(1): ("sent", None), oid(2): ("skipped", "paid")}
    assert [r["phone"] for r in stub.sent] == [phone(1)]
    assert "付款后将尽快发货" not in stub.sent[0]["text"]  # 08:05 is before the 16:00 cut-off
    assert remind(cli, "2026-11-22 08:10").rows == [], "settled: nothing listed again"


def test_a_reminder_that_could_only_go_out_after_the_order_closes_is_dropped(cli, shop, stub, monkeypatch):
    monkeypatch.setenv("SHOPTOOL_SHOP_UNPAID_CLOSE_AFTER", "12h")
    load(cli, shop, [order(1, "2026-11-21 19:31:00")], "2026-11-21 20:05")
    run = remind(cli, "2026-11-21 20:05")
    assert run.exit_code == 0 and by_order(run.rows) == {oid(1): ("skipped", "closes_first")}
    assert remind(cli, "2026-11-22 08:00").rows == [] and stub.requests == []


def test_a_schedule_of_three_steps_sends_each_once(cli, shop, stub, monkeypatch):
    monkeypatch.setenv("SHOPTOOL_REMINDERS_SCHEDULE", '["30m", "3h", "close-1h"]')
    monkeypatch.setenv("SHOPTOOL_REMINDERS_PER_BUYER_PER_DAY", "3")
    load(cli, shop, [order(1, "2026-11-21 09:00:00")], "2026-11-21 09:00")
    moments = ["2026-11-21 09:31", "2026-11-21 10:00", "2026-11-21 12:01", "2026-11-21 17:00", "2026-11-22 08:00",
               "2026-11-22 08:30", "2026-11-22 09:00"]
    steps = [[(r["step"], r["action"]) for r in remind(cli, m).rows] for m in moments]
    assert steps == [[("30m", "sent")], [], [("3h", "sent")], [], [("close-1h", "sent")], [], []]
    assert [r["out_id"] for r in stub.sent] == [f"u:{oid(1)}:30m", f"u:{oid(1)}:3h", f"u:{oid(1)}:close-1h"]
    assert "付款后将尽快发货" in stub.sent[2]["text"] or "16:00前付款当天发货" in stub.sent[2]["text"]


def test_the_default_limit_of_one_reminder_per_buyer_per_day_blocks_later_steps(cli, shop, stub, monkeypatch):
    monkeypatch.setenv("SHOPTOOL_REMINDERS_SCHEDULE", "30m,3h")
    load(cli, shop, [order(1, "2026-11-21 09:00:00")], "2026-11-21 09:00")
    assert by_order(remind(cli, "2026-11-21 09:31").rows) == {oid(1): ("sent", None)}
    assert by_order(remind(cli, "2026-11-21 12:01").rows) == {oid(1): ("skipped", "buyer_reminded")}
    assert len(stub.requests) == 1


def test_cod_and_a_buyer_known_only_by_phone(cli, shop, stub):
    load(cli, shop, [
        order(1, "2026-11-21 09:00:00", 运送方式="货到付款"),
        order(2, "2026-11-21 09:00:00", 买家会员名="", 联系手机="13900000099"),
        order(3, "2026-11-21 09:10:00", 买家会员名="", 联系手机="13900000099"),
        order(4, "2026-11-21 09:00:00", 买家会员名="", 联系手机="13900000044"),
        order(5, "2026-11-21 09:20:00", PAID, 买家会员名="", 联系手机="13900000044",
              订单付款时间="2026-11-21 09:21:00"),
    ], "2026-11-21 10:00")
    run = remind(cli, "2026-11-21 10:00")
    assert by_order(run.rows) == {oid(1): ("skipped", "cod"), oid(2): ("sent", None),
                                  oid(3): ("skipped", "buyer_reminded"), oid(4): ("skipped", "paid_other_order")}
    assert [r["phone"] for r in stub.sent] == ["13900000099"]


def test_after_the_cutoff_the_text_says_so(cli, shop, stub):
    load(cli, shop, [order(1, "2026-11-21 16:20:00")], "2026-11-21 17:00")
    assert remind(cli, "2026-11-21 17:00").exit_code == 0
    assert "付款后将尽快发货，" in stub.sent[0]["text"] and "16:00前" not in stub.sent[0]["text"]


def test_dry_run_shows_the_plan_and_writes_nothing(cli, shop, stub, db):
    load(cli, shop, [order(1, "2026-11-21 09:20:00"), order(9, "2026-11-21 09:20:00", 联系手机="")], "2026-11-21 10:00")
    database = shop / "shoptool.db"
    before = database.read_bytes()
    run = remind(cli, "2026-11-21 10:00", "--dry-run")
    assert run.exit_code == 0, run
    assert by_order(run.rows) == {oid(1): ("would_send", None), oid(9): ("skipped", "no_phone")}
    assert run.rows[0]["parts"] == 1 and run.rows[0]["text"].startswith("【示例旗舰店】")
    assert run.json["summary"]["would_send"] == 1 and "dry run" in run.stderr
    assert database.read_bytes() == before and stub.requests == []
    assert db().conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 0
    assert not (shop / "shoptool.db.remind-unpaid.lock").exists()


def test_quiet_prints_no_rows_and_one_summary_line(cli, shop, stub):
    load(cli, shop, [order(1, "2026-11-21 09:20:00")], "2026-11-21 10:00")
    run = cli("remind-unpaid", "--now", "2026-11-21 10:00", "--quiet")
    assert run.exit_code == 0 and run.stdout == ""
    assert run.stderr.strip().splitlines() == ["remind-unpaid: sent 1 (1 part(s)), deferred 0, skipped 0"]


def test_another_run_holding_the_lock_exits_5_with_one_line(cli, shop, stub):
    from shoptool.locks import single_instance

    load(cli, shop, [order(1, "2026-11-21 09:20:00")], "2026-11-21 10:00")
    with single_instance(shop / "shoptool.db", "remind-unpaid"):
        run = remind(cli, "2026-11-21 10:00")
    assert run.exit_code == 5 and run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1 and "remind-unpaid" in run.stderr
    assert stub.requests == []
    assert remind(cli, "2026-11-21 10:00").exit_code == 0 and len(stub.requests) == 1


def test_samples_at_the_readme_moment(cli, sample, shop_folder):
    """The README example: samples/ imported, the file provider (the default) writes the sheet."""
    for name in ("orders_legacy_gbk.csv", "orders_qianniu.xlsx", "opt_outs.csv"):
        assert cli("import", sample(name), "--now", "2026-11-21 10:00").exit_code == 0
    run = remind(cli, "2026-11-21 10:00")
    assert run.exit_code == 0, run
    assert by_order(run.rows) == {
        oid(201): ("sent", None), oid(202): ("sent", None), oid(203): ("skipped", "buyer_reminded"),
        oid(206): ("skipped", "paid_other_order"), oid(208): ("skipped", "opted_out"),
        oid(209): ("skipped", "no_phone"), oid(210): ("skipped", "presale"), oid(504): ("skipped", "no_phone"),
    }
    assert run.stderr.splitlines()[-1] == (
        "remind-unpaid: sent 2 (2 part(s)), deferred 0, skipped 6 (buyer_reminded 1, no_phone 2, opted_out 1, "
        "paid_other_order 1, presale 1); 1 unpaid duplicate(s) of buyers who paid another order can be closed")
    import json

    [handover] = [json.loads(line) for line in (shop_folder / "sms-upload" / "handover.jsonl").read_text().splitlines()]
    assert sorted(handover["out_ids"]) == [f"u:{oid(201)}:30m", f"u:{oid(202)}:30m"]
    assert (shop_folder / "sms-upload" / handover["sheet"]).exists()


def test_a_no_op_cron_run_imports_no_heavy_library(cli, shop, stub):
    load(cli, shop, [order(1, "2026-11-21 09:20:00")], "2026-11-21 10:00")
    assert remind(cli, "2026-11-21 10:00").exit_code == 0
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "shoptool", "remind-unpaid", "--quiet",
                          "--now", "2026-11-21 10:05"], cwd=shop, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    loaded = {line.split("|")[-1].strip().split(".")[0] for line in out.stderr.splitlines()
              if line.startswith("import time")}
    assert not loaded & {"openpyxl", "python_calamine", "alibabacloud_dysmsapi20170525", "tencentcloud", "requests",
                         "rich"}, loaded & {"openpyxl", "rich", "requests"}
