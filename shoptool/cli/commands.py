"""The table of contents: every command and group of `shoptool`, in the order `--help` lists them.

Each command is a plain function in its own module (parse → job → finish) and each group a
`typer.Typer` in its module; this file alone puts them on a root app, so no command module
imports another or the root, and adding a command is one line here.

Entries name their module rather than import it: `shoptool remind-unpaid` (cron, every few
minutes) builds a root with that one command (for_argv), without importing the other commands'
modules or building their options (~0.15 s of every run). `every()` is the whole app: help,
an unknown command's error, the README and the tests.
"""

from __future__ import annotations

from importlib import import_module

import typer

from .root import new_app

# (name, module, attribute)
COMMANDS = (
    ("daily", "daily_cmd", "daily_command"),
    ("import", "import_cmd", "import_command"),
    ("stock-check", "stock_cmd", "stock_check_command"),
    ("address-check", "address_cmd", "address_check_command"),
    ("cod-confirm", "cs_lists_cmd", "cod_confirm_command"),
    ("merge-shipping", "merge_cmd", "merge_shipping_command"),
    ("note", "note_cmd", "note_command"),
    ("ship-deadline", "logistics_cmd", "ship_deadline_command"),
    ("notify-shipped", "sending_cmd", "notify_shipped_command"),
    ("remind-unpaid", "sending_cmd", "remind_unpaid_command"),
    ("rate-buyers", "cs_lists_cmd", "rate_buyers_command"),
    ("invoices", "cs_lists_cmd", "invoices_command"),
    ("kpi", "kpi_cmd", "kpi_command"),
    ("report", "report_cmd", "report_command"),
    ("export", "export_cmd", "export_command"),
    ("init", "operations_cmd", "init_command"),
    ("doctor", "operations_cmd", "doctor_command"),
    ("backup", "operations_cmd", "backup_command"),
    ("purge", "operations_cmd", "purge_command"),
    ("mcp", "mcp_cmd", "mcp_command"),
)
GROUPS = (
    ("reviews", "reviews_cmd", "reviews_app"),
    ("aftersale", "aftersale_cmd", "aftersale_app"),
    ("sms", "sending_cmd", "sms_app"),
    ("customers", "customers_cmd", "customers_app"),
    ("segments", "customers_cmd", "segments_app"),
    ("campaign", "campaign_cmd", "campaign_app"),
    ("logistics-check", "logistics_cmd", "logistics_app"),
)
NAMES = frozenset(name for name, _, _ in COMMANDS + GROUPS)


def _load(module: str, attribute: str):
    return getattr(import_module(f"{__package__}.{module}"), attribute)


def build(only: str | None = None) -> typer.Typer:
    """A root app with every command and group, or with the one named `only`."""
    root = new_app()
    for name, module, attribute in COMMANDS:
        if only is None or name == only:
            root.command(name)(_load(module, attribute))
    for name, module, attribute in GROUPS:
        if only is None or name == only:
            root.add_typer(_load(module, attribute), name=name)
    return root


_every: typer.Typer | None = None


def every() -> typer.Typer:
    global _every
    if _every is None:
        _every = build()
    return _every


def for_argv(args: list[str]) -> typer.Typer:
    """The app for a command line: only the command it names when its first word is one (root
    options come first and are only --help and --version, which need the whole app)."""
    if args and args[0] in NAMES:
        return build(only=args[0])
    return every()
