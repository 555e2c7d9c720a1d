"""Bulk writes for imports: prepared statements run with executemany in batches.

sqlite-utils' insert_all is convenient but ~22k rows/s; a prepared executemany on the same
connection does 140–180k rows/s, and a million-row export must load in seconds. Schema and
queries elsewhere still go through sqlite-utils.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from . import current


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0  # rows of a snapshot older than what was stored: kept in history, not applied
    duplicates: int = 0  # keys given more than once in the file with different content


class Upsert:
    """Rows of one export into a table whose rows are kept current (db/current.py, PRODUCT §16).

    The fast path is a plain INSERT per batch (a new export into a table that does not know its
    keys, which is most of a big first import). A batch that meets a stored key is set aside in a
    temporary table instead, and at the end — when the file's snapshot time is known, which may be
    its newest cell — all set-aside rows are merged in file order by one INSERT … SELECT … ON
    CONFLICT DO UPDATE. After such a batch, plain INSERTs are tried again after 1, 2, 4… batches
    (a re-import of a big changed file does not pay for a failed attempt every other batch).

    Columns a file does not carry are left alone (a 千牛 export has no buyer nick: it must not
    erase the one a legacy export stored). Re-importing rows that change nothing writes nothing,
    and `updated` counts rows whose data changed.
    """

    def __init__(self, db, table: str, rules: current.Rules, columns: Sequence[str], *, bulk: bool = False):
        self.db = db
        self.table = table
        self.rules = rules
        # A big file into a small table: secondary indexes are dropped for the load and rebuilt
        # by sorting at the end, inside the same transaction, instead of a million random inserts.
        self._rebuild = _drop_secondary_indexes(db, table) if bulk else []
        self.columns = list(columns)
        placeholders = ", ".join("?" for _ in self.columns)
        self.insert_sql = f"INSERT INTO {table} ({', '.join(self.columns)}) VALUES ({placeholders})"
        self._pending: str | None = None  # the temporary table of set-aside rows
        self._pending_sql = ""
        self._upsert_next = 0  # batches to set aside straight away
        self._upsert_backoff = 0
        self._start_rows = self._count(table)
        self.rows_seen = 0

    def _count(self, table: str) -> int:
        return self.db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def write(self, rows: Sequence[Sequence]) -> None:
        if not rows:
            return
        conn = self.db.conn
        self.rows_seen += len(rows)
        if self._upsert_next > 0:
            self._upsert_next -= 1
        else:
            conn.execute("SAVEPOINT plain_insert")
            try:
                conn.executemany(self.insert_sql, rows)
            except sqlite3.IntegrityError:
                conn.execute("ROLLBACK TO plain_insert")
                conn.execute("RELEASE plain_insert")
                # a file of known keys: try plain INSERTs again after 1, 2, 4… batches
                self._upsert_backoff = min(self._upsert_backoff * 2 or 1, 64)
                self._upsert_next = self._upsert_backoff
            else:
                conn.execute("RELEASE plain_insert")
                self._upsert_backoff = 0
                return
        if self._pending is None:
            self._pending = f"temp._pending_{self.table}"
            conn.execute(f"DROP TABLE IF EXISTS {self._pending}")
            conn.execute(f"CREATE TEMP TABLE _pending_{self.table} AS SELECT {', '.join(self.columns)} "
                         f"FROM main.{self.table} WHERE 0")
            self._pending_sql = (f"INSERT INTO {self._pending} ({', '.join(self.columns)}) "
                                 f"VALUES ({', '.join('?' for _ in self.columns)})")
        conn.executemany(self._pending_sql, rows)

    def finish(self, snapshot: str, import_id: int) -> Counts:
        """Merge the set-aside rows as of `snapshot` (this import's moment, already written to
        imports.snapshot_at), rebuild dropped indexes, and count."""
        conn = self.db.conn
        counts = Counts()
        if self._pending is not None:
            try:
                self._merge(snapshot, import_id, counts)
            finally:
                conn.execute(f"DROP TRIGGER IF EXISTS temp._count_{self.table}")
                conn.execute(f"DROP TABLE {self._pending}")
                self._pending = None
        for sql in self._rebuild:
            self.db.conn.execute(sql)
        self._rebuild = []
        counts.inserted = self._count(self.table) - self._start_rows
        counts.unchanged = max(self.rows_seen - counts.inserted - counts.updated - counts.stale, 0)
        return counts

    def _merge(self, snapshot: str, import_id: int, counts: Counts) -> None:
        """The set-aside rows, merged as of `snapshot`: the ones older than the stored rows first
        (they only fill gaps, kept in `stale_rows`; not counted as updates), then the rest in file
        order, counting the rows whose data changed."""
        conn, table, pending, rules, columns = self.db.conn, self.table, self._pending, self.rules, self.columns
        conn.execute(current.fill_versions_sql(table, columns, rules, pending))
        for column in [current.STALE_FLAG, *(v for v, _ in current.version_columns(rules, columns))]:
            conn.execute(f"ALTER TABLE {pending} ADD COLUMN {column}")
        conn.execute(current.incoming_versions_sql(table, columns, rules, pending, snapshot))
        conn.execute(current.mark_stale_sql(table, rules, pending))
        counts.stale = conn.execute(f"SELECT count(*) FROM {pending} WHERE {current.STALE_FLAG} = 1").fetchone()[0]
        duplicates = current.duplicates_sql(table, columns, rules, pending, import_id)
        counts.duplicates = conn.execute(duplicates).fetchone()[0]
        if counts.stale:
            conn.execute(current.keep_stale_sql(table, columns, rules, pending, snapshot, import_id))
            conn.execute(current.upsert_sql(table, columns, rules, snapshot, import_id, pending,
                                            where=f"{current.STALE_FLAG} = 1"))
        changed = [0]

        def count_change() -> None:
            changed[0] += 1

        conn.create_function("shoptool_changed", 0, count_change)
        conn.execute(f"DROP TRIGGER IF EXISTS temp._count_{table}")
        conn.execute(current.counter_trigger_sql(table, columns, rules, import_id, "shoptool_changed"))
        conn.execute(current.upsert_sql(table, columns, rules, snapshot, import_id, pending,
                                        where=f"{current.STALE_FLAG} IS NULL"))
        counts.updated = changed[0]


def _drop_secondary_indexes(db, table: str) -> list[str]:
    rows = db.conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL "
        "AND sql NOT LIKE 'CREATE UNIQUE%' AND sql NOT LIKE '% WHERE %'", (table,),
    ).fetchall()
    for name, _ in rows:
        db.conn.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in rows]


class Snapshot:
    """Stock sheets are snapshots: the newest file replaces the previous one whole, keeping every
    row (blank and duplicate SKU codes are findings for stock-check, not rows to drop)."""

    def __init__(self, db, table: str, key: Sequence[str], columns: Sequence[str]):
        self.db = db
        self.table = table
        self.key = list(key)
        self.columns = list(columns)
        placeholders = ", ".join("?" for _ in self.columns)
        self.sql = f"INSERT INTO {table} ({', '.join(self.columns)}) VALUES ({placeholders})"
        conn = db.conn
        conn.execute(f"DROP TABLE IF EXISTS temp._previous_{table}")
        conn.execute(f"CREATE TEMP TABLE _previous_{table} AS SELECT * FROM {table}")
        conn.execute(f"DELETE FROM {table}")
        self.rows_seen = 0

    def write(self, rows: Sequence[Sequence]) -> None:
        if rows:
            self.db.conn.executemany(self.sql, rows)
            self.rows_seen += len(rows)

    def finish(self, snapshot: str | None = None, import_id: int | None = None) -> Counts:
        conn = self.db.conn
        data = [c for c in self.columns if c not in ("row_no", "import_id", "extra")]
        same_key = " AND ".join(f"p.{k} IS n.{k}" for k in self.key)
        same_data = " AND ".join(f"p.{c} IS n.{c}" for c in data)
        prev = f"temp._previous_{self.table}"
        known = conn.execute(
            f"SELECT count(*) FROM {self.table} n WHERE EXISTS (SELECT 1 FROM {prev} p WHERE {same_key})"
        ).fetchone()[0]
        unchanged = conn.execute(
            f"SELECT count(*) FROM {self.table} n WHERE EXISTS (SELECT 1 FROM {prev} p WHERE {same_data})"
        ).fetchone()[0]
        conn.execute(f"DROP TABLE {prev}")
        inserted = self.rows_seen - known
        return Counts(inserted, max(known - unchanged, 0), unchanged)


def is_bulk(db, table: str, file_size: int) -> bool:
    """More rows coming than the table holds (an export row is a few hundred bytes): worth loading
    with the table's secondary indexes rebuilt at the end."""
    if file_size < 8 * 1024**2:
        return False
    return file_size // 300 > row_count(db, table)


