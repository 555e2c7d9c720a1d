"""address-check's report: which checked orders to list, in what order, with what counts.

Plain functions over the orders and their `AddressCheck` results; the CLI renders what comes out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .address import SEVERITY, AddressCheck

# Paid and not (fully) shipped. A partly shipped order still has a parcel to send to the same
# receiver, and a wrong or changed address now costs a second parcel, so it is checked too.
OPEN_STATUSES = ("paid", "partly_shipped")
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


def report_rows(orders: Sequence[Mapping], checks: Sequence[AddressCheck], *, include_all: bool = False) -> list[dict]:
    """Rows to list: errors first, then warnings, then info and clean ones; by order id within."""
    rows = [report_row(order, check) for order, check in zip(orders, checks) if listed(check, include_all)]
    rows.sort(key=lambda r: (_RANK[r["severity"]], str(r["order_id"])))
    return rows


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


def has_errors(checks: Sequence[AddressCheck]) -> bool:
    """Exit 1 (PRODUCT §6): an error-level finding on any checked order."""
    return any(check.severity == "error" for check in checks)


def summary_line(summary: Mapping, source: str) -> str:
    """One line for stderr: what was checked, what was found, what --all would add."""
    line = f"address-check: {summary['checked']} open order(s) from {source}"
    found = [f"{summary[s]} {s}" for s in (*SEVERITIES, "clean") if summary[s]]
    line += ": " + ", ".join(found) if found else ": nothing to confirm"
    if summary["not_listed"]:
        line += f"; {summary['not_listed']} info-only or clean not listed (--all lists them)"
    return line
