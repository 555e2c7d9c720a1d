"""The command line: Typer only. Parse, call a job (shoptool.jobs), render its Result.

`app` is the whole `shoptool` app (tests, the README); `main()` is the `shoptool` script, which
builds only the command it is asked for (commands.for_argv).
"""

from __future__ import annotations

import sys


def main() -> None:
    from .commands import for_argv

    for_argv(sys.argv[1:])(prog_name="shoptool")


def __getattr__(name: str):
    if name == "app":
        from .commands import every

        return every()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
