"""The MCP server over stdio, on the official `mcp` SDK (2.x: `mcp.server.lowlevel.Server`, types
from `mcp_types`). The only module that imports the SDK; `shoptool mcp` imports it when it starts.

The low-level server is used on purpose: the tools, their JSON Schemas and their hints come from
one table (registry.py) rather than from Python signatures, and each answer is the document the
command line prints. Calls run one at a time in a worker thread (a job is ordinary blocking code
over SQLite), so the protocol keeps answering pings while a job runs.
"""

from __future__ import annotations

import threading

import anyio
import anyio.to_thread
import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp.shared.exceptions import MCPError

from .. import __version__
from . import calls
from . import registry as R

INSTRUCTIONS = """\
shoptool: the customer-service checks of one Taobao/Tmall shop, over its imported exports.
Every tool answers with the JSON document of the matching command line (`shoptool <command> --format json`):
{"command", "generated_at", "summary", "rows"}, plus exit_code, needs_action and notes.
needs_action = true means findings need a person (or an agent) to act: it is a normal result, not an error.
Personal data (phones, names, addresses) is always masked. Reads take `now` to ask about another moment.
Writes (note, reviews_update, sms_opt_out, imports) need `staff`: the id of the person you act for.
notify_shipped and remind_unpaid are dry runs; real sending is served only where the shop allows it."""


def _tool(tool: R.Tool) -> types.Tool:
    return types.Tool(
        name=tool.name,
        title=tool.title,
        description=tool.description,
        input_schema=tool.input_schema(),
        output_schema=OUTPUT_SCHEMA,
        annotations=types.ToolAnnotations(
            title=tool.title,
            read_only_hint=tool.hints()["readOnlyHint"],
            destructive_hint=tool.hints()["destructiveHint"],
            idempotent_hint=tool.hints()["idempotentHint"],
            open_world_hint=tool.hints()["openWorldHint"],
        ),
    )


# The envelope every tool answers with (PRODUCT §15, plus what an exit code would tell).
OUTPUT_SCHEMA = {
    "type": "object",
    "properties": {
        "command": {"type": "string"},
        "generated_at": {"type": ["string", "null"]},
        "summary": {"type": "object"},
        "rows": {"type": "array", "items": {"type": "object"}},
        "exit_code": {"type": "integer"},
        "needs_action": {"type": "boolean"},
        "notes": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["command", "generated_at", "summary", "rows", "exit_code", "needs_action"],
}


def _client(ctx) -> str | None:
    """Who the client says it is (name and version), for the audit rows; untrusted, so kept short."""
    info = None
    try:
        params = ctx.session.client_params
        info = params.client_info if params is not None else None
    except Exception:
        info = None
    if info is None:
        meta = getattr(ctx, "meta", None)
        raw = meta.get(types.CLIENT_INFO_META_KEY) if isinstance(meta, dict) else None
        if isinstance(raw, dict):
            info = types.Implementation.model_validate(raw) if raw.get("name") else None
    if info is None:
        return None
    text = f"{info.name} {info.version}".strip()
    return "".join(ch for ch in text if ch.isprintable())[:80] or None


def build(served: calls.Served) -> Server:
    one_at_a_time = threading.Lock()

    def locked(function, *args):
        with one_at_a_time:
            return function(*args)

    async def list_tools(ctx, params) -> types.ListToolsResult:
        tools = await anyio.to_thread.run_sync(locked, calls.listed, served)
        return types.ListToolsResult(tools=[_tool(tool) for tool in tools])

    async def call_tool(ctx, params: types.CallToolRequestParams) -> types.CallToolResult:
        this_call = calls.Served(served.config, served.db, served.now, _client(ctx))
        try:
            outcome = await anyio.to_thread.run_sync(locked, calls.call, this_call, params.name, params.arguments)
        except calls.UnknownTool:
            raise MCPError(types.INVALID_PARAMS, f"unknown tool: {params.name}") from None
        # An error carries its document as text only: clients check structured content against the
        # output schema (the TypeScript SDK even on errors), and an error is not a document.
        return types.CallToolResult(content=[types.TextContent(text=outcome.text())],
                                    structured_content=None if outcome.is_error else outcome.payload,
                                    is_error=outcome.is_error)

    return Server("shoptool", version=__version__, title="shoptool",
                  description="Customer-service checks of a Taobao/Tmall shop", instructions=INSTRUCTIONS,
                  on_list_tools=list_tools, on_call_tool=call_tool)


def serve(served: calls.Served) -> None:
    """Serve until the client closes stdin."""
    server = build(served)

    async def main() -> None:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    anyio.run(main)