FIRST_LOAD_BYTES = 8 * 1024**2


def first_load(db, file_size: int) -> bool:
    """A big file (from FIRST_LOAD_BYTES, as is_bulk counts) into a shop that has stored no import
    yet: its first history import, worth loading alone (connect.loading_alone)."""
    if file_size < FIRST_LOAD_BYTES:
        return False
    return db.conn.execute("SELECT 1 FROM imports WHERE status IN ('stored', 'partial') LIMIT 1").fetchone() is None


def row_count(db, table: str) -> int:
    return db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# ---------------------------------------------------------------- import log

IMPORT_COLUMNS = (
    "file", "path", "sha256", "size", "kind", "shape", "encoding", "sheet", "rows_in", "inserted",
    "updated", "unchanged", "rejected", "rejects_file", "status", "message", "started_at", "finished_at",
    "snapshot_at", "snapshot_source", "stale", "duplicates",
)


def previous_import(db, sha256: str, kind: str | None = None):
    """The last import of exactly this file's bytes that stored something, if any."""
    sql = "SELECT * FROM imports WHERE sha256 = ? AND status IN ('stored', 'partial')"
    params: list = [sha256]
    if kind:
        sql += " AND kind = ?"
        params.append(kind)
    row = db.conn.execute(sql + " ORDER BY id DESC LIMIT 1", params).fetchone()
    if row is None:
        return None
    names = [d[0] for d in db.conn.execute("SELECT * FROM imports LIMIT 0").description]
    return dict(zip(names, row))


