"""When an export was taken (imports/snapshot.py): the stamp platforms and ERPs put in file names."""

from __future__ import annotations

from datetime import datetime

import pytest

from shoptool.clock import zone
from shoptool.imports.snapshot import snapshot_of, stamp_of

TZ = zone("Asia/Shanghai")


@pytest.mark.parametrize("name, moment", [
    ("ExportOrderList202611211100.csv", "2026-11-21 11:00:00"),
    ("ExportOrderList20261121110023.xlsx", "2026-11-21 11:00:23"),
    ("订单导出_2026-11-21_11-00-23.xlsx", "2026-11-21 11:00:23"),
    ("orders_20261121_110000.csv", "2026-11-21 11:00:00"),
    ("订单2026-11-21 11：00.xlsx", "2026-11-21 11:00:00"),
    ("发货单_2026.11.21.xlsx", "2026-11-21 23:59:59"),  # a day alone: its end
    ("orders_20261101-20261121.csv", "2026-11-21 23:59:59"),  # a period: taken after it
    ("ExportOrderList202611211100 (1).csv", "2026-11-21 11:00:00"),
    ("3912000000000000101.csv", None),  # an order number is no stamp
    ("orders.csv", None),
    ("orders_20260230.csv", None),  # no such day
])
def test_stamps_in_file_names(name, moment):
    found = stamp_of(name, TZ)
    assert (found.strftime("%Y-%m-%d %H:%M:%S") if found else None) == moment


def test_the_snapshot_is_the_stamp_else_the_newest_cell_else_the_import():
    now = datetime(2026, 11, 21, 12, 0, tzinfo=TZ)
    assert snapshot_of("ExportOrderList202611211100.csv", "2026-11-21T11:30:00+08:00", now, TZ) == (
        "2026-11-21T11:00:00+08:00", "file_name")
    assert snapshot_of("orders.csv", "2026-11-21T09:30:00+08:00", now, TZ) == (
        "2026-11-21T09:30:00+08:00", "newest_cell")
    assert snapshot_of("orders.csv", "2099-01-01T00:00:00+08:00", now, TZ) == (  # a typo is not the moment
        "2026-11-21T12:00:00+08:00", "newest_cell")
    assert snapshot_of("orders.csv", None, now, TZ) == ("2026-11-21T12:00:00+08:00", "import_time")
