"""`shoptool doctor`: is this shop set up to run unattended? One row per check.

Each check is {check, status, detail} with status ok, warning or error. Errors are what would make
a command fail or leak (a corrupt database, a credentials file others can read, a provider
without its SDK or keys); warnings are worth a look but nothing fails because of them.

Secrets are never shown: provider keys only as present/missing with where they came from, and
the provider's connection settings only as set/empty.
"""

from __future__ import annotations

import importlib.util
import json
import platform
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

OK, WARNING, ERROR = "ok", "warning", "error"
CRON_LOCKS = ("remind-unpaid", "notify-shipped", "import-inbox")
# provider connection settings: shown as set/empty, never by value (a URL can carry a token)
_PROVIDER_SETTINGS = ("sms.http.", "sms.aliyun.", "sms.tencent.", "sms.credentials_file")
_SDKS = {"aliyun": "alibabacloud_dysmsapi20170525", "tencent": "tencentcloud"}


def check(name: str, status: str, detail: str, source: str | None = None) -> dict:
    """`source` is where a setting's value came from (default, file, env:NAME); None for other checks."""
    return {"check": name, "status": status, "detail": detail, "source": source}


def exit_code(rows: list[dict]) -> int:
    """1 when a check failed (PRODUCT §12: checks exit 1 when something needs action); warnings
    alone exit 0 so cron can run doctor without paging anyone for an unusual but working setup."""
    return 1 if any(r["status"] == ERROR for r in rows) else 0


def summary(rows: list[dict]) -> dict:
    counts = {OK: 0, WARNING: 0, ERROR: 0}
    for row in rows:
        counts[row["status"]] += 1
    return counts


def checks(settings, *, versions: dict, env: Mapping[str, str], shop_now: datetime, machine_now: datetime,
           db_facts: Mapping | None, held: Mapping[str, str | None],
           shop_names: Mapping[str, int] | None = None) -> list[dict]:
    """Every check, in the order people read them: software, settings, the shop's name, database,
    locks, SMS, clocks."""
    return [
        versions,
        *config_checks(settings),
        *setting_rows(settings),
        *name_checks(settings, shop_names),
        *database_checks(settings.db_path, db_facts),
        *lock_checks(held),
        *sms_checks(settings, env),
        *extras_checks(),
        time_check(settings["shop.timezone"], shop_now, machine_now),
        *clock_checks(env),
    ]


# ---------------------------------------------------------------- versions and settings

def versions(shoptool_version: str, sqlite_version: str, sqlite_utils_version: str | None) -> dict:
    detail = (f"shoptool {shoptool_version}, Python {platform.python_version()}, SQLite {sqlite_version}"
              + (f", sqlite-utils {sqlite_utils_version}" if sqlite_utils_version else ""))
    major, minor = (int(p) for p in sqlite_version.split(".")[:2])
    if (major, minor) < (3, 35):
        return check("versions", WARNING, detail + " (SQLite 3.35 or newer is expected)")
    return check("versions", OK, detail)


def config_checks(settings) -> list[dict]:
    if settings.config_path:
        rows = [check("config", OK, str(settings.config_path))]
    else:  # run outside the shop folder: a send would sign with the example and use an empty database
        rows = [check("config", WARNING, f"no shoptool.toml in {Path.cwd()}: every setting is its default and the "
                                         f"database is {settings.db_path}; run in the shop folder or pass --config")]
    rows.extend(check("config", WARNING, warning) for warning in settings.warnings)
    return rows


def setting_rows(settings, secret_paths: frozenset[str] = frozenset()) -> list[dict]:
    """Every setting with where it came from (default, file, env:NAME); values of secret and
    provider-connection settings are not shown."""
    rows = []
    for path, value in settings.values.items():
        source = settings.sources.get(path, "default")
        if path in secret_paths or path.startswith(_PROVIDER_SETTINGS):
            shown = "set" if value not in ("", None, {}, []) else "empty"
        else:
            shown = _short(value)
        rows.append(check(f"setting {path}", OK, f"{shown} ({source})", source))
    return rows


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


# ---------------------------------------------------------------- the shop's name

