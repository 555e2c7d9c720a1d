"""The root `shoptool` command, and the one place errors become exit codes (PRODUCT §12).

Commands are registered on it by cli/commands.py, the table of contents; command modules import
only `group` from here.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from .. import __version__, output
from ..errors import EXIT_INTERNAL, EXIT_LOCKED, ShoptoolError


class ShoptoolGroup(TyperGroup):
    """Every ShoptoolError becomes its message on stderr and its exit code (PRODUCT §12); an
    unexpected exception exits 70, never 1, so agents can trust that 1 means findings. Help shows
    what to type (FILE, TIME, N), never Python types (`<str>`, `<bool>`)."""

    def get_command(self, ctx, cmd_name):
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _tidy_metavars(command, ctx)
        return command

    def get_params(self, ctx):
        params = super().get_params(ctx)
        _set_metavars(params, ctx)
        return params

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ShoptoolError as exc:
            output.error(exc.message, exc.hint)
            raise typer.Exit(exc.exit_code) from None
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            if type(exc).__module__.startswith("typer"):  # Exit, Abort, usage errors: Typer's own
                raise
            if isinstance(exc, BrokenPipeError):  # `shoptool … | head`: the reader left; Typer's exit
                raise
            # sqlite3 is matched by name: importing it here would slow down `shoptool --help`
            if type(exc).__name__ == "OperationalError" and ("locked" in str(exc) or "busy" in str(exc)):
                output.error(f"the shop database is busy: {exc}")
                raise typer.Exit(EXIT_LOCKED) from None
            return _internal(exc)


_METAVARS = {"path": "PATH", "str": "TEXT", "int": "N", "float": "NUMBER", "datetime": "TIME"}


def _set_metavars(params, ctx) -> None:
    for param in params:
        if param.metavar is not None:
            continue
        if getattr(param, "param_type_name", "") == "argument":
            param.display_type_rich = _no_type  # the argument's name and help say what it is
            continue
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.metavar = ""  # a switch takes no value
        elif hasattr(param, "display_type"):
            shown = param.display_type(ctx).strip("<>")
            if shown.startswith("list[") and shown.endswith("]"):  # repeatable: the metavar of one
                shown = shown[5:-1]
            param.metavar = _METAVARS.get(shown, shown.upper())


def _no_type(ctx) -> None:
    return None


def _tidy_metavars(command, ctx) -> None:
    """Metavars for a command and, for a group (`sms`, `reviews`), each of its commands."""
    _set_metavars(command.get_params(ctx), ctx)
    for sub in getattr(command, "commands", {}).values():
        _tidy_metavars(sub, ctx)


def _internal(exc: Exception):
    if os.environ.get("SHOPTOOL_DEBUG"):
        raise exc
    output.error(f"internal error: {type(exc).__name__}: {exc}",
                 hint="this is a bug in shoptool; rerun with SHOPTOOL_DEBUG=1 for the traceback")
    raise typer.Exit(EXIT_INTERNAL) from None


def group(name: str, help: str | None = None, **settings) -> typer.Typer:
    """A command group (`shoptool sms …`); the root's invoke maps its errors too."""
    return typer.Typer(name=name, help=help, add_completion=False,
                       context_settings={"help_option_names": ["-h", "--help"]}, **settings)


def new_app() -> typer.Typer:
    """The root `shoptool` app with no commands yet (commands.py registers them)."""
    root = typer.Typer(
        cls=ShoptoolGroup,
        name="shoptool",
        help="Daily customer-service jobs for a Taobao/Tmall-style shop, over the platform's own exports.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,  # tracebacks with locals would print buyers' data
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    root.callback()(root_options)
    return root


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"shoptool {__version__}\n")
        raise typer.Exit()


def root_options(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True,
                                                    help="Show the version and exit.")] = None,
) -> None:
    """Daily customer-service jobs for a Taobao/Tmall-style shop, over the platform's own exports."""
