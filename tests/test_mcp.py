"""`shoptool mcp` as an agent meets it: a real `shoptool mcp` subprocess in a shop made from
samples/, driven over stdio by the official SDK's own client. Every read tool's document is
compared with the command line's `--format json` at the same moment."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import anyio
import pytest
from conftest import SAMPLES
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from shoptool.mcp_server import registry

NOW = "2026-11-21 10:00"
# An unmasked mainland mobile anywhere in a text (masked ones carry ****).
MOBILE = re.compile(r"(?<![0-9A-Za-z*])1[3-9]\d{9}(?![0-9A-Za-z*])")


def serve(shop: Path, script, *, env: dict | None = None, mode: str = "auto"):
    """Start `shoptool mcp` in `shop` (a subprocess, stdio), run `await script(client)`, return its value."""

    async def main():
        params = StdioServerParameters(
            command=sys.executable, args=["-m", "shoptool", "mcp"], cwd=str(shop),
            env={**os.environ, "SHOPTOOL_NOW": NOW, **(env or {})})
        async with Client(params, mode=mode) as client:
            return await script(client)

    return anyio.run(main)


async def call(client, name: str, arguments: dict | None = None) -> tuple[dict, bool]:
    """A tool's answer and whether it is an error: a document is structured content and the same
    JSON as text; an error is text only (it is no document)."""
    result = await client.call_tool(name, arguments or {})
    assert len(result.content) == 1 and result.content[0].type == "text"
    answer = json.loads(result.content[0].text)
    assert result.structured_content == (None if result.is_error else answer)
    return answer, result.is_error


def sample_shop(cli, folder: Path) -> Path:
    """The sample shop: every file of samples/ imported, as the README's quickstart does."""
    shutil.copytree(SAMPLES, folder / "samples")
    assert cli("import", folder / "samples", "--db", folder / "shoptool.db", "--format", "json").exit_code == 0
    return folder


@pytest.fixture
def shop(cli, shop_folder) -> Path:
    return sample_shop(cli, shop_folder)


def write_config(shop: Path, text: str) -> None:
    (shop / "shoptool.toml").write_text(text, encoding="utf-8")


READ_CASES = {
    "daily": [{}, {"top": 2}],
    "stock_check": [{}, {"fail_on": ""}],
    "address_check": [{}, {"all": True}],
    "merge_shipping": [{}, {"loose": True, "postage_rule": "flat:8", "window": "1d"}],
    "reviews": [{}, {"status": ["all"], "rating": ["bad"]}, {"since": "2026-11-20"}],
    "review_history": [{"review": "3912000000000000311"}],
    "order_history": [{"order": "3912000000000000102"}],
    "notify_shipped": [{}, {"now": "2026-11-21 22:30"}],
    "remind_unpaid": [{}, {"now": "2026-11-21 21:00"}],
    "outbox": [{}, {"status": ["sent", "failed"], "purpose": ["unpaid"], "limit": 5}],
    "import_status": [{}],
    "doctor": [{}],
    "cod_confirm": [{}, {"fail_on": ["declined"]}],
    "rate_buyers": [{}],
    "invoices": [{}, {"status": ["all"]}],
    "aftersale": [{}, {"status": ["wait_seller_agree"], "fail_on": ""}, {"due_within": "6h"}],
    "aftersale_reasons": [{}, {"since": "7d"}],
    "aftersale_stop_list": [{}],
    "aftersale_history": [{"refund": "1688000000000000704"}],
    "kpi": [{}, {"month": "2026-11"}, {"since": "2026-11-05"}],
    "report": [{}, {"period": "week"}],
    "customer": [{"buyer": "tb_liu_qing"}],
    "customers_list": [{}, {"segment": "复购", "limit": 5}],
    "ship_deadline": [{}, {"fail_on": ["ship_due_soon"], "all": True}],
    "logistics_check": [{}, {"fail_on": ["stalled"]}],
    "logistics_couriers": [{}, {"since": "7d"}],
    "logistics_care": [{}, {"now": "2026-11-21 22:30"}],
}


def test_every_read_tool_has_a_case_here():
    assert set(READ_CASES) == {tool.name for tool in registry.TOOLS if tool.reads}


