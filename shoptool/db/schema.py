"""Append-only schema migrations (sqlite-utils Migrations). Never edit a migration once it has
landed on main: add a new one at the end. Table names are a contract (PRODUCT §2)."""

from __future__ import annotations

import json
import re

from sqlite_utils import Migrations

migrations = Migrations("shoptool")

_TRACKED_ORDER_FIELDS = ("status", "address", "receiver_name", "receiver_mobile", "receiver_tel")


def _statements(db, script: str) -> None:
    """Run DDL statements one by one inside the migration's transaction. (sqlite3's executescript
    would COMMIT first, and a crash before the migration is recorded would leave it half-applied.)
    The scripts here hold no semicolons except between statements."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations()
def m001_initial(db):
    _statements(db,
        """
        CREATE TABLE imports (
          id INTEGER PRIMARY KEY,
          file TEXT NOT NULL,
          path TEXT,
          sha256 TEXT NOT NULL,
          size INTEGER,
          kind TEXT,
          shape TEXT,
          encoding TEXT,
          sheet TEXT,
          rows_in INTEGER NOT NULL DEFAULT 0,
          inserted INTEGER NOT NULL DEFAULT 0,
          updated INTEGER NOT NULL DEFAULT 0,
          unchanged INTEGER NOT NULL DEFAULT 0,
          rejected INTEGER NOT NULL DEFAULT 0,
          rejects_file TEXT,
          status TEXT NOT NULL,
          message TEXT,
          started_at TEXT NOT NULL,
          finished_at TEXT
        );
        CREATE INDEX imports_sha256 ON imports(sha256);

        CREATE TABLE orders (
          order_id TEXT PRIMARY KEY,
          shop TEXT,
          buyer_nick TEXT,
          status TEXT NOT NULL,
          status_text TEXT,
          is_cod INTEGER NOT NULL DEFAULT 0,
          presale_stage TEXT,
          refund_status TEXT,
          refund_fen INTEGER,
          goods_fen INTEGER,
          postage_fen INTEGER,
          total_fen INTEGER,
          paid_fen INTEGER,
          receiver_name TEXT,
          receiver_mobile TEXT,
          receiver_tel TEXT,
          address TEXT,
          address_original TEXT,
          address_modified TEXT,
          province TEXT,
          city TEXT,
          district TEXT,
          address_detail TEXT,
          masked INTEGER NOT NULL DEFAULT 0,
          shipping_method TEXT,
          created_at TEXT,
          paid_at TEXT,
          shipped_at TEXT,
          finished_at TEXT,
          closed_reason TEXT,
          item_title TEXT,
          item_kinds INTEGER,
          item_count INTEGER,
          tracking_no TEXT,
          courier TEXT,
          buyer_message TEXT,
          seller_note TEXT,
          flag TEXT,
          note_tag TEXT,
          extra TEXT NOT NULL DEFAULT '{}',
          first_seen_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          shipped_seen_at TEXT,
          import_id INTEGER
        );
        CREATE INDEX orders_status ON orders(status);
        CREATE INDEX orders_buyer ON orders(buyer_nick);
        CREATE INDEX orders_tracking ON orders(tracking_no);
        CREATE INDEX orders_unpaid_due ON orders(created_at) WHERE status = 'unpaid';
        CREATE INDEX orders_shipped_due ON orders(shipped_at) WHERE status = 'shipped';

        CREATE TABLE order_history (
          id INTEGER PRIMARY KEY,
          order_id TEXT NOT NULL,
          field TEXT NOT NULL,
          old TEXT,
          new TEXT,
          changed_at TEXT NOT NULL,
          import_id INTEGER
        );
        CREATE INDEX order_history_order ON order_history(order_id);

        CREATE TABLE order_items (
          line_id TEXT PRIMARY KEY,
          order_id TEXT NOT NULL,
          title TEXT,
          price_fen INTEGER,
          quantity INTEGER,
          sku_code TEXT,
          attrs TEXT,
          package TEXT,
          note TEXT,
          status TEXT,
          status_text TEXT,
          item_id TEXT,
          refund_status TEXT,
          refund_fen INTEGER,
          paid_fen INTEGER,
          created_at TEXT,
          shipped_at TEXT,
          extra TEXT NOT NULL DEFAULT '{}',
          first_seen_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          import_id INTEGER
        );
        CREATE INDEX order_items_order ON order_items(order_id);
        CREATE INDEX order_items_sku ON order_items(sku_code);

        CREATE TABLE page_stock (
          row_no INTEGER PRIMARY KEY,
          sku_code TEXT,
          item_id TEXT,
          sku_id TEXT,
          title TEXT,
          attrs TEXT,
          price_fen INTEGER,
          quantity INTEGER,
          extra TEXT NOT NULL DEFAULT '{}',
          import_id INTEGER
        );
        CREATE INDEX page_stock_sku ON page_stock(sku_code);

        CREATE TABLE warehouse_stock (
          row_no INTEGER PRIMARY KEY,
          sku_code TEXT,
          barcode TEXT,
          goods_no TEXT,
          name TEXT,
          attrs TEXT,
          on_hand INTEGER,
          locked INTEGER,
          awaiting_shipment INTEGER,
          available INTEGER,
          in_transit INTEGER,
          safety_low INTEGER,
          unpaid_qty INTEGER,
          warehouse TEXT,
          extra TEXT NOT NULL DEFAULT '{}',
          import_id INTEGER
        );
        CREATE INDEX warehouse_stock_sku ON warehouse_stock(sku_code);

        CREATE TABLE shipments (
          order_id TEXT NOT NULL,
          tracking_no TEXT NOT NULL,
          courier TEXT,
          shipped_at TEXT,
          receiver_name TEXT,
          receiver_mobile TEXT,
          extra TEXT NOT NULL DEFAULT '{}',
          first_seen_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          import_id INTEGER,
          PRIMARY KEY (order_id, tracking_no)
        );
        CREATE INDEX shipments_tracking ON shipments(tracking_no);
        CREATE INDEX shipments_shipped_at ON shipments(shipped_at);

        CREATE TABLE reviews (
          review_id TEXT PRIMARY KEY,
          order_id TEXT,
          sub_order_id TEXT,
          buyer_nick TEXT,
          rating TEXT NOT NULL,
          rating_raw TEXT,
          created_at TEXT,
          item_title TEXT,
          item_id TEXT,
          content TEXT,
          reply TEXT,
          followup TEXT,
          followup_at TEXT,
          counts_credit INTEGER,
          status TEXT NOT NULL DEFAULT 'open',
          status_at TEXT,
          status_staff TEXT,
          status_note TEXT,
          extra TEXT NOT NULL DEFAULT '{}',
          first_seen_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          import_id INTEGER
        );
        CREATE INDEX reviews_open ON reviews(rating, status, created_at);

        CREATE TABLE opt_outs (
          phone TEXT PRIMARY KEY,
          opted_out_at TEXT,
          source TEXT,
          note TEXT,
          extra TEXT NOT NULL DEFAULT '{}',
          first_seen_at TEXT NOT NULL,
          import_id INTEGER
        );

        CREATE TABLE messages (
          message_id INTEGER PRIMARY KEY,
          dedupe_key TEXT NOT NULL UNIQUE,
          purpose TEXT NOT NULL,
          class TEXT NOT NULL,
          order_id TEXT,
          order_ids TEXT NOT NULL DEFAULT '[]',
          step TEXT NOT NULL DEFAULT '',
          buyer TEXT,
          phone TEXT,
          template_code TEXT,
          params TEXT NOT NULL DEFAULT '{}',
          text TEXT,
          parts INTEGER,
          status TEXT NOT NULL,
          reason TEXT,
          provider TEXT,
          provider_id TEXT,
          attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_at TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          sent_at TEXT,
          detail TEXT
        );
        CREATE INDEX messages_status ON messages(status, next_attempt_at);
        CREATE INDEX messages_phone_sent ON messages(phone, sent_at);
        CREATE INDEX messages_order ON messages(order_id);

        CREATE TABLE notes (
          id INTEGER PRIMARY KEY,
          subject TEXT NOT NULL,
          subject_id TEXT NOT NULL,
          at TEXT NOT NULL,
          staff TEXT,
          action TEXT NOT NULL,
          old_note TEXT,
          new_note TEXT,
          old_flag TEXT,
          new_flag TEXT,
          old_status TEXT,
          new_status TEXT,
          text TEXT,
          source TEXT
        );
        CREATE INDEX notes_subject ON notes(subject, subject_id);

        CREATE TABLE audit (
          id INTEGER PRIMARY KEY,
          at TEXT NOT NULL,
          action TEXT NOT NULL,
          command TEXT,
          staff TEXT,
          detail TEXT
        );
        """
    )
    # History of what matters after payment: status and where/to whom the parcel goes.
    for field in _TRACKED_ORDER_FIELDS:
        db.execute(
            f"""
            CREATE TRIGGER orders_history_{field} AFTER UPDATE OF {field} ON orders
            WHEN old.{field} IS NOT new.{field}
            BEGIN
              INSERT INTO order_history (order_id, field, old, new, changed_at, import_id)
              VALUES (new.order_id, '{field}', old.{field}, new.{field}, new.updated_at, new.import_id);
            END
            """
        )


@migrations()
def m002_merge_groups(db):
    # One row per applied merge-shipping group; the id comes from the group's first order, so
    # applying the same groups twice finds them here and writes nothing.
    _statements(db,
        """
        CREATE TABLE merge_groups (
          group_id TEXT PRIMARY KEY,
          order_ids TEXT NOT NULL,
          shop TEXT,
          buyer_nick TEXT,
          postage_paid_fen INTEGER NOT NULL,
          postage_due_fen INTEGER NOT NULL,
          refund_fen INTEGER NOT NULL,
          postage_rule TEXT NOT NULL,
          staff TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        """
    )


@migrations()
def m003_sms_outbox(db):
    # claimed_by: which process holds a message in `sending` (pid, its start time, a run token),
    # so a run can tell a crashed sender's message (→ unknown) from one a live run is sending.
    # The indexes keep a cron run on the due rows only: shipped orders whose export gives no ship
    # time, shipment rows without one, reminders per buyer, and buyers known only by phone.
    for statement in (
        "ALTER TABLE messages ADD COLUMN claimed_by TEXT",
        "CREATE INDEX messages_buyer_sent ON messages(buyer, sent_at)",
        "CREATE INDEX orders_shipped_seen_due ON orders(shipped_seen_at) "
        "WHERE status = 'shipped' AND shipped_at IS NULL",
        "CREATE INDEX shipments_seen_due ON shipments(first_seen_at) WHERE shipped_at IS NULL",
        "CREATE INDEX orders_mobile_no_nick ON orders(receiver_mobile) WHERE buyer_nick IS NULL",
    ):
        db.execute(statement)


@migrations()
def m004_privacy_purge(db):
    # purged_at: when `shoptool purge` anonymised the order (PRODUCT §13). An older export imported
    # after the purge must not bring the buyer's name, phone or address back, so imports skip
    # purged orders row by row (RAISE(IGNORE) before anything is written, so not even the history
    # triggers see the values). Imports are told apart by a new import_id: staff notes on a purged
    # order still work. Orders and lines use BEFORE UPDATE (fires only when an upsert would change
    # a row), so a million-row import of new orders pays nothing for it.
    db.execute("ALTER TABLE orders ADD COLUMN purged_at TEXT")
    purged = "EXISTS (SELECT 1 FROM orders WHERE orders.order_id = new.order_id AND orders.purged_at IS NOT NULL)"
    for statement in (
        """CREATE TRIGGER orders_purged_skip_import BEFORE UPDATE ON orders
           WHEN old.purged_at IS NOT NULL AND new.import_id IS NOT old.import_id
           BEGIN SELECT RAISE(IGNORE); END""",
        f"""CREATE TRIGGER order_items_purged_skip_import BEFORE UPDATE ON order_items
           WHEN new.import_id IS NOT old.import_id AND {purged}
           BEGIN SELECT RAISE(IGNORE); END""",
        f"""CREATE TRIGGER shipments_purged_skip_import BEFORE INSERT ON shipments
           WHEN {purged}
           BEGIN SELECT RAISE(IGNORE); END""",
        f"""CREATE TRIGGER reviews_purged_skip_import BEFORE INSERT ON reviews
           WHEN {purged}
           BEGIN SELECT RAISE(IGNORE); END""",
    ):
        db.execute(statement)


_MONEY_IN_EXTRA = re.compile(r"^[¥￥]?\s*(\d{1,9})(?:\.(\d{1,2}))?\s*元?$")
_NO_INVOICE_IN_EXTRA = {"", "-", "--", "无", "否", "0", "不开发票", "不需要发票", "无需发票", "不需要", "暂不开票",
                        "null", "none"}


@migrations()
def m030_cs_lists(db):
    # The other lists of the CS day (PRODUCT §19): the COD fee and the amount the courier collects,
    # the invoice an order asks for (its 发票抬头/开票信息 as exported), and what staff recorded
    # about each order (cs_marks: the COD call's result, buyer rated, invoice issued; the notes log
    # holds every call and mark with who and when). The indexes are partial: COD orders and
    # invoice requests are a few rows of a big shop, so imports pay nearly nothing for them.
    for statement in (
        "ALTER TABLE orders ADD COLUMN cod_fee_fen INTEGER",
        "ALTER TABLE orders ADD COLUMN cod_amount_fen INTEGER",
        "ALTER TABLE orders ADD COLUMN invoice_title TEXT",
        "ALTER TABLE orders ADD COLUMN invoice_kind TEXT",
        """CREATE TABLE cs_marks (
             order_id TEXT NOT NULL,
             task TEXT NOT NULL,
             result TEXT NOT NULL,
             attempts INTEGER NOT NULL DEFAULT 1,
             staff TEXT,
             at TEXT NOT NULL,
             first_at TEXT NOT NULL,
             PRIMARY KEY (order_id, task)
           )""",
        "CREATE INDEX orders_cod_open ON orders(created_at) WHERE is_cod = 1",
        "CREATE INDEX orders_invoice ON orders(paid_at) WHERE invoice_title IS NOT NULL",
        "CREATE INDEX orders_finished_at ON orders(finished_at) WHERE finished_at IS NOT NULL",
        "CREATE INDEX order_history_completed ON order_history(changed_at) "
        "WHERE field = 'status' AND new = 'completed'",
        # rate-buyers shows the buyer's own rating of each trade
        "CREATE INDEX IF NOT EXISTS reviews_order ON reviews(order_id)",
    ):
        db.execute(statement)
    # Orders imported before this migration kept these cells among their unknown columns (`extra`):
    # read them from there once, so the lists work without importing the exports again.
    conn = db.conn
    fees = []
    for order_id, extra in conn.execute("SELECT order_id, extra FROM orders WHERE is_cod = 1 AND extra != '{}'"):
        values = json.loads(extra)
        for name in ("货到付款服务费", "买家货到付款服务费", "货到付款买家费用", "COD服务费", "买家服务费"):
            match = _MONEY_IN_EXTRA.match(str(values.get(name) or "").strip())
            if match:
                fees.append((int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0")), order_id))
                break
    conn.executemany("UPDATE orders SET cod_fee_fen = ? WHERE order_id = ?", fees)
    titles = []
    for order_id, extra in conn.execute(
            "SELECT order_id, extra FROM orders WHERE extra LIKE '%发票%' OR extra LIKE '%开票%'"):
        values = json.loads(extra)
        for name in ("发票抬头", "开票信息", "发票信息", "开票抬头"):
            text = str(values.get(name) or "").strip()
            if text.lower() not in _NO_INVOICE_IN_EXTRA:
                titles.append((text, order_id))
                break
    conn.executemany("UPDATE orders SET invoice_title = ? WHERE order_id = ?", titles)


@migrations()
def m040_cs_performance(db):
    # The CS team's board (PRODUCT §23): one row per sheet shape (`source`), 旺旺 account or summary
    # row (`nick_key`; `kind` agent/benchmark) and period (whole days, shop time). Staff ids are
    # not stored: [staff.nicks] maps accounts when the board is drawn, so a changed mapping needs
    # no re-import. A newer export of the same days replaces the row (a day 延迟统计 then is
    # final now: `final`, `pending` = the columns still being counted). Rates are fractions,
    # response times seconds, money fen.
    _statements(db,
        """
        CREATE TABLE cs_performance (
          id INTEGER PRIMARY KEY,
          source TEXT NOT NULL,
          kind TEXT NOT NULL,
          nick TEXT NOT NULL,
          nick_key TEXT NOT NULL,
          period_start TEXT NOT NULL,
          period_end TEXT NOT NULL,
          period_from TEXT NOT NULL,
          final INTEGER NOT NULL DEFAULT 1,
          pending TEXT,
          team TEXT,
          consulted INTEGER,
          received INTEGER,
          effective_received INTEGER,
          unreplied INTEGER,
          inquiries INTEGER,
          inquiry_paid INTEGER,
          conversion_given REAL,
          ordered INTEGER,
          order_amount_fen INTEGER,
          sales_fen INTEGER,
          sales_qty INTEGER,
          order_count INTEGER,
          sales_share REAL,
          avg_order_value_fen INTEGER,
          avg_response_s REAL,
          first_response_s REAL,
          response_3min_rate REAL,
          reply_rate REAL,
          slow_responses INTEGER,
          qa_ratio REAL,
          satisfaction REAL,
          extra TEXT NOT NULL DEFAULT '{}',
          first_seen_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          import_id INTEGER,
          UNIQUE (source, nick_key, period_start, period_end)
        );
        CREATE INDEX cs_performance_days ON cs_performance(period_start, period_end)
        """
    )


@migrations()
def m041_kpi_audit_indexes(db):
    # The board reads a month of the notes log and of the unpaid reminders sent; without these a
    # year of a big shop's log and outbox is read whole for it.
    for statement in (
        "CREATE INDEX IF NOT EXISTS notes_subject_at ON notes(subject, at)",
        "CREATE INDEX IF NOT EXISTS messages_purpose_sent ON messages(purpose, sent_at) WHERE status = 'sent'",
    ):
        db.execute(statement)
