"""Runs a sending command over the shop database: select what is due (shipping.py, reminders.py),
apply the rules, record every decision, then claim → send → record each text (outbox.py).

Glue only: the decisions live in the domain modules, the SQL in db/outbox.py. The command lock
(locks.single_instance) is taken here too, but nothing below relies on it: two runs that overlap
anyway (another command, a reconcile, a run started by hand) still cannot send a message twice.

The pieces: jobs.py (what differs between the commands), runner.py (one run: plan, decide,
claim → send → record, report), recovery.py (crash recovery and reconcile), provider_setup.py
(building the provider). Every name they define is importable from here, as before the split.
"""

from __future__ import annotations

# Re-exported (the CLI and the tests import from engine); the module names too: tests use engine.ob.
from .. import clock  # noqa: F401
from ..db import outbox as q  # noqa: F401
from ..db.connect import write_transaction  # noqa: F401
from . import outbox as ob  # noqa: F401
from . import rules as R  # noqa: F401
from .jobs import JOBS, Job, ShippedJob, UnpaidJob, _open  # noqa: F401
from .provider_setup import _SDK_LOGGERS, build_provider  # noqa: F401
from .providers.base import OutgoingMessage  # noqa: F401
from .recovery import _ACTIVE, _proc_stat, _start_time, claimer_alive, reconcile, recover  # noqa: F401
from .runner import DAY, Report, Runner, _recovered_row  # noqa: F401


def run_command(command: str, shop, *, now: str | None = None, dry_run: bool = False) -> Report:
    """One run of notify-shipped or remind-unpaid. A real run holds the command's lock for the
    database; a dry run reads only, so it takes no lock and may run beside a real one."""
    from ..locks import single_instance

    job = JOBS[command](shop.settings)
    if dry_run:
        return Runner(job, shop, now_override=now, dry_run=True).run()
    with single_instance(shop.settings.db_path, command):
        return Runner(job, shop, now_override=now, dry_run=False).run()
