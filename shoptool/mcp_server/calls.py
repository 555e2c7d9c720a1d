"""One tool call, as one run of the command line would do it: settings read afresh (file, then
SHOPTOOL_* variables), the arguments checked, the guards applied, the job run on its own `Shop`,
and its Result turned into the JSON document of PRODUCT §15 — or into an error document.

A check with findings is a normal result: the document says `needs_action: true` and carries the
exit code the command line would have left with. Only a call that could not be done (a refusal,
a usage or input error, a busy database) is an error result (MCP `isError`), with the same exit
code, message and hint the command line prints on stderr.

No SDK here: server.py hands in a name and arguments and sends back what this returns.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from ..errors import EXIT_INTERNAL, EXIT_LOCKED, ConfigError, InputError, ShoptoolError, UsageError
from ..result import Result, json_document, masked_rows
from . import guards
from . import registry as R

# The keys a tool's document adds to the command line's (PRODUCT §15 allows additions).
ADDED_KEYS = ("exit_code", "needs_action", "notes")
_ACTIONS = {R.WRITE: "mcp_write", R.SEND: "mcp_send", R.IMPORT: "mcp_import"}


class UnknownTool(LookupError):
    """No tool of that name in the registry: a protocol error, not a tool result."""


@dataclass(frozen=True)
class Served:
    """How the server was started: the shop (as --db/--config would pick it), the pinned clock
    (--now / SHOPTOOL_NOW), and who the client said it is."""

    config: Path | None = None
    db: Path | None = None
    now: str | None = None
    client: str | None = None

    def settings(self):
        from ..config import load_settings

        return load_settings(self.config, self.db)


@dataclass(frozen=True)
class Outcome:
    payload: dict
    is_error: bool = False

    def text(self) -> str:
        return json.dumps(self.payload, ensure_ascii=False, separators=(",", ":"))


def listed(served: Served) -> list[R.Tool]:
    """The tools this shop serves now (send and import tools only when its settings allow them)."""
    try:
        settings = served.settings()
    except ConfigError:
        return [tool for tool in R.TOOLS if tool.reads]  # each call then says what is wrong
    return guards.tools_for(settings)


def call(served: Served, name: str, arguments: dict | None) -> Outcome:
    tool = R.BY_NAME.get(name)
    if tool is None:
        raise UnknownTool(name)
    args = dict(arguments or {})
    try:
        return _run(served, tool, args)
    except ShoptoolError as exc:
        return error(exc)
    except Exception as exc:  # the server must answer, whatever the job hit
        if type(exc).__name__ == "OperationalError" and ("locked" in str(exc) or "busy" in str(exc)):
            return error(ShoptoolError(f"the shop database is busy: {exc}"), code=EXIT_LOCKED, kind="locked")
        if os.environ.get("SHOPTOOL_DEBUG"):
            traceback.print_exc(file=sys.stderr)
        return error(ShoptoolError(f"internal error: {type(exc).__name__}: {exc}",
                                   hint="this is a bug in shoptool; start the server with SHOPTOOL_DEBUG=1 for "
                                        "the traceback on its stderr"),
                     code=EXIT_INTERNAL, kind="internal")


def _run(served: Served, tool: R.Tool, args: dict) -> Outcome:
    from ..jobs import Shop

    settings = served.settings()
    staff = None
    try:
        why = guards.available(tool, settings)
        if why:
            raise guards.Refused(why)
        if not tool.reads:
            staff = guards.staff_id(args)
            args["staff"] = staff
        _check_arguments(tool, args)
        extra = _import_paths(tool, settings, args) if tool.access == R.IMPORT else {}
    except guards.Refused as exc:
        _record_refusal(served, settings, tool, args, staff, exc)
        raise
    now = (args.get("now") if tool.reads else None) or served.now
    if now is not None:
        _check_moment(settings, now, "now" if args.get("now") else "--now/SHOPTOOL_NOW")
    with Shop(settings=settings, now=now) as shop:
        result = tool.run(R.Call(shop, args, config=served.config, db=served.db, **extra))
        payload = document(result)
        if not tool.reads:
            guards.audit(shop, _ACTIONS[tool.access], tool, staff=staff, client=served.client,
                         detail={"arguments": guards.masked_arguments(args), "exit_code": result.exit_code,
                                 "summary": payload["summary"]})
    return Outcome(payload)


def _check_arguments(tool: R.Tool, args: dict) -> None:
    """The arguments against the tool's input schema; the first problem is a usage error."""
    from jsonschema import Draft202012Validator

    problems = sorted(Draft202012Validator(tool.input_schema()).iter_errors(args), key=lambda e: list(e.path))
    if problems:
        first = problems[0]
        where = ".".join(str(p) for p in first.path)
        raise UsageError(f"{tool.name}: argument {where + ': ' if where else ''}{first.message}",
                         hint=f"see the input schema of {tool.name} (tools/list)")


def _check_moment(settings, text: str, where: str) -> None:
    from .. import clock

    try:
        clock.now(settings.tz, text)
    except ValueError as exc:
        raise UsageError(f"{where}: {exc}", hint=clock.TIME_FORMATS_HINT) from None


def _import_paths(tool: R.Tool, settings, args: dict) -> dict:
    if "file" in args:
        return {"files": (guards.inside_inbox(settings, args["file"]),)}
    return {"inbox": guards.inbox_files_inside(settings)}


def _record_refusal(served: Served, settings, tool: R.Tool, args: dict, staff: str | None, exc: Exception) -> None:
    """A refused write, send or import is worth knowing about; refused reads are not recorded.
    Written only into a database that exists: a refusal never creates a shop."""
    from ..jobs import Shop

    if tool.reads or not settings.db_path.exists():
        return
    try:
        with Shop(settings=settings, now=served.now) as shop:
            guards.audit(shop, "mcp_refused", tool, staff=staff, client=served.client,
                         detail={"arguments": guards.masked_arguments(args), "reason": str(exc)})
    except Exception as failed:  # a busy database must not turn the refusal into another answer
        print(f"shoptool mcp: could not record the refusal of {tool.name}: {failed}", file=sys.stderr)


def document(result: Result) -> dict:
    """The command line's `--format json` document (masked: there is no show_pii over MCP), then
    exit_code, needs_action and the notes a person would read on stderr."""
    rows = masked_rows(result.columns, result.rows, show_pii=False)
    payload = json.loads(json.dumps(json_document(result, rows), ensure_ascii=False))
    payload = guards.scrub(payload)
    notes = [{"level": level, "text": text} for level, text in result.notes]
    if result.summary_line:
        notes.append({"level": "info", "text": result.summary_line})
    payload.update(exit_code=result.exit_code, needs_action=result.exit_code != 0, notes=guards.scrub(notes))
    return payload


def error(exc: ShoptoolError, *, code: int | None = None, kind: str | None = None) -> Outcome:
    """An error result: what the command line would print on stderr, and its exit code."""
    body: dict = {"type": kind or _kind(exc), "exit_code": code if code is not None else exc.exit_code,
                  "message": exc.message}
    if exc.hint:
        body["hint"] = exc.hint
    if isinstance(exc, InputError):
        body.update({k: v for k, v in (("file", exc.file), ("row", exc.row), ("column", exc.column)) if v})
    return Outcome(guards.scrub({"error": body}), is_error=True)


def _kind(exc: ShoptoolError) -> str:
    if isinstance(exc, guards.Refused):
        return "refused"
    if isinstance(exc, ConfigError):
        return "config"
    return {2: "usage", 3: "input", 4: "send", 5: "locked"}.get(exc.exit_code, "internal")
