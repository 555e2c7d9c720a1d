"""shoptool doctor: where settings came from, the database file, locks, SMS setup, clocks — and
never a secret, never a database it was only asked to look at."""

from __future__ import annotations

import os

import pytest
from builders import CLOSED, DONE, LEGACY_ORDER_HEADER, PAID, legacy_order, write_csv


def by_check(run) -> dict[str, dict]:
    return {row["check"]: row for row in run.rows}


def import_one(cli, folder) -> None:
    path = write_csv(folder / "o.csv", LEGACY_ORDER_HEADER, [legacy_order(1, DONE)], encoding="gbk")
    assert cli("import", path).exit_code == 0


def test_a_missing_database_is_reported_and_not_created(cli, shop_folder):
    result = cli("doctor", "--format", "json")

    assert result.exit_code == 0, result
    doc = result.json
    assert doc["command"] == "doctor"
    assert set(doc["summary"]) == {"ok", "warning", "error"} and doc["summary"]["error"] == 0
    database = by_check(result)["database"]
    assert database["status"] == "warning" and "created" in database["detail"]
    assert not any(p.name.startswith("shoptool.db") for p in shop_folder.iterdir())
    assert all(set(row) == {"check", "status", "detail", "source"} for row in doc["rows"])


HEALTHY = '[shop]\nname = "林记小店"\n[sms]\nsign_name = "林记小店"\n'


def test_a_healthy_shop(cli, shop_folder):
    (shop_folder / "shoptool.toml").write_text(HEALTHY, encoding="utf-8")
    import_one(cli, shop_folder)

    result = cli("doctor", "--now", "2026-11-21 10:00")

    assert result.exit_code == 0, result
    checks = by_check(result)
    names = ("database", "permissions", "integrity", "journal mode", "migrations", "lock remind-unpaid",
             "lock notify-shipped", "lock import-inbox", "sms provider", "time zone", "config", "shop name",
             "sms sign", "clock")
    assert {name: checks[name]["status"] for name in names} == dict.fromkeys(names, "ok")
    assert "none pending" in checks["migrations"]["detail"]
    assert checks["retention"]["status"] == "ok"
    assert checks["integrity"]["detail"] == "ok"
    assert result.json["summary"]["warning"] == 0 and result.json["summary"]["error"] == 0
    assert "doctor:" in result.stderr


def test_old_finished_orders_not_purged_yet_are_a_warning_until_purged(cli, shop_folder):
    placed = [(1, DONE, "2026-04-01 10:00:00"), (2, CLOSED, "2026-04-02 10:00:00"), (3, PAID, "2026-04-03 10:00:00"),
              (4, DONE, "2026-11-01 10:00:00")]
    rows = [legacy_order(n, status, 订单创建时间=created) for n, status, created in placed]
    assert cli("import", write_csv(shop_folder / "o.csv", LEGACY_ORDER_HEADER, rows, encoding="gbk")).exit_code == 0

    before = cli("doctor", "--now", "2026-11-21 10:00")

    assert before.exit_code == 0
    retention = by_check(before)["retention"]
    assert retention["status"] == "warning" and retention["detail"].startswith("2 finished orders")
    assert cli("purge", "--yes", "--now", "2026-11-21 10:00").exit_code == 0
    assert by_check(cli("doctor", "--now", "2026-11-21 10:00"))["retention"]["status"] == "ok"


def test_settings_say_where_they_came_from(cli, shop_folder):
    (shop_folder / "shoptool.toml").write_text('[shop]\ncutoff = "17:00"\n', encoding="utf-8")

    result = cli("doctor", env={"SHOPTOOL_STOCK_SAFETY": "2", "SHOPTOOL_SHOP_TIMEZONE": "Asia/Tokyo"})

    assert result.exit_code == 0, result
    checks = by_check(result)
    cutoff = checks["setting shop.cutoff"]
    assert (cutoff["detail"], cutoff["source"]) == ("17:00 (file)", "file")
    assert checks["setting stock.safety"]["source"] == "env:SHOPTOOL_STOCK_SAFETY"
    assert checks["setting shop.name"]["source"] == "default"
    assert checks["config"]["detail"] == str(shop_folder / "shoptool.toml")
    assert "Asia/Tokyo" in checks["time zone"]["detail"] and "+09:00" in checks["time zone"]["detail"]


def test_wide_permissions_are_a_warning(cli, shop_folder):
    import_one(cli, shop_folder)
    (shop_folder / "shoptool.db").chmod(0o644)

    result = cli("doctor")

    assert result.exit_code == 0
    assert by_check(result)["permissions"]["status"] == "warning"
    assert "chmod 600" in by_check(result)["permissions"]["detail"]


def test_a_file_that_is_not_a_database_fails_the_check(cli, shop_folder):
    (shop_folder / "shoptool.db").write_bytes(b"this is not sqlite" * 100)
    before = (shop_folder / "shoptool.db").read_bytes()

    result = cli("doctor")

    assert result.exit_code == 1
    assert by_check(result)["integrity"]["status"] == "error"
    assert (shop_folder / "shoptool.db").read_bytes() == before


