"""The buyers' paid orders behind remind-unpaid's "paid another order since" rule (PRODUCT §8):
read once per run for every due buyer, by nick or (a buyer without one) by the receiver's phone.
"""

from __future__ import annotations

from collections.abc import Iterable

from .outbox import _where_in

_PAID_STATES_SQL = "('paid', 'partly_shipped', 'shipped', 'signed', 'completed')"
_PAID_FIELDS = "order_id, buyer_nick, receiver_mobile, receiver_tel, status, paid_at, created_at"
# Pinned to the buyer indexes: without statistics SQLite prefers orders_status, which reads every
# paid order of the shop (~820k on a million-order shop) for each chunk of names. orders_buyer holds
# the paid moment and the status after the nick (schema/scale.m008): the moment is compared as
# the index spells it, so the lookup reads the index and only the orders that answer.
PAID_BY_NICK_SQL = (f"SELECT {_PAID_FIELDS} FROM orders INDEXED BY orders_buyer WHERE buyer_nick IN ({{}}) "
                    f"AND COALESCE(paid_at, created_at) >= ? AND status IN {_PAID_STATES_SQL}")
PAID_BY_PHONE_SQL = (f"SELECT {_PAID_FIELDS} FROM orders INDEXED BY orders_mobile_no_nick WHERE buyer_nick IS NULL "
                     f"AND receiver_mobile IN ({{}}) AND status IN {_PAID_STATES_SQL} "
                     "AND COALESCE(paid_at, created_at) >= ?")
# A mobile written in 联系电话 (either column may hold either kind, phones.receiver_phone)
PAID_BY_TEL_SQL = (f"SELECT {_PAID_FIELDS} FROM orders INDEXED BY orders_tel_no_nick WHERE buyer_nick IS NULL "
                   f"AND receiver_tel IN ({{}}) AND status IN {_PAID_STATES_SQL} "
                   "AND COALESCE(paid_at, created_at) >= ?")


def paid_orders_of(db, nicks: Iterable[str], phones: Iterable[str], since_iso: str) -> list[dict]:
    """Orders of these buyers paid (or placed) since `since`: a buyer without a nick is known by
    the receiver's phone (phones.buyer_key), and only among orders without a nick. Mobiles are
    stored as their 11 digits (phones.stored_phone), so either phone column is compared as such;
    the caller keeps the orders whose buyer key is the buyer's. Read through the buyer indexes,
    once per run for all the due buyers."""
    found = {row["order_id"]: row for row in _where_in(db, PAID_BY_NICK_SQL, nicks, (since_iso,))}
    for sql in (PAID_BY_PHONE_SQL, PAID_BY_TEL_SQL):
        for row in _where_in(db, sql, phones, (since_iso,)):
            found.setdefault(row["order_id"], row)
    return list(found.values())


MEANWHILE_FROM = 2_000  # buyers


def paid_orders_of_meanwhile(db, nicks: Iterable[str], phones: Iterable[str], since_iso: str):
    """paid_orders_of() on a second, read-only connection in a thread while the caller goes on;
    returns the function that gives its rows (waiting for them, raising what the read raised).
    The lookup is SQLite reading a buyer's orders from the table (it lets go of the GIL: about a
    second for 74,000 buyers on a million orders), the caller's meanwhile is Python: on two cores
    the two overlap. A few buyers (a claim's re-check), or a database without a file, are read in
    place: a thread and a connection cost more than they save there."""
    import sqlite3
    import threading
    from pathlib import Path
    from types import SimpleNamespace

    path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    nicks, phones = list(nicks), list(phones)
    if not path or len(nicks) + len(phones) < MEANWHILE_FROM:
        rows = paid_orders_of(db, nicks, phones, since_iso)
        return lambda: rows
    box: dict = {}

    def read() -> None:
        try:
            # as a URI (read-only): a folder named "店铺 #1" or "a?b" must not end the file name
            conn = sqlite3.connect(f"{Path(path).as_uri()}?mode=ro", uri=True, timeout=30)
            try:
                box["rows"] = paid_orders_of(SimpleNamespace(conn=conn), nicks, phones, since_iso)
            finally:
                conn.close()
        except BaseException as exc:  # noqa: BLE001  handed to the caller
            box["error"] = exc

    worker = threading.Thread(target=read, name="paid-orders", daemon=True)
    worker.start()

    def rows() -> list[dict]:
        worker.join()
        if "error" in box:
            raise box["error"]
        return box["rows"]

    return rows
