"""SMS providers behind one interface (base.Provider), built from settings by make_provider().

Each adapter lives in its own module and imports its SDK only when built, so `shoptool --help`
and a run with the file provider never load an SDK.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from .base import (  # noqa: F401  (the public names the outbox uses)
    DEFER,
    DELIVERED,
    FAILED,
    NOT_FOUND,
    OUTCOMES,
    RETRY,
    SENT,
    STOP,
    UNKNOWN,
    OutgoingMessage,
    Provider,
    QueryResult,
    SendResult,
    normalise_phone,
)

PROVIDERS = ("file", "http", "aliyun", "tencent")
DEFAULT_TIMEOUT = 5.0


def make_provider(
    name: str | None = None,
    settings: Mapping | None = None,
    *,
    out_dir: str | os.PathLike | None = None,
    base_dir: str | os.PathLike | None = None,
    env: Mapping[str, str] | None = None,
) -> Provider:
    """Build the provider `name` (default: sms.provider) from settings.

    `settings` is the flat dotted mapping (Settings.values), a Settings object, or nested tables.
    `out_dir` is where the file provider writes (default: sms.outbox_dir); `base_dir` resolves
    relative paths (the shop folder); `env` replaces os.environ for credentials (tests).
    Keys are loaded here, so a missing key fails before any message is marked `sending`.
    Raises ConfigError (exit 2) for an unknown provider, a missing SDK, setting or key.
    """
    from ...errors import ConfigError
    from .base import seconds, setting

    # A Settings object keeps its flat mapping in .values (a dict's .values is a method: skip it).
    values = settings if isinstance(settings, Mapping) else getattr(settings, "values", None)
    if not isinstance(values, Mapping):
        values = None
    name = (name or setting(values, "sms.provider", "file")).strip().lower()
    base = Path(base_dir) if base_dir else Path.cwd()

    def resolve(value) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else base / path

    def timeout(provider: str) -> float:
        return seconds(setting(values, f"sms.{provider}.timeout", setting(values, "sms.timeout")), DEFAULT_TIMEOUT)

    def credentials(provider: str, env_names: Mapping[str, str] | None = None):
        from ..credentials import load_credentials

        file = setting(values, "sms.credentials_file", "")
        return load_credentials(provider, file=resolve(file) if file else None, env=env, env_names=env_names)

    sign_name = str(setting(values, "sms.sign_name", "")).strip()
    if name == "file":
        from .file import FileProvider

        target = out_dir or resolve(setting(values, "sms.outbox_dir", "sms-upload"))
        return FileProvider(target, fmt=str(setting(values, "sms.file.format", "xlsx")))
    if name == "http":
        from .http import HttpProvider

        token_env = setting(values, "sms.http.token_env", "SHOPTOOL_SMS_HTTP_TOKEN")
        creds = credentials("http", {"token": token_env} if token_env else None)
        return HttpProvider(
            str(setting(values, "sms.http.url", "http://127.0.0.1:8025/send")),
            timeout=timeout("http"),
            token=creds.values.get("token"),
        )
    if name in ("aliyun", "tencent") and not sign_name:
        raise ConfigError("sms.sign_name is empty: set the signature registered with the SMS provider")
    if name == "aliyun":
        from .aliyun import DEFAULT_ENDPOINT, AliyunProvider

        return AliyunProvider(
            credentials("aliyun"),
            sign_name=sign_name,
            endpoint=str(setting(values, "sms.aliyun.endpoint", DEFAULT_ENDPOINT)),
            region=str(setting(values, "sms.aliyun.region", "cn-hangzhou")),
            timeout=timeout("aliyun"),
        )
    if name == "tencent":
        from .tencent import DEFAULT_ENDPOINT, TencentProvider

        return TencentProvider(
            credentials("tencent"),
            sign_name=sign_name,
            sdk_app_id=str(setting(values, "sms.tencent.sdk_app_id", "")),
            endpoint=str(setting(values, "sms.tencent.endpoint", DEFAULT_ENDPOINT)),
            region=str(setting(values, "sms.tencent.region", "ap-guangzhou")),
            timeout=timeout("tencent"),
        )
    raise ConfigError(f"unknown SMS provider {name!r}; choose one of {', '.join(PROVIDERS)}")
