"""The exception family every layer raises; the CLI maps it to exit codes in one place.

Exit codes are part of the product contract (PRODUCT §12): agents and cron branch on them.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1  # done, but findings need action (checks only)
EXIT_USAGE = 2
EXIT_INPUT = 3  # unreadable file, missing column, rejected rows
EXIT_SEND = 4  # some messages failed or ended unknown, or the provider stopped the run
EXIT_LOCKED = 5  # another run holds the lock
EXIT_INTERNAL = 70  # a bug: never confused with "findings" (1)


class ShoptoolError(Exception):
    """Base error: carries the exit code and a message fit to show a CS person."""

    exit_code = EXIT_INTERNAL

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(ShoptoolError):
    """Bad options or settings: exit 2."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """shoptool.toml or a SHOPTOOL_* variable holds something unusable."""


class InputError(ShoptoolError):
    """A file cannot be read or used: exit 3. Names the file, and the row and column when known."""

    exit_code = EXIT_INPUT

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ):
        self.file = file
        self.row = row
        self.column = column
        where = ", ".join(
            part
            for part in (
                file,
                f"row {row}" if row is not None else None,
                f"column {column}" if column else None,
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message, hint=hint)
        self.reason = message


class SendError(ShoptoolError):
    """The SMS run could not finish as asked (provider stopped it, messages unknown): exit 4."""

    exit_code = EXIT_SEND


class LockedError(ShoptoolError):
    """Another run of the same command on the same database holds the lock: exit 5."""

    exit_code = EXIT_LOCKED
