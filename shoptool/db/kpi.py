"""Queries for the CS team's board (`shoptool kpi`): the stored 客服绩效 rows of a period, and the
audit it reads — the notes log, the noted orders and their history, the refunds' handled marks
(only when the after-sales table exists) and the unpaid reminders sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from . import current, store

TABLE = "cs_performance"
KEY = ("source", "nick_key", "period_start", "period_end")
# PRODUCT §16: an export of the same days taken later wins (a day counted since 延迟统计 is final
# now); one taken earlier, imported late, only fills cells the shop does not know yet.
RULES = current.Rules(key=KEY)
_CHUNK = 500


class PerformanceWriter:
    """Upserts on (sheet shape, account, days). A summary row (汇总值…) of a sheet with a 日期
    column has no day of its own: it covers the sheet's days, known once every row is read, so such
    rows wait until `finish()`."""

    def __init__(self, db, columns: Sequence[str]):
        self.columns = list(columns)
        self.rules = RULES
        self.upsert = store.Upsert(db, TABLE, RULES, self.columns)
        self._start = self.columns.index("period_start")
        self._end = self.columns.index("period_end")
        self._held: list[list] = []
        self._days: list[str] = []

    def write(self, rows) -> None:
        ready = []
        for row in rows:
            if row[self._start] is None:
                self._held.append(list(row))
            else:
                self._days.extend((row[self._start], row[self._end]))
                ready.append(row)
        self.upsert.write(ready)

    def finish(self, snapshot: str, import_id: int) -> store.Counts:
        if self._held and self._days:
            first, last = min(self._days), max(self._days)
            for row in self._held:
                row[self._start], row[self._end] = first, last
            self.upsert.write([tuple(row) for row in self._held])
        self._held = []
        return self.upsert.finish(snapshot, import_id)


def writer(db, columns, file_size: int) -> PerformanceWriter:
    return PerformanceWriter(db, columns)


def rows_touching(db, first: date, last: date) -> list[dict]:
    """Stored rows whose days touch first..last, with the name of the file each came from."""
    cursor = db.conn.execute(
        f"""SELECT p.*, i.file AS file FROM {TABLE} p LEFT JOIN imports i ON i.id = p.import_id
            WHERE p.period_start <= ? AND p.period_end >= ? ORDER BY p.id""",
        (last.isoformat(), first.isoformat()),
    )
    return _dicts(cursor)


def notes_between(db, start: str, end: str) -> list[dict]:
    """Notes-log rows on orders, reviews and refunds written from `start` (ISO) to `end`, a day's
    margin either side (the caller compares moments: offsets may differ)."""
    cursor = db.conn.execute(
        """SELECT subject, subject_id, at, staff, action, source, old_status, new_status FROM notes
           WHERE subject IN ('order', 'review', 'refund') AND at >= date(?, '-1 day') AND at < date(?, '+2 day')
           ORDER BY id""",
        (start[:10], end[:10]),
    )
    return _dicts(cursor)


def orders_with_history(db, order_ids: Sequence[str], columns: Sequence[str],
                        fields: Sequence[str]) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    """The orders (these columns) and their recorded changes of `fields`, oldest first."""
    orders: dict[str, dict] = {}
    history: dict[str, list[dict]] = {}
    ids = sorted(set(order_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        marks = ", ".join("?" for _ in chunk)
        for row in _dicts(db.conn.execute(f"SELECT {', '.join(columns)} FROM orders WHERE order_id IN ({marks})",
                                          chunk)):
            orders[row["order_id"]] = row
        cursor = db.conn.execute(
            f"""SELECT order_id, field, old, new, changed_at FROM order_history
                WHERE order_id IN ({marks}) AND field IN ({', '.join('?' for _ in fields)}) ORDER BY id""",
            [*chunk, *fields],
        )
        for row in _dicts(cursor):
            history.setdefault(row.pop("order_id"), []).append(row)
    return orders, history


def _columns(db, table: str) -> set[str]:
    return {row[1] for row in db.conn.execute(f"PRAGMA table_info({table})")}


def refund_marks(db, start: str, end: str) -> list[dict] | None:
    """Refunds marked handled (notes log, subject 'refund') around start..end, with the refund's
    deadline; None when this database has no refunds table with a deadline (after-sales not set up)."""
    columns = _columns(db, "refunds")
    deadline = "deadline_at" if "deadline_at" in columns else "deadline"  # #18's refunds: deadline_at (超时时间)
    if not {"refund_id", deadline} <= columns:
        return None
    cursor = db.conn.execute(
        f"""SELECT n.subject_id AS refund_id, n.staff, n.at, r.{deadline} AS deadline FROM notes n
           LEFT JOIN refunds r ON r.refund_id = n.subject_id
           WHERE n.subject = 'refund' AND (n.new_status = 'handled' OR n.action = 'handled')
             AND n.at >= date(?, '-1 day') AND n.at < date(?, '+2 day')
           ORDER BY n.id""",
        (start[:10], end[:10]),
    )
    return _dicts(cursor)


def reminders_sent(db, start: str, end: str) -> list[dict]:
    """Unpaid-order reminders sent around start..end, with when (and for how much: 实付, else 总金额
    when the export has no 实付 column) the order was paid."""
    cursor = db.conn.execute(
        """SELECT m.order_id, m.sent_at, o.paid_at, COALESCE(o.paid_fen, o.total_fen) AS paid_fen FROM messages m
           LEFT JOIN orders o ON o.order_id = m.order_id
           WHERE m.purpose = 'unpaid' AND m.status = 'sent'
             AND m.sent_at >= date(?, '-1 day') AND m.sent_at < date(?, '+2 day')
           ORDER BY m.message_id""",
        (start[:10], end[:10]),
    )
    return _dicts(cursor)


def _dicts(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor]
