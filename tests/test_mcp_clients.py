"""Other clients than the SDK's own 2.x one, where the machine has them (they are not in the test
extra: each needs its own runtime). Set

    MCP_TEST_NODE_MODULES=/path/to/node_modules   # with @modelcontextprotocol/sdk (the TypeScript SDK)
    MCP_TEST_PYTHON_V1=/path/to/venv/bin/python   # a Python with mcp 1.x installed

to run them; `npm install @modelcontextprotocol/sdk` and `pip install 'mcp<2'` in a spare folder
or venv give both. Each starts `shoptool mcp` in the sample shop, lists the tools, reads
address_check (compared with the command line) and is refused a write without a staff id."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from test_mcp import MOBILE, NOW, sample_shop

NODE_MODULES = os.environ.get("MCP_TEST_NODE_MODULES")
PYTHON_V1 = os.environ.get("MCP_TEST_PYTHON_V1")
SERVER = [sys.executable, "-m", "shoptool", "mcp"]

NODE_CLIENT = """
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
const [cmd, ...args] = JSON.parse(process.argv[2]);
const transport = new StdioClientTransport({ command: cmd, args, env: { ...process.env }, stderr: "inherit" });
const client = new Client({ name: "node-check", version: "1.0.0" });
await client.connect(transport);
const tools = (await client.listTools()).tools.map(t => [t.name, t.annotations?.readOnlyHint ?? null]);
const address = await client.callTool({ name: "address_check", arguments: {} });
const note = await client.callTool({ name: "note", arguments: { order: "3912000000000000102", text: "x" } });
console.log(JSON.stringify({ tools, address: address.structuredContent, addressText: address.content[0].text,
                             noteError: note.isError === true, noteText: note.content[0].text }));
await client.close();
"""

PYTHON_CLIENT = """
import anyio, json, os, sys
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

async def main():
    cmd, *args = json.loads(sys.argv[1])
    params = StdioServerParameters(command=cmd, args=args, env=dict(os.environ))
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = [[t.name, t.annotations.readOnlyHint] for t in (await session.list_tools()).tools]
            address = await session.call_tool("address_check", {})
            note = await session.call_tool("note", {"order": "3912000000000000102", "text": "x"})
            print(json.dumps({"tools": tools, "address": address.structuredContent,
                              "addressText": address.content[0].text, "noteError": note.isError,
                              "noteText": note.content[0].text}))

anyio.run(main)
"""


def _check(answer: dict, cli) -> None:
    tools = dict(answer["tools"])
    assert tools["stock_check"] is True and tools["note"] is False and "notify_shipped_send" not in tools
    expected = cli("address-check", "--format", "json", "--now", NOW).json
    assert {key: answer["address"][key] for key in expected} == expected
    assert answer["address"]["needs_action"] is True and not MOBILE.findall(answer["addressText"])
    assert answer["noteError"] and json.loads(answer["noteText"])["error"]["type"] == "refused"


def _env() -> dict:
    return {**os.environ, "SHOPTOOL_NOW": NOW}


@pytest.mark.skipif(not (NODE_MODULES and shutil.which("node")), reason="set MCP_TEST_NODE_MODULES (and have node)")
def test_the_typescript_sdk_client(cli, shop_folder):
    shop = sample_shop(cli, shop_folder)
    script = shop / "client.mjs"
    script.write_text(textwrap.dedent(NODE_CLIENT), encoding="utf-8")
    (shop / "node_modules").symlink_to(NODE_MODULES)
    run = subprocess.run(["node", str(script), json.dumps(SERVER)], cwd=shop, env=_env(), capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    _check(json.loads(run.stdout), cli)


@pytest.mark.skipif(not PYTHON_V1, reason="set MCP_TEST_PYTHON_V1 to a Python with mcp 1.x")
def test_the_python_sdk_1x_client(cli, shop_folder):
    shop = sample_shop(cli, shop_folder)
    run = subprocess.run([PYTHON_V1, "-c", PYTHON_CLIENT, json.dumps(SERVER)], cwd=shop, env=_env(),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    _check(json.loads(run.stdout), cli)
