"""Crash and concurrency tests with real processes: the stub provider runs as its own process and
logs every request (fsynced) before answering; shoptool runs are killed mid-send, crash at the
points that matter, or run two at a time. Whatever happens, the stub's log never holds the same
message twice (PRODUCT §8's guarantee)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from builders import LEGACY_ORDER_HEADER, SHIPPED, UNPAID, legacy_order, oid, phone, write_csv

PYTHON = sys.executable
STUB = Path(__file__).with_name("sms_stub.py")
NOW = "2026-11-21 10:00"


def order(n: int, status: str, *, created: str, **cells) -> dict:
    shipped = {"物流单号": f"7531234{n:07d}", "物流公司": "中通快递"} if status == SHIPPED else {}
    return legacy_order(n, status, 订单创建时间=created, **shipped, **cells)


class Stub:
    def __init__(self, folder: Path, *args: str):
        self.log = folder / "calls.jsonl"
        port_file = folder / "stub.port"
        self.proc = subprocess.Popen([PYTHON, str(STUB), "--port", "0", "--port-file", str(port_file),
                                      "--log", str(self.log), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while not port_file.exists():
            assert self.proc.poll() is None and time.monotonic() < deadline, "the stub did not start"
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{port_file.read_text()}/send"

    def calls(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines() if line.strip()]

    def wait_for(self, predicate, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while not any(predicate(c) for c in self.calls()):
            assert time.monotonic() < deadline, f"the stub never saw the call; it has {self.calls()}"
            time.sleep(0.02)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def shop(shop_folder, cli):
    orders = [order(n, UNPAID, created=f"2026-11-21 09:{n:02d}:00") for n in (1, 2, 3)]
    orders += [order(n, SHIPPED, created="2026-11-21 08:00:00") for n in (11, 12, 13)]
    write_csv(shop_folder / "orders.csv", LEGACY_ORDER_HEADER, orders, encoding="gbk")
    assert cli("import", shop_folder / "orders.csv", "--now", NOW).exit_code == 0
    return shop_folder


def configure(folder: Path, stub: Stub, timeout: str = "30s") -> None:
    (folder / "shoptool.toml").write_text(
        f'[sms]\nprovider = "http"\n[sms.http]\nurl = "{stub.url}"\ntimeout = "{timeout}"\n', encoding="utf-8")


def shoptool(folder: Path, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPTOOL_")}
    return subprocess.Popen([PYTHON, "-m", "shoptool", *args], cwd=folder, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen) -> tuple[int, dict | None, str]:
    out, err = proc.communicate(timeout=60)
    return proc.returncode, (json.loads(out) if out.strip() else None), err


def messages(folder: Path) -> dict[str, tuple]:
    import sqlite3

    with sqlite3.connect(folder / "shoptool.db") as conn:
        return {k: (s, r) for k, s, r in conn.execute("SELECT dedupe_key, status, reason FROM messages")}


def assert_once_each(calls: list[dict]) -> Counter:
    sends = Counter(c["out_id"] for c in calls if c["action"] == "SendSms")
    assert all(n == 1 for n in sends.values()), f"sent twice: {sends}"
    return sends


@pytest.mark.parametrize(("command", "first", "slow", "last"), [
    ("notify-shipped", 11, 12, 13),
    ("remind-unpaid", 1, 2, 3),
])
def test_a_run_killed_in_the_middle_of_a_slow_send_never_texts_twice(shop, command, first, slow, last):
    stub = Stub(shop, "--script", f"{phone(slow)}=slow:30")
    try:
        configure(shop, stub)
        run = shoptool(shop, command, "--now", NOW, "--format", "json")
        stub.wait_for(lambda c: c["phone"] == phone(slow))  # the request is at the provider, unanswered
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=10)
        assert run.returncode == -signal.SIGKILL
        state = messages(shop)
        slow_key = next(k for k in state if oid(slow) in k or f"7531234{slow:07d}" in k)
        assert state[slow_key][0] == "sending", "committed before the call, and nobody recorded an answer"

        code, doc, err = finish(shoptool(shop, command, "--now", NOW, "--format", "json"))
        assert code == 4, err
        actions = {r["order_id"]: (r["action"], r["reason"]) for r in doc["rows"]}
        assert actions[oid(slow)] == ("unknown", "interrupted")
        assert actions[oid(last)] == ("sent", None)
        assert oid(first) not in actions, "sent by the killed run: nothing to do"

        code, doc, _ = finish(shoptool(shop, command, "--now", "2026-11-21 11:00", "--format", "json"))
        # Nothing is sent again, and the run exits 4 while the unknown text waits for a person.
        assert code == 4 and [r for r in doc["rows"] if r["action"] != "skipped"] == []
        assert doc["summary"]["unknown_in_outbox"] == 1
        sends = assert_once_each(stub.calls())
        assert len(sends) == 3
        assert messages(shop)[slow_key] == ("unknown", "interrupted")
    finally:
        stub.stop()


def test_two_runs_started_at_once_send_each_message_once(shop):
    stub = Stub(shop, "--default", "slow:0.2")
    try:
        configure(shop, stub)
        runs = [shoptool(shop, "notify-shipped", "--now", NOW, "--quiet") for _ in range(2)]
        results = [finish(r) for r in runs]
        codes = sorted(code for code, _, _ in results)
        assert codes in ([0, 0], [0, 5]), results
        if codes == [0, 5]:
            err = next(e for c, _, e in results if c == 5)
            assert len(err.strip().splitlines()) == 1 and "notify-shipped" in err
        assert len(assert_once_each(stub.calls())) == 3
    finally:
        stub.stop()


OVERLAP = """
import json, sys
from shoptool.jobs import Shop
from shoptool.messages import purposes
from shoptool.messages.runner import Runner
shop = Shop(None, None, now=sys.argv[2])
job = purposes.PURPOSES[sys.argv[1]](shop.settings)
report = Runner(job, shop, dry_run=False).run()
print(json.dumps([[r["order_id"], r["action"]] for r in report.rows]))
"""


def test_overlapping_runs_without_the_lock_still_send_each_message_once(shop):
    """The lock is a courtesy: the claim is what guarantees. Two engines run side by side on one
    database, each planning every message and racing to claim each."""
    stub = Stub(shop, "--default", "slow:0.3")
    try:
        configure(shop, stub)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPTOOL_")}
        runs = [subprocess.Popen([PYTHON, "-c", OVERLAP, command, NOW], cwd=shop, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
                for command in ("notify-shipped", "notify-shipped", "remind-unpaid", "remind-unpaid")]
        outputs = [r.communicate(timeout=60) for r in runs]
        assert all(r.returncode == 0 for r in runs), outputs
        sent = [order_id for out, _ in outputs for order_id, action in json.loads(out) if action == "sent"]
        assert len(sent) == len(set(sent)) == 6
        sends = assert_once_each(stub.calls())
        assert len(sends) == 6
        assert {s for s, _ in messages(shop).values()} == {"sent"}
    finally:
        stub.stop()


def test_two_commands_at_once_keep_the_per_phone_cap_across_purposes(shop_folder, cli):
    # one buyer: an unpaid order and a parcel just shipped, both due now, to the same phone
    write_csv(shop_folder / "orders.csv", LEGACY_ORDER_HEADER, [
        order(1, UNPAID, created="2026-11-21 09:00:00", 联系手机=phone(9), 买家会员名="tb_same"),
        order(11, SHIPPED, created="2026-11-21 08:00:00", 联系手机=phone(9), 买家会员名="tb_same"),
    ], encoding="gbk")
    assert cli("import", shop_folder / "orders.csv", "--now", NOW).exit_code == 0
    stub = Stub(shop_folder, "--default", "slow:0.5")
    try:
        configure(shop_folder, stub)
        runs = [shoptool(shop_folder, command, "--now", NOW, "--format", "json")
                for command in ("notify-shipped", "remind-unpaid")]
        results = [finish(r) for r in runs]
        assert [code for code, _, _ in results] == [0, 0], results
        actions = sorted((r["action"], r["reason"]) for _, doc, _ in results for r in doc["rows"])
        assert actions == [("deferred", "phone_minute_cap"), ("sent", None)]
        assert len(stub.calls()) == 1, "one text per phone per minute, whichever command got there first"
        later = [finish(shoptool(shop_folder, c, "--now", "2026-11-21 10:02", "--quiet"))[0]
                 for c in ("notify-shipped", "remind-unpaid")]
        assert later == [0, 0] and len(assert_once_each(stub.calls())) == 2
    finally:
        stub.stop()


CRASH = """
import os, sys
from shoptool.messages import runner
from shoptool.messages.providers import http

