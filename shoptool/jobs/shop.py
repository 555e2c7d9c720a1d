"""The shop a job runs for: its settings, its database (opened on first use) and its clock."""

from __future__ import annotations

import getpass
from datetime import datetime
from pathlib import Path

from .. import clock
from ..errors import UsageError


class Shop:
    """Settings, the database and the clock for one run of one job.

    `Shop(db=…, config=…)` resolves settings as the command line does (PRODUCT §2); a face that
    already holds Settings passes them. `now` pins the clock (`--now`); without it each call of
    `now()` reads the current moment in the shop's zone.
    """

    def __init__(self, db: Path | str | None = None, config: Path | str | None = None, *, settings=None,
                 now: str | datetime | None = None):
        if settings is None:
            from ..config import load_settings

            settings = load_settings(config, db)
        self.settings = settings
        self._db = None
        self._owns_db = True
        self._fixed = self._parse_now(now) if now is not None else None

    def at(self, now: str | datetime | None) -> Shop:
        """The same shop (settings and open database) with its clock set to `now` (None: real time)."""
        other = Shop(settings=self.settings, now=now)
        other._db, other._owns_db = self.db, False
        return other

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.settings.warnings

    @property
    def db(self):
        if self._db is None:
            from ..db import open_db

            self._db = open_db(self.settings.db_path)
        return self._db

    @property
    def db_exists(self) -> bool:
        return self._db is not None or self.settings.db_path.exists()

    @property
    def tz(self):
        return self.settings.tz

    def _parse_now(self, value: str | datetime) -> datetime:
        if isinstance(value, datetime):
            return value.astimezone(self.tz) if value.tzinfo else value.replace(tzinfo=self.tz)
        try:
            return clock.now(self.tz, value)
        except ValueError as exc:
            raise UsageError(f"--now: {exc}", hint=clock.TIME_FORMATS_HINT) from None

    @property
    def pinned(self) -> bool:
        """Whether the clock was set (`--now`): a run then never waits for real time to pass."""
        return self._fixed is not None

    def now(self) -> datetime:
        return self._fixed if self._fixed is not None else clock.now(self.tz)

    def iso(self, moment: datetime | None) -> str | None:
        return clock.to_iso(moment, self.tz)

    def staff(self, given: str | None = None) -> str:
        return given or self.settings["shop.staff"]

    def operator(self, given: str | None = None) -> str:
        """Who did it, for the audit log: the staff id and the machine's user."""
        return f"{self.staff(given)} ({os_user()})"

    def record_reveal(self, result, where: str) -> None:
        """Write to the audit log that `result` is shown with personal data in full (PRODUCT §13),
        when it holds any."""
        if not result.reveals_pii():
            return
        from ..db import write_transaction
        from ..db.store import audit

        with write_transaction(self.db):
            audit(self.db, "show_pii", at=self.iso(self.now()), command=result.command, staff=self.operator(),
                  detail={"rows": len(result.rows), "output": where})

    def close(self) -> None:
        if self._db is not None and self._owns_db:
            self._db.close()
        self._db = None

    def __enter__(self) -> Shop:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name on some containers
        return "?"
