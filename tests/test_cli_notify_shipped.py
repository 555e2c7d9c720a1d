"""`shoptool notify-shipped` end to end: exports imported, the command run at fixed moments, the
stub's requests counted — through the http contract and through the real Aliyun and Tencent SDKs
(PRODUCT §8, §12, §15)."""

from __future__ import annotations

import json

import pytest
from builders import (
    DONE,
    LEGACY_ORDER_HEADER,
    QIANNIU_ORDER_HEADER,
    SHIPMENT_HEADER,
    SHIPPED,
    legacy_order,
    oid,
    phone,
    qianniu_order,
    shipment,
    write_csv,
    write_xlsx,
)
from sms_stub import SmsStub

ROW_KEYS = ["order_id", "order_ids", "purpose", "step", "action", "reason", "phone", "parts"]
SECRETS = {
    "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI5tFakeKeyId0001",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "ali-secret-DO-NOT-SHOW-9f8e7d",
    "TENCENTCLOUD_SECRET_ID": "AKIDFakeSecretId0001",
    "TENCENTCLOUD_SECRET_KEY": "tc-secret-DO-NOT-SHOW-1a2b3c",
}


def order(n: int, *, tracking: str | None = None, courier: str = "中通快递", status: str = SHIPPED, **cells) -> dict:
    return legacy_order(n, status, 物流单号=f"No:{tracking or f'7531234{n:07d}'}", 物流公司=courier, **cells)


@pytest.fixture
def stub():
    with SmsStub() as server:
        yield server


@pytest.fixture
def shop(shop_folder, stub):
    (shop_folder / "shoptool.toml").write_text(
        f'[sms]\nprovider = "http"\n[sms.http]\nurl = "{stub.http_url}"\ntimeout = "2s"\n', encoding="utf-8")
    return shop_folder


def load(cli, folder, orders=(), now="2026-11-21 10:00", *, shipments=(), name="orders.csv"):
    if orders:
        write_csv(folder / name, LEGACY_ORDER_HEADER, orders, encoding="gbk")
        assert cli("import", folder / name, "--now", now).exit_code == 0
    if shipments:
        write_csv(folder / f"ship-{name}", SHIPMENT_HEADER, shipments)
        assert cli("import", folder / f"ship-{name}", "--now", now).exit_code == 0


def notify(cli, now="2026-11-21 10:00", *extra, env=None):
    return cli("notify-shipped", "--now", now, "--format", "json", *extra, env=env)


def by_order(rows):
    return {r["order_id"]: (r["action"], r["reason"]) for r in rows}


def test_one_notice_per_parcel_naming_courier_and_tracking_number(cli, shop, stub, db):
    load(cli, shop, [order(1), order(2, tracking="YT8801234567890", courier="圆通速递"),
                     order(3, tracking="YT8801234567890", courier="圆通速递", 联系手机=phone(2))])
    run = notify(cli)
    assert run.exit_code == 0, run
    assert by_order(run.rows) == {oid(1): ("sent", None), oid(2): ("sent", None)}
    parcel = next(r for r in run.rows if r["order_id"] == oid(2))
    assert parcel["order_ids"] == [oid(2), oid(3)] and parcel["purpose"] == "shipped" and parcel["parts"] == 1
    assert list(parcel)[:len(ROW_KEYS)] == ROW_KEYS
    assert sorted((r["phone"], r["out_id"]) for r in stub.sent) == [
        (phone(1), "s:75312340000001"), (phone(2), "s:YT8801234567890")]
    text = next(r["text"] for r in stub.sent if r["phone"] == phone(2))
    assert "圆通速递" in text and "YT8801234567890" in text
    assert "拒收" not in text and "退订" not in text, "a notification carries no unsubscribe line"
    assert notify(cli).rows == [] and len(stub.requests) == 2, "a second run sends nothing"
    row = db().conn.execute("SELECT purpose, class, step, status, order_ids FROM messages WHERE dedupe_key = ?",
                            ("s:YT8801234567890",)).fetchone()
    assert row == ("shipped", "notification", "notice", "sent", json.dumps([oid(2), oid(3)]))


def test_a_parcel_that_gains_an_order_later_is_not_texted_again(cli, shop, stub):
    load(cli, shop, [order(2, tracking="YT8801234567890")])
    assert by_order(notify(cli).rows) == {oid(2): ("sent", None)}
    load(cli, shop, [order(3, tracking="YT8801234567890", 联系手机=phone(2))], "2026-11-21 11:00", name="later.csv")
    assert notify(cli, "2026-11-21 11:00").rows == []
    assert len(stub.requests) == 1


