"""Fault injection for the sending commands (issue #16): a loopback gateway (tests/sms_stub.py)
that throttles with absurd waits, trickles its answer, resets, hangs or goes away; a database
held by an import; orphans of another command. Every case: no crash (exit 70), no hang past the
run's deadline, no message wrongly `unknown`, at most one text per message."""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from builders import LEGACY_ORDER_HEADER, UNPAID, legacy_order, oid, phone, write_csv
from sms_stub import ACCEPTED, SmsStub

from shoptool.messages.providers import make_provider
from shoptool.messages.providers.base import OutgoingMessage

PHONE = "13800138001"
SECRETS = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI5tStubKeyId0001", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "stub-secret-0001",
           "TENCENTCLOUD_SECRET_ID": "AKIDstubSecretId0001", "TENCENTCLOUD_SECRET_KEY": "stub-secret-key-0001"}
DOUBTFUL = ("trickle", "reset", "hang", "garbled", "slow", "server_error", "system_error")


@pytest.fixture
def stub():
    with SmsStub() as server:
        yield server


def provider_settings(stub: SmsStub, timeout: str = "1s") -> dict:
    return {"sms.http.url": stub.http_url, "sms.http.timeout": timeout, "sms.timeout": timeout,
            "sms.aliyun.endpoint": stub.url, "sms.tencent.endpoint": stub.url, "sms.tencent.sdk_app_id": "1400000000"}


def message(out_id: str = "u:1:30m") -> OutgoingMessage:
    return OutgoingMessage(phone=PHONE, text="【示例旗舰店】您好", template_code="SMS_1", params={"shop": "示例"},
                           out_id=out_id, sign_name="示例旗舰店")


# --- one provider call -------------------------------------------------------------------------

@pytest.mark.parametrize("provider", ["http", "aliyun", "tencent"])
@pytest.mark.parametrize("behaviour", ["throttled_huge", "throttled_epoch_ms", "throttled_date"])
def test_absurd_throttling_waits_are_a_bounded_retry(stub, provider, behaviour):
    stub.script(PHONE, behaviour)
    result = make_provider(provider, provider_settings(stub), env=SECRETS).send(message())
    assert result.outcome == "retry"
    assert result.retry_after is None or 0 <= result.retry_after <= 86_400


@pytest.mark.parametrize("behaviour", ["trickle:0.3", "hang:5"])
def test_a_trickling_or_silent_gateway_is_cut_off_at_the_deadline(stub, behaviour):
    stub.script(PHONE, behaviour)
    provider = make_provider("http", provider_settings(stub, "1s"), env=SECRETS)
    started = time.monotonic()
    result = provider.send(message())
    took = time.monotonic() - started
    assert result.outcome == "unknown" and result.code == "timeout", result
    assert took < 2.0, f"wall time {took:.1f}s: the timeout bounds the whole call"
    assert len(stub.sent) == 1, "the gateway had the text: unknown is right, never retried"


def test_a_reset_after_the_request_is_unknown_not_a_crash(stub):
    stub.script(PHONE, "reset")
    result = make_provider("http", provider_settings(stub), env=SECRETS).send(message())
    assert result.outcome == "unknown" and result.code == "connection_lost"


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_an_sdk_stuck_on_a_trickle_is_bounded_by_the_watchdog(stub, provider):
    from shoptool.messages.providers.base import call_within

    stub.script(PHONE, "trickle:0.5")
    adapter = make_provider(provider, provider_settings(stub, "1s"), env=SECRETS)
    started = time.monotonic()
    result = call_within(adapter.send, message(), 2.0)
    assert time.monotonic() - started < 3.0
    assert result.outcome == "unknown"


# --- whole runs through the CLI ----------------------------------------------------------------