def name_checks(settings, shop_names: Mapping[str, int] | None) -> list[dict]:
    """Texts carry shop.name and the 【sms.sign_name】: the example, or a name the imported orders
    (店铺名称) do not carry, would sign texts with someone else's shop."""
    from .settings_defaults import default

    name, sign = settings["shop.name"], settings["sms.sign_name"]
    fix = "set it: shoptool init --force --shop-name NAME, or edit shoptool.toml"
    rows = []
    if name == default("shop.name"):
        rows.append(check("shop name", WARNING, f"shop.name is still the example {name!r}: texts would use it; {fix}"))
    elif shop_names and name not in shop_names:
        listed = ", ".join(f"{n} ({c} orders)" for n, c in list(shop_names.items())[:3])
        rows.append(check("shop name", WARNING, f"the imported orders' 店铺名称 is {listed}, not shop.name {name!r}"))
    else:
        rows.append(check("shop name", OK, name + (" (as the imported orders' 店铺名称)" if shop_names else "")))
    if sign == default("sms.sign_name"):
        rows.append(check("sms sign", WARNING, f"sms.sign_name is still the example 【{sign}】; {fix}"))
    elif sign != name:
        rows.append(check("sms sign", WARNING, f"【{sign}】 differs from shop.name {name!r}: make sure it is the "
                                               "sign registered for this shop"))
    else:
        rows.append(check("sms sign", OK, f"【{sign}】"))
    return rows


# ---------------------------------------------------------------- database

def database_checks(path: Path, facts: Mapping | None) -> list[dict]:
    """`facts` is None for a missing database, else what db.maintenance found (files, integrity,
    journal_mode, migrations, or error)."""
    if facts is None:
        return [check("database", WARNING, f"{path} does not exist yet; it will be created (owner-only) on first use")]
    rows = []
    files = facts.get("files", {})
    size = sum(f["size"] for f in files.values())
    rows.append(check("database", OK, f"{path} ({_bytes(size)})"))
    for name, info in files.items():
        mode = info["mode"]
        if mode & 0o077:
            rows.append(check("permissions", WARNING,
                              f"{name} is {mode:04o}: others can read buyers' data (chmod 600 {name})"))
        else:
            rows.append(check("permissions", OK, f"{name} is {mode:04o}"))
    if facts.get("error"):
        rows.append(check("integrity", ERROR, facts["error"]))
        return rows
    problems = facts["integrity"]
    if problems == ["ok"]:
        rows.append(check("integrity", OK, "ok" + (" (quick check)" if facts.get("quick") else "")))
    else:
        rows.append(check("integrity", ERROR, "; ".join(problems[:5])))
    mode = facts["journal_mode"]
    rows.append(check("journal mode", OK if mode == "wal" else WARNING,
                      mode if mode == "wal" else f"{mode}: shoptool switches it to wal on next use"))
    migrations = facts["migrations"]
    if migrations["unknown"]:
        rows.append(check("migrations", ERROR, f"written by a newer shoptool: {', '.join(migrations['unknown'])} "
                                               "unknown to this version; upgrade shoptool"))
    elif migrations["pending"]:
        rows.append(check("migrations", WARNING, f"{len(migrations['applied'])} applied; pending "
                                                 f"{', '.join(migrations['pending'])} (applied by the next command)"))
    else:
        rows.append(check("migrations", OK, f"{len(migrations['applied'])} applied, none pending "
                                            f"(last {migrations['applied'][-1] if migrations['applied'] else '-'})"))
    due = facts.get("retention_due")
    if due:
        rows.append(check("retention", WARNING, f"{due} finished orders older than privacy.retention still hold "
                                                "buyers' names, phones and addresses: run `shoptool purge`"))
    elif due == 0:
        rows.append(check("retention", OK, "no finished order older than privacy.retention holds buyers' data"))
    return rows


