"""The table of contents: every command and group of `shoptool`, in the order `--help` lists them.

Each command is a plain function in its own module (parse → job → finish) and each group a
`typer.Typer` in its module; this file alone puts them on the root app, so no command module
imports another or the root, and adding a command is one line here.
"""

from __future__ import annotations

from . import (
    address_cmd,
    aftersale_cmd,
    campaign_cmd,
    cs_lists_cmd,
    customers_cmd,
    daily_cmd,
    export_cmd,
    import_cmd,
    kpi_cmd,
    logistics_cmd,
    mcp_cmd,
    merge_cmd,
    note_cmd,
    operations_cmd,
    report_cmd,
    reviews_cmd,
    sending_cmd,
    stock_cmd,
)
from .app import app

COMMANDS = (
    ("daily", daily_cmd.daily_command),
    ("import", import_cmd.import_command),
    ("stock-check", stock_cmd.stock_check_command),
    ("address-check", address_cmd.address_check_command),
    ("cod-confirm", cs_lists_cmd.cod_confirm_command),
    ("merge-shipping", merge_cmd.merge_shipping_command),
    ("note", note_cmd.note_command),
    ("ship-deadline", logistics_cmd.ship_deadline_command),
    ("notify-shipped", sending_cmd.notify_shipped_command),
    ("remind-unpaid", sending_cmd.remind_unpaid_command),
    ("rate-buyers", cs_lists_cmd.rate_buyers_command),
    ("invoices", cs_lists_cmd.invoices_command),
    ("kpi", kpi_cmd.kpi_command),
    ("report", report_cmd.report_command),
    ("export", export_cmd.export_command),
    ("init", operations_cmd.init_command),
    ("doctor", operations_cmd.doctor_command),
    ("backup", operations_cmd.backup_command),
    ("purge", operations_cmd.purge_command),
    ("mcp", mcp_cmd.mcp_command),
)
GROUPS = (
    ("reviews", reviews_cmd.reviews_app),
    ("aftersale", aftersale_cmd.aftersale_app),
    ("sms", sending_cmd.sms_app),
    ("customers", customers_cmd.customers_app),
    ("segments", customers_cmd.segments_app),
    ("campaign", campaign_cmd.campaign_app),
    ("logistics-check", logistics_cmd.logistics_app),
)

for name, command in COMMANDS:
    app.command(name)(command)
for name, typer_app in GROUPS:
    app.add_typer(typer_app, name=name)