def shop_with(folder: Path, stub: SmsStub, *, timeout: str = "1s", extra: str = "", schedule: str = '["30m"]') -> None:
    (folder / "shoptool.toml").write_text(
        f'[sms]\nprovider = "http"\nrun_time = "6s"\n{extra}\n'
        f'[sms.http]\nurl = "{stub.http_url}"\ntimeout = "{timeout}"\n'
        f'[reminders]\nschedule = {schedule}\n', encoding="utf-8")


def load_unpaid(cli, folder: Path, count: int, created: str = "2026-11-21 09:00:00") -> None:
    rows = [legacy_order(n, UNPAID, 订单创建时间=created) for n in range(1, count + 1)]
    write_csv(folder / "orders.csv", LEGACY_ORDER_HEADER, rows, encoding="gbk")
    assert cli("import", folder / "orders.csv", "--now", "2026-11-21 09:30").exit_code == 0


def states(folder: Path) -> dict[str, tuple]:
    with sqlite3.connect(folder / "shoptool.db") as conn:
        return {key: (status, reason, next_at) for key, status, reason, next_at in conn.execute(
            "SELECT dedupe_key, status, reason, next_attempt_at FROM messages")}


def at(minute: int) -> str:
    return (datetime(2026, 11, 21, 10, 0) + timedelta(minutes=minute)).strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize("behaviour", ["throttled_huge", "throttled_epoch_ms", "throttled_date"])
def test_an_absurd_retry_after_defers_and_never_exits_70(cli, shop_folder, stub, behaviour):
    shop_with(shop_folder, stub)
    load_unpaid(cli, shop_folder, 2)
    stub.default = behaviour
    run = cli("remind-unpaid", "--now", at(0), "--format", "json")
    assert run.exit_code == 0, run
    assert {r["action"] for r in run.rows} == {"deferred"}
    for status, reason, next_at in states(shop_folder).values():
        assert (status, reason) == ("retry", "provider_retry")
        assert datetime.fromisoformat(next_at) <= datetime.fromisoformat(at(60) + "+08:00"), "capped at max_wait"
    stub.default = "success"
    later = cli("remind-unpaid", "--now", at(61), "--format", "json")
    assert later.exit_code == 0 and [r["action"] for r in later.rows] == ["sent", "sent"]
    assert Counter(r["out_id"] for r in stub.sent) == {k: 1 for k in states(shop_folder)}


def test_a_quarter_hour_outage_delays_texts_and_fails_none(cli, shop_folder, stub):
    shop_with(shop_folder, stub)
    load_unpaid(cli, shop_folder, 3)
    stub.default = "throttled"
    for minute in range(0, 17):  # cron every minute through a 16-minute outage
        run = cli("remind-unpaid", "--now", at(minute), "--format", "json")
        assert run.exit_code == 0, run
        assert not [r for r in run.rows if r["action"] in ("failed", "unknown")]
    stub.default = "success"
    sent = []
    for minute in range(17, 60):
        sent += [r["order_id"] for r in cli("remind-unpaid", "--now", at(minute), "--format", "json").rows
                 if r["action"] == "sent"]
    assert sorted(sent) == [oid(n) for n in (1, 2, 3)]
    assert {s for s, _, _ in states(shop_folder).values()} == {"sent"}


def test_a_reminder_refused_until_its_order_closes_fails_then(cli, shop_folder, stub):
    shop_with(shop_folder, stub, extra='[shop]\nunpaid_close_after = "2h"\n')
    load_unpaid(cli, shop_folder, 1, created="2026-11-21 09:00:00")  # closes at 11:00
    stub.default = "throttled"
    codes = [cli("remind-unpaid", "--now", at(minute), "--format", "json").exit_code for minute in range(0, 61)]
    status, reason, _ = next(iter(states(shop_folder).values()))
    assert (status, reason) == ("failed", "retries_exhausted")
    assert codes[-1] == 4 or 4 in codes, "the run that gave up says so"
    assert 70 not in codes


