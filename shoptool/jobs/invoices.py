"""invoices (PRODUCT §19): orders whose 发票抬头/开票信息 asks for an invoice, oldest first, until
marked issued (audited). 天猫 must issue every requested invoice."""

from __future__ import annotations

from collections.abc import Sequence

from .. import columns as K
from ..errors import UsageError
from ..result import Result
from .shop import Shop

COMMAND = "invoices"
COLUMNS = [
    K.Column("order_id", "订单编号", "Order", K.ID),
    K.Column("invoice_title", "发票抬头", "Invoice title", K.INVOICE_TITLE),
    K.Column("paid_at", "付款时间", "Paid at", K.TIME),
    K.Column("age_days", "已过天数", "Age (days)", K.INT),
    K.Column("status", "开票状态", "Status", labels="invoice_status"),
    K.Column("invoice_kind", "发票类型", "Invoice kind"),
    K.Column("order_status", "订单状态", "Order status", labels="order_status"),
    K.Column("buyer", "买家会员名", "Buyer"),
    K.Column("total", "实付金额", "Paid", K.MONEY),
    K.Column("issued_at", "开票记录时间", "Issued at", K.TIME),
    K.Column("issued_by", "开票客服", "Issued by"),
]
TABLE_KEYS = ("order_id", "invoice_title", "paid_at", "age_days", "status", "total")


def parse_statuses(values: Sequence[str] | None) -> tuple[str, ...]:
    from ..cs_lists import INVOICE_STATUSES, REQUESTED

    picked: list[str] = []
    for value in values or ():
        for part in str(value).split(","):
            part = part.strip().lower()
            if not part:
                continue
            if part == "all":
                picked += INVOICE_STATUSES
            elif part in INVOICE_STATUSES:
                picked.append(part)
            else:
                raise UsageError(f"--status: not an invoice status: {part!r} (use requested, issued or all)")
    return tuple(dict.fromkeys(picked)) or (REQUESTED,)


def listing(shop: Shop, *, status: Sequence[str] | None = None) -> Result:
    """Invoice requests not yet issued (also what `daily` shows); `status` issued or all for the rest."""
    from .. import cs_lists as C
    from ..db.cs_lists import invoice_orders

    statuses = parse_statuses(status)
    moment = shop.now()
    rows = C.invoice_rows(invoice_orders(shop.db), moment, statuses)
    summary = C.invoice_summary(rows)
    oldest = f", the oldest paid {summary['oldest_days']} day(s) ago" if summary["oldest_days"] is not None else ""
    line = f"invoices: {summary['requested']} invoice(s) to issue{oldest}"
    if C.ISSUED in statuses:
        line += f"; {summary['issued']} issued"
    return Result(COMMAND, COLUMNS, rows, summary, title="待开发票", summary_line=line, table_keys=TABLE_KEYS,
                  generated_at=shop.iso(moment))


def issued(shop: Shop, given: Sequence[str], *, staff: str | None = None, note: str | None = None) -> Result:
    """Mark the invoices of these orders issued; each is logged with who and when."""
    from ..cs_lists import INVOICE_TASK, ISSUED
    from .cs_marks import mark

    return mark(shop, f"{COMMAND} issued", given, task=INVOICE_TASK, result=ISSUED, action="invoice_issued",
                text="已开发票", staff=staff, note=note)