if sys.argv[1] == "before_call":  # dies after `sending` is committed, before the request leaves
    http.HttpProvider.send = lambda self, message: os._exit(9)
else:  # dies after the provider answered, before the answer is recorded
    runner.Runner.record = lambda self, pairs: os._exit(9)
sys.argv = ["shoptool", "notify-shipped", "--now", sys.argv[2], "--quiet"]
from shoptool.cli import app
app(prog_name="shoptool")
"""


@pytest.mark.parametrize(("point", "reached"), [("before_call", 0), ("after_answer", 1)])
def test_a_crash_at_either_side_of_the_provider_call_ends_unknown_never_resent(shop_folder, cli, point, reached):
    write_csv(shop_folder / "orders.csv", LEGACY_ORDER_HEADER,
              [order(11, SHIPPED, created="2026-11-21 08:00:00")], encoding="gbk")
    assert cli("import", shop_folder / "orders.csv", "--now", NOW).exit_code == 0
    stub = Stub(shop_folder)
    try:
        configure(shop_folder, stub)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPTOOL_")}
        crashed = subprocess.run([PYTHON, "-c", CRASH, point, NOW], cwd=shop_folder, env=env, capture_output=True,
                                 text=True, timeout=60)
        assert crashed.returncode == 9, crashed.stderr
        assert len(stub.calls()) == reached
        assert messages(shop_folder) == {"s:75312340000011": ("sending", None)}
        code, doc, _ = finish(shoptool(shop_folder, "notify-shipped", "--now", NOW, "--format", "json"))
        assert code == 4 and [(r["action"], r["reason"]) for r in doc["rows"]] == [("unknown", "interrupted")]
        code, doc, _ = finish(shoptool(shop_folder, "notify-shipped", "--now", "2026-11-21 12:00", "--format", "json"))
        assert code == 4 and doc["rows"] == [] and doc["summary"]["unknown_in_outbox"] == 1, "still for a person"
        assert len(stub.calls()) == reached, "at most once: an interrupted send is never repeated"
    finally:
        stub.stop()


def test_overlapping_runs_with_the_file_provider_hand_each_text_over_once(shop):
    """The file provider's texts are claimed in the plan's own transaction: engines side by side,
    without the lock, each planning every message; every text is in exactly one sheet the
    handover log names, and every message ends `sent` (none left `sending`)."""
    (shop / "shoptool.toml").write_text('[sms]\nprovider = "file"\n[sms.file]\nformat = "csv"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPTOOL_")}
    runs = [subprocess.Popen([PYTHON, "-c", OVERLAP, command, NOW], cwd=shop, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
            for command in ("notify-shipped", "remind-unpaid") * 3]
    outputs = [r.communicate(timeout=60) for r in runs]
    assert all(r.returncode == 0 for r in runs), outputs
    sent = [order_id for out, _ in outputs for order_id, action in json.loads(out) if action == "sent"]
    assert sorted(sent) == sorted(set(sent)) and len(sent) == 6
    log = [json.loads(line) for line in (shop / "sms-upload" / "handover.jsonl").read_text().splitlines()]
    handed = Counter(out_id for record in log for out_id in record["out_ids"])
    assert len(handed) == 6 and set(handed.values()) == {1}, handed
    rows = sum(len((shop / "sms-upload" / r["sheet"]).read_text(encoding="utf-8-sig").splitlines()) - 1 for r in log)
    assert rows == 6
    assert {s for s, _ in messages(shop).values()} == {"sent"}