def test_pending_migrations_are_shown_not_applied(cli, db, shop_folder):
    import_one(cli, shop_folder)
    conn = db().conn
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm004_privacy_purge'")
    conn.close()

    result = cli("doctor")

    assert result.exit_code == 0
    migrations = by_check(result)["migrations"]
    assert migrations["status"] == "warning" and "m004_privacy_purge" in migrations["detail"]
    import sqlite3

    check = sqlite3.connect(shop_folder / "shoptool.db")
    assert check.execute("SELECT count(*) FROM _sqlite_migrations WHERE name = 'm004_privacy_purge'").fetchone()[0] == 0
    check.close()


def test_a_held_cron_lock_is_shown_with_its_holder(cli, shop_folder):
    from shoptool.locks import single_instance

    import_one(cli, shop_folder)
    with single_instance(shop_folder / "shoptool.db", "remind-unpaid"):
        result = cli("doctor")

    assert result.exit_code == 0
    checks = by_check(result)
    assert checks["lock remind-unpaid"]["status"] == "warning"
    assert f"pid {os.getpid()}" in checks["lock remind-unpaid"]["detail"]
    assert checks["lock notify-shipped"]["detail"] == "free"


SECRET = "s3cr3t-VALUE-never-shown"


def test_secrets_and_provider_settings_are_never_printed(cli, shop_folder):
    (shop_folder / "shoptool.toml").write_text(
        f'[sms]\nprovider = "http"\n[sms.http]\nurl = "https://user:{SECRET}@sms.example/send?key={SECRET}"\n',
        encoding="utf-8")

    result = cli("doctor", env={"SHOPTOOL_SMS_HTTP_TOKEN": SECRET})

    assert result.exit_code == 0, result
    assert SECRET not in result.stdout and SECRET not in result.stderr
    checks = by_check(result)
    assert checks["setting sms.http.url"]["detail"] == "set (file)"
    assert checks["sms credential token"]["detail"] == "present (env:SHOPTOOL_SMS_HTTP_TOKEN)"


def test_a_provider_without_its_keys_fails(cli, shop_folder):
    result = cli("doctor", env={"SHOPTOOL_SMS_PROVIDER": "aliyun"})

    assert result.exit_code == 1
    checks = by_check(result)
    assert checks["sms credential access_key_id"]["status"] == "error"
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in checks["sms credential access_key_id"]["detail"]
    keys = {"SHOPTOOL_SMS_PROVIDER": "aliyun", "ALIBABA_CLOUD_ACCESS_KEY_ID": SECRET,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET}
    with_keys = cli("doctor", env=keys)
    assert with_keys.exit_code == 0, with_keys
    assert SECRET not in with_keys.stdout
    assert by_check(with_keys)["sms credential access_key_secret"]["detail"] == (
        "present (env:ALIBABA_CLOUD_ACCESS_KEY_SECRET)")


@pytest.mark.parametrize(("mode", "code", "status"), [(0o600, 0, "ok"), (0o644, 1, "error")])
def test_the_credentials_file_must_be_owner_only(cli, shop_folder, mode, code, status):
    keys = shop_folder / "keys.toml"
    keys.write_text(f'[tencent]\nsecret_id = "{SECRET}"\nsecret_key = "{SECRET}"\n', encoding="utf-8")
    keys.chmod(mode)
    (shop_folder / "shoptool.toml").write_text(
        '[sms]\nprovider = "tencent"\ncredentials_file = "keys.toml"\n[sms.tencent]\nsdk_app_id = "1400000000"\n',
        encoding="utf-8")

    result = cli("doctor")

    assert result.exit_code == code, result
    assert SECRET not in result.stdout
    assert by_check(result)["credentials file"]["status"] == status


def test_a_broken_config_is_an_error_row(cli, shop_folder):
    (shop_folder / "shoptool.toml").write_text("[shop\n", encoding="utf-8")

    result = cli("doctor", "--format", "json")

    assert result.exit_code == 1
    assert by_check(result)["config"]["status"] == "error"


def test_setup_traps_are_warnings(cli, shop_folder):
    """The example name and sign, orders of another shop, no shoptool.toml here, a pinned clock."""
    from builders import LEGACY_ORDER_HEADER, legacy_order, write_csv

    rows = [legacy_order(n, 店铺名称="林记小店") for n in (1, 2)]
    assert cli("import", write_csv(shop_folder / "o.csv", LEGACY_ORDER_HEADER, rows, encoding="gbk")).exit_code == 0

    result = cli("doctor", env={"SHOPTOOL_NOW": "2026-11-21 10:00"})

    assert result.exit_code == 0, result  # warnings only
    checks = by_check(result)
    assert checks["config"]["status"] == "warning" and "no shoptool.toml" in checks["config"]["detail"]
    assert checks["shop name"]["status"] == "warning" and "示例旗舰店" in checks["shop name"]["detail"]
    assert checks["sms sign"]["status"] == "warning"
    assert checks["clock"]["status"] == "warning" and "SHOPTOOL_NOW=2026-11-21 10:00" in checks["clock"]["detail"]

    (shop_folder / "shoptool.toml").write_text('[shop]\nname = "别家店"\n[sms]\nsign_name = "别家"\n', encoding="utf-8")
    checks = by_check(cli("doctor"))
    assert checks["shop name"]["status"] == "warning" and "林记小店 (2 orders)" in checks["shop name"]["detail"]
    assert checks["sms sign"]["status"] == "warning" and "别家" in checks["sms sign"]["detail"]
    assert checks["clock"]["status"] == "ok" and checks["config"]["status"] == "ok"
