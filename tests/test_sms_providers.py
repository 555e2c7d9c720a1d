"""Provider adapters against the stub: the real Aliyun and Tencent SDKs, the http contract, the
file sheet, credentials. Every answer must land in the right outcome (PRODUCT §8), and nothing
may show a key or a full phone number."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sms_stub import SmsStub

from shoptool.errors import ConfigError
from shoptool.messages.credentials import CredentialsError, Secret, load_credentials
from shoptool.messages.providers import make_provider
from shoptool.messages.providers.base import OutgoingMessage, scrub
from shoptool.phones import mask_phone

PHONE = "13800138000"
SECRETS = {
    "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI5tFakeKeyId0001",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "ali-secret-DO-NOT-SHOW-9f8e7d",
    "TENCENTCLOUD_SECRET_ID": "AKIDFakeSecretId0001",
    "TENCENTCLOUD_SECRET_KEY": "tc-secret-DO-NOT-SHOW-1a2b3c",
    "SHOPTOOL_SMS_HTTP_TOKEN": "http-token-DO-NOT-SHOW-77",
}
SECRET_VALUES = [v for k, v in SECRETS.items() if "SECRET" in k or "TOKEN" in k]
TIMEOUT = 0.3  # seconds; the stub's "slow" answers after 0.6
CHINA = timezone(timedelta(hours=8))


@pytest.fixture
def stub():
    with SmsStub() as server:
        yield server


def settings_for(stub: SmsStub, **extra) -> dict:
    return {
        "sms.sign_name": "示例旗舰店",
        "sms.timeout": f"{TIMEOUT}s",
        "sms.http.url": stub.http_url,
        "sms.http.timeout": f"{TIMEOUT}s",
        "sms.aliyun.endpoint": stub.url,  # http://127.0.0.1:PORT: the real SDK, plain http
        "sms.tencent.endpoint": stub.url,
        "sms.tencent.sdk_app_id": "1400000000",
        **extra,
    }


def message(phone: str = PHONE, out_id: str = "shipped:SF1234567890:0", **params) -> OutgoingMessage:
    params = params or {"courier": "中通快递", "tracking_no": "78912345678901"}
    return OutgoingMessage(
        phone=phone,
        text="【示例旗舰店】您的订单已由中通快递发出，运单号78912345678901，请留意查收。",
        template_code="SMS_200000001" if "tracking_no" in params else "SMS_2",
        params=params,
        out_id=out_id,
        sign_name="示例旗舰店",
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def assert_clean(*texts: object) -> None:
    for text in texts:
        for secret in SECRET_VALUES:
            assert secret not in str(text)
        assert PHONE not in str(text)


SDK_CASES = [
    ("success", "sent"),
    ("business_limit", "defer"),
    ("bad_number", "failed"),
    ("bad_template", "failed"),
    ("no_balance", "stop"),
    ("day_limit", "stop"),
    ("account_disabled", "stop"),
    ("throttled", "retry"),
    ("server_error", "unknown"),
    ("system_error", "unknown"),
    ("garbled", "unknown"),
    ("slow:0.6", "unknown"),
]


@pytest.mark.parametrize("provider", ["aliyun", "tencent", "http"])
@pytest.mark.parametrize(("behaviour", "outcome"), SDK_CASES)
def test_answers_are_classed(stub, provider, behaviour, outcome):
    sender = make_provider(provider, settings_for(stub), env=SECRETS)
    stub.script(PHONE, behaviour)
    result = sender.send(message())
    assert result.outcome == outcome, result
    assert len(stub.requests) == 1, "the adapter or its SDK must never resend on its own"
    assert (result.provider_id is not None) == (outcome == "sent")
    if outcome == "defer":
        assert result.retry_after and result.retry_after > 0
    assert_clean(result, repr(result), result.detail, repr(sender))


@pytest.mark.parametrize("provider", ["aliyun", "tencent", "http"])
def test_connection_refused_is_safe_to_retry(provider, stub):
    port = closed_port()
    settings = settings_for(
        stub,
        **{"sms.http.url": f"http://127.0.0.1:{port}/send", "sms.aliyun.endpoint": f"http://127.0.0.1:{port}",
           "sms.tencent.endpoint": f"http://127.0.0.1:{port}"},
    )
    result = make_provider(provider, settings, env=SECRETS).send(message())
    assert result.outcome == "retry" and result.code == "connect_error"
    assert_clean(result)


def test_aliyun_request_carries_the_message_fields(stub):
    result = make_provider("aliyun", settings_for(stub), env=SECRETS).send(message())
    assert result.outcome == "sent" and result.provider_id == stub.requests[0]["provider_id"]
    seen = stub.requests[0]
    assert seen["api"] == "aliyun" and seen["action"] == "SendSms" and seen["signed"]
    assert seen["phone"] == PHONE
    assert seen["sign_name"] == "示例旗舰店"
    assert seen["template"] == "SMS_200000001"
    assert seen["params"] == {"courier": "中通快递", "tracking_no": "78912345678901"}
    assert seen["out_id"] == "shipped:SF1234567890:0"


def test_tencent_request_carries_the_message_fields(stub):
    result = make_provider("tencent", settings_for(stub), env=SECRETS).send(message())
    assert result.outcome == "sent" and result.provider_id == stub.requests[0]["provider_id"]
    seen = stub.requests[0]
    assert seen["api"] == "tencent" and seen["signed"]
    assert seen["phone"] == PHONE and seen["sdk_app_id"] == "1400000000"
    assert seen["sign_name"] == "示例旗舰店" and seen["template"] == "SMS_200000001"
    assert seen["params"] == ["中通快递", "78912345678901"]  # positional, in template order
    assert seen["out_id"] == "shipped:SF1234567890:0"  # SessionContext


def test_http_request_is_the_documented_json_with_token_and_idempotency_key(stub):
    result = make_provider("http", settings_for(stub), env=SECRETS).send(message())
    assert result.outcome == "sent" and result.provider_id == "stub-1"
    seen = stub.requests[0]
    assert seen["phone"] == PHONE and seen["out_id"] == "shipped:SF1234567890:0"
    assert seen["template"] == "SMS_200000001" and seen["params"]["tracking_no"] == "78912345678901"
    assert seen["text"].startswith("【示例旗舰店】")
    assert seen["authorization"] == "Bearer " + SECRETS["SHOPTOOL_SMS_HTTP_TOKEN"]
    assert seen["idempotency_key"] == "shipped:SF1234567890:0"


def test_http_throttling_honours_retry_after(stub):
    stub.script(PHONE, "throttled")
    result = make_provider("http", settings_for(stub), env=SECRETS).send(message())
    assert result.outcome == "retry" and result.retry_after == 1.0 and result.code == "throttled"


def test_aliyun_throttling_carries_the_gateway_wait(stub):
    stub.script(PHONE, "throttled")
    result = make_provider("aliyun", settings_for(stub), env=SECRETS).send(message())
    assert result.outcome == "retry" and result.code == "Throttling.User" and result.retry_after == 1.5


def test_only_the_file_provider_hands_over_on_flush(stub, tmp_path):
    assert make_provider("file", {}, out_dir=tmp_path).hands_over_on_flush
    for name in ("aliyun", "tencent", "http"):
        provider = make_provider(name, settings_for(stub), env=SECRETS)
        assert not provider.hands_over_on_flush and provider.flush() == []


def test_http_status_codes_without_a_body_code(stub):
    from shoptool.messages.providers.http import HttpProvider

    provider = HttpProvider(stub.http_url)
    assert provider._classify(200, b'{"id": 7}', None, None).outcome == "sent"
    assert provider._classify(201, b'{"ok": true}', None, None).outcome == "unknown"
    assert provider._classify(400, b"", None, None).outcome == "failed"
    assert provider._classify(404, b"not here", None, None).outcome == "failed"
    assert provider._classify(401, b"", None, None).outcome == "stop"
    assert provider._classify(429, b"", "5", None).retry_after == 5.0
    assert provider._classify(500, b"", None, None).outcome == "unknown"
    assert provider._classify(502, b"{}", None, None).outcome == "unknown"


def test_a_timed_out_text_still_reached_the_provider(stub):
    """Why a timeout is `unknown`, never `retry`: the provider had the request and sent it."""
    stub.script(PHONE, "slow:0.6")
    result = make_provider("aliyun", settings_for(stub), env=SECRETS).send(message())
    assert result.outcome == "unknown" and result.code == "timeout"
    assert len(stub.sent) == 1


def test_an_invalid_number_is_refused_before_any_request(stub):
    for name in ("aliyun", "tencent", "http"):
        result = make_provider(name, settings_for(stub), env=SECRETS).send(message(phone="1380013800"))
        assert result.outcome == "failed" and result.code == "invalid_phone"
    assert stub.requests == []


# --- reconcile ----------------------------------------------------------------------------------
def _sent_at() -> datetime:
    return datetime.now(CHINA)


@pytest.mark.parametrize(("delivery", "status"),
                         [("delivered", "delivered"), ("failed", "failed"), ("waiting", "sent")])
def test_aliyun_query_finds_the_out_id(stub, delivery, status):
    provider = make_provider("aliyun", settings_for(stub), env=SECRETS)
    stub.script(PHONE, "slow:0.6")
    sent_at = _sent_at()
    assert provider.send(message()).outcome == "unknown"
    stub.delivery[PHONE] = delivery
    result = provider.query(message(), sent_at=sent_at, now=sent_at + timedelta(minutes=10))
    assert result.status == status


def test_aliyun_query_not_found_only_once_settled(stub):
    provider = make_provider("aliyun", settings_for(stub), env=SECRETS)
    stub.script(PHONE, "server_error")
    sent_at = _sent_at()
    provider.send(message())
    assert provider.query(message(), sent_at=sent_at, now=sent_at + timedelta(seconds=30)).status == "unknown"
    assert provider.query(message(), sent_at=sent_at, now=sent_at + timedelta(minutes=10)).status == "not_found"
    assert [r["action"] for r in stub.requests].count("QuerySendDetails") == 2


def test_tencent_query_matches_session_context_and_never_claims_not_sent(stub):
    provider = make_provider("tencent", settings_for(stub), env=SECRETS)
    stub.script(PHONE, "slow:0.6")
    sent_at = _sent_at()
    assert provider.send(message()).outcome == "unknown"
    later = sent_at + timedelta(minutes=10)
    assert provider.query(message(), sent_at=sent_at, now=later).status == "delivered"
    stub.delivery[PHONE] = "failed"
    assert provider.query(message(), sent_at=sent_at, now=later).status == "failed"
    other = message(out_id="shipped:OTHER:0")
    assert provider.query(other, sent_at=sent_at, now=later).status == "unknown"


def test_http_has_no_query_and_says_so(stub):
    result = make_provider("http", settings_for(stub), env=SECRETS).query(message(), sent_at=_sent_at())
    assert result.status == "unknown" and "by hand" in result.detail


# --- the file provider --------------------------------------------------------------------------
def test_file_provider_writes_a_bulk_upload_sheet_on_flush(tmp_path):
    import openpyxl

    out = tmp_path / "sms-upload"
    provider = make_provider("file", {}, out_dir=out)
    assert provider.hands_over_on_flush
    results = [provider.send(message(phone=f"1380013800{i}", out_id=f"k{i}")) for i in range(3)]
    assert all(r.outcome == "sent" for r in results)
    assert not out.exists() or not any(out.glob("*.xlsx")), "nothing is handed over before flush"
    assert provider.query(message(out_id="k1")).status == "not_found"

    [sheet] = provider.flush()
    assert sheet.parent == out and sheet.suffix == ".xlsx"
    assert oct(sheet.stat().st_mode & 0o777) == "0o600"
    assert oct(out.stat().st_mode & 0o777) == "0o700"
    rows = list(openpyxl.load_workbook(sheet).active.iter_rows())
    assert [c.value for c in rows[0]] == ["手机号码", "courier", "tracking_no"]
    assert [c.value for c in rows[1]] == ["13800138000", "中通快递", "78912345678901"]
    assert all(c.data_type == "s" for c in rows[1]), "phone and tracking number stay text"
    assert len(rows) == 4

    assert provider.query(message(out_id="k1")).status == "sent"
    assert provider.query(message(out_id="nope")).status == "not_found"
    assert provider.flush() == []


def test_file_provider_one_sheet_per_template_and_csv(tmp_path):
    provider = make_provider("file", {"sms.file.format": "csv"}, out_dir=tmp_path)
    provider.send(message(out_id="a"))
    provider.send(message(out_id="b", shop="示例旗舰店"))
    sheets = provider.flush()
    assert len(sheets) == 2 and all(p.suffix == ".csv" for p in sheets)
    text = sorted(p.read_text(encoding="utf-8-sig") for p in sheets)
    assert text[0].splitlines()[0] == "手机号码,courier,tracking_no"
    assert text[1].splitlines() == ["手机号码,shop", "13800138000,示例旗舰店"]


def test_file_provider_crash_before_rename_counts_as_not_handed_over(tmp_path):
    provider = make_provider("file", {}, out_dir=tmp_path)
    provider.send(message(out_id="a"))
    [sheet] = provider.flush()
    sheet.unlink()  # as if the process died between the handover record and the rename
    assert provider.query(message(out_id="a")).status == "not_found"


# --- credentials --------------------------------------------------------------------------------
def write_keys(path: Path, mode: int) -> Path:
    path.write_text(
        '[aliyun]\naccess_key_id = "LTAIfromfile"\naccess_key_secret = "file-secret-DO-NOT-SHOW"\n'
        '[http]\ntoken = "file-token-DO-NOT-SHOW"\n',
        encoding="utf-8",
    )
    path.chmod(mode)
    return path


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_credentials_file_readable_by_others_is_refused(tmp_path, mode):
    keys = write_keys(tmp_path / "keys.toml", mode)
    with pytest.raises(CredentialsError) as caught:
        load_credentials("aliyun", file=keys, env={})
    assert "chmod 600" in (caught.value.hint or "") and str(keys) in str(caught.value)
    assert "file-secret" not in str(caught.value) and caught.value.exit_code == 2


def test_credentials_owner_only_file_and_environment_precedence(tmp_path):
    keys = write_keys(tmp_path / "keys.toml", 0o600)
    creds = load_credentials("aliyun", file=keys, env={})
    assert creds.get("access_key_secret") == "file-secret-DO-NOT-SHOW"
    assert creds.sources["access_key_id"] == f"file:{keys}"
    from_env = load_credentials("aliyun", file=keys, env={"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenv"})
    assert from_env.get("access_key_id") == "LTAIenv" and from_env.sources["access_key_id"].startswith("env:")
    assert from_env.get("access_key_secret") == "file-secret-DO-NOT-SHOW"
    for shown in (repr(creds), str(creds), repr(creds.values), f"{creds.values['access_key_secret']}"):
        assert "DO-NOT-SHOW" not in shown


def test_missing_credentials_name_the_variables_not_values(tmp_path):
    with pytest.raises(CredentialsError, match="TENCENTCLOUD_SECRET_KEY") as caught:
        load_credentials("tencent", env={"TENCENTCLOUD_SECRET_ID": "AKIDonly"})
    assert "AKIDonly" not in str(caught.value)
    with pytest.raises(CredentialsError):
        make_provider("aliyun", {"sms.sign_name": "店"}, env={})


def test_bad_toml_error_does_not_quote_the_file(tmp_path):
    keys = tmp_path / "keys.toml"
    keys.write_text('[aliyun]\naccess_key_secret = "unterminated-DO-NOT-SHOW\n', encoding="utf-8")
    keys.chmod(0o600)
    with pytest.raises(CredentialsError, match="not valid TOML") as caught:
        load_credentials("aliyun", file=keys, env={})
    assert "DO-NOT-SHOW" not in str(caught.value)


def test_http_token_from_a_named_variable_or_the_file(tmp_path, stub):
    keys = write_keys(tmp_path / "keys.toml", 0o600)
    settings = settings_for(stub, **{"sms.credentials_file": str(keys)})
    make_provider("http", settings, env={}).send(message())
    assert stub.requests[-1]["authorization"] == "Bearer file-token-DO-NOT-SHOW"
    settings["sms.http.token_env"] = "MY_GATEWAY_TOKEN"
    make_provider("http", settings, env={"MY_GATEWAY_TOKEN": "named-DO-NOT-SHOW"}).send(message())
    assert stub.requests[-1]["authorization"] == "Bearer named-DO-NOT-SHOW"


def test_secrets_and_phones_never_show(stub):
    secret = Secret("abc-DO-NOT-SHOW")
    assert "DO-NOT-SHOW" not in f"{secret!r} {secret} {secret:>20} {[secret]}"
    assert secret.reveal() == "abc-DO-NOT-SHOW"
    assert PHONE not in repr(message())
    assert scrub(f"url /?PhoneNumbers={PHONE}&x=+86{PHONE} key=abcd1234", "abcd1234") == (
        "url /?PhoneNumbers=138****8000&x=138****8000 key=****"
    )
    assert mask_phone(PHONE) == "138****8000"
    for name in ("aliyun", "tencent", "http"):
        provider = make_provider(name, settings_for(stub), env=SECRETS)
        assert_clean(repr(provider), str(provider))


# --- the factory --------------------------------------------------------------------------------
def test_factory_errors_are_config_errors(stub, tmp_path):
    with pytest.raises(ConfigError, match="unknown SMS provider"):
        make_provider("sendgrid", {})
    with pytest.raises(ConfigError, match="sdk_app_id"):
        make_provider("tencent", settings_for(stub, **{"sms.tencent.sdk_app_id": ""}), env=SECRETS)
    with pytest.raises(ConfigError, match="sms.http.url"):
        make_provider("http", {"sms.http.url": "127.0.0.1:8025"}, env={})
    with pytest.raises(ConfigError, match="sign_name"):
        make_provider("aliyun", settings_for(stub, **{"sms.sign_name": ""}), env=SECRETS)


def test_factory_reads_flat_settings_and_the_default_provider(tmp_path):
    provider = make_provider(None, {"sms.provider": "file", "sms.outbox_dir": "up"}, base_dir=tmp_path)
    assert provider.name == "file" and provider.out_dir == tmp_path / "up"


def test_sdks_and_spreadsheet_libraries_load_only_when_needed(tmp_path):
    code = (
        "import sys, shoptool.messages.providers as p, shoptool.messages.templates, shoptool.messages.credentials\n"
        f"p.make_provider('file', {{}}, out_dir={str(tmp_path)!r})\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('alibabacloud_dysmsapi20170525', 'tencentcloud', 'openpyxl', 'requests', 'typer', 'rich', 'sqlite3')]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[1],
                         timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# --- the stub as a process (for crash tests) ----------------------------------------------------
def test_stub_runs_as_a_process_and_logs_what_arrived(tmp_path):
    log, port_file = tmp_path / "calls.jsonl", tmp_path / "port"
    stub_py = Path(__file__).with_name("sms_stub.py")
    proc = subprocess.Popen(
        [sys.executable, str(stub_py), "--port", "0", "--log", str(log), "--port-file", str(port_file),
         "--script", f"{PHONE}=slow:5,success"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while not port_file.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "stub did not start"
            time.sleep(0.02)
        url = f"http://127.0.0.1:{port_file.read_text()}/send"
        provider = make_provider("http", {"sms.http.url": url, "sms.http.timeout": f"{TIMEOUT}s"}, env={})
        assert provider.send(message(out_id="crash:1")).outcome == "unknown"
        assert provider.send(message(out_id="crash:2")).outcome == "sent"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [(c["out_id"], c["accepted"]) for c in calls] == [("crash:1", True), ("crash:2", True)]
    assert all("authorization" not in c for c in calls)


def test_without_the_sdks_the_rest_works_and_the_error_says_what_to_install(tmp_path):
    code = f"""
import sys, importlib.abc
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('alibabacloud_dysmsapi20170525', 'tencentcloud'):
            raise ImportError('not installed: ' + name)
sys.meta_path.insert(0, Block())
from shoptool.errors import ConfigError
from shoptool.messages.providers import make_provider
make_provider('file', {{}}, out_dir={str(tmp_path)!r})
make_provider('http', {{}}, env={{}})
for name in ('aliyun', 'tencent'):
    try:
        make_provider(name, {{'sms.sign_name': 'x', 'sms.tencent.sdk_app_id': '1'}},
                      env={SECRETS!r})
    except ConfigError as exc:
        print(name, exc.hint)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[1],
                         timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["aliyun pip install 'shoptool[aliyun]'",
                                       "tencent pip install 'shoptool[tencent]'"]
