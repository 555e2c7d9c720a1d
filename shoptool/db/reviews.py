"""Queries for `shoptool reviews`: the medium/negative reviews, and their workflow audited in the
shared `notes` table (subject 'review'). Imports never touch reviews.status*, so what staff
record here survives any re-import."""

from __future__ import annotations

from collections.abc import Sequence

from .connect import write_transaction

SUBJECT = "review"
_FIELDS = ("review_id", "order_id", "sub_order_id", "buyer_nick", "rating", "created_at", "item_title",
           "item_id", "content", "reply", "followup", "followup_at", "status", "status_at", "status_staff",
           "status_note")
_HISTORY = ("at", "staff", "action", "old_status", "new_status", "text")


def listed_reviews(db, ratings: Sequence[str], statuses: Sequence[str]) -> list[dict]:
    """Reviews with one of these ratings and statuses (served by the reviews_open index)."""
    if not ratings or not statuses:
        return []
    sql = (f"SELECT {', '.join(_FIELDS)} FROM reviews "
           f"WHERE rating IN ({_marks(ratings)}) AND status IN ({_marks(statuses)})")
    return _dicts(db.conn.execute(sql, [*ratings, *statuses]))


def get_review(db, review_id: str) -> dict | None:
    rows = _dicts(db.conn.execute(f"SELECT {', '.join(_FIELDS)} FROM reviews WHERE review_id = ?", (review_id,)))
    return rows[0] if rows else None


def candidates(db, ident: str) -> list[dict]:
    """Reviews whose id, or whose order number, is `ident`."""
    sql = f"SELECT {', '.join(_FIELDS)} FROM reviews WHERE review_id = ? OR order_id = ? ORDER BY review_id"
    return _dicts(db.conn.execute(sql, (ident, ident)))


def record_status(db, review_id: str, *, status: str | None, note: str | None, staff: str, at: str,
                  source: str = "reviews update") -> dict:
    """Move a review to `status` (None keeps it) and append the change to its history, together.
    Returns the review as it now stands; the same status again without a note records nothing."""
    with write_transaction(db):
        row = db.conn.execute("SELECT status, status_note FROM reviews WHERE review_id = ?", (review_id,)).fetchone()
        if row is None:
            raise LookupError(review_id)
        old_status, old_note = row
        new_status = status or old_status
        if new_status == old_status and note is None:
            return get_review(db, review_id)
        db.conn.execute(
            "INSERT INTO notes (subject, subject_id, at, staff, action, old_note, new_note, old_status, new_status,"
            " text, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (SUBJECT, review_id, at, staff, "status" if new_status != old_status else "note",
             old_note, note if note is not None else old_note, old_status, new_status, note, source),
        )
        db.conn.execute(
            "UPDATE reviews SET status = ?, status_at = ?, status_staff = ?, status_note = COALESCE(?, status_note)"
            " WHERE review_id = ?",
            (new_status, at, staff, note, review_id),
        )
    return get_review(db, review_id)


def history(db, review_id: str) -> list[dict]:
    sql = (f"SELECT {', '.join(_HISTORY)} FROM notes WHERE subject = ? AND subject_id = ? "
           "ORDER BY id")
    return _dicts(db.conn.execute(sql, (SUBJECT, review_id)))


def _marks(values: Sequence) -> str:
    return ", ".join("?" for _ in values)


def _dicts(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor]
