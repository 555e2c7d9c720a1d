"""The outbox over a real shop database with a scripted provider: the state machine, crash
recovery, two runs interleaved step by step, the at-most-once property under random answers and
crashes, and the indexes the due-row queries read (EXPLAIN QUERY PLAN)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoptool.db import outbox as q
from shoptool.db import paid_orders
from shoptool.jobs import Shop
from shoptool.messages import outbox as ob
from shoptool.messages import purposes, recovery
from shoptool.messages.providers.base import QueryResult, SendResult
from shoptool.messages.runner import Report, Runner

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=TZ)


class Crash(BaseException):
    """The process dies here (as a kill -9 would, nothing after it runs)."""


class FakeProvider:
    """Answers from a script; `accepted` is what buyers would get (the provider took the text)."""

    name = "fake"
    hands_over_on_flush = False

    def __init__(self, script=None, default="sent"):
        self.script = list(script or [])
        self.default = default
        self.calls: list[str] = []
        self.accepted: list[str] = []

    def send(self, message):
        self.calls.append(message.out_id)
        step = self.script.pop(0) if self.script else self.default
        if step == "crash_before":
            raise Crash()
        if step in ("sent", "unknown_accepted", "crash_after"):
            self.accepted.append(message.out_id)
        if step == "crash_after":
            raise Crash()
        outcome = {"unknown_accepted": "unknown", "unknown_lost": "unknown"}.get(step, step)
        return SendResult(outcome, provider_id="p-" + message.out_id if outcome == "sent" else None,
                          code=None if outcome == "sent" else f"fake_{step}")

    def flush(self):
        return []

    def close(self):
        pass

    def query(self, message, *, sent_at, provider_id=None, now=None):
        return QueryResult("unknown")


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def add_order(db, order_id: str, *, status="unpaid", created=NOW - timedelta(minutes=40), nick=None,
              mobile="13800138000", tracking=None, courier=None, shipped_at=None, paid=None) -> None:
    db.conn.execute(
        "INSERT INTO orders (order_id, buyer_nick, status, receiver_mobile, created_at, tracking_no, courier, "
        "shipped_at, shipped_seen_at, first_seen_at, updated_at, paid_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (order_id, nick if nick is not None else f"tb_{order_id}", status, mobile, iso(created), tracking, courier,
         iso(shipped_at) if shipped_at else None, iso(created) if status == "shipped" else None, iso(NOW), iso(NOW),
         iso(paid) if paid else None),
    )


def shop_at(path: Path) -> Shop:
    return Shop(path, None)


def run(shop: Shop, command: str, provider, now: datetime = NOW, dry_run: bool = False) -> Report:
    job = purposes.PURPOSES[command](shop.settings)
    return Runner(job, shop.at(iso(now)), dry_run=dry_run, provider=provider).run()


def messages(db) -> dict[str, dict]:
    return {r["dedupe_key"]: r for r in q.list_messages(db)}


@pytest.fixture
def shop(shop_folder):
    shop = shop_at(shop_folder / "shoptool.db")
    yield shop
    shop.close()


def test_retry_backs_off_then_sends_and_counts_attempts(shop):
    add_order(shop.db, "1")
    provider = FakeProvider(["retry", "sent"])
    first = run(shop, "remind-unpaid", provider)
    assert first.exit_code == 0 and [r["action"] for r in first.rows] == ["deferred"]
    row = messages(shop.db)["u:1:30m"]
    assert (row["status"], row["reason"], row["attempts"], row["sent_at"]) == ("retry", "provider_retry", 1, None)
    assert row["next_attempt_at"] == iso(NOW + timedelta(minutes=1))
    early = run(shop, "remind-unpaid", provider, NOW + timedelta(seconds=30))
    assert [(r["action"], r["reason"]) for r in early.rows] == [("deferred", "provider_retry")]
    assert provider.calls == ["u:1:30m"], "not before its next attempt"
    later = run(shop, "remind-unpaid", provider, NOW + timedelta(minutes=2))
    assert [r["action"] for r in later.rows] == ["sent"]
    row = messages(shop.db)["u:1:30m"]
    assert (row["status"], row["attempts"], row["provider_id"]) == ("sent", 2, "p-u:1:30m")
    assert run(shop, "remind-unpaid", provider, NOW + timedelta(minutes=3)).rows == []
    assert provider.accepted == ["u:1:30m"]


def test_retries_end_in_failed_after_max_attempts(shop, monkeypatch):
    monkeypatch.setenv("SHOPTOOL_SMS_MAX_ATTEMPTS", "2")
    shop = shop_at(shop.settings.db_path)
    add_order(shop.db, "1")
    provider = FakeProvider(default="retry")
    run(shop, "remind-unpaid", provider)
    report = run(shop, "remind-unpaid", provider, NOW + timedelta(minutes=5))
    assert report.exit_code == 4
    assert [(r["action"], r["reason"]) for r in report.rows] == [("failed", "retries_exhausted")]
    assert run(shop, "remind-unpaid", provider, NOW + timedelta(hours=1)).rows == []
    assert len(provider.calls) == 2


def test_a_stopped_provider_keeps_the_rest_queued_and_the_next_run_sends_them(shop):
    for n in "123":
        add_order(shop.db, n, mobile=f"1380013800{n}")
    provider = FakeProvider(["sent", "stop"])
    report = run(shop, "remind-unpaid", provider)
    assert report.exit_code == 4 and report.summary["stopped"] is True
    assert [(r["order_id"], r["action"]) for r in report.rows] == [("1", "sent"), ("2", "queued"), ("3", "queued")]
    assert {k: m["status"] for k, m in messages(shop.db).items()} == {
        "u:1:30m": "sent", "u:2:30m": "queued", "u:3:30m": "queued"}
    assert any("stopped the run" in note for note in report.notes)
    again = run(shop, "remind-unpaid", provider, NOW + timedelta(minutes=5))
    assert again.exit_code == 0 and [r["action"] for r in again.rows] == ["sent", "sent"]
    assert provider.accepted == ["u:1:30m", "u:2:30m", "u:3:30m"]


def test_a_crash_after_the_provider_answered_leaves_unknown_never_resent(shop):
    add_order(shop.db, "1")
    provider = FakeProvider(["crash_after"])
    with pytest.raises(Crash):
        run(shop, "remind-unpaid", provider)
    assert messages(shop.db)["u:1:30m"]["status"] == "sending", "on disk before the call"
    report = run(shop, "remind-unpaid", provider, NOW + timedelta(minutes=5))
    assert report.exit_code == 4
    assert [(r["action"], r["reason"]) for r in report.rows] == [("unknown", "interrupted")]
    assert messages(shop.db)["u:1:30m"]["status"] == "unknown"
    assert run(shop, "remind-unpaid", provider, NOW + timedelta(hours=2)).rows == []
    assert provider.calls == ["u:1:30m"]


def test_a_runs_rows_keep_their_keys_whether_they_share_them_or_not(shop):
    """A run's rows are stored as tuples when every row has the same keys, as dicts when they do
    not (an orphan found by recovery has no extra keys; a reminder has paid_order_id): either way
    each row reads with exactly its own keys, in the same order."""
    from shoptool.rows import Rows

    base = ["order_id", "order_ids", "purpose", "step", "action", "reason", "phone", "parts", "buyer",
            "next_attempt_at", "message_id", "text"]
    add_order(shop.db, "1")
    with pytest.raises(Crash):
        run(shop, "remind-unpaid", FakeProvider(["crash_after"]))
    add_order(shop.db, "2", created=NOW + timedelta(minutes=5) - timedelta(minutes=40))
    mixed = run(shop, "remind-unpaid", FakeProvider(), NOW + timedelta(minutes=5))
    assert not isinstance(mixed.rows, Rows)
    assert [(r["order_id"], r["action"], list(r)) for r in mixed.rows] == [
        ("1", "unknown", [*base, "detail"]), ("2", "sent", [*base, "paid_order_id", "detail"])]
    add_order(shop.db, "3", created=NOW + timedelta(minutes=10) - timedelta(minutes=40), mobile="13900139000")
    same = run(shop, "remind-unpaid", FakeProvider(), NOW + timedelta(minutes=10))
    assert isinstance(same.rows, Rows)
    assert [(r["order_id"], r["action"], list(r)) for r in same.rows] == [
        ("3", "sent", [*base, "paid_order_id", "detail"])]
    assert same.rows == [dict(same.rows[0])]


def test_two_runs_interleaved_step_by_step_send_each_message_once(shop_folder):
    """Both runs plan the same messages from the same state, then send one after the other: the
    second run's claims find the messages taken and send nothing."""
    first_shop, second_shop = shop_at(shop_folder / "shoptool.db"), shop_at(shop_folder / "shoptool.db")
    for n in "12":
        add_order(first_shop.db, n, mobile=f"1380013800{n}")
    add_order(first_shop.db, "9", status="shipped", tracking="75312345678901", courier="中通快递",
              shipped_at=NOW - timedelta(hours=1))
    one, two = FakeProvider(), FakeProvider()
    runner_a = Runner(purposes.Unpaid(first_shop.settings), first_shop.at(iso(NOW)), dry_run=False, provider=one)
    runner_b = Runner(purposes.Unpaid(second_shop.settings), second_shop.at(iso(NOW)), dry_run=False, provider=two)
    plan_a = runner_a.job.plan(runner_a.db, NOW)
    plan_b = runner_b.job.plan(runner_b.db, NOW)
    assert [d.key for d in plan_a] == [d.key for d in plan_b] == ["u:1:30m", "u:2:30m"]
    for draft in plan_a:  # a claims and sends the first; b tries it in between; a sends the second
        claimed = runner_a.claim(draft)
        assert isinstance(claimed, ob.Claim)
        assert runner_b.claim(draft).action == "done", "b must not take a message a holds in sending"
        one.send(claimed.message)
        runner_a.record([(claimed, ob.settle(SendResult("sent", provider_id="x"), attempts=1, max_attempts=5,
                                                      now=NOW))])
    report_b = runner_b.run()
    assert report_b.rows == [] and two.calls == []
    assert one.accepted == ["u:1:30m", "u:2:30m"]
    first_shop.close()
    second_shop.close()