def test_the_read_tools_answer_with_the_command_lines_documents(cli, shop):
    cases = [(name, args) for name, many in READ_CASES.items() for args in many]

    async def script(client):
        return [await call(client, name, args) for name, args in cases]

    answers = serve(shop, script)
    for (name, args), (payload, is_error) in zip(cases, answers):
        tool = registry.BY_NAME[name]
        argv = tool.cli(args) + ["--format", "json"] + (["--now", args["now"]] if "now" in args else [])
        run = cli(*argv, env={"SHOPTOOL_NOW": NOW})
        assert run.exit_code in (0, 1), run
        assert not is_error, (name, payload)
        expected = run.json
        assert set(payload) == set(expected) | {"exit_code", "needs_action", "notes"}, name
        if not tool.clock:  # the command line has no --now for it, so its generated_at is the real moment
            expected["generated_at"] = payload["generated_at"]
        got = {key: payload[key] for key in expected}
        if name == "doctor":  # its time-zone row tells the machine's own clock, a second apart
            got, expected = _machine_time_blanked(got), _machine_time_blanked(expected)
        assert got == expected, (name, args)
        assert payload["exit_code"] == run.exit_code, name
        assert payload["needs_action"] is (run.exit_code != 0), name


def _machine_time_blanked(document: dict) -> dict:
    text = json.dumps(document, ensure_ascii=False)
    return json.loads(re.sub(r"machine (\S+) \([^)]*\)", r"machine \1 (…)", text))


def test_findings_are_data_with_needs_action_and_the_exit_code(shop):
    async def script(client):
        return [await call(client, name) for name in ("stock_check", "address_check", "reviews", "merge_shipping")]

    (stock, stock_err), (address, address_err), (reviews, reviews_err), (merges, merges_err) = serve(shop, script)
    assert not (stock_err or address_err or reviews_err or merges_err)
    assert stock["exit_code"] == 1 and stock["needs_action"] is True
    assert stock["summary"]["oversell_risk"] == 3
    assert {"HOOD-006"} <= {r["sku"] for r in stock["rows"] if r["finding"] == "oversell_risk"}
    assert address["exit_code"] == 1 and address["needs_action"] is True
    assert reviews["exit_code"] == 1 and reviews["needs_action"] is True
    assert merges["exit_code"] == 0 and merges["needs_action"] is False
    assert stock["generated_at"] == "2026-11-21T10:00:00+08:00"
    assert any("page-stock: page_stock.csv" in n["text"] for n in stock["notes"])


def test_tools_are_listed_with_hints_and_schemas_and_no_way_to_unmask(shop):
    async def script(client):
        return (await client.list_tools()).tools

    tools = {t.name: t for t in serve(shop, script)}
    reads = {t.name for t in registry.TOOLS if t.reads}
    writes = {t.name for t in registry.TOOLS if t.access == registry.WRITE}
    assert {"note", "reviews_update", "sms_opt_out", "cod_confirm_record"} <= writes
    assert set(tools) == reads | writes  # no send tools, no import tools in a shop that allows neither
    for name in reads:
        hints = tools[name].annotations
        assert hints.read_only_hint is True and hints.idempotent_hint is True and hints.destructive_hint is False
        assert "staff" not in tools[name].input_schema["properties"]
    for name in writes:
        assert tools[name].annotations.read_only_hint is False
        assert "staff" in tools[name].input_schema["required"]
    assert tools["note"].annotations.destructive_hint is True
    assert tools["sms_opt_out"].annotations.destructive_hint is False
    assert "now" in tools["stock_check"].input_schema["properties"]
    assert "now" not in tools["note"].input_schema["properties"]  # writes happen now, for a named person
    for tool in tools.values():
        assert tool.input_schema["type"] == "object" and tool.input_schema["additionalProperties"] is False
        assert not [p for p in tool.input_schema["properties"] if "pii" in p or "show" in p], tool.name
        assert tool.output_schema["required"][:4] == ["command", "generated_at", "summary", "rows"]


