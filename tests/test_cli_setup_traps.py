"""The traps of a new shop's first day: `init` takes the shop's real name (from the imported orders'
店铺名称, --shop-name, or by asking a person), never prompts without a terminal, and sending commands
say so when they ran against an empty or just-created database."""

from __future__ import annotations

import tomllib

from builders import LEGACY_ORDER_HEADER, SHIPPED, legacy_order, write_csv

NOW = ("--now", "2026-11-21 10:00")


def settings_of(folder) -> dict:
    return tomllib.loads((folder / "shoptool.toml").read_text(encoding="utf-8"))


def import_orders(cli, folder, shop_names):
    rows = [legacy_order(n, 店铺名称=name) for n, name in enumerate(shop_names, 1)]
    assert cli("import", write_csv(folder / "o.csv", LEGACY_ORDER_HEADER, rows, encoding="gbk")).exit_code == 0


def test_init_takes_the_name_the_imported_orders_agree_on(cli, shop_folder):
    import_orders(cli, shop_folder, ["林记小店", "林记小店"])
    run = cli("init", "-f", "json")
    assert run.exit_code == 0, run
    settings = settings_of(shop_folder)
    assert settings["shop"]["name"] == settings["sms"]["sign_name"] == "林记小店"
    assert "店铺名称 of the imported orders" in run.stderr


def test_init_with_shop_name_for_scripts(cli, shop_folder):
    run = cli("init", "--shop-name", "阿福杂货铺", "-f", "json")
    assert run.exit_code == 0, run
    assert settings_of(shop_folder)["sms"]["sign_name"] == "阿福杂货铺"
    assert run.json["summary"]["shop_name"] == "阿福杂货铺"


def test_init_without_a_terminal_never_asks_and_warns_about_the_example(cli, shop_folder):
    import_orders(cli, shop_folder, ["林记小店", "阿福杂货铺"])  # they disagree: nothing to take
    run = cli("init", "-f", "json")
    assert run.exit_code == 0, run
    assert settings_of(shop_folder)["shop"]["name"] == "示例旗舰店"
    assert "warning:" in run.stderr and "--shop-name" in run.stderr and "林记小店" in run.stderr


def test_init_asks_a_person(cli, shop_folder, monkeypatch):
    from shoptool.cli import operations_cmd

    monkeypatch.setattr(operations_cmd, "_can_ask", lambda: True)
    run = cli("init", "-f", "json", input="小林的店\n")
    assert run.exit_code == 0, run
    assert settings_of(shop_folder)["shop"]["name"] == "小林的店"


def test_sending_outside_the_shop_folder_says_the_database_was_just_created(cli, shop_folder):
    run = cli("notify-shipped", *NOW, "-f", "json")
    assert run.exit_code == 0, run
    assert "no shop database" in run.stderr and "nothing was sent" in run.stderr
    again = cli("remind-unpaid", *NOW, "-f", "json")
    assert "holds no orders" in again.stderr


def test_sending_with_orders_says_nothing_of_the_kind(cli, shop_folder):
    rows = [legacy_order(1, SHIPPED, 物流单号="SF1400123456789", 物流公司="顺丰速运")]
    assert cli("import", write_csv(shop_folder / "o.csv", LEGACY_ORDER_HEADER, rows, encoding="gbk"),
               *NOW).exit_code == 0
    run = cli("notify-shipped", *NOW, "--dry-run", "-f", "json")
    assert run.exit_code == 0 and "no shop database" not in run.stderr and "no orders" not in run.stderr


def test_the_file_provider_names_sheets_in_shop_time_and_says_until_when_to_upload(cli, shop_folder):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    rows = [legacy_order(1, SHIPPED, 物流单号="SF1400123456789", 物流公司="顺丰速运", 联系手机="'13800138001")]
    assert cli("import", write_csv(shop_folder / "o.csv", LEGACY_ORDER_HEADER, rows, encoding="gbk"),
               "--now", "2026-11-21 10:00").exit_code == 0
    run = cli("notify-shipped", "--now", "2026-11-21 10:00", "-f", "json")
    assert run.exit_code == 0, run
    assert "before 21:00 today (shop time; quiet hours for notification texts)" in run.stderr
    shop_day = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y%m%d")
    sheets = [p.name for p in (shop_folder / "sms-upload").glob("sms-*.xlsx")]
    assert len(sheets) == 1 and shop_day in sheets[0], sheets


def test_small_words_right(cli, shop_folder):
    from builders import PAGE_STOCK_HEADER, page_stock_row

    page = write_csv(shop_folder / "page.csv", PAGE_STOCK_HEADER, [page_stock_row(1, "A-1", "3")])
    run = cli("address-check", "--orders", page, "-f", "json")
    assert run.exit_code == 3 and "not an orders sheet" in run.stderr, run
    bad = cli("reviews", "--since", "yesterday-ish", "-f", "json")
    assert bad.exit_code == 2 and "2026-11-21 10:00" in bad.stderr  # says which formats are accepted
    bad = cli("stock-check", "--now", "soon", "-f", "json")
    assert bad.exit_code == 2 and "2026-11-21T10:00:00+08:00" in bad.stderr
