"""The command line: Typer only. Parse, call a job (shoptool.jobs), render its Result."""

from .commands import app

__all__ = ["app"]