def test_recovery_leaves_a_live_claim_alone_and_takes_a_dead_one(shop):
    add_order(shop.db, "1")
    add_order(shop.db, "2", mobile="13800138002")
    run(shop, "remind-unpaid", FakeProvider(["unknown_accepted", "sent"]))
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        live = f"{sleeper.pid}:{recovery._start_time(sleeper.pid)}:aa"
        dead = f"{sleeper.pid}:1:bb"  # the same pid, started at another moment: a recycled pid
        for key, claimed_by in (("u:1:30m", live), ("u:2:30m", dead)):
            shop.db.conn.execute("UPDATE messages SET status = 'sending', claimed_by = ? WHERE dedupe_key = ?",
                                 (claimed_by, key))
        assert recovery.claimer_alive(live) and not recovery.claimer_alive(dead)
        recovered = recovery.recover(shop.db, iso(NOW))
        assert [m["dedupe_key"] for m in recovered] == ["u:2:30m"]
        assert {k: m["status"] for k, m in messages(shop.db).items()} == {"u:1:30m": "sending", "u:2:30m": "unknown"}
    finally:
        sleeper.kill()
        sleeper.wait()
    assert not recovery.claimer_alive(live), "a reaped process is gone"
    assert not recovery.claimer_alive(None) and not recovery.claimer_alive("garbage")