def test_no_tool_output_holds_an_unmasked_phone(shop, db):
    known = {row[0] for row in db().conn.execute("SELECT receiver_mobile FROM orders WHERE receiver_mobile <> ''")}
    assert "13800138102" in known  # the shop does hold full numbers: the test could fail
    cases = [(name, args) for name, many in READ_CASES.items() for args in many]
    cases += [("note", {"order": "3912000000000000102", "text": "买家改号码 13912345678 再联系", "staff": "kf02"}),
              ("order_history", {"order": "3912000000000000102"}),
              ("sms_opt_out", {"phone": "+86 139 1234 5678", "staff": "kf02"}),
              ("daily", {"top": 100})]

    async def script(client):
        texts = []
        for name, args in cases:
            result = await client.call_tool(name, args)
            texts.append((name, result.content[0].text))
        return texts

    for name, text in serve(shop, script):
        leaked = MOBILE.findall(text)
        assert not leaked, f"{name} shows {leaked[:3]}"
    written = db().conn.execute("SELECT new_note FROM notes WHERE subject_id = '3912000000000000102'").fetchall()
    assert written and "13912345678" in written[-1][0]  # stored as written; masked only on the way out


def test_errors_are_tool_errors_with_the_command_lines_message_and_code(cli, shop_folder):
    """An empty shop: stock-check has nothing to read (exit 3), a bad argument is a usage error
    (2), an unknown tool is a protocol error."""

    async def script(client):
        empty = await call(client, "stock_check")
        bad = await call(client, "daily", {"top": "three"})
        extra = await call(client, "daily", {"show_pii": True})
        when = await call(client, "daily", {"now": "yesterday-ish"})
        try:
            await client.call_tool("purge", {})
            unknown = None
        except Exception as exc:  # MCPError: the SDK raises it for a JSON-RPC error
            unknown = exc
        return empty, bad, extra, when, unknown

    (empty, empty_err), (bad, bad_err), (extra, extra_err), (when, when_err), unknown = serve(shop_folder, script)
    run = cli("stock-check", "--format", "json")
    assert run.exit_code == 3
    assert empty_err and empty["error"]["exit_code"] == 3 and empty["error"]["type"] == "input"
    assert empty["error"]["message"] in run.stderr and "shoptool import" in empty["error"]["hint"]
    assert bad_err and bad["error"]["exit_code"] == 2 and "top" in bad["error"]["message"]
    assert extra_err and "show_pii" in extra["error"]["message"]
    assert when_err and when["error"]["exit_code"] == 2
    assert unknown is not None and "unknown tool: purge" in str(unknown)


def test_a_client_speaking_the_handshake_protocol_gets_the_same_documents(cli, shop):
    """mode="legacy": the initialize handshake (protocol 2025-11-25 and before) that today's desktop
    clients speak, instead of the 2026-07-28 discover probe."""

    async def script(client):
        names = {t.name for t in (await client.list_tools()).tools}
        return names, await call(client, "address_check")

    names, (payload, is_error) = serve(shop, script, mode="legacy")
    assert {"stock_check", "address_check", "note"} <= names and not is_error
    expected = cli("address-check", "--format", "json", "--now", NOW).json
    assert {key: payload[key] for key in expected} == expected


def test_settings_and_the_clock_come_from_the_shop_as_for_the_command_line(cli, shop):
    """SHOPTOOL_* variables and --config reach the server; each call reads the settings afresh."""
    write_config(shop, "[stock]\nsafety = 5\n")

    async def script(client):
        first = await call(client, "stock_check")
        write_config(shop, "[stock]\nsafety = 0\n")
        second = await call(client, "stock_check")
        return first, second

    (first, _), (second, _) = serve(shop, script, env={"SHOPTOOL_STOCK_TOLERANCE": "100"})
    write_config(shop, "[stock]\nsafety = 5\n")
    expected = cli("stock-check", "--format", "json", env={"SHOPTOOL_NOW": NOW, "SHOPTOOL_STOCK_TOLERANCE": "100"})
    assert first["rows"] == expected.json["rows"]
    assert first["rows"] != second["rows"]  # the edited file counted at the next call
    assert not any(r["finding"] == "underlisted" for r in first["rows"] + second["rows"])  # the tolerance held
