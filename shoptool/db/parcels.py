"""Parcels' states by tracking number (PRODUCT §18). A minimal reader for after-sales until the
parcels work (#19) lands its own module of this name: nothing when no parcel was imported."""

from __future__ import annotations

from collections.abc import Iterable


def parcel_states(db, tracking_nos: Iterable[str]) -> dict[str, dict]:
    """{tracking number: {"state", "last_event_at", ...}} for the parcels known among these."""
    numbers = [t for t in dict.fromkeys(tracking_nos) if t]
    if not numbers or db.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'parcels'").fetchone() is None:
        return {}
    columns = {row[1] for row in db.conn.execute("PRAGMA table_info(parcels)")}
    key = "tracking_no" if "tracking_no" in columns else None
    if key is None or "state" not in columns:
        return {}
    wanted = [c for c in ("state", "courier", "last_event_at", "last_event", "first_scan_at") if c in columns]
    found: dict[str, dict] = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        cursor = db.conn.execute(f"SELECT {key}, {', '.join(wanted)} FROM parcels WHERE {key} IN ({marks})", chunk)
        for row in cursor:
            found[row[0]] = dict(zip(wanted, row[1:]))
    return found
