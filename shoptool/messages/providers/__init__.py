"""SMS providers behind one interface (base.Provider), built from settings by make_provider().

Each adapter lives in its own module and imports its SDK only when built, so `shoptool --help`
and a run with the file provider never load an SDK.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .base import Provider

PROVIDERS = ("file", "http", "aliyun", "tencent")


def make_provider(
    name: str | None = None,
    settings: Mapping | None = None,
    *,
    out_dir: str | os.PathLike | None = None,
    base_dir: str | os.PathLike | None = None,
    env: Mapping[str, str] | None = None,
) -> Provider:
    """Build the provider `name` (default: sms.provider) from settings.

    `settings` is a Settings object or its flat dotted mapping (Settings.values); a setting it
    does not hold takes its default.
    `out_dir` is where the file provider writes (default: sms.outbox_dir); `base_dir` resolves
    relative paths (the shop folder); `env` replaces os.environ for credentials (tests).
    Keys are loaded here, so a missing key fails before any message is marked `sending`.
    Raises ConfigError (exit 2) for an unknown provider, a missing SDK, setting or key.
    """
    from ...errors import ConfigError
    from ...settings_defaults import BY_PATH, read
    from .base import seconds

    # A Settings object keeps its flat mapping in .values (a dict's .values is a method: skip it).
    values = settings if isinstance(settings, Mapping) else getattr(settings, "values", None)
    if not isinstance(values, Mapping):
        values = {}
    name = (name or read(values, "sms.provider")).strip().lower()
    base = Path(base_dir) if base_dir else Path.cwd()

    def resolve(value) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else base / path

    def timeout(provider: str) -> float:
        own = f"sms.{provider}.timeout"
        return seconds(read(values, own if own in BY_PATH else "sms.timeout"))

    def credentials(provider: str, env_names: Mapping[str, str] | None = None):
        from ..credentials import load_credentials

        file = read(values, "sms.credentials_file")
        return load_credentials(provider, file=resolve(file) if file else None, env=env, env_names=env_names)

    sign_name = str(read(values, "sms.sign_name")).strip()
    if name == "file":
        from datetime import datetime

        from ...clock import zone
        from .file import FileProvider

        target = out_dir or resolve(read(values, "sms.outbox_dir"))
        tz = zone(str(read(values, "shop.timezone")))  # sheets are named in shop time, as staff read it
        return FileProvider(target, fmt=str(read(values, "sms.file.format")), now=lambda: datetime.now(tz))
    if name == "http":
        from .http import HttpProvider

        token_env = read(values, "sms.http.token_env")
        creds = credentials("http", {"token": token_env} if token_env else None)
        return HttpProvider(
            str(read(values, "sms.http.url")),
            timeout=timeout("http"),
            token=creds.values.get("token"),
        )
    if name in ("aliyun", "tencent") and not sign_name:
        raise ConfigError("sms.sign_name is empty: set the signature registered with the SMS provider")
    if name == "aliyun":
        from .aliyun import AliyunProvider

        return AliyunProvider(
            credentials("aliyun"),
            sign_name=sign_name,
            endpoint=str(read(values, "sms.aliyun.endpoint")),
            region=str(read(values, "sms.aliyun.region")),
            timeout=timeout("aliyun"),
        )
    if name == "tencent":
        from .tencent import TencentProvider

        return TencentProvider(
            credentials("tencent"),
            sign_name=sign_name,
            sdk_app_id=str(read(values, "sms.tencent.sdk_app_id")),
            endpoint=str(read(values, "sms.tencent.endpoint")),
            region=str(read(values, "sms.tencent.region")),
            timeout=timeout("tencent"),
        )
    raise ConfigError(f"unknown SMS provider {name!r}; choose one of {', '.join(PROVIDERS)}")