def test_a_run_that_decides_the_same_again_writes_nothing(shop):
    add_order(shop.db, "1")
    add_order(shop.db, "2", mobile="")  # no phone: skipped, recorded once
    add_order(shop.db, "3", nick="tb_1")  # the same buyer as order 1: one text
    first = run(shop, "remind-unpaid", FakeProvider())
    assert sorted((r["order_id"], r["action"], r["reason"]) for r in first.rows) == [
        ("1", "sent", None), ("2", "skipped", "no_phone"), ("3", "skipped", "buyer_reminded")]
    before = shop.db.conn.total_changes
    again = run(shop, "remind-unpaid", FakeProvider(), NOW + timedelta(minutes=5))
    assert [r["action"] for r in again.rows] == ["skipped", "skipped"]
    assert shop.db.conn.total_changes == before
    assert shop.db.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 3


def test_a_skip_is_not_a_verdict_when_the_phone_turns_up(shop):
    add_order(shop.db, "1", mobile="")
    provider = FakeProvider()
    assert [r["reason"] for r in run(shop, "remind-unpaid", provider).rows] == ["no_phone"]
    shop.db.conn.execute("UPDATE orders SET receiver_mobile = '13800138001' WHERE order_id = '1'")
    assert [r["action"] for r in run(shop, "remind-unpaid", provider, NOW + timedelta(minutes=5)).rows] == ["sent"]
    assert provider.accepted == ["u:1:30m"]
    row = messages(shop.db)["u:1:30m"]
    assert (row["status"], row["phone"]) == ("sent", "13800138001")


