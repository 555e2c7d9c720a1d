"""PRODUCT §16: snapshots and versions of rows, one spelling of phones and tracking numbers."""

from __future__ import annotations

from datetime import datetime

from .base import statements


def m005_snapshots(db):
    # PRODUCT §16: every import is a snapshot taken at one moment (its file name's stamp, else its
    # newest event cell, else the import time), and each row remembers the version its values
    # come from ("<place in the order's life>|<snapshot>"; NULL: that of the import that wrote it,
    # imports.snapshot_at), so that an older export never overrides a newer one (db/current.py).
    # The receiver and the seller's note have versions of their own: a desensitised export never
    # replaces a real receiver, and a note written by `shoptool note` or merge-shipping is as new
    # as the moment it was written (note_version, a plain moment). Rows older than what was known
    # are kept in `stale_rows` (not applied, not lost).
    from ...imports.snapshot import stamp_of

    for table, columns in (
        ("imports", ("snapshot_at TEXT", "snapshot_source TEXT", "stale INTEGER NOT NULL DEFAULT 0",
                     "duplicates INTEGER NOT NULL DEFAULT 0")),
        ("orders", ("version TEXT", "receiver_version TEXT", "note_version TEXT")),
        ("order_items", ("version TEXT",)),
        ("shipments", ("version TEXT",)),
        ("opt_outs", ("version TEXT",)),
        ("reviews", ("version TEXT",)),
    ):
        for column in columns:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
    statements(db,
        """
        CREATE TABLE stale_rows (
          id INTEGER PRIMARY KEY,
          import_id INTEGER NOT NULL,
          table_name TEXT NOT NULL,
          row_key TEXT NOT NULL,
          snapshot_at TEXT NOT NULL,
          known_at TEXT,
          data TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX stale_rows_key ON stale_rows(table_name, row_key);
        CREATE INDEX orders_tel_no_nick ON orders(receiver_tel) WHERE buyer_nick IS NULL
        """
    )
    db.execute(
        """CREATE TRIGGER notes_note_at AFTER INSERT ON notes
           WHEN new.subject = 'order' AND (new.old_note IS NOT new.new_note OR new.old_flag IS NOT new.new_flag)
           BEGIN UPDATE orders SET note_version = new.at WHERE order_id = new.subject_id; END"""
    )
    # Imports before this version: their file name's stamp, else when they ran (what the shop
    # knew then is at most that new).
    from zoneinfo import ZoneInfo

    for import_id, name, started in db.execute("SELECT id, file, started_at FROM imports").fetchall():
        started_at = datetime.fromisoformat(started)
        stamp = stamp_of(name or "", started_at.tzinfo or ZoneInfo("Asia/Shanghai"))
        moment, source = (min(stamp, started_at), "file_name") if stamp else (started_at, "import_time")
        db.execute("UPDATE imports SET snapshot_at = ?, snapshot_source = ? WHERE id = ?",
                   (moment.isoformat(timespec="seconds"), source, import_id))


def m006_phones(db):
    # PRODUCT §16: one normaliser for every use. Imports now store a valid mobile as its 11 digits
    # whatever the spelling (+86, dashes, dots, Excel's .0); rows stored before are brought to the
    # same form, so opt-outs, caps, "paid another order" and merges compare like with like. The
    # order history is not rewritten (no history row is made for a change of spelling).
    from ..identity import normalise_phones

    normalise_phones(db)


def m007_tracking_numbers(db):
    # PRODUCT §16: a tracking number is one parcel whatever the spelling (orders.tracking_key:
    # SF-1400…, sf 1400 …, No:SF1400… are all SF1400…). Stored numbers take that form; a
    # warehouse row that becomes the same parcel as another of the same order is merged into it;
    # shipping notices already recorded move to their parcel's new key, so a notice that was sent
    # keeps counting. Two notices whose keys become one (the bug this fixes: the same parcel
    # noticed twice under two spellings) keep one key — the one that may have reached the buyer —
    # and the other gets `<key>#<message id>`; one still waiting is skipped as `duplicate_parcel`.
    # `out_id` keeps the key a provider was given, so a delivery query still finds its message.
    from ..identity import normalise_tracking_numbers

    normalise_tracking_numbers(db)
