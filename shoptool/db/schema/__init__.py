"""Append-only schema migrations (sqlite-utils Migrations), applied in the order listed here.

Never edit a migration once it has landed on main: add a new function in the module of its feature
(or a new module) and one line at the end of MIGRATIONS. Table names are a contract (PRODUCT §2).
"""

from __future__ import annotations

from sqlite_utils import Migrations

from . import aftersale, base, cs_lists, customers, identity, kpi, parcels, scale

MIGRATIONS = (
    base.m001_initial,
    base.m002_merge_groups,
    base.m003_sms_outbox,
    base.m004_privacy_purge,
    identity.m005_snapshots,
    identity.m006_phones,
    identity.m007_tracking_numbers,
    cs_lists.m030_cs_lists,
    kpi.m040_cs_performance,
    kpi.m041_kpi_audit_indexes,
    customers.m035_customers,
    parcels.m025_parcels,
    aftersale.m020_refunds,
    scale.m008_buyer_paid_index,
    scale.m009_unpaid_due_covering,
)

migrations = Migrations("shoptool")
for migration in MIGRATIONS:
    migrations()(migration)
