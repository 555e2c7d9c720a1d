"""One run of a sending command over the shop database: select what is due (due/), apply the rules,
record every decision, then claim → send → record each text (outbox.py).

The pieces: purposes.py (what differs between the commands), runner.py (one run: plan, decide,
claim → send → record, report), recovery.py (crash recovery and reconcile), provider_setup.py
(building the provider). The command lock (locks.single_instance) is taken here, but nothing below
relies on it: two runs that overlap anyway (another command, a reconcile, a run started by hand)
still cannot send a message twice.
"""

from __future__ import annotations

from .purposes import PURPOSES
from .runner import Report, Runner


def run_command(command: str, shop, *, dry_run: bool = False, provider=None) -> Report:
    """One run of notify-shipped or remind-unpaid at the shop's clock. A real run holds the
    command's lock for the database; a dry run reads only, so it takes no lock and may run beside
    a real one."""
    from ..locks import single_instance

    purpose = PURPOSES[command](shop.settings)
    if dry_run:
        return Runner(purpose, shop, dry_run=True, provider=provider).run()
    with single_instance(shop.settings.db_path, command):
        return Runner(purpose, shop, dry_run=False, provider=provider).run()
