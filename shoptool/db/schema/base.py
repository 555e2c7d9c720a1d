"""The first migrations: the tables of PRODUCT §2, merge groups, the SMS outbox, privacy purges."""

from __future__ import annotations

_TRACKED_ORDER_FIELDS = ("status", "address", "receiver_name", "receiver_mobile", "receiver_tel")


def statements(db, script: str) -> None:
    """Run DDL statements one by one inside the migration's transaction. (sqlite3's executescript
    would COMMIT first, and a crash before the migration is recorded would leave it half-applied.)
    The scripts here hold no semicolons except between statements."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def m001_initial(db):
    statements(db,
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


def m002_merge_groups(db):
    # One row per applied merge-shipping group; the id comes from the group's first order, so
    # applying the same groups twice finds them here and writes nothing.
    statements(db,
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