# --- at most once, whatever happens -------------------------------------------------------------

OUTCOMES = ["sent", "unknown_accepted", "unknown_lost", "retry", "defer", "stop", "failed", "crash_before",
            "crash_after"]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(OUTCOMES), max_size=6), min_size=1, max_size=6))
def test_no_message_is_ever_accepted_twice(runs):
    """Random answers and crashes over several runs of both commands: every key reaches the
    provider's hands at most once, and a message recorded `sent` was accepted."""
    with tempfile.TemporaryDirectory() as folder:
        shop = shop_at(Path(folder) / "shoptool.db")
        for n in range(4):
            add_order(shop.db, f"{n}", mobile=f"1380013800{n}")
        add_order(shop.db, "7", status="shipped", tracking="75312345678901", shipped_at=NOW - timedelta(hours=2),
                  mobile="13800138007")
        add_order(shop.db, "8", status="shipped", tracking="75312345678901", shipped_at=NOW - timedelta(hours=2),
                  mobile="13800138007")
        accepted: list[str] = []
        moment = NOW
        for script in runs:
            for command in ("remind-unpaid", "notify-shipped"):
                provider = FakeProvider(list(script))
                try:
                    run(shop, command, provider, moment)
                except Crash:
                    pass
                accepted.extend(provider.accepted)
            moment += timedelta(hours=2)
        assert len(accepted) == len(set(accepted)), accepted
        for key, message in messages(shop.db).items():
            if message["status"] == "sent":
                assert key in accepted
        shop.close()


# --- the due-row queries read indexes only ------------------------------------------------------

def _scans_a_table(step: str) -> bool:
    return step.startswith("SCAN") and step != "SCAN due"  # `due` is the query's own CTE, not a table


