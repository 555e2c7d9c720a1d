"""PRODUCT §20: buyers' consents, tags, ERP member lists, campaigns and the last segment counts."""

from __future__ import annotations

from .base import statements


def m035_customers(db):
    # consents: one row per phone (the 11-digit mobile), with where and when the buyer agreed to
    # marketing texts and the proof (a form id, a screenshot name). It is the shop's evidence, so
    # `purge` leaves it. customer_tags: staff tags per buyer key (nick, else phone; PRODUCT §16),
    # e.g. malicious. members: ERP member lists (百胜 eFAST 会员: 会员名称, 消费数, 消费额, 黑名单…) by
    # the same buyer key. campaigns: one marketing send to a segment (its messages are in
    # `messages`, purpose 'campaign', step = the campaign's name). segment_counts: the counts of
    # the last `segments` run, for "change since".
    statements(db,
        """
        CREATE TABLE consents (
          phone TEXT PRIMARY KEY,
          buyer TEXT,
          source TEXT,
          consented_at TEXT,
          proof TEXT,
          staff TEXT,
          extra TEXT NOT NULL DEFAULT '{}',
          first_seen_at TEXT NOT NULL,
          import_id INTEGER,
          version TEXT
        );
        CREATE INDEX consents_buyer ON consents(buyer) WHERE buyer IS NOT NULL;
        CREATE TABLE customer_tags (
          buyer TEXT NOT NULL,
          tag TEXT NOT NULL,
          staff TEXT,
          at TEXT NOT NULL,
          PRIMARY KEY (buyer, tag)
        );
        CREATE TABLE members (
          member_key TEXT PRIMARY KEY,
          nick TEXT,
          shop TEXT,
          orders INTEGER,
          spend_fen INTEGER,
          blacklisted INTEGER,
          added_at TEXT,
          receiver_name TEXT,
          phone TEXT,
          address TEXT,
          extra TEXT NOT NULL DEFAULT '{}',
          first_seen_at TEXT NOT NULL,
          updated_at TEXT,
          import_id INTEGER,
          version TEXT
        );
        CREATE INDEX members_phone ON members(phone);
        CREATE TABLE campaigns (
          campaign_id INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          segment TEXT NOT NULL,
          template TEXT NOT NULL,
          template_code TEXT,
          created_at TEXT NOT NULL,
          staff TEXT
        );
        CREATE TABLE segment_counts (
          segment TEXT PRIMARY KEY,
          count INTEGER NOT NULL,
          at TEXT NOT NULL
        );
        CREATE INDEX messages_campaign ON messages(step, sent_at) WHERE purpose = 'campaign'
        """
    )