def start_import(db, **fields) -> int:
    row = {name: fields.get(name) for name in IMPORT_COLUMNS}
    for name in ("rows_in", "inserted", "updated", "unchanged", "rejected", "stale", "duplicates"):
        row[name] = row[name] or 0
    row["status"] = row["status"] or "running"
    cursor = db.conn.execute(
        f"INSERT INTO imports ({', '.join(IMPORT_COLUMNS)}) VALUES ({', '.join('?' for _ in IMPORT_COLUMNS)})",
        [row[name] for name in IMPORT_COLUMNS],
    )
    return cursor.lastrowid


def finish_import(db, import_id: int, **fields) -> None:
    names = [name for name in fields if name in IMPORT_COLUMNS]
    db.conn.execute(
        f"UPDATE imports SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?",
        [fields[n] for n in names] + [import_id],
    )


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def extra_json(values: dict) -> str:
    return _encode(values) if values else "{}"


def audit(db, action: str, *, at: str, command: str | None = None, staff: str | None = None,
          detail: dict | str | None = None) -> None:
    """The audit log: who revealed personal data, purged, backed up (PRODUCT §13)."""
    if isinstance(detail, dict):
        detail = json.dumps(detail, ensure_ascii=False)
    db.conn.execute(
        "INSERT INTO audit (at, action, command, staff, detail) VALUES (?, ?, ?, ?, ?)",
        (at, action, command, staff, detail),
    )
