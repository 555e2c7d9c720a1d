"""Provider keys: from the environment (the SDKs' usual names) or an owner-only TOML file.

They are never printed: `Secret` hides its value from repr/str/format, and every error here names
the variable or file, never what it holds.

The file (sms.credentials_file), chmod 600:

    [aliyun]
    access_key_id = "…"
    access_key_secret = "…"
    [tencent]
    secret_id = "…"
    secret_key = "…"
    [http]
    token = "…"
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

# provider -> (field, environment variables tried in order, required)
FIELDS: dict[str, tuple[tuple[str, tuple[str, ...], bool], ...]] = {
    "aliyun": (
        ("access_key_id", ("ALIBABA_CLOUD_ACCESS_KEY_ID",), True),
        ("access_key_secret", ("ALIBABA_CLOUD_ACCESS_KEY_SECRET",), True),
        ("security_token", ("ALIBABA_CLOUD_SECURITY_TOKEN",), False),
    ),
    "tencent": (
        ("secret_id", ("TENCENTCLOUD_SECRET_ID",), True),
        ("secret_key", ("TENCENTCLOUD_SECRET_KEY",), True),
        ("token", ("TENCENTCLOUD_SESSION_TOKEN",), False),
    ),
    "http": (("token", ("SHOPTOOL_SMS_HTTP_TOKEN",), False),),
}


class CredentialsError(ConfigError):
    """Keys missing, or a credentials file others can read (exit 2)."""


class Secret:
    """A string that never shows itself: repr, str and f-strings give ****."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('****')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return "****"

    def __eq__(self, other) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self):  # never pickled into a log or a crash dump
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True)
class Credentials:
    provider: str
    values: Mapping[str, Secret]
    sources: Mapping[str, str]  # field -> "env:NAME" or "file:PATH": what `doctor` may show

    def get(self, name: str) -> str | None:
        secret = self.values.get(name)
        return secret.reveal() if secret else None

    def __repr__(self) -> str:
        return f"Credentials(provider={self.provider!r}, sources={dict(self.sources)!r})"


def load_credentials(
    provider: str,
    *,
    file: str | os.PathLike | None = None,
    env: Mapping[str, str] | None = None,
    env_names: Mapping[str, str] | None = None,
) -> Credentials:
    """Keys for one provider: each field from its environment variable, else from the file.

    `env_names` overrides a field's variable (sms.http.token_env). A missing required field is an
    error naming the variables and the file tried; the file is read only when needed, and then
    refused unless only its owner can read it.
    """
    if provider not in FIELDS:
        return Credentials(provider, {}, {})
    env = os.environ if env is None else env
    values: dict[str, Secret] = {}
    sources: dict[str, str] = {}
    table: Mapping | None = None
    missing: list[str] = []
    for name, default_vars, required in FIELDS[provider]:
        variables = (env_names[name],) if env_names and env_names.get(name) else default_vars
        found = next((v for v in variables if env.get(v)), None)
        if found:
            values[name] = Secret(env[found].strip())
            sources[name] = f"env:{found}"
            continue
        if file:
            if table is None:
                table = read_credentials_file(file).get(provider) or {}
            if table.get(name):
                values[name] = Secret(str(table[name]).strip())
                sources[name] = f"file:{file}"
                continue
        if required:
            missing.append(f"{name} ({' or '.join(variables)})")
    if missing:
        where = f" or [{provider}] in {file}" if file else " (or set sms.credentials_file)"
        raise CredentialsError(
            f"{provider} credentials missing: {', '.join(missing)}; set the environment variable{where}",
            hint="keys are read only from the environment or an owner-only file (chmod 600)",
        )
    return Credentials(provider, values, sources)


def read_credentials_file(path: str | os.PathLike) -> dict:
    """Parse the owner-only TOML file; refuse it when group or others can read it."""
    import tomllib

    p = Path(path).expanduser()
    try:
        st = p.stat()
    except FileNotFoundError:
        raise CredentialsError(f"credentials file {p} does not exist") from None
    except OSError as exc:
        raise CredentialsError(f"credentials file {p} cannot be read: {exc.strerror}") from None
    check_owner_only(p, st)
    try:
        with open(p, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        # The parser's message quotes the offending line, which may hold a key: give only where.
        import re

        found = re.search(r"line (\d+)", str(exc))
        line = found.group(1) if found else None
        raise CredentialsError(
            f"credentials file {p} is not valid TOML" + (f" (line {line})" if line else "")
        ) from None
    except OSError as exc:
        raise CredentialsError(f"credentials file {p} cannot be read: {exc.strerror}") from None
    return data


def check_owner_only(path: Path, st: os.stat_result | None = None) -> None:
    if sys.platform == "win32":  # no POSIX modes; the user's profile folder is private already
        return
    st = st or path.stat()
    if not stat.S_ISREG(st.st_mode):
        raise CredentialsError(f"credentials file {path} is not a regular file")
    if st.st_mode & 0o077:
        raise CredentialsError(
            f"credentials file {path} can be read by others (mode {stat.S_IMODE(st.st_mode):o}); "
            f"refusing to use it",
            hint=f"chmod 600 {path}",
        )
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise CredentialsError(f"credentials file {path} belongs to another user; refusing to use it")