def test_the_run_stops_claiming_when_its_time_is_up_and_the_next_run_goes_on(cli, shop_folder, stub):
    shop_with(shop_folder, stub, timeout="5s", extra='run_time = "2s"\n'.replace("run_time", "# run_time"))
    (shop_folder / "shoptool.toml").write_text(
        (shop_folder / "shoptool.toml").read_text(encoding="utf-8").replace('run_time = "6s"', 'run_time = "2s"'),
        encoding="utf-8")
    load_unpaid(cli, shop_folder, 5)
    stub.default = "slow:0.8"
    started = time.monotonic()
    first = cli("remind-unpaid", "--now", at(0), "--format", "json")
    assert time.monotonic() - started < 6
    assert first.exit_code == 0, first
    actions = Counter((r["action"], r["reason"]) for r in first.rows)
    assert actions[("sent", None)] >= 1 and actions[("queued", "run_time_up")] >= 1, actions
    assert "sms.run_time" in first.stderr
    stub.default = "success"
    second = cli("remind-unpaid", "--now", at(1), "--format", "json")
    assert second.exit_code == 0
    assert len(stub.sent) == 5 and len({r["out_id"] for r in stub.sent}) == 5


def test_exit_4_for_an_orphan_of_another_command_and_while_unknown_waits(cli, shop_folder, stub):
    shop_with(shop_folder, stub)
    load_unpaid(cli, shop_folder, 1)
    with sqlite3.connect(shop_folder / "shoptool.db") as conn:
        conn.execute(
            "INSERT INTO messages (dedupe_key, purpose, class, order_id, step, status, phone, created_at, updated_at,"
            " sent_at, claimed_by) VALUES ('s:SF1', 'shipped', 'notification', ?, 'notice', 'sending', ?, ?, ?, ?,"
            " '999999:1:dead')", (oid(9), phone(9), at(0), at(0), at(0)))
    run = cli("remind-unpaid", "--now", at(0), "--format", "json")
    assert run.exit_code == 4, run
    assert [r["action"] for r in run.rows] == ["sent"]
    assert run.json["summary"]["unknown_in_outbox"] == 1 and "sms reconcile" in run.stderr
    assert states(shop_folder)["s:SF1"][0] == "unknown"
    again = cli("remind-unpaid", "--now", at(5), "--format", "json")
    assert again.exit_code == 4 and again.rows == []


def test_a_send_run_outlasts_an_import_holding_the_write_lock(shop_folder, monkeypatch):
    """The import takes the database while a text is at the provider and keeps it for four busy
    timeouts: the run waits, records the answer, goes on. Before: exit 5, the text `unknown`."""
    from test_outbox import NOW, FakeProvider, add_order, messages, run, shop_at

    from shoptool.db import connect

    monkeypatch.setattr(connect, "BUSY_TIMEOUT_MS", 300)
    shop = shop_at(shop_folder / "shoptool.db")
    for n in "123":
        add_order(shop.db, n, mobile=f"1380013800{n}")
    held = threading.Event()

    class Importer(FakeProvider):
        def send(self, message):
            if not held.is_set():
                def hold():
                    conn = sqlite3.connect(shop_folder / "shoptool.db", isolation_level=None)
                    conn.execute("BEGIN IMMEDIATE")
                    held.set()
                    time.sleep(1.2)
                    conn.execute("COMMIT")
                    conn.close()
                threading.Thread(target=hold, daemon=True).start()
                held.wait(5)
            return super().send(message)

    provider = Importer()
    report = run(shop, "remind-unpaid", provider, NOW)
    assert report.exit_code == 0, report.rows
    assert [r["action"] for r in report.rows] == ["sent"] * 3
    assert {m["status"] for m in messages(shop.db).values()} == {"sent"}
    assert sorted(provider.accepted) == ["u:1:30m", "u:2:30m", "u:3:30m"]
    shop.close()


