"""The MCP face without a client: one registry entry (or a reason) per job, the SDK loaded only by
`shoptool mcp`, a clear message when it is not installed, the tool list as the shop serves it,
and the last net that masks mobiles in free text."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from shoptool.mcp_server import guards, registry

JOBS = Path(__file__).resolve().parent.parent / "shoptool" / "jobs"


def _jobs_returning_a_result() -> set[str]:
    """`module.function` for every public job function that returns a Result."""
    found = set()
    for path in sorted(JOBS.glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_") and node.returns is not None:
                if "Result" in ast.unparse(node.returns):
                    found.add(f"{path.stem}.{node.name}")
    return found


def _called_by(tool: registry.Tool) -> set[str]:
    names = set(tool.run.__code__.co_names)
    return {job for job in _jobs_returning_a_result() if set(job.split(".")) <= names}


def test_every_job_is_a_tool_or_says_why_not():
    """A new job (aftersale, ship-deadline, logistics-check, customers…) fails here until it has an
    entry in registry.TOOLS, or a reason in registry.NOT_TOOLS."""
    jobs = _jobs_returning_a_result()
    served = set().union(*(_called_by(tool) for tool in registry.TOOLS))
    assert jobs - served - set(registry.NOT_TOOLS) == set()
    assert not served & set(registry.NOT_TOOLS), "a job listed as not a tool is one"
    assert set(registry.NOT_TOOLS) <= jobs


def test_each_entry_is_consistent():
    from typer.main import get_command

    from shoptool.cli import app

    commands = get_command(app).commands
    names = [tool.name for tool in registry.TOOLS]
    assert len(names) == len(set(names))
    for tool in registry.TOOLS:
        schema = tool.input_schema()
        assert tool.access in (registry.READ, registry.WRITE, registry.SEND, registry.IMPORT)
        assert tool.description and tool.title
        assert ("staff" in schema.get("required", ())) is (not tool.reads), tool.name
        assert "show_pii" not in schema["properties"]
        argv = tool.cli({k: "X" for k in schema["properties"]})
        assert argv[0] in commands and all(isinstance(word, str) for word in argv), tool.name


def _imported_modules(*args: str, cwd: Path) -> set[str]:
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "shoptool", *args], cwd=cwd,
                         capture_output=True, text=True)
    assert run.returncode in (0, 1), run.stderr[-2000:]
    return {line.split("|")[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}


def test_the_sdk_is_imported_by_shoptool_mcp_only(cli, sample, shop_folder):
    for name in ("page_stock.csv", "warehouse_wangdiantong.xlsx"):
        sample(name)
    assert cli("import", "page_stock.csv", "warehouse_wangdiantong.xlsx").exit_code == 0
    for args in (("--help",), ("stock-check", "--format", "json"), ("mcp", "--help"), ("mcp", "--list")):
        modules = _imported_modules(*args, cwd=shop_folder)
        assert "shoptool.cli" in modules or "shoptool" in modules  # importtime did report
        sdk = sorted(m for m in modules if m.split(".")[0] in ("mcp", "mcp_types", "anyio", "starlette", "jsonschema"))
        assert not sdk, f"shoptool {' '.join(args)} imports {sdk[:5]}"
    served = subprocess.run([sys.executable, "-c", "import shoptool.mcp_server.server, sys; "
                             "print('mcp' in sys.modules, 'mcp_types' in sys.modules)"],
                            capture_output=True, text=True)
    assert served.stdout.split() == ["True", "True"]  # the check above could see it


def test_without_the_sdk_shoptool_mcp_says_how_to_install_it(cli, monkeypatch):
    for name in [m for m in sys.modules if m.split(".")[0] in ("mcp", "mcp_types")] + ["mcp", "mcp_types"]:
        monkeypatch.setitem(sys.modules, name, None)  # import mcp… → ImportError, even when loaded before
    monkeypatch.delitem(sys.modules, "shoptool.mcp_server.server", raising=False)
    run = cli("mcp")
    assert run.exit_code == 2, run
    assert "pip install 'shoptool[mcp]'" in run.stderr and "2.x" in run.stderr


def test_mcp_list_shows_what_this_shop_serves(cli, shop_folder):
    run = cli("mcp", "--list", "--format", "json")
    assert run.exit_code == 0, run
    rows = {r["tool"]: r for r in run.rows}
    assert set(rows) == set(registry.BY_NAME)
    assert rows["stock_check"]["served"] is True and rows["stock_check"]["command"] == "shoptool stock-check"
    assert rows["notify_shipped_send"]["served"] is False and "allow_send" in rows["notify_shipped_send"]["why_not"]
    assert rows["import_file"]["served"] is False and "inbox" in rows["import_file"]["why_not"]
    assert "staff" in rows["note"]["arguments"] and "now?" in rows["stock_check"]["arguments"]
    (shop_folder / "shoptool.toml").write_text('[mcp]\nallow_send = true\ninbox = "in"\n', encoding="utf-8")
    served = {r["tool"] for r in cli("mcp", "--list", "--format", "json").rows if r["served"]}
    assert served == set(registry.BY_NAME)
    env = {"SHOPTOOL_MCP_ALLOW_SEND": "false"}
    served = {r["tool"] for r in cli("mcp", "--list", "--format", "json", env=env).rows if r["served"]}
    assert "notify_shipped_send" not in served and "import_file" in served


@pytest.mark.parametrize("text, expected", [
    ("买家说换号了 13912345678，明天联系", "买家说换号了 139****5678，明天联系"),
    ("电话:+86 139 1234 5678", "电话:139****5678"),
    ("tel 139-1234-5678 or 0571-88888888", "tel 139****5678 or 0571-88888888"),
    ("订单3912000000000000102已发", "订单3912000000000000102已发"),  # an order number is not a phone
    ("SF13912345678 到了", "SF13912345678 到了"),  # nor a tracking number
    ("139****5678", "139****5678"),
    ("1391234567", "1391234567"),  # ten digits
])
def test_scrub_masks_mobiles_in_free_text(text, expected):
    assert guards.scrub({"content": text}) == {"content": expected}


def test_scrub_keeps_identifiers_exact_and_reaches_nested_rows():
    document = {"rows": [{"order_id": "13912345678", "tracking_no": "13912345678", "item_id": "13912345678",
                          "top": [{"detail": "回电 13912345678", "sku": "13912345678"}], "count": 13912345678}]}
    assert guards.scrub(document) == {"rows": [{
        "order_id": "13912345678", "tracking_no": "13912345678", "item_id": "13912345678",
        "top": [{"detail": "回电 139****5678", "sku": "13912345678"}], "count": 13912345678}]}
