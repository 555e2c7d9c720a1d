"""One call at a time, in process (calls.call is what the server runs for each tools/call, minus
the transport): hostile arguments, refusals that must not create or touch a shop, and errors
that must not leak personal data."""

from __future__ import annotations

import json

import pytest
from test_mcp import MOBILE, NOW, sample_shop

from shoptool.mcp_server import calls, registry


@pytest.fixture
def served(cli, shop_folder) -> calls.Served:
    sample_shop(cli, shop_folder)
    return calls.Served(db=shop_folder / "shoptool.db", now=NOW, client="pytest 1")


@pytest.mark.parametrize("name, arguments, says", [
    ("daily", {"top": 10**9}, "top"),
    ("daily", {"top": True}, "top"),
    ("daily", {"top": 2.5}, "top"),
    ("reviews", {"rating": ["good"]}, "rating"),
    ("reviews", {"status": "open"}, "status"),
    ("order_history", {}, "order"),
    ("order_history", {"order": "3" * 5000}, "order"),
    ("order_history", {"order": {"$ne": None}}, "order"),
    ("stock_check", {"fail_on": ["oversell_risk"]}, "fail_on"),
    ("stock_check", {"page": "/etc/passwd"}, "page"),
    ("address_check", {"show_pii": True}, "show_pii"),
    ("note", {"order": "3912000000000000102", "text": "x", "staff": "kf02", "now": "2020-01-01"}, "now"),
    ("merge_shipping", {"apply": True}, "apply"),
])
def test_arguments_a_tool_does_not_take_are_usage_errors(served, name, arguments, says):
    outcome = calls.call(served, name, arguments)
    assert outcome.is_error and outcome.payload["error"]["exit_code"] == 2, outcome.payload
    assert says in outcome.payload["error"]["message"]


def test_a_bad_moment_is_named_as_the_argument(served):
    outcome = calls.call(served, "stock_check", {"now": "soon"})
    assert outcome.is_error and outcome.payload["error"]["message"].startswith("now: ")
    assert "2026-11-21 10:00" in outcome.payload["error"]["hint"]


def test_a_refusal_in_a_folder_without_a_shop_creates_none(shop_folder):
    served = calls.Served(now=NOW)
    outcome = calls.call(served, "note", {"order": "3912000000000000102", "text": "x"})
    assert outcome.is_error and outcome.payload["error"]["type"] == "refused"
    assert not (shop_folder / "shoptool.db").exists()


def test_hostile_file_names_are_refused_before_the_disk_is_read(served, shop_folder):
    (shop_folder / "shoptool.toml").write_text('[mcp]\ninbox = "inbox"\n', encoding="utf-8")
    (shop_folder / "inbox").mkdir()
    for name in ("a\x00b.csv", "~/.ssh/id_rsa", "/etc/passwd", "..", ".", "inbox/../../x.csv", ""):
        outcome = calls.call(served, "import_file", {"file": name, "staff": "kf02"})
        assert outcome.is_error and outcome.payload["error"]["exit_code"] == 2, (name, outcome.payload)


def test_an_unexpected_failure_is_an_internal_error_without_the_buyers_phone(served, monkeypatch):
    def broken(call):
        raise RuntimeError("cannot parse 13912345678's address")

    monkeypatch.setitem(registry.BY_NAME, "stock_check", registry.Tool(
        "stock_check", "t", "d", broken, lambda a: ["stock-check"]))
    outcome = calls.call(served, "stock_check", {})
    assert outcome.is_error and outcome.payload["error"]["type"] == "internal"
    assert outcome.payload["error"]["exit_code"] == 70
    assert not MOBILE.findall(outcome.text()) and "139****5678" in outcome.text()


def test_an_unknown_tool_is_not_a_tool_result(served):
    with pytest.raises(calls.UnknownTool):
        calls.call(served, "purge", {"yes": True})


def test_documents_are_plain_json_and_match_their_text(served):
    for tool in registry.TOOLS:
        if not tool.reads or tool.input_schema().get("required"):
            continue
        outcome = calls.call(served, tool.name, {})
        assert not outcome.is_error, (tool.name, outcome.payload)
        assert json.loads(outcome.text()) == outcome.payload
        assert set(outcome.payload) >= {"command", "generated_at", "summary", "rows", *calls.ADDED_KEYS}


def test_marking_tools_take_order_numbers_never_files(tmp_path):
    """The command line reads FILEs of order numbers; over MCP a path is refused, never opened."""
    from shoptool.errors import UsageError
    from shoptool.mcp_server.registry import _order_numbers

    (tmp_path / "orders.csv").write_text("订单编号\n3912000000000000613\n", encoding="utf-8")
    assert _order_numbers(["3912000000000000613"]) == ["3912000000000000613"]
    for bad in ([str(tmp_path / "orders.csv")], ["../orders.csv"], [""], []):
        with pytest.raises(UsageError):
            _order_numbers(bad)
