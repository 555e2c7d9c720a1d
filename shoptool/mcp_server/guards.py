"""What a tool may do in this shop, checked before its job runs, and what is recorded after.

- A write, a send or an import needs the caller's own staff id; the config's `[shop] staff` is
  never filled in for an agent.
- Sending is served only when `[mcp] allow_send = true`; otherwise the send tools are neither
  listed nor run (the dry-run tools always are).
- An import reads only files inside `[mcp] inbox` (its real path: symlinks and `..` resolved);
  with no inbox set there is no import tool.
- Every write, send and import leaves an `mcp_*` row in the audit table beside what the job
  itself logs (the notes log, the imports log, the outbox), and so does every refusal.
- Personal data never leaves unmasked: the jobs mask by column, and `scrub` masks any mainland
  mobile number still standing in free text (a buyer message, a review, a note).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import UsageError
from ..phones import mask_phone, normalise_mobile
from . import registry as R

STAFF_MAX = 64


class Refused(UsageError):
    """The shop does not allow this over MCP (exit 2, like a usage error, but said as a refusal)."""


def available(tool: R.Tool, settings) -> str | None:
    """Why `tool` is not served in this shop, or None when it is."""
    if tool.access == R.SEND and not settings["mcp.allow_send"]:
        return "sending over MCP is off in this shop ([mcp] allow_send = false): only the dry runs " \
               "notify_shipped and remind_unpaid are served"
    if tool.access == R.IMPORT and not str(settings["mcp.inbox"]).strip():
        return "importing over MCP is off in this shop: set [mcp] inbox to the one folder agents may import from"
    return None


def tools_for(settings) -> list[R.Tool]:
    return [tool for tool in R.TOOLS if available(tool, settings) is None]


def staff_id(args: dict) -> str:
    """The caller's staff id, required and plain: no default, no blank, no control characters."""
    value = args.get("staff")
    if not isinstance(value, str) or not value.strip():
        raise Refused("a staff id is required for this tool (argument `staff`): the shop's default staff id "
                      "is not used over MCP", hint="pass staff, the id of the person this is done for (e.g. kf02)")
    value = value.strip()
    if len(value) > STAFF_MAX or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise Refused(f"not a staff id: at most {STAFF_MAX} printable characters")
    return value


def inbox_root(settings) -> Path:
    """The real path of `[mcp] inbox` (relative to the shop folder); refused when unset or missing."""
    value = str(settings["mcp.inbox"]).strip()
    if not value:
        raise Refused("importing over MCP is off in this shop: set [mcp] inbox to the one folder agents may import "
                      "from")
    root = settings.resolve(value)
    try:
        real = root.resolve(strict=True)
    except (OSError, RuntimeError):
        raise Refused(f"[mcp] inbox {root} does not exist") from None
    if not real.is_dir():
        raise Refused(f"[mcp] inbox {root} is not a folder")
    return real


def inside_inbox(settings, file: str) -> Path:
    """`file` (a name inside the inbox, or a path) as a real path inside the inbox, else refused.
    Checked twice: as written (`..` never climbs out) and as resolved (a symlink never leads out)."""
    root = inbox_root(settings)
    if "\x00" in file:
        raise Refused("a file name cannot hold a NUL character")
    given = Path(os.path.expanduser(file))
    candidate = given if given.is_absolute() else root / given
    outside = f"{file!r} is outside the MCP inbox {root}: only files inside it can be imported over MCP"
    if not _within(Path(os.path.normpath(candidate)), root):
        raise Refused(outside)
    try:
        real = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        raise Refused(f"{file!r}: no such file in the MCP inbox {root}",
                      hint="list the inbox's files on the machine; give a name as it is there") from None
    if not _within(real, root):
        raise Refused(outside + " (it leads out through a link)")
    if not real.is_file():
        raise Refused(f"{file!r} is not a file (import_inbox imports a whole inbox)")
    return real


def inbox_files_inside(settings) -> Path:
    """The inbox, once every file import_inbox would take is known to stay inside it."""
    from ..imports.inbox import pending_files

    root = inbox_root(settings)
    for path in pending_files(root):
        if not _within(path.resolve(), root):
            raise Refused(f"{path.name} in the MCP inbox links to a file outside it; nothing was imported",
                          hint="remove the link, or copy the file into the inbox")
    return root


def _within(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def audit(shop, action: str, tool: R.Tool, *, staff: str | None, client: str | None, detail: dict) -> None:
    """One row in the audit table (PRODUCT §13): which tool, for whom, through which client."""
    from ..db import write_transaction
    from ..db.store import audit as write_audit

    who = f"{staff} (mcp{': ' + client if client else ''})" if staff else f"? (mcp{': ' + client if client else ''})"
    with write_transaction(shop.db):
        write_audit(shop.db, action, at=shop.iso(shop.now()), command=_command(tool), staff=who,
                    detail=scrub({"tool": tool.name, **detail}))


class _Blank(dict):
    def __missing__(self, key):
        return ""


def _command(tool: R.Tool) -> str:
    """The command line's name for what the tool did: `note`, `reviews update`, `import`."""
    words = []
    for word in tool.cli(_Blank()):
        if not word or word.startswith("-"):
            break
        words.append(word)
    return " ".join(words)


def masked_arguments(args: dict) -> dict:
    """Arguments fit for the audit log: the phone masked, long texts kept (they are scrubbed)."""
    return {k: (mask_phone(v) if k == "phone" and isinstance(v, str) else v) for k, v in args.items()
            if k != "staff"}


# A mainland mobile standing alone in text: 11 digits from 13–19, maybe +86 and spaces or dashes.
_MOBILE = re.compile(r"(?<![0-9A-Za-z*])(?:(?:\+|00)?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?![0-9A-Za-z*])")
# Keys whose values are identifiers or paths, exact to the last digit: never rewritten.
_EXACT = re.compile(r"(^|_)(id|ids|no|sku|sku_code|code|barcode|file|path|sha256|rejects_file|command)$")


def _mask_mobile(match: re.Match) -> str:
    return mask_phone(normalise_mobile(match.group(0)) or match.group(0))


def scrub(value, key: str = ""):
    """`value` with every unmasked mainland mobile in its free text masked (138****5678)."""
    if isinstance(value, str):
        return value if _EXACT.search(key) else _MOBILE.sub(_mask_mobile, value)
    if isinstance(value, dict):
        return {k: scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, key) for v in value]
    return value
