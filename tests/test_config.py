"""Settings: file, then SHOPTOOL_* environment, then defaults; paths relative to the config."""

import tomllib

import pytest

from shoptool.config import load_settings, render_toml
from shoptool.errors import ConfigError
from shoptool.settings_defaults import SETTINGS


def test_init_writes_every_default_commented(cli, shop_folder):
    result = cli("init")

    assert result.exit_code == 0, result
    text = (shop_folder / "shoptool.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert data["shop"]["cutoff"] == "16:00" and data["sms"]["quiet_hours"]["reminder"] == "20:00-08:00"
    assert "# 截单时间" in text
    flat = load_settings(shop_folder / "shoptool.toml", env={})
    written = [s.path for s in SETTINGS if s.default != {}]  # empty tables are only a comment
    assert [p for p in written if flat.sources[p] != "file"] == []
    assert (shop_folder / "shoptool.db").exists()
    assert cli("init").exit_code == 2  # never overwrites without --force


def test_environment_wins_over_the_file(shop_folder):
    (shop_folder / "shoptool.toml").write_text('[sms]\nprovider = "aliyun"\n[shop]\nunpaid_close_after = "48h"\n')

    settings = load_settings(env={"SHOPTOOL_SMS_PROVIDER": "http", "SHOPTOOL_SMS_HTTP_URL": "http://127.0.0.1:9/x"})

    assert settings["sms.provider"] == "http" and settings.sources["sms.provider"] == "env:SHOPTOOL_SMS_PROVIDER"
    assert settings["sms.http.url"] == "http://127.0.0.1:9/x"
    assert settings["shop.unpaid_close_after"] == "48h" and settings.sources["shop.unpaid_close_after"] == "file"
    assert settings["shop.cutoff"] == "16:00" and settings.sources["shop.cutoff"] == "default"


def test_relative_db_path_is_relative_to_the_config_file(tmp_path):
    shop = tmp_path / "shop"
    shop.mkdir()
    (shop / "shoptool.toml").write_text('db = "data/shop.db"\n')

    settings = load_settings(shop / "shoptool.toml", env={}, cwd=tmp_path / "elsewhere")

    assert settings.db_path == shop / "data" / "shop.db"


def test_template_given_only_a_new_text_keeps_code_and_class(shop_folder):
    (shop_folder / "shoptool.toml").write_text('[sms.templates.shipped]\ntext = "已发货：{tracking_no}"\n')
    template = load_settings(env={}).templates()["shipped"]
    assert template == {"class": "notification", "code": "SMS_SHIPPED", "text": "已发货：{tracking_no}"}


@pytest.mark.parametrize(
    "toml, message",
    [('[shop]\ntimezone = "Mars/Base"\n', "shop.timezone"), ('[stock]\nsafety = "many"\n', "stock.safety"),
     ('[shop]\ncutoff = "4pm"\n', "shop.cutoff"), ("[shop\n", "not valid TOML")],
)
def test_bad_settings_are_named(shop_folder, toml, message):
    (shop_folder / "shoptool.toml").write_text(toml)
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        load_settings(env={})


def test_unknown_keys_warn_and_bad_settings_exit_2(cli, shop_folder):
    (shop_folder / "shoptool.toml").write_text('[stock]\nsafty = 3\n')
    result = cli("export", "orders")
    assert result.exit_code == 0 and "unknown setting 'stock.safty'" in result.stderr
    (shop_folder / "shoptool.toml").write_text('[stock]\nratio = "half"\n')
    assert cli("export", "orders").exit_code == 2


def test_rendered_toml_round_trips():
    assert tomllib.loads(render_toml())["reviews"]["tags"]["物流"][0] == "物流"
