"""Every query of the SMS outbox: due orders and parcels, message rows and their state changes,
caps, opt-outs, listings.

The due-row queries are what a cron run costs, so each reads only through an index (partial
indexes on the open statuses; `tests/test_outbox.py` holds them to it with EXPLAIN QUERY PLAN).
State changes are conditional UPDATEs: a row moves only from the states it may leave, so two runs
that race on one message cannot both take it (see messages/outbox.py for the whole argument).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence

# States a message may be (re)planned or claimed from: nothing of it reached a provider, or the
# provider said so (retry, defer, stop). Every other state is left alone by automation.
CLAIMABLE = ("queued", "retry", "deferred", "skipped")
_CLAIMABLE_SQL = "('queued', 'retry', 'deferred', 'skipped')"
# States in which a text may have reached the buyer: they count towards every cap.
MAYBE_SENT = ("sending", "sent", "unknown")
_MAYBE_SENT_SQL = "('sending', 'sent', 'unknown')"
_CHUNK = 500  # bound parameters per IN (…)

# --- due rows (cron's whole cost on a large database) ------------------------------------------

# INDEXED BY: without statistics SQLite prefers orders_status, which reads every order in the
# status (months of them when exports stop updating old orders); the partial index reads the window.
# Only the columns the reminder rules read (messages/due/reminders.py; a new rule adds its column
# here): 80,000 due orders of ~40 columns each were most of a big cron run's memory, and a row of
# ten fields or fewer is a dict of 272 bytes, not 464.
UNPAID_FIELDS = ("order_id", "status", "created_at", "buyer_nick", "receiver_mobile", "receiver_tel", "masked",
                 "is_cod", "presale_stage")
UNPAID_DUE_SQL = (f"SELECT {', '.join(UNPAID_FIELDS)} FROM orders INDEXED BY orders_unpaid_due "
                  "WHERE status = 'unpaid' AND created_at > ? AND created_at <= ?")

# Order ids of parcels that may be due a shipping notice: shipped since `since` by whichever
# time the exports give. Each branch reads one partial or plain index.
SHIPPED_DUE_SQL = """
SELECT order_id FROM orders INDEXED BY orders_shipped_due WHERE status = 'shipped' AND shipped_at >= :since
UNION
SELECT order_id FROM orders INDEXED BY orders_shipped_seen_due
  WHERE status = 'shipped' AND shipped_at IS NULL AND shipped_seen_at >= :since
UNION
SELECT order_id FROM shipments INDEXED BY shipments_shipped_at WHERE shipped_at >= :since
UNION
SELECT order_id FROM shipments INDEXED BY shipments_seen_due WHERE shipped_at IS NULL AND first_seen_at >= :since
"""

# Of those, the orders whose parcel may still need something: an order is settled when the notice
# of its parcel is past deciding. Tracking numbers are stored in the one spelling of
# orders.tracking_key (imports write it; migration m007 rewrote older rows), so the key
# shipping.parcel_key gives a plain number is 's:' || tracking_no. The warehouse's parcels win
# over the export's tracking number, as in shipping.parcels. Anything this cannot prove settled
# (odd tracking numbers are hashed into their key) goes on to be looked at.
SHIPPED_OPEN_SQL = f"""
WITH due(order_id) AS ({SHIPPED_DUE_SQL})
SELECT due.order_id FROM due LEFT JOIN orders o ON o.order_id = due.order_id
WHERE CASE
  WHEN EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = due.order_id) THEN
    EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = due.order_id AND NOT EXISTS (
      SELECT 1 FROM messages m WHERE m.dedupe_key = 's:' || s.tracking_no
        AND m.status IN ('sending', 'sent', 'failed', 'unknown')))
  ELSE NOT EXISTS (
      SELECT 1 FROM messages m WHERE m.dedupe_key = 's:' || o.tracking_no
        AND m.status IN ('sending', 'sent', 'failed', 'unknown'))