def test_cron_30_runs_against_a_throttling_trickling_gateway(cli, shop_folder, stub):
    """The issue's acceptance loop: every run ends in time with a documented exit code; a message
    is unknown only if the gateway really had it with a doubtful answer; nothing is sent twice."""
    shop_with(shop_folder, stub, timeout="0.6s")
    (shop_folder / "shoptool.toml").write_text(
        (shop_folder / "shoptool.toml").read_text(encoding="utf-8").replace('run_time = "6s"', 'run_time = "3s"'),
        encoding="utf-8")
    load_unpaid(cli, shop_folder, 12)
    rng = random.Random(16)
    mix = ["success"] * 3 + ["throttled", "throttled_huge", "throttled_epoch_ms", "throttled_date",
                             "trickle:0.2", "reset", "hang:2"]
    for n in range(1, 13):
        stub.script(phone(n), *rng.choices(mix, k=6))
    stub.default = "throttled"
    codes = []
    for minute in range(30):
        started = time.monotonic()
        result = cli("remind-unpaid", "--now", at(minute * 2), "--format", "json")
        took = time.monotonic() - started
        assert took < 3 + 0.6 + 1 + 1.5, f"run {minute} took {took:.1f}s past its deadline"
        assert result.exit_code in (0, 4), result
        codes.append(result.exit_code)
    arrived = Counter(r["out_id"] for r in stub.sent)
    assert all(n == 1 for n in arrived.values()), arrived
    behaviour_of = {r["out_id"]: r["behaviour"] for r in stub.requests if r["accepted"]}
    for key, (status, reason, _) in states(shop_folder).items():
        assert status != "sending", key
        if status == "unknown":
            assert behaviour_of.get(key) in DOUBTFUL, f"{key} unknown though the gateway said {behaviour_of.get(key)}"
        if status == "sent":
            assert behaviour_of.get(key) in ACCEPTED
        if key not in behaviour_of:
            assert status in ("retry", "queued", "deferred", "sent") or reason == "retries_exhausted", (key, status)
    assert 70 not in codes
    seen = Counter(r["behaviour"] for r in stub.requests)
    assert seen["trickle"] and seen["hang"] and seen["reset"] and seen["throttled_huge"], seen
    assert arrived, "texts did go out between the faults"


def test_a_plan_an_import_changed_while_it_was_read_is_rechecked_before_claiming(shop_folder, monkeypatch):
    """The file provider's texts are claimed in the plan's own transaction only while no other
    connection has written since the run began planning. An order paid while the plan was being
    made is re-checked at the claim and not reminded."""
    from test_outbox import NOW, add_order, messages, run, shop_at

    from shoptool.messages import purposes
    from shoptool.messages.providers.file import FileProvider

    shop = shop_at(shop_folder / "shoptool.db")
    for n in range(1, 6):
        add_order(shop.db, str(n), mobile=f"1380013800{n}")
    real = purposes.Unpaid.plan

    def paid_meanwhile(self, db, now):
        drafts = real(self, db, now)
        with sqlite3.connect(shop_folder / "shoptool.db", isolation_level=None) as other:
            other.execute("UPDATE orders SET status = 'paid', paid_at = created_at WHERE order_id = '3'")
        return drafts

    monkeypatch.setattr(purposes.Unpaid, "plan", paid_meanwhile)
    report = run(shop, "remind-unpaid", FileProvider(shop_folder / "sms-upload", fmt="csv"), NOW)
    assert report.exit_code == 0
    actions = {r["order_id"]: (r["action"], r["reason"]) for r in report.rows}
    assert actions.pop("3") == ("skipped", "paid")
    assert set(actions.values()) == {("sent", None)}
    assert messages(shop.db)["u:3:30m"]["status"] == "skipped"
    sheet = next((shop_folder / "sms-upload").glob("*.csv")).read_text(encoding="utf-8-sig")
    assert "13800138003" not in sheet and "13800138001" in sheet
    shop.close()