def _bytes(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


def lock_state(db_path: Path) -> dict[str, str | None]:
    """Lock name → None when free, else " (pid N)" from the lock file."""
    from . import locks

    held: dict[str, str | None] = {}
    for name in CRON_LOCKS:
        if not locks.is_locked(db_path, name):
            held[name] = None
            continue
        try:
            pid = locks.lock_path(db_path, name).read_text().strip()
        except OSError:
            pid = ""
        held[name] = f" (pid {pid})" if pid.isdigit() else ""
    return held


def lock_checks(held: Mapping[str, str | None]) -> list[dict]:
    """`held`: lock name → None when free, else what the lock file says about its holder."""
    rows = []
    for name in CRON_LOCKS:
        holder = held.get(name)
        if holder is None:
            rows.append(check(f"lock {name}", OK, "free"))
        else:
            rows.append(check(f"lock {name}", WARNING, f"held{holder}: a run is in progress (or hung)"))
    return rows


# ---------------------------------------------------------------- SMS

def sms_checks(settings, env: Mapping[str, str]) -> list[dict]:
    from .messages.credentials import FIELDS, CredentialsError, read_credentials_file

    provider = settings["sms.provider"]
    rows = []
    if provider not in ("file", "aliyun", "tencent", "http"):
        return [check("sms provider", ERROR, f"unknown provider {provider!r} (file, aliyun, tencent or http)")]
    rows.append(check("sms provider", OK, provider))
    if provider in _SDKS and not sdk_installed(provider):
        rows.append(check("sms sdk", ERROR, f"the {provider} SDK is not installed: pip install 'shoptool[{provider}]'"))

    file_setting = settings["sms.credentials_file"]
    table: dict = {}
    if file_setting:
        path = settings.resolve(file_setting)
        try:
            table = read_credentials_file(path)
            rows.append(check("credentials file", OK, f"{path}: owner-only"))
        except CredentialsError as exc:
            rows.append(check("credentials file", ERROR, exc.message))
    env_names = {"token": settings["sms.http.token_env"]} if provider == "http" else {}
    for name, variables, required in FIELDS.get(provider, ()):
        variables = (env_names[name],) if env_names.get(name) else variables
        found = next((v for v in variables if env.get(v)), None)
        if found:
            status, where = OK, f"present (env:{found})"
        elif (table.get(provider) or {}).get(name):
            status, where = OK, "present (credentials file)"
        else:
            status = ERROR if required else OK
            where = f"missing ({' or '.join(variables)}{' or the credentials file' if file_setting else ''})"
        rows.append(check(f"sms credential {name}", status, where))
    if provider == "tencent" and not settings["sms.tencent.sdk_app_id"]:
        rows.append(check("sms setting sms.tencent.sdk_app_id", ERROR, "missing: the Tencent SMS application id"))
    if provider == "http":
        rows.append(check("sms setting sms.http.url", OK if settings["sms.http.url"] else ERROR,
                          "set" if settings["sms.http.url"] else "missing"))
    if provider == "file":
        rows.append(check("sms credentials", OK, "none needed: the file provider writes sheets for bulk upload"))
    return rows


def sdk_installed(provider: str) -> bool:
    try:
        return importlib.util.find_spec(_SDKS[provider]) is not None
    except (ImportError, ValueError):
        return False


def extras_checks() -> list[dict]:
    return [check(f"extra {name}", OK,
                  "installed" if sdk_installed(name) else f"not installed (pip install 'shoptool[{name}]')")
            for name in _SDKS]


# ---------------------------------------------------------------- time

def time_check(shop_zone: str, shop_now: datetime, machine_now: datetime) -> dict:
    machine = machine_now.tzname() or str(machine_now.tzinfo)
    detail = (f"shop {shop_zone}, now {shop_now.isoformat(timespec='seconds')}; machine {machine} "
              f"({machine_now.isoformat(timespec='seconds')})")
    if machine_now.utcoffset() != shop_now.utcoffset():
        detail += ": quiet hours and cut-offs use the shop's zone"
    return check("time zone", OK, detail)


def clock_checks(env: Mapping[str, str]) -> list[dict]:
    """SHOPTOOL_NOW pins every command's clock: fine for replaying a day, wrong for cron."""
    pinned = env.get("SHOPTOOL_NOW")
    if not pinned:
        return [check("clock", OK, "real time (SHOPTOOL_NOW is not set)")]
    return [check("clock", WARNING, f"SHOPTOOL_NOW={pinned} pins the clock: every command pretends it is that moment "
                                    "(reminders, quiet hours, deadlines); unset it for real use")]