END
"""

# Messages waiting for their moment (deferred, retry) or left queued by a stopped run.
PENDING_SQL = """
SELECT order_ids FROM messages WHERE status = 'queued' AND purpose = :purpose
UNION ALL
SELECT order_ids FROM messages WHERE status IN ('retry', 'deferred') AND next_attempt_at <= :now AND purpose = :purpose
"""


def _dicts(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor]


def _chunks(values: Iterable, size: int = _CHUNK) -> Iterable[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _where_in(db, sql: str, values: Iterable, extra: Sequence = ()) -> list[dict]:
    """`sql` with one `{}` for the placeholders of an IN (…), run in chunks."""
    found: list[dict] = []
    for chunk in _chunks(dict.fromkeys(v for v in values if v is not None)):
        marks = ", ".join("?" for _ in chunk)
        found.extend(_dicts(db.conn.execute(sql.format(marks), [*chunk, *extra])))
    return found


# …less those whose last reminder step is past deciding (sending, sent, failed, unknown): nothing
# more can be due for them, so a cron run after a big send does not read them all again. The key
# is reminders.message_key's for plain order ids; any other id is simply not excluded.
UNPAID_OPEN_SQL = (UNPAID_DUE_SQL.replace("FROM orders INDEXED", "FROM orders o INDEXED")
                   + " AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.dedupe_key = 'u:' || o.order_id || ':' || ? "
                     "AND m.status IN ('sending', 'sent', 'failed', 'unknown'))")


def unpaid_due(db, after_iso: str, until_iso: str, last_step: str | None = None) -> list[dict]:
    """Unpaid orders placed after `after` (not yet auto-closed) and at or before `until` (the first
    step is due); with `last_step` (the schedule's latest step), not those whose message for it is
    settled."""
    if last_step is None:
        return _dicts(db.conn.execute(UNPAID_DUE_SQL, (after_iso, until_iso)))
    return _dicts(db.conn.execute(UNPAID_OPEN_SQL, (after_iso, until_iso, last_step)))


def orders_by_id(db, order_ids: Iterable[str]) -> list[dict]:
    return _where_in(db, "SELECT * FROM orders WHERE order_id IN ({})", order_ids)


def shipped_due_order_ids(db, since_iso: str) -> list[str]:
    """Orders shipped since `since` whose parcel's notice is not settled yet."""
    return [row[0] for row in db.conn.execute(SHIPPED_OPEN_SQL, {"since": since_iso})]


def parcel_rows(db, order_ids: Iterable[str], usable_tracking) -> tuple[list[dict], list[dict]]:
    """The orders and shipment rows of every parcel these orders travel in: a parcel is a tracking
    number, and other orders may share it (a merged parcel). `usable_tracking(text)` says which
    tracking numbers are real enough to group by (a placeholder like "0" would join thousands)."""
    ids = list(dict.fromkeys(order_ids))
    orders = {r["order_id"]: r for r in orders_by_id(db, ids)}
    shipments = {(r["order_id"], r["tracking_no"]): r
                 for r in _where_in(db, "SELECT * FROM shipments WHERE order_id IN ({})", ids)}
    tracking = {r["tracking_no"] for r in orders.values() if usable_tracking(r["tracking_no"])}
    tracking |= {t for (_, t) in shipments if usable_tracking(t)}
    for row in _where_in(db, "SELECT * FROM shipments WHERE tracking_no IN ({})", tracking):
        shipments.setdefault((row["order_id"], row["tracking_no"]), row)
    for row in _where_in(db, "SELECT * FROM orders WHERE tracking_no IN ({})", tracking):
        orders.setdefault(row["order_id"], row)
    missing = {order_id for (order_id, _) in shipments} - set(orders)
    for row in orders_by_id(db, missing):
        orders[row["order_id"]] = row
    return list(orders.values()), list(shipments.values())


def pending_order_ids(db, purpose: str, now_iso: str) -> list[str]:
    found: list[str] = []
    for (order_ids,) in db.conn.execute(PENDING_SQL, {"purpose": purpose, "now": now_iso}):
        found.extend(json.loads(order_ids or "[]"))
    return list(dict.fromkeys(found))


# --- message rows ------------------------------------------------------------------------------

def messages_by_key(db, keys: Iterable[str]) -> dict[str, dict]:
    return {r["dedupe_key"]: r for r in _where_in(db, "SELECT * FROM messages WHERE dedupe_key IN ({})", keys)}


def messages_for_orders(db, purpose: str, order_ids: Iterable[str]) -> list[dict]:
    return _where_in(db, "SELECT * FROM messages WHERE order_id IN ({}) AND purpose = ?", order_ids, (purpose,))


def opted_out_phones(db, phones: Iterable[str]) -> set[str]:
    return {r["phone"] for r in _where_in(db, "SELECT phone FROM opt_outs WHERE phone IN ({})", phones)}


# Pinned: with a chunk of 500 phones or buyers SQLite prefers messages_status, which reads every
# sent message once per chunk (1.5 s of the cron run after a big send on a million-order shop).
RECENT_PHONE_SQL = (f"SELECT phone, sent_at FROM messages INDEXED BY messages_phone_sent WHERE phone IN ({{}}) "
                    f"AND sent_at > ? AND status IN {_MAYBE_SENT_SQL}")
RECENT_BUYER_SQL = (f"SELECT buyer, sent_at FROM messages INDEXED BY messages_buyer_sent WHERE purpose = ? "
                    f"AND buyer IN ({{}}) AND sent_at > ? AND status IN {_MAYBE_SENT_SQL}")
CLAIMED_BACK_SQL = ("SELECT dedupe_key, message_id, attempts FROM messages INDEXED BY sqlite_autoindex_messages_1 "
                    "WHERE dedupe_key IN ({}) AND status = 'sending' AND claimed_by = ?")


def recent_phone_sends(db, phones: Iterable[str], since_iso: str) -> dict[str, list[str]]:
    """When texts to these phones went out (or may have), across purposes, since `since`."""
    found: dict[str, list[str]] = {}
    for row in _where_in(db, RECENT_PHONE_SQL, phones, (since_iso,)):
        found.setdefault(row["phone"], []).append(row["sent_at"])
    return found


def recent_buyer_sends(db, purpose: str, buyers: Iterable[str], since_iso: str) -> dict[str, list[str]]:
    """When texts of this purpose to these buyers went out (or may have) since `since`."""
    found: dict[str, list[str]] = {}
    for chunk in _chunks(dict.fromkeys(b for b in buyers if b)):
        marks = ", ".join("?" for _ in chunk)
        cursor = db.conn.execute(RECENT_BUYER_SQL.format(marks), [purpose, *chunk, since_iso])
        for buyer, sent_at in cursor:
            found.setdefault(buyer, []).append(sent_at)
    return found


_PLAN_COLUMNS = ("dedupe_key", "purpose", "class", "order_id", "order_ids", "step", "buyer", "phone",
                 "template_code", "params", "text", "parts", "status", "reason", "next_attempt_at",
                 "created_at", "updated_at")
_PLAN_SQL = f"""
INSERT INTO messages ({', '.join(_PLAN_COLUMNS)}) VALUES ({', '.join('?' for _ in _PLAN_COLUMNS)})
ON CONFLICT(dedupe_key) DO UPDATE SET
  status = excluded.status, reason = excluded.reason, next_attempt_at = excluded.next_attempt_at,
  order_id = excluded.order_id, order_ids = excluded.order_ids, buyer = excluded.buyer,
  phone = excluded.phone, template_code = excluded.template_code, params = excluded.params,
  text = excluded.text, parts = excluded.parts, class = excluded.class, updated_at = excluded.updated_at
WHERE messages.status IN {_CLAIMABLE_SQL}
  AND (messages.status IS NOT excluded.status OR messages.reason IS NOT excluded.reason
       OR messages.next_attempt_at IS NOT excluded.next_attempt_at OR messages.phone IS NOT excluded.phone
       OR messages.order_ids IS NOT excluded.order_ids)
"""


def save_plan(db, records: Iterable[dict]) -> int:
    """Record decisions (queued, deferred, skipped) one row per message, updated in place: never
    over a message that is being sent or was sent, and only when something changed, so a cron run
    that decides the same again writes nothing. Returns the rows changed. `records` may be a
    generator: rows are made as SQLite takes them (80,000 of them are never all held twice)."""
    before = db.conn.total_changes
    db.conn.executemany(_PLAN_SQL, map(_plan_values, records))
    return db.conn.total_changes - before


def _plan_values(record: dict) -> tuple:
    get = record.get
    row = [get(name) for name in _PLAN_COLUMNS]
    row[_ORDER_IDS] = ids_json(row[_ORDER_IDS])
    row[_PARAMS] = params_json(row[_PARAMS])
    return tuple(row)


_PLAIN_ID = re.compile(r"[A-Za-z0-9_.:+-]*")


def ids_json(order_ids) -> str:
    """order_ids as stored: what json.dumps(ids, ensure_ascii=False) writes, without calling it for
    the plain ids every message has (it was 300,000 calls of a big cron run)."""
    if not order_ids:
        return "[]"
    for i in order_ids:
        if i.__class__ is not str or not _PLAIN_ID.fullmatch(i):
            return json.dumps(list(order_ids), ensure_ascii=False)
    return '["' + '", "'.join(order_ids) + '"]'


_PARAMS_JSON: dict[tuple, str] = {}


def params_json(params) -> str:
    """A template's variables as stored; the few distinct ones of a run are encoded once."""
    if not params:
        return "{}"
    try:
        key = tuple(params.items())
        found = _PARAMS_JSON.get(key)
    except TypeError:  # a value that cannot be a key
        return json.dumps(params, ensure_ascii=False)
    if found is None:
        if len(_PARAMS_JSON) > 10_000:
            _PARAMS_JSON.clear()
        found = _PARAMS_JSON[key] = json.dumps(params, ensure_ascii=False)
    return found


_ORDER_IDS, _PARAMS = _PLAN_COLUMNS.index("order_ids"), _PLAN_COLUMNS.index("params")
# What differs from one claimed text to the next (Runner._claimed_texts makes these tuples) …
CLAIMED_TEXT_COLUMNS = ("dedupe_key", "order_id", "order_ids", "step", "buyer", "phone", "params", "text", "parts")
# … and what a run's claimed texts share
_CLAIMED_RUN_COLUMNS = ("purpose", "class", "template_code", "created_at", "updated_at", "claimed_by", "provider",
                        "sent_at")
_CLAIMED_SQL = (f"INSERT INTO messages ({', '.join(CLAIMED_TEXT_COLUMNS + _CLAIMED_RUN_COLUMNS)}, status, attempts) "
                f"VALUES ({', '.join('?' for _ in CLAIMED_TEXT_COLUMNS + _CLAIMED_RUN_COLUMNS)}, 'sending', 1) "
                "ON CONFLICT(dedupe_key) DO NOTHING")


def insert_claimed(db, texts: Iterable[tuple], *, purpose: str, sms_class: str, template_code: str, planned_at: str,
                   claimed_by: str, provider: str, at: str) -> tuple[int, range | None]:
    """New messages recorded already claimed (`sending`, attempts 1), inside the caller's BEGIN
    IMMEDIATE: a plan and its claim in one write, for a provider that hands texts over only on
    flush(). `texts`: tuples in CLAIMED_TEXT_COLUMNS order, order_ids and params already as stored
    (ids_json, params_json) — 80,000 of them, so no dict is made per text. A key already recorded
    is left alone (not claimed). Returns (rows inserted, their message ids in the order of
    `texts`, or None if they cannot be told): SQLite gives each new row the largest id so far plus
    one, so when the largest id grew by exactly the rows inserted, those rows hold the ids in
    between, in order — and 80,000 ids need not be read back."""
    tail = (purpose, sms_class, template_code, planned_at, planned_at, claimed_by, provider, at)
    first = last_message_id(db)
    before = db.conn.total_changes
    db.conn.executemany(_CLAIMED_SQL, (text + tail for text in texts))
    inserted = db.conn.total_changes - before
    if last_message_id(db) == first + inserted:
        return inserted, range(first + 1, first + inserted + 1)
    return inserted, None


def held_by(db, claimed_by: str) -> dict[str, tuple[int, int]]:
    """{key: (message_id, attempts)} of the messages this run holds in `sending`."""
    return {key: (mid, attempts) for key, mid, attempts in db.conn.execute(
        "SELECT dedupe_key, message_id, attempts FROM messages WHERE status = 'sending' AND claimed_by = ?",
        (claimed_by,))}


def claim(db, key: str, *, claimed_by: str, provider: str, at: str, phone: str, text: str,
          params: dict, template_code: str, parts: int, order_ids: list[str]) -> int | None:
    """Take one message for sending: the only way into `sending`. Runs inside the caller's
    BEGIN IMMEDIATE; the row changes only if no other run took it first. Returns its id or None."""
    row = db.conn.execute(
        f"""UPDATE messages SET status = 'sending', claimed_by = ?, provider = ?, attempts = attempts + 1,
                sent_at = ?, updated_at = ?, phone = ?, text = ?, params = ?, template_code = ?, parts = ?,
                order_ids = ?, reason = NULL, next_attempt_at = NULL, provider_id = NULL, detail = NULL
            WHERE dedupe_key = ? AND status IN {_CLAIMABLE_SQL} RETURNING message_id""",
        (claimed_by, provider, at, at, phone, text, json.dumps(params, ensure_ascii=False), template_code, parts,
         json.dumps(order_ids, ensure_ascii=False), key),
    ).fetchone()
    return row[0] if row else None


_CLAIM_MANY_SQL = f"""UPDATE messages SET status = 'sending', claimed_by = ?, provider = ?, attempts = attempts + 1,
    sent_at = ?, updated_at = ?, phone = ?, text = ?, params = ?, template_code = ?, parts = ?, order_ids = ?,
    reason = NULL, next_attempt_at = NULL, provider_id = NULL, detail = NULL
  WHERE dedupe_key = ? AND status IN {_CLAIMABLE_SQL}"""


def claim_many(db, claims: Sequence[dict], *, claimed_by: str, provider: str, at: str,
               known: dict[str, tuple[int, int]] | None = None) -> dict[str, tuple[int, int]]:
    """claim() for many messages in the caller's transaction: {key: (message_id, attempts)} of
    those this run took (a key another run holds is missing). Each dict: key, phone, text,
    params, template_code, parts, order_ids. `known`: {key: (message_id, attempts after this
    claim)} as the caller's plan left them; when every UPDATE changed its row, the rows are not
    read back (a read of 80,000 scattered rows was a second of a big cron run)."""
    cursor = db.conn.executemany(_CLAIM_MANY_SQL, [
        (claimed_by, provider, at, at, c["phone"], c["text"], params_json(c["params"]),
         c["template_code"], c["parts"], ids_json(c["order_ids"]), c["key"]) for c in claims])
    keys = [c["key"] for c in claims]
    if known is not None and cursor.rowcount == len(keys) == len(set(keys)) and all(k in known for k in keys):
        return {k: known[k] for k in keys}
    taken: dict[str, tuple[int, int]] = {}
    for row in _where_in(db, CLAIMED_BACK_SQL, [c["key"] for c in claims], (claimed_by,)):
        taken[row["dedupe_key"]] = (row["message_id"], row["attempts"])
    return taken


def settle_many(db, settlements: Sequence[tuple], *, claimed_by: str, at: str) -> None:
    """settle() for many messages (the file provider's whole sheet) in the caller's transaction.
    Each: (status, reason, provider_id, detail, next_attempt_at, keep_sent_at, message_id). A text
    that may be with the buyer keeps its sent_at, and then the statement leaves that column out:
    SQLite rewrites the index entries of every column a SET names (two per text, here)."""
    kept = [s for s in settlements if s[5]]
    cleared = [s for s in settlements if not s[5]]
    for rows, sent_at in ((kept, ""), (cleared, " sent_at = NULL,")):
        if rows:
            db.conn.executemany(
                f"""UPDATE messages SET status = ?1, reason = ?2, provider_id = COALESCE(?3, provider_id),
                       detail = ?4, next_attempt_at = ?5,{sent_at} updated_at = ?8
                   WHERE message_id = ?7 AND claimed_by = ?9 AND status IN ('sending', 'unknown')""",
                [(*s, at, claimed_by) for s in rows])


# A sheet's rows: the n-th out-id's message becomes `sent` as f"{sheet}#{n}" (providers/file.row_ref)
# in one statement; 80,000 UPDATEs by message_id each made their own round trip from Python.
_HANDED_OVER_SQL = """WITH handed(row, message_id) AS MATERIALIZED (SELECT key + 1, value FROM json_each(?1))
    UPDATE messages SET status = 'sent', reason = NULL, provider_id = ?2 || '#' || handed.row,
           detail = 'row ' || handed.row || ' of ' || ?2 || ' (written on flush)', next_attempt_at = NULL,
           updated_at = ?3
    FROM handed WHERE messages.message_id = handed.message_id AND claimed_by = ?4
      AND status IN ('sending', 'unknown')"""


def settle_handed_over(db, sheet: str, message_ids: Sequence[int], *, claimed_by: str, at: str) -> int:
    """settle_many() of a sheet the file provider wrote: its rows' messages (`message_ids` in row
    order) are `sent`, keeping sent_at, as settle_many would record each. Returns the rows settled."""
    before = db.conn.total_changes  # a statement that starts WITH has no rowcount in sqlite3
    db.conn.execute(_HANDED_OVER_SQL, (json.dumps(list(message_ids)), sheet, at, claimed_by))
    return db.conn.total_changes - before


def last_message_id(db) -> int:
    return db.conn.execute("SELECT COALESCE(max(message_id), 0) FROM messages").fetchone()[0]


def message_ids_after(db, message_id: int, *, sending_only: bool = False) -> dict[str, tuple[int, int]]:
    """{key: (message_id, attempts)} of the messages added after `message_id` (a rowid range:
    one sequential read of what a plan just inserted); of those in `sending` only, if asked."""
    return {key: (mid, attempts) for key, mid, attempts in db.conn.execute(
        "SELECT dedupe_key, message_id, attempts FROM messages WHERE message_id > ?" + (
            " AND status = 'sending'" if sending_only else ""), (message_id,))}


def data_version(db) -> int:
    """Changes when another connection commits (PRAGMA data_version): what this run planned from is
    still what the database says as long as it has not changed."""
    return db.conn.execute("PRAGMA data_version").fetchone()[0]


def settle(db, message_id: int, claimed_by: str, *, status: str, reason: str | None, provider_id: str | None,
           detail: str | None, next_attempt_at: str | None, keep_sent_at: bool, at: str) -> bool:
    """Record what the provider answered, for the run that claimed the message. `unknown` is
    accepted as a starting state too: a run that found this one's claim and took it for a crash
    must not keep the claimer from recording the answer it did get."""
    cursor = db.conn.execute(
        """UPDATE messages SET status = ?, reason = ?, provider_id = COALESCE(?, provider_id), detail = ?,
               next_attempt_at = ?, sent_at = CASE WHEN ? THEN sent_at ELSE NULL END, updated_at = ?
           WHERE message_id = ? AND claimed_by = ? AND status IN ('sending', 'unknown')""",
        (status, reason, provider_id, detail, next_attempt_at, 1 if keep_sent_at else 0, at, message_id, claimed_by),
    )
    return cursor.rowcount == 1


def sending(db) -> list[dict]:
    return _dicts(db.conn.execute("SELECT * FROM messages WHERE status = 'sending'"))


def mark_unknown(db, message_id: int, claimed_by: str | None, *, reason: str, detail: str, at: str) -> bool:
    cursor = db.conn.execute(
        "UPDATE messages SET status = 'unknown', reason = ?, detail = ?, updated_at = ? "
        "WHERE message_id = ? AND status = 'sending' AND claimed_by IS ?",
        (reason, detail, at, message_id, claimed_by),
    )
    return cursor.rowcount == 1


# --- listings, opt-outs, reconcile -----------------------------------------------------------

def list_messages(db, *, statuses: Sequence[str] = (), purposes: Sequence[str] = (), order_id: str | None = None,
                  limit: int | None = None) -> list[dict]:
    where, params = [], []
    if statuses:
        where.append(f"status IN ({', '.join('?' for _ in statuses)})")
        params.extend(statuses)
    if purposes:
        where.append(f"purpose IN ({', '.join('?' for _ in purposes)})")
        params.extend(purposes)
    if order_id:
        where.append("(order_id = ? OR EXISTS (SELECT 1 FROM json_each(messages.order_ids) WHERE value = ?))")
        params.extend((order_id, order_id))
    sql = "SELECT * FROM messages" + (f" WHERE {' AND '.join(where)}" if where else "")
    sql += " ORDER BY updated_at DESC, message_id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return _dicts(db.conn.execute(sql, params))


def count_by_status(db, *, purposes: Sequence[str] = ()) -> dict[str, int]:
    sql = "SELECT status, count(*) FROM messages"
    params: list = []
    if purposes:
        sql += f" WHERE purpose IN ({', '.join('?' for _ in purposes)})"
        params.extend(purposes)
    return {status: n for status, n in db.conn.execute(sql + " GROUP BY status ORDER BY status", params)}


def add_opt_out(db, phone: str, *, at: str, source: str, note: str | None) -> dict | None:
    """Add a phone to the opt-out list; returns the existing row when it was already there."""
    existing = _dicts(db.conn.execute("SELECT * FROM opt_outs WHERE phone = ?", (phone,)))
    if existing:
        return existing[0]
    db.conn.execute(
        "INSERT INTO opt_outs (phone, opted_out_at, source, note, first_seen_at) VALUES (?, ?, ?, ?, ?)",
        (phone, at, source, note, at),
    )
    return None


def count_unknown(db) -> int:
    """Messages whose fate only the provider's query or a person can settle (index messages_status)."""
    return db.conn.execute("SELECT count(*) FROM messages WHERE status = 'unknown'").fetchone()[0]


def unknown_messages(db) -> list[dict]:
    return _dicts(db.conn.execute("SELECT * FROM messages WHERE status = 'unknown' ORDER BY message_id"))


def resolve_unknown(db, message_id: int, *, status: str, reason: str, provider_id: str | None, detail: str,
                    at: str) -> bool:
    cursor = db.conn.execute(
        "UPDATE messages SET status = ?, reason = ?, provider_id = COALESCE(?, provider_id), detail = ?, "
        "updated_at = ?, sent_at = CASE WHEN ? = 'sent' THEN sent_at ELSE NULL END "
        "WHERE message_id = ? AND status = 'unknown'",
        (status, reason, provider_id, detail, at, status, message_id),
    )
    return cursor.rowcount == 1
