"""When an export was taken (PRODUCT §16): every import is a snapshot of the shop at one moment,
and an older snapshot never overrides what a newer one said.

The moment is, best first:
- the stamp in the file's name, as the platform and ERPs write it (`ExportOrderList202611211100.csv`,
  `订单导出_2026-11-21_11-00-23.xlsx`, `orders_20261121_110000.csv`; a date alone stands for the
  end of that day);
- else the newest event-time cell of the file (created, paid, shipped, finished, opted out…: an
  export cannot hold an event after the moment it was taken; deadlines such as 超时时间 are never
  read as events);
- else the moment of the import.
A cell in the future is a typo, not the export's moment: the newest cell counts up to the import
time, and a stamp up to a day after it (an exporting machine's clock may run ahead); later ones
are read as that limit, so one wrong value cannot make every later export look stale.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta, tzinfo
from operator import itemgetter

from .. import clock

FILE_NAME, NEWEST_CELL, IMPORT_TIME = "file_name", "newest_cell", "import_time"
STAMP_AHEAD = timedelta(days=1)

# 2026 11 21 [11 00 [23]] with optional separators between the parts; not inside a longer number
# (an order number in a file name is no stamp).
_STAMP = re.compile(
    r"(?<!\d)(20\d\d)([-_.]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])"
    r"(?:[ T_\-.]?([01]\d|2[0-3])[-_.:：]?([0-5]\d)(?:[-_.:：]?([0-5]\d))?)?(?!\d)"
)


def stamp_of(name: str, tz: tzinfo) -> datetime | None:
    """The moment a file's name says it was exported, in the shop's zone; a date without a time is
    the end of that day. None when the name carries no stamp (the last stamp wins when it has
    several: `orders_20261101-20261121.csv` was taken after its period)."""
    found = None
    for match in _STAMP.finditer(name):
        found = match
    if found is None:
        return None
    year, _, month, day, hour, minute, second = found.groups()
    try:
        if hour is None:
            moment = datetime.combine(datetime(int(year), int(month), int(day)).date(), time(23, 59, 59))
        else:
            moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    except ValueError:  # 2026-02-30
        return None
    return moment.replace(tzinfo=tz)


def snapshot_of(name: str, newest_event: str | None, now: datetime, tz: tzinfo) -> tuple[str, str]:
    """(moment as ISO-8601 with the shop's offset, where it came from) for a file called `name`
    whose newest event cell is `newest_event` (ISO text or None), imported at `now`."""
    stamp = stamp_of(name, tz)
    if stamp is not None:
        moment, source = min(stamp, now + STAMP_AHEAD), FILE_NAME
    elif newest_event:
        moment, source = min(datetime.fromisoformat(newest_event), now), NEWEST_CELL
    else:
        moment, source = now, IMPORT_TIME
    return clock.to_iso(moment, tz), source


class Newest:
    """The newest value of some columns over the rows of a file, batch by batch (ISO text in one
    zone compares as time; C-level max, so a million rows cost a few hundredths of a second)."""

    def __init__(self, columns: Sequence[str], names: Iterable[str]):
        present = [columns.index(name) for name in names if name in columns]
        self._getters = [itemgetter(i) for i in present]
        self.value: str | None = None

    def add(self, rows: Sequence[tuple]) -> None:
        for get in self._getters:
            found = max(filter(None, map(get, rows)), default=None)
            if found is not None and (self.value is None or found > self.value):
                self.value = found