def test_ship_time_from_the_export_else_first_seen_and_max_age(cli, shop, stub):
    # the warehouse says order 1 left six days ago; order 2 has no ship time: seen shipped at import
    load(cli, shop, [order(1), order(2)], "2026-11-21 10:00",
         shipments=[shipment([oid(1)], "75312340000001", "2026-11-15 17:00:00")])
    run = notify(cli, "2026-11-21 10:00")
    assert by_order(run.rows) == {oid(1): ("skipped", "too_old"), oid(2): ("sent", None)}
    load(cli, shop, [order(3)], "2026-11-21 10:00", name="more.csv")
    assert notify(cli, "2026-11-23 10:01").rows == [], "older than notify.max_age (2d): not due any more"
    assert [r["phone"] for r in stub.sent] == [phone(2)]


def test_a_parcel_known_only_from_the_warehouse_sheet(cli, shop, stub):
    load(cli, shop, shipments=[shipment([oid(7), oid(8)], "SF1400123456789", "2026-11-21 09:00:00",
                                        物流公司="顺丰速运", 手机="13900000077")])
    run = notify(cli)
    assert by_order(run.rows) == {oid(7): ("sent", None)} and run.rows[0]["order_ids"] == [oid(7), oid(8)]
    assert [(r["phone"], r["params"]["courier"]) for r in stub.sent] == [("13900000077", "顺丰速运")]


def test_orders_without_a_textable_phone_are_listed_never_guessed(cli, shop, stub):
    load(cli, shop, [
        order(1, 联系手机=""),                            # blank
        order(2, 联系手机="13800138109-1234"),            # privacy number with an extension
        order(3, 联系手机="", 联系电话="0571-88881234"),  # landline only
        order(4, status=DONE),                            # delivered: not due
    ])
    write_xlsx(shop / "qianniu.xlsx", QIANNIU_ORDER_HEADER, [qianniu_order(
        5, SHIPPED, 收货地址="广东省 广州市 天河区 ****", 订单创建时间="2026-11-21 07:00:00", 物流单号="75312345679999",
        物流公司="中通快递", 发货时间="2026-11-21 08:30:00")])
    assert cli("import", shop / "qianniu.xlsx", "--now", "2026-11-21 10:00").exit_code == 0
    run = notify(cli)
    assert run.exit_code == 0, run
    assert by_order(run.rows) == {oid(n): ("skipped", "no_phone") for n in (1, 2, 3, 5)}
    shown = {r["order_id"]: r["phone"] for r in run.rows}
    assert shown[oid(2)] == "138****8109-1234" and shown[oid(3)] == "0571-****1234"
    assert stub.requests == []
    assert "skipped 4 (no_phone 4)" in run.stderr


def test_an_opted_out_phone_is_never_texted(cli, shop, stub, db):
    load(cli, shop, [order(1), order(2)])
    assert cli("sms", "opt-out", f"+86 {phone(1)}", "--note", "回复TD").exit_code == 0
    run = notify(cli)
    assert by_order(run.rows) == {oid(1): ("skipped", "opted_out"), oid(2): ("sent", None)}
    assert by_order(notify(cli, "2026-11-21 11:00").rows) == {oid(1): ("skipped", "opted_out")}
    assert [r["phone"] for r in stub.sent] == [phone(2)], "a second run sends nothing new"
    assert db().conn.execute("SELECT status, reason FROM messages WHERE order_id = ?", (oid(1),)).fetchone() == (
        "skipped", "opted_out")


def test_at_22_nothing_is_sent_and_the_next_run_after_8_sends_it(cli, shop, stub):
    load(cli, shop, [order(1)], "2026-11-21 21:40")
    night = notify(cli, "2026-11-21 22:00")
    assert night.exit_code == 0
    assert [(r["action"], r["reason"], r["next_attempt_at"]) for r in night.rows] == [
        ("deferred", "quiet_hours", "2026-11-22T08:00:00+08:00")]
    assert notify(cli, "2026-11-22 03:00").rows[0]["action"] == "deferred" and stub.requests == []
    morning = notify(cli, "2026-11-22 08:01")
    assert by_order(morning.rows) == {oid(1): ("sent", None)} and len(stub.sent) == 1


def test_dry_run_writes_nothing_and_matches_section_15(cli, shop, stub, db):
    load(cli, shop, [order(1), order(2, 联系手机="")])
    database = shop / "shoptool.db"
    before = database.read_bytes()
    handle = db()
    dump_before = list(handle.conn.iterdump())
    handle.close()
    run = notify(cli, "2026-11-21 10:00", "--dry-run")
    assert run.exit_code == 0, run
    doc = run.json
    assert set(doc) == {"command", "generated_at", "summary", "rows"} and doc["command"] == "notify-shipped"
    assert doc["summary"]["would_send"] == 1 and doc["summary"]["skipped"] == 1 and doc["summary"]["dry_run"] is True
    for row in doc["rows"]:
        assert list(row)[:len(ROW_KEYS)] == ROW_KEYS
        assert row["action"] in ("sent", "queued", "deferred", "skipped", "failed", "unknown", "would_send")
    assert by_order(doc["rows"]) == {oid(1): ("would_send", None), oid(2): ("skipped", "no_phone")}
    assert doc["rows"][0]["phone"] == "139****0001" and "75312340000001" in doc["rows"][0]["text"]
    assert database.read_bytes() == before and stub.requests == []
    after = db()
    assert list(after.conn.iterdump()) == dump_before
    assert not (shop / "shoptool.db.notify-shipped.lock").exists()


