"""shoptool.toml + SHOPTOOL_* environment variables + defaults → one frozen Settings object.

Resolution (PRODUCT §2): the environment wins over the file, the file over the defaults. Every
value remembers where it came from, so `shoptool doctor` can say so.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from . import clock
from .errors import ConfigError
from .settings_defaults import BY_PATH, SETTINGS, Setting

CONFIG_NAME = "shoptool.toml"
ENV_PREFIX = "SHOPTOOL_"
# Settings whose table is merged key by key over the default (a template given only a new text
# keeps its code and class); other tables replace the default whole.
_MERGED_TABLES = ("sms.templates.",)
_DURATIONS = (
    "shop.unpaid_close_after", "sms.http.timeout", "sms.timeout", "notify.max_age", "merge.window",
    "reviews.alert_after", "privacy.retention", "cod.alert_within",
)
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?i?b?)?\s*$", re.I)


def env_name(path: str) -> str:
    return ENV_PREFIX + path.upper().replace(".", "_")


@dataclass(frozen=True)
class Settings:
    values: Mapping[str, Any]
    sources: Mapping[str, str]  # "default", "file", or "env:NAME"
    config_path: Path | None = None
    db_path: Path = Path(CONFIG_NAME).with_suffix(".db")
    warnings: tuple[str, ...] = field(default=())

    def __getitem__(self, path: str) -> Any:
        return self.values[path]

    def __contains__(self, path: str) -> bool:
        return path in self.values

    def get(self, path: str, default: Any = None) -> Any:
        return self.values.get(path, default)

    def section(self, prefix: str) -> dict[str, Any]:
        """Every setting under a dotted prefix, keyed by the rest of its path: section("sms.http")."""
        start = prefix + "."
        return {k[len(start):]: v for k, v in self.values.items() if k.startswith(start)}

    def templates(self) -> dict[str, dict[str, Any]]:
        return {k: dict(v) for k, v in self.section("sms.templates").items() if isinstance(v, dict)}

    @property
    def tz(self):
        return clock.zone(self.values["shop.timezone"])

    def duration(self, path: str) -> timedelta:
        return clock.parse_duration(self.values[path])

    def size(self, path: str) -> int:
        return parse_size(self.values[path])

    @property
    def shop_dir(self) -> Path:
        """The shop folder: where the config lives, else the current folder."""
        return self.config_path.parent if self.config_path else Path.cwd()

    def resolve(self, value: str | os.PathLike) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.shop_dir / path


def parse_size(text: str | int) -> int:
    if isinstance(text, int):
        return text
    match = _SIZE.match(str(text))
    if not match:
        raise ValueError(f"not a size: {text!r} (use e.g. 512MB)")
    unit = (match.group(2) or "").lower().rstrip("b").rstrip("i")
    return int(float(match.group(1)) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit])


def locate_config(explicit: str | os.PathLike | None, cwd: Path | None = None) -> Path | None:
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file not found: {path}")
        return path.resolve()
    candidate = (cwd or Path.cwd()) / CONFIG_NAME
    return candidate.resolve() if candidate.is_file() else None


def load_settings(
    config: str | os.PathLike | None = None,
    db: str | os.PathLike | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    env = os.environ if env is None else env
    cwd = cwd or Path.cwd()
    config_path = locate_config(config, cwd)
    values: dict[str, Any] = {s.path: _copy(s.default) for s in SETTINGS}
    sources = {s.path: "default" for s in SETTINGS}
    warnings: list[str] = []

    if config_path:
        for path, value in _read_file(config_path, warnings).items():
            setting = _setting_for(path)
            where = f"{config_path.name}: {path}"
            coerced = _coerce(setting, value, where)
            if path.startswith(_MERGED_TABLES) and path in BY_PATH:
                coerced = {**BY_PATH[path].default, **coerced}
            values[path] = coerced
            sources[path] = "file"

    for path in list(values):
        name = env_name(path)
        if name in env and path != "db":
            values[path] = _coerce(_setting_for(path), env[name], f"${name}", from_env=True)
            sources[path] = f"env:{name}"
        elif path.startswith(_MERGED_TABLES) and isinstance(values[path], dict):
            for key in list(values[path]):
                sub = f"{name}_{key.upper()}"
                if sub in env:
                    values[path] = {**values[path], key: env[sub]}
                    sources[path] = f"env:{sub}"

    for path in _DURATIONS:
        _check(path, values[path], clock.parse_duration)
    _check("shop.timezone", values["shop.timezone"], clock.zone)
    _check("shop.cutoff", values["shop.cutoff"], clock.parse_clock)
    for key in ("notification", "reminder", "marketing"):
        _check(f"sms.quiet_hours.{key}", values[f"sms.quiet_hours.{key}"], clock.parse_quiet_hours)
    for key in ("import.max_file_size", "import.max_xlsx_expanded"):
        _check(key, values[key], parse_size)

    if db:
        db_path = Path(db).expanduser()
        db_path = db_path if db_path.is_absolute() else cwd / db_path
    elif sources["db"] == "file" and config_path:
        db_path = Path(values["db"]).expanduser()
        db_path = db_path if db_path.is_absolute() else config_path.parent / db_path
    else:
        db_path = cwd / values["db"]
    values["db"] = str(db_path)
    return Settings(values, sources, config_path, db_path, tuple(warnings))


def _check(path: str, value: Any, parser) -> None:
    try:
        parser(value)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"setting {path}: {exc}") from None


def _setting_for(path: str) -> Setting:
    if path in BY_PATH:
        return BY_PATH[path]
    # a new template purpose, e.g. [sms.templates.review_followup]
    return Setting(path, {}, "")


def _read_file(path: Path, warnings: list[str]) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    flat: dict[str, Any] = {}

    def walk(table: dict[str, Any], prefix: str) -> None:
        for key, value in table.items():
            path_ = f"{prefix}{key}"
            if path_ in BY_PATH or (path_.startswith("sms.templates.") and isinstance(value, dict)):
                flat[path_] = value
            elif isinstance(value, dict) and any(p.startswith(path_ + ".") for p in BY_PATH):
                walk(value, path_ + ".")
            else:
                warnings.append(f"{path.name}: unknown setting {path_!r} ignored")

    walk(data, "")
    return flat


def _coerce(setting: Setting, value: Any, where: str, from_env: bool = False) -> Any:
    default = setting.default
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                lowered = value.strip().lower()
                if lowered not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                    raise ValueError
                return lowered in {"1", "true", "yes", "on"}
            return bool(value)
        if isinstance(default, int) and not isinstance(default, bool):
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, list):
            if isinstance(value, str):
                text = value.strip()
                value = json.loads(text) if text.startswith("[") else [
                    part.strip() for part in text.split(",") if part.strip()
                ]
            if not isinstance(value, list):
                raise ValueError
            return [str(item) if not isinstance(item, (int, float)) else item for item in value]
        if isinstance(default, dict):
            if isinstance(value, str):
                value = json.loads(value)
            if not isinstance(value, dict):
                raise ValueError
            return value
        if isinstance(value, (dict, list)):
            raise ValueError
        return str(value)
    except (ValueError, TypeError, json.JSONDecodeError):
        expected = type(default).__name__
        kind = {"str": "text", "int": "a whole number", "float": "a number", "list": "a list",
                "dict": "a table", "bool": "true or false"}.get(expected, expected)
        shown = "…" if setting.secret else repr(value)
        raise ConfigError(f"{where}: expected {kind}, got {shown}") from None


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value)) if isinstance(value, (dict, list)) else value


def render_toml(values: dict | None = None) -> str:
    """The commented shoptool.toml `shoptool init` writes: every setting with its default, or the
    value given for it in `values` (path → value, e.g. the shop's own name)."""
    values = values or {}
    lines = ["# shoptool settings. Every key shows its default; delete what you don't change.",
             "# Any key can also be set as SHOPTOOL_<SECTION>_<KEY>, e.g. SHOPTOOL_SMS_PROVIDER=http.",
             ""]
    current = None
    for setting in SETTINGS:
        section, _, key = setting.path.rpartition(".")
        if isinstance(setting.default, dict):
            section, key = setting.path, None
        if section != current:
            if current is not None or section:
                lines.append("")
            if section:
                lines.append(f"[{section}]")
            current = section
        comment = f"  # {setting.comment}" if setting.comment else ""
        if key is None:
            if setting.comment:
                lines.append(f"# {setting.comment}")
            for sub, value in setting.default.items():
                lines.append(f"{_toml_key(sub)} = {_toml_value(value)}")
        else:
            lines.append(f"{key} = {_toml_value(values.get(setting.path, setting.default))}{comment}")
    return "\n".join(lines) + "\n"


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value), ensure_ascii=False)
