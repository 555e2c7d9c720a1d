"""address-check's report: which checked orders to list, in what order, with what counts.

Plain functions over order rows and the domain's `check_order`; the CLI renders what comes out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .check import AddressCheck, check_order
from .rules import SEVERITY, AddressRules

SEVERITIES = ("error", "warning", "info")
_RANK = {"error": 0, "warning": 1, "info": 2, None: 3}


def report_row(order: Mapping, check: AddressCheck) -> dict:
    """The PRODUCT §15 keys, then what staff need to find and contact the buyer (personal data as
    given: the output layer masks it by column kind)."""
    row = check.as_row()
    details = row.pop("details")
    row["buyer"] = order.get("buyer_nick")
    row["receiver"] = order.get("receiver_name")
    row["phone"] = check.phone.raw or order.get("receiver_mobile") or order.get("receiver_tel")
    row["address"] = order.get("address")
    row["details"] = details
    row["status"] = order.get("status")
    return row


def listed(check: AddressCheck, include_all: bool) -> bool:
    """By default only what needs a person (errors, warnings); info-only (masked, remote) and clean
    orders with --all."""
    return include_all or check.needs_attention


@dataclass
class Checked:
    rows: list[dict]  # the listed orders' rows, errors first, then warnings, then the rest; by order id
    checked: int  # orders checked, listed or not
    errors: bool  # an error-level finding on any of them (exit 1)


def check_all(orders: Iterable[Mapping], rules: AddressRules, *, elsewhere: Mapping[str, Sequence[str]],
              history: Mapping[str, Sequence[Mapping]], show_pii: bool = False,
              include_all: bool = False) -> Checked:
    """`check_orders`, one order at a time: only listed rows are kept, so `orders` can stream from
    the database and memory grows with what needs attention, not with every open order.
    `elsewhere` is `find_multiple_addresses` over all of them, `history` order_id → change rows."""
    rows, checked, errors = [], 0, False
    for order in orders:
        order_id = str(order.get("order_id"))
        check = check_order(order, rules, history=history.get(order_id, ()),
                            same_buyer_other_addresses=elsewhere.get(order_id, ()), show_pii=show_pii)
        checked += 1
        errors = errors or check.severity == "error"
        if listed(check, include_all):
            rows.append(report_row(order, check))
    rows.sort(key=lambda r: (_RANK[r["severity"]], str(r["order_id"])))
    return Checked(rows, checked, errors)


def summarize(rows: Sequence[Mapping], checked: int, *, rejected_rows: int = 0) -> dict:
    """Listed rows by severity (the main code; `clean` for none) and by finding code, every key
    present; `checked` open orders, `not_listed` of them left out (info-only or clean, see --all)."""
    by_severity = dict.fromkeys(SEVERITIES, 0) | {"clean": 0}
    findings = dict.fromkeys(SEVERITY, 0)
    for row in rows:
        by_severity[row["severity"] or "clean"] += 1
        for code in row["findings"]:
            findings[code] += 1
    return {
        "checked": checked,
        "rows": len(rows),
        **by_severity,
        "not_listed": checked - len(rows),
        "rejected_rows": rejected_rows,
        "findings": findings,
    }


def summary_line(summary: Mapping, source: str) -> str:
    """One line for stderr: what was checked, what was found, what --all would add."""
    line = f"address-check: {summary['checked']} open order(s) from {source}"
    found = [f"{summary[s]} {s}" for s in (*SEVERITIES, "clean") if summary[s]]
    line += ": " + ", ".join(found) if found else ": nothing to confirm"
    if summary["not_listed"]:
        line += f"; {summary['not_listed']} info-only or clean not listed (--all lists them)"
    return line
