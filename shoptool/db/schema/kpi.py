"""PRODUCT §23: the CS team's board — the 客服绩效 sheets as imported, and indexes for the audit it reads."""

from __future__ import annotations

from .base import statements


def m040_cs_performance(db):
    # The CS team's board (PRODUCT §23): one row per sheet shape (`source`), 旺旺 account or summary
    # row (`nick_key`; `kind` agent/benchmark) and period (whole days, shop time). Staff ids are
    # not stored: [staff.nicks] maps accounts when the board is drawn, so a changed mapping needs
    # no re-import. A newer export of the same days replaces the row (a day 延迟统计 then is
    # final now: `final`, `pending` = the columns still being counted, '[]' for none); an older one
    # imported late only fills gaps (`version`, PRODUCT §16). Rates are fractions,
    # response times seconds, money fen.
    statements(db,
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
          version TEXT,
          import_id INTEGER,
          UNIQUE (source, nick_key, period_start, period_end)
        );
        CREATE INDEX cs_performance_days ON cs_performance(period_start, period_end)
        """
    )


def m041_kpi_audit_indexes(db):
    # The board reads a month of the notes log and of the unpaid reminders sent; without these a
    # year of a big shop's log and outbox is read whole for it.
    for statement in (
        "CREATE INDEX IF NOT EXISTS notes_subject_at ON notes(subject, at)",
        "CREATE INDEX IF NOT EXISTS messages_purpose_sent ON messages(purpose, sent_at) WHERE status = 'sent'",
    ):
        db.execute(statement)