def test_the_file_providers_texts_are_claimed_in_the_plans_own_write(shop_folder, monkeypatch):
    """Nobody wrote since planning: the plan's sends are recorded `sending` by this run in the plan's
    transaction (one write per text before the sheet), and an import after that claim does not
    take back a text already claimed — as with a provider that had already been called."""
    from test_outbox import NOW, add_order, messages, run, shop_at

    from shoptool.db import outbox as q
    from shoptool.messages.providers.file import FileProvider
    from shoptool.messages.runner import Runner

    shop = shop_at(shop_folder / "shoptool.db")
    for n in range(1, 4):
        add_order(shop.db, str(n), mobile=f"1380013800{n}")
    seen: list = []
    real = Runner.claim_many

    def after_the_claim(self, drafts):
        seen.append({k: (m["status"], m["claimed_by"] == self.token, m["attempts"])
                     for k, m in messages(shop.db).items()})
        with sqlite3.connect(shop_folder / "shoptool.db", isolation_level=None) as other:
            other.execute("UPDATE orders SET status = 'paid', paid_at = created_at WHERE order_id = '2'")
        return real(self, drafts)

    claims: list = []
    monkeypatch.setattr(Runner, "claim_many", after_the_claim)
    monkeypatch.setattr(q, "claim_many", lambda *a, **k: claims.append(a) or {})
    report = run(shop, "remind-unpaid", FileProvider(shop_folder / "sms-upload", fmt="csv"), NOW)
    assert report.exit_code == 0
    assert seen == [{f"u:{n}:30m": ("sending", True, 1) for n in range(1, 4)}]
    assert claims == []  # no second write per text
    assert {r["order_id"]: r["action"] for r in report.rows} == {"1": "sent", "2": "sent", "3": "sent"}
    stored = messages(shop.db)
    assert {k: (m["status"], m["attempts"]) for k, m in stored.items()} == {
        f"u:{n}:30m": ("sent", 1) for n in range(1, 4)}
    shop.close()


def test_texts_claimed_with_the_plan_but_never_handed_over_go_back_to_queued(shop_folder, monkeypatch):
    """The run's time is up before the send loop reaches them: nothing of them left, so they are
    queued again (reason run_time_up) and the next run sends them — not left `sending` → unknown."""
    from test_outbox import NOW, add_order, messages, run, shop_at

    from shoptool.messages import delivery
    from shoptool.messages.providers.file import FileProvider

    shop = shop_at(shop_folder / "shoptool.db")
    for n in range(1, 6):
        add_order(shop.db, str(n), mobile=f"1380013800{n}")
    monkeypatch.setattr(delivery, "CLAIM_BATCH", 2)

    class Slow(FileProvider):
        """Each text staged takes the run's whole time: the loop's first batch is in time, no other."""

        def send(self, message):
            staged.append(message.out_id)
            return super().send(message)

        def stage_many(self, messages):
            staged.extend(m.out_id for m in messages)
            return super().stage_many(messages)

    staged: list = []
    real = time.monotonic
    monkeypatch.setattr("time.monotonic", lambda: real() + (1e9 if staged else 0.0))
    report = run(shop, "remind-unpaid", Slow(shop_folder / "sms-upload", fmt="csv"), NOW)
    monkeypatch.undo()
    actions = sorted((r["action"], r["reason"]) for r in report.rows)
    assert actions == [("queued", "run_time_up")] * 3 + [("sent", None)] * 2
    stored = {k: (m["status"], m["reason"], m["claimed_by"] is not None) for k, m in messages(shop.db).items()}
    assert sorted(v[:2] for v in stored.values()) == [("queued", "run_time_up")] * 3 + [("sent", None)] * 2
    again = run(shop, "remind-unpaid", FileProvider(shop_folder / "sms-upload", fmt="csv"), NOW)
    assert sorted(r["action"] for r in again.rows) == ["sent"] * 3
    assert {m["status"] for m in messages(shop.db).values()} == {"sent"}
    shop.close()