def _plan(db, sql, params) -> list[str]:
    return [row[3] for row in db.conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


@pytest.mark.parametrize(("sql", "params", "indexes"), [
    (q.UNPAID_DUE_SQL, ("a", "b"), ["orders_unpaid_due"]),
    (q.UNPAID_OPEN_SQL, ("a", "b", "30m"), ["orders_unpaid_due", "sqlite_autoindex_messages_1"]),
    (q.SHIPPED_DUE_SQL, {"since": "a"},
     ["orders_shipped_due", "orders_shipped_seen_due", "shipments_shipped_at", "shipments_seen_due"]),
    (q.SHIPPED_OPEN_SQL, {"since": "a"}, ["orders_shipped_due", "sqlite_autoindex_messages_1"]),
    (q.PENDING_SQL, {"purpose": "unpaid", "now": "a"}, ["messages_status"]),
])
def test_due_row_queries_use_their_indexes(shop, sql, params, indexes):
    plan = _plan(shop.db, sql, params)
    for index in indexes:
        assert any(f"USING INDEX {index}" in step or f"USING COVERING INDEX {index}" in step for step in plan), plan
    assert not any(_scans_a_table(step) for step in plan), plan


@pytest.mark.parametrize("sql", [q.UNPAID_DUE_SQL, q.UNPAID_OPEN_SQL])
def test_the_due_unpaid_orders_are_read_from_the_index_alone(shop, sql):
    """orders_unpaid_due holds every column the reminders read (schema m009): no order row is read
    for 80,000 due reminders. A column added to UNPAID_FIELDS must be added to the index too."""
    params = ("a", "b", "30m")[:sql.count("?")]
    plan = _plan(shop.db, sql, params)
    assert any("USING COVERING INDEX orders_unpaid_due" in step for step in plan), plan


@pytest.mark.parametrize(("sql", "index"), [
    (paid_orders.PAID_BY_NICK_SQL, "orders_buyer"),
    (paid_orders.PAID_BY_PHONE_SQL, "orders_mobile_no_nick"),
    ("SELECT * FROM orders WHERE order_id IN ({})", "sqlite_autoindex_orders_1"),
    ("SELECT * FROM messages WHERE dedupe_key IN ({})", "sqlite_autoindex_messages_1"),
    ("SELECT * FROM messages WHERE order_id IN ({}) AND purpose = ?", "messages_order"),
    ("SELECT phone, sent_at FROM messages WHERE phone IN ({}) AND sent_at > ? "
     "AND status IN ('sending', 'sent', 'unknown')", "messages_phone_sent"),
    ("SELECT phone FROM opt_outs WHERE phone IN ({})", "sqlite_autoindex_opt_outs_1"),
])
def test_per_buyer_lookups_read_the_index_they_need_even_with_statistics(shop, sql, index):
    """With table statistics that favour the status index (most orders paid), the paid-another-
    order lookup still reads the buyer index: the plan is pinned, not left to the planner."""
    for n in range(300):
        add_order(shop.db, f"p{n}", status="paid", nick=f"tb_{n % 7}")
    shop.db.conn.execute("ANALYZE")
    marks = ", ".join("?" for _ in range(3))
    extra = [] if "?" not in sql.replace("({})", "") else ["2026-01-01"] if "sent_at" in sql or "COALESCE" in sql \
        else ["unpaid"]
    plan = _plan(shop.db, sql.format(marks), ["a", "b", "c", *extra])
    assert any(f"USING INDEX {index}" in step or "USING PRIMARY KEY" in step and index.startswith("sqlite_auto")
               or f"USING COVERING INDEX {index}" in step for step in plan), plan
    assert not any(_scans_a_table(step) for step in plan), plan


def test_paid_by_nick_compares_the_paid_moment_in_the_index_and_counts_it_right(shop):
    """The paid moment is read from orders_buyer (schema m008), not from each of the buyer's
    orders in the table: the plan searches the index on nick and moment. The rows are those the
    rule means: paid (or placed, without a paid time) since the moment, in a paid state."""
    for n in range(300):
        add_order(shop.db, f"p{n}", status="paid", nick=f"tb_{n % 7}")
    shop.db.conn.execute("ANALYZE")
    plan = _plan(shop.db, paid_orders.PAID_BY_NICK_SQL.format("?, ?"), ["a", "b", "2026-01-01"])
    assert any("USING INDEX orders_buyer (buyer_nick=? AND <expr>>?)" in step for step in plan), plan
    since = NOW - timedelta(hours=10)
    add_order(shop.db, "late-paid", status="shipped", nick="tb_x", created=since - timedelta(days=3),
              paid=since + timedelta(hours=1))
    add_order(shop.db, "early-paid", status="signed", nick="tb_x", created=since - timedelta(days=3),
              paid=since - timedelta(hours=1))
    add_order(shop.db, "no-paid-time", status="paid", nick="tb_x", created=since + timedelta(hours=2))
    add_order(shop.db, "unpaid", status="unpaid", nick="tb_x", created=since + timedelta(hours=3))
    add_order(shop.db, "closed", status="closed", nick="tb_x", created=since + timedelta(hours=3))
    found = paid_orders.paid_orders_of(shop.db, ["tb_x"], [], iso(since))
    assert sorted(r["order_id"] for r in found) == ["late-paid", "no-paid-time"]


def test_paid_orders_read_meanwhile_are_those_read_in_place_and_a_failure_is_raised(shop, monkeypatch):
    for n in range(40):
        add_order(shop.db, f"p{n}", status="paid" if n % 3 else "unpaid", nick=f"tb_{n % 7}",
                  created=NOW - timedelta(hours=n))
    since = iso(NOW - timedelta(hours=30))
    nicks = [f"tb_{n}" for n in range(7)]
    monkeypatch.setattr(paid_orders, "MEANWHILE_FROM", 0)
    meanwhile = paid_orders.paid_orders_of_meanwhile(shop.db, nicks, [], since)
    in_place = paid_orders.paid_orders_of(shop.db, nicks, [], since)
    assert sorted(r["order_id"] for r in meanwhile()) == sorted(r["order_id"] for r in in_place) != []
    monkeypatch.setattr(paid_orders, "PAID_BY_NICK_SQL", "SELECT * FROM no_such_table WHERE x IN ({}) AND y >= ?")
    with pytest.raises(Exception, match="no_such_table"):
        paid_orders.paid_orders_of_meanwhile(shop.db, nicks, [], since)()


@pytest.mark.parametrize(("sql", "extra", "index"), [
    (q.RECENT_PHONE_SQL, ["2026-01-01"], "messages_phone_sent"),
    (q.RECENT_BUYER_SQL, ["2026-01-01"], "messages_buyer_sent"),
    (q.CLAIMED_BACK_SQL, ["token"], "sqlite_autoindex_messages_1"),
])
def test_lookups_of_a_whole_chunk_read_their_index_after_a_big_send(shop, sql, extra, index):
    """With 500 values in the IN (a whole chunk) and the outbox full of sent texts, SQLite would
    read messages_status — every sent message, once per chunk: the plan is pinned."""
    shop.db.conn.executemany(
        "INSERT INTO messages (dedupe_key, purpose, class, order_id, order_ids, step, buyer, phone, status, "
        "sent_at, created_at, updated_at) VALUES (?, 'unpaid', 'reminder', ?, '[]', '30m', ?, ?, 'sent', ?, ?, ?)",
        [(f"u:{n}:30m", str(n), f"tb_{n}", f"138{n:08d}", iso(NOW), iso(NOW), iso(NOW)) for n in range(2000)])
    marks = ", ".join("?" for _ in range(q._CHUNK))
    values = [f"v{n}" for n in range(q._CHUNK)]
    params = (["unpaid"] if sql is q.RECENT_BUYER_SQL else []) + values + extra
    plan = _plan(shop.db, sql.format(marks), params)
    assert any(f"USING INDEX {index}" in step or f"USING COVERING INDEX {index}" in step for step in plan), plan


def test_paid_orders_are_read_meanwhile_from_a_folder_with_any_name(tmp_path, monkeypatch):
    """The second connection opens the database by URI: a shop folder named with a space, '#',
    '?', '%' or Chinese must still be found (not cut at the '?' or '#')."""
    folder = tmp_path / "客服 店铺 #1?a=b%20"
    folder.mkdir()
    shop = shop_at(folder / "shoptool.db")
    try:
        add_order(shop.db, "p1", status="paid", nick="tb_x")
        monkeypatch.setattr(paid_orders, "MEANWHILE_FROM", 0)
        found = paid_orders.paid_orders_of_meanwhile(shop.db, ["tb_x"], [], iso(NOW - timedelta(days=1)))()
        assert [r["order_id"] for r in found] == ["p1"]
    finally:
        shop.close()


def test_paid_index_answers_as_paid_since_does():
    from hypothesis import given as given_
    from hypothesis import strategies as st_

    from shoptool.messages.due import reminders

    order_st = st_.fixed_dictionaries({
        "order_id": st_.sampled_from(["1", "2", "3", "4", "5"]),
        "buyer_nick": st_.sampled_from([None, "", "tb_a", "tb_b", " tb_a "]),
        "receiver_mobile": st_.sampled_from([None, "13800138000", "13900139000", "+86 138 0013 8000"]),
        "paid_at": st_.sampled_from([None, "2026-11-21T09:00:00+08:00", "2026-11-21T10:00:00+08:00"]),
        "created_at": st_.sampled_from(["2026-11-21T08:00:00+08:00", "2026-11-21T09:00:00+08:00",
                                        "2026-11-21T10:00:00+08:00"]),
    })

    @given_(st_.lists(order_st, max_size=8), order_st)
    def check(paid, order):
        expected = reminders.paid_since(order, paid)
        found = reminders.PaidIndex(paid).first_since(order)
        assert (expected and expected["order_id"], expected and expected.get("paid_at")) == (
            found and found["order_id"], found and found.get("paid_at"))

    check()


def test_lookups_per_candidate_use_indexes(shop, monkeypatch):
    seen: list[str] = []
    real_execute = shop.db.conn.execute

    class Spy:
        def __init__(self, conn):
            self._conn = conn

        def execute(self, sql, params=()):
            if sql.lstrip().upper().startswith("SELECT"):
                seen.extend(step for step in _plan(shop.db, sql, params) if _scans_a_table(step))
            return real_execute(sql, params)

        def __getattr__(self, name):
            return getattr(self._conn, name)

    add_order(shop.db, "1")
    add_order(shop.db, "2", status="paid", nick="tb_1")
    add_order(shop.db, "3", nick="")
    shop.db.conn.execute("UPDATE orders SET buyer_nick = NULL WHERE order_id = '3'")
    add_order(shop.db, "9", status="shipped", tracking="75312345678901", shipped_at=NOW - timedelta(hours=1))
    monkeypatch.setattr(shop.db, "conn", Spy(shop.db.conn))
    run(shop, "remind-unpaid", FakeProvider(), dry_run=True)
    run(shop, "notify-shipped", FakeProvider(), dry_run=True)
    assert seen == [], seen
