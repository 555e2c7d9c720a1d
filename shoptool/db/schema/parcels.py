"""PRODUCT §18: parcels as the couriers' tracking results describe them, and their event history."""

from __future__ import annotations

from .base import statements


def m025_parcels(db):
    # One row per parcel, keyed by the tracking number in its one spelling (orders.tracking_key),
    # so it joins orders.tracking_no and shipments.tracking_no as they are stored. `state` is the
    # canonical state of PRODUCT §18 (logistics/states.py); `provider_state` the code the result
    # gave (快递100 state/statusCode, 快递鸟 State/StateEx, a sheet's 物流状态). `result_at` is
    # how new the stored result is (its newest event, else the snapshot of its import): an older
    # result never moves a parcel back.
    statements(db,
        """
        CREATE TABLE parcels (
          tracking_no TEXT PRIMARY KEY,
          courier TEXT,
          state TEXT NOT NULL,
          subtype TEXT,
          provider_state TEXT,
          source TEXT,
          order_id TEXT,
          shipped_at TEXT,
          first_scan_at TEXT,
          last_event_at TEXT,
          last_event TEXT,
          last_location TEXT,
          delivered_at TEXT,
          result_at TEXT,
          events INTEGER NOT NULL DEFAULT 0,
          extra TEXT NOT NULL DEFAULT '{}',
          first_seen_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          import_id INTEGER
        );
        CREATE INDEX parcels_state ON parcels(state);
        CREATE TABLE parcel_events (
          id INTEGER PRIMARY KEY,
          tracking_no TEXT NOT NULL,
          at TEXT,
          text TEXT NOT NULL DEFAULT '',
          location TEXT,
          code TEXT,
          import_id INTEGER,
          UNIQUE (tracking_no, at, text)
        )
        """
    )
