"""Shipments from the warehouse or ERP: order number, courier, tracking number, ship time. One row
may name several orders (a merged parcel)."""

from __future__ import annotations

import re

from ...db import current, store
from ...tables import cells
from ..convert import Converter, RowRejected, require
from ..header import ID, LABEL, PHONE, TIME, TRACKING, F, Kind

SHIPMENTS = Kind(
    "shipments",
    (
        F("order_id", "订单编号|订单号|平台订单号|线上订单号|原始单号|tid", ID),
        F("tracking_no", "物流单号|运单号|快递单号|物流编号|out_sid", TRACKING),
        F("courier", "物流公司|快递公司|快递|承运商|company_name", LABEL),
        F("shipped_at", "发货时间|consign_time", TIME),
        F("receiver_name", "收货人|收件人|收货人姓名"),
        F("receiver_mobile", "手机|收货人手机|联系手机|收件人手机|手机号", PHONE),
    ),
    required=("order_id", "tracking_no"),
    markers=("tracking_no", "courier", "shipped_at"),
    label="发货单",
)

_SEVERAL_ORDERS = re.compile(r"[,，;；/\s]+")


class ShipmentConverter(Converter):
    data_fields = ("courier", "shipped_at", "receiver_name", "receiver_mobile")

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.data = [f for f in self.data_fields if f in self.present]
        self.columns = ("order_id", "tracking_no", *self.data, "extra", "first_seen_at", "updated_at", "import_id")

    def fields(self, record: list) -> dict:
        # A merged parcel's row may list several order numbers in one cell.
        index = next(ix[0] for name, ix, _, _ in self.plan if name == "order_id")
        if index < len(record) and isinstance(record[index], str) and _SEVERAL_ORDERS.search(record[index].strip()):
            record = list(record)
            self._orders = [p for p in _SEVERAL_ORDERS.split(record[index].strip()) if p] or None
            # a cell of separators only (",") names no order: the row is rejected for that
            record[index] = self._orders[0] if self._orders else ""
        else:
            self._orders = None
        return super().fields(record)

    def convert(self, record: list, number: int) -> list[tuple]:
        record = self.pad(record)
        v = self.fields(record)
        tracking = require(v, "tracking_no", self, "tracking number")
        order_ids = [v.get("order_id")]
        if self._orders:
            try:
                order_ids = [cells.identifier(p) for p in self._orders]
            except cells.CellError as exc:
                raise RowRejected(self.header_of("order_id"), str(exc)) from None
        if not order_ids or order_ids[0] is None:
            raise RowRejected(self.header_of("order_id"), "missing order number")
        now = self.now_iso
        extra = self.extra(record)
        data = [v.get(f) for f in self.data]
        return [(order_id, tracking, *data, extra, now, now, self.import_id) for order_id in order_ids]



RULES = current.Rules(key=("order_id", "tracking_no"), events=("shipped_at",))


def writer(db, columns, file_size: int):
    return store.Upsert(db, "shipments", RULES, columns)
