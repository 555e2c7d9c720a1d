"""address-check's domain (PRODUCT §6): will this parcel arrive, or come back and cost postage twice?

The pieces: rules.py (what is flagged and how badly, the `[address]` settings), compare.py
(addresses in their compared form, changes after payment, one buyer's orders going elsewhere),
message.py (the text that asks the buyer to confirm), check.py (one order), report.py (which
checked orders are listed, in what order, with what counts).
"""

from .check import AddressCheck, check_order, check_orders
from .compare import CHANGE_FIELDS, OPEN_STATUSES, address_changes, find_multiple_addresses, normalize_address
from .report import Checked, check_all, report_row, summarize, summary_line
from .rules import ERROR, INFO, SEVERITY, WARNING, AddressRules, Finding

__all__ = [
    "CHANGE_FIELDS", "ERROR", "INFO", "OPEN_STATUSES", "SEVERITY", "WARNING", "AddressCheck", "AddressRules",
    "Checked", "Finding", "address_changes", "check_all", "check_order", "check_orders", "find_multiple_addresses",
    "normalize_address", "report_row", "summarize", "summary_line",
]