def test_show_pii_reveals_phones_and_is_audited(cli, shop, stub, db):
    load(cli, shop, [order(1)])
    run = notify(cli, "2026-11-21 10:00", "--dry-run", "--show-pii")
    assert run.rows[0]["phone"] == phone(1)
    assert db().conn.execute("SELECT command FROM audit WHERE action = 'show_pii'").fetchall() == [("notify-shipped",)]


def test_a_refused_number_fails_with_exit_4(cli, shop, stub):
    load(cli, shop, [order(1), order(2)])
    stub.script(phone(1), "bad_number")
    run = notify(cli)
    assert run.exit_code == 4
    assert by_order(run.rows) == {oid(1): ("failed", "bad_number"), oid(2): ("sent", None)}
    assert notify(cli, "2026-11-21 12:00").exit_code == 0 and len(stub.requests) == 2, "never resent"


# --- the real SDKs against the stub -------------------------------------------------------------

SDK_CASES = [
    ("success", 0, "sent", None),
    ("business_limit", 0, "deferred", "provider_limit"),
    ("bad_number", 4, "failed", None),
    ("slow:1", 4, "unknown", "timeout"),
]


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
@pytest.mark.parametrize(("behaviour", "code", "action", "reason"), SDK_CASES)
def test_real_sdks_through_notify_shipped(cli, shop_folder, stub, monkeypatch, db, provider, behaviour, code, action,
                                          reason):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SHOPTOOL_SMS_PROVIDER", provider)
    monkeypatch.setenv(f"SHOPTOOL_SMS_{provider.upper()}_ENDPOINT", stub.url)
    monkeypatch.setenv("SHOPTOOL_SMS_TENCENT_SDK_APP_ID", "1400000000")
    monkeypatch.setenv("SHOPTOOL_SMS_TIMEOUT", "0.5s")
    load(cli, shop_folder, [order(1)])
    stub.script(phone(1), behaviour)
    run = notify(cli)
    assert run.exit_code == code, run
    [row] = run.rows
    assert row["action"] == action and (reason is None or row["reason"] == reason), row
    [request] = stub.requests
    assert request["api"] == provider and request["out_id"] == "s:75312340000001" and request["signed"]
    message = db().conn.execute("SELECT status, provider, attempts FROM messages").fetchone()
    assert message == ({"sent": "sent", "deferred": "deferred", "failed": "failed", "unknown": "unknown"}[action],
                       provider, 1)
    for text in (run.stdout, run.stderr):
        assert phone(1) not in text and not any(v in text for v in SECRETS.values())
    later = notify(cli, "2026-11-22 12:00")  # Tencent's daily per-number limit lifts at midnight
    if action == "deferred":  # the per-number limit lifted: it goes out now, once
        assert later.exit_code == 0 and [r["action"] for r in later.rows] == ["sent"]
        assert len(stub.requests) == 2 and len(stub.sent) == 1
    else:  # sent, failed or unknown: never again
        assert later.rows == [] and len(stub.requests) == 1


def test_samples_at_the_readme_moment(cli, sample, shop_folder):
    for name in ("orders_legacy_gbk.csv", "orders_qianniu.xlsx", "shipments_erp.csv", "opt_outs.csv"):
        assert cli("import", sample(name), "--now", "2026-11-21 10:00").exit_code == 0
    run = notify(cli)
    assert run.exit_code == 0, run
    assert by_order(run.rows) == {oid(301): ("sent", None), oid(302): ("sent", None),
                                  oid(304): ("skipped", "too_old"), oid(307): ("skipped", "opted_out"),
                                  oid(503): ("skipped", "no_phone")}
    assert next(r for r in run.rows if r["order_id"] == oid(302))["order_ids"] == [oid(302), oid(303)]
    assert run.stderr.splitlines()[-1] == (
        "notify-shipped: sent 2 (2 part(s)), deferred 0, skipped 3 (no_phone 1, opted_out 1, too_old 1)")
    [handover] = [json.loads(line) for line in (shop_folder / "sms-upload" / "handover.jsonl").read_text().splitlines()]
    assert sorted(handover["out_ids"]) == ["s:75312345678901", "s:YT8801234567890"]
