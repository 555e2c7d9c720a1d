"""The tools as rows (`shoptool mcp --list`, the README's table): which this shop serves, and why
not the others. No SDK needed."""

from __future__ import annotations

from .. import columns as K
from ..result import Result
from . import guards
from . import registry as R

COLUMNS = [
    K.Column("tool", "工具", "Tool", K.ID),
    K.Column("access", "权限", "Access"),
    K.Column("served", "已启用", "Served", K.BOOL),
    K.Column("title", "名称", "Title"),
    K.Column("command", "对应命令", "Command"),
    K.Column("arguments", "参数", "Arguments", K.LIST),
    K.Column("description", "说明", "Description"),
    K.Column("why_not", "未启用原因", "Why not served"),
]


def rows(settings) -> list[dict]:
    out = []
    for tool in R.TOOLS:
        why = guards.available(tool, settings)
        schema = tool.input_schema()
        required = set(schema.get("required", ()))
        out.append({
            "tool": tool.name, "access": tool.access, "served": why is None, "title": tool.title,
            "command": "shoptool " + " ".join(tool.cli(_Placeholders())),
            "arguments": [name + ("" if name in required else "?") for name in schema["properties"]],
            "description": tool.description, "why_not": why,
        })
    return out


def result(settings, generated_at: str | None) -> Result:
    listed = rows(settings)
    served = sum(1 for r in listed if r["served"])
    summary = {"served": served, "not_served": len(listed) - served}
    return Result("mcp", COLUMNS, listed, summary, title="MCP 工具", generated_at=generated_at,
                  table_keys=("tool", "access", "served", "command", "arguments"),
                  summary_line=f"mcp: {served} of {len(listed)} tools served in this shop")


_SERVED_WHEN = {R.SEND: "send, if `allow_send`", R.IMPORT: "import, if `inbox`"}


def markdown() -> str:
    """The README's table of tools."""
    lines = ["| tool | access | same document as | arguments (? = optional) | what it does |", "|---|---|---|---|---|"]
    for tool in R.TOOLS:
        schema = tool.input_schema()
        required = set(schema.get("required", ()))
        arguments = ", ".join(f"`{name}`" + ("" if name in required else "?") for name in schema["properties"])
        command = "shoptool " + " ".join(tool.cli(_Placeholders()))
        lines.append(f"| `{tool.name}` | {_SERVED_WHEN.get(tool.access, tool.access)} | `{command}` | "
                     f"{arguments or '—'} | {tool.description} |")
    return "\n".join(lines)


class _Placeholders(dict):
    """Required arguments shown by name in a command line: ORDER, REVIEW, PHONE, FILE."""

    def __missing__(self, key):
        return key.upper()
