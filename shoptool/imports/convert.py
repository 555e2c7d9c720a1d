"""One export row → the database row(s) it stands for, or a rejection naming the column and why.

A row is rejected only when it cannot be stored faithfully: a missing or mangled key, an
unreadable required value. A questionable but storable value (an invalid phone, an odd address)
is stored and left to the checks.
"""

from __future__ import annotations

import re
from operator import itemgetter
from typing import Callable

from .. import orders as O
from ..db.store import extra_json
from ..tables import cells
from ..tables.kinds import Kind, Mapping_, normalise_header

# Columns a rejects file adds; ignored when staff import a fixed rejects file again.
REJECT_META = ("行号", "出错列", "原因")
_REJECT_META = {normalise_header(name) for name in REJECT_META}


class RowRejected(Exception):
    def __init__(self, column: str, reason: str):
        super().__init__(reason)
        self.column = column
        self.reason = reason


def _cleaners(tz) -> dict[str, Callable]:
    return {
        "id": cells.identifier,
        "text": cells.text,
        "money": cells.money,
        "int": cells.integer,
        "time": cells.TimeCleaner(tz),
        "phone": cells.phone,
        "tracking": cells.tracking,
        "flag": cells.flag,
    }


class Converter:
    """Built once per file from its header mapping; `convert` runs once per row."""

    columns: tuple[str, ...]  # database columns, in the order of the tuples `convert` returns
    present: frozenset[str]  # export fields this file has

    def __init__(self, mapping: Mapping_, header: list[str], tz, *, now_iso: str, import_id: int | None,
                 all_text: bool = False):
        self.kind: Kind = mapping.kind
        self.header = header
        self.now_iso = now_iso
        self.import_id = import_id
        cleaners = _cleaners(tz)
        plan = []
        for fld in self.kind.fields:
            indexes = mapping.columns.get(fld.name)
            if indexes:
                plan.append((fld.name, indexes, cleaners[fld.cleaner], fld.sum_all))
        self.plan = plan
        self._simple = [(name, ix[0], clean) for name, ix, clean, summed in plan if not summed]
        self._summed = [(name, ix, clean) for name, ix, clean, summed in plan if summed]
        self.present = frozenset(mapping.columns)
        self.extra_columns = [
            (i, header[i]) for i in mapping.unknown if normalise_header(header[i]) not in _REJECT_META
        ]
        used = [i for _, ix, _, _ in plan for i in ix] + [i for i, _ in self.extra_columns]
        self.width = max(used, default=-1) + 1
        # CSV cells are always text, so blanks can be "" and text cells can be cleaned inline
        self._padding = ["" if all_text else None] * self.width
        self._clean_simple = _compile(self._simple, all_text)

    def header_of(self, field: str) -> str:
        for name, indexes, _, _ in self.plan:
            if name == field:
                return self.header[indexes[0]]
        return field

    def pad(self, record: list) -> list:
        """Short rows (trailing empty cells cut off) are read as if the cells were blank."""
        return record if len(record) >= self.width else [*record, *self._padding[len(record):]]

    def fields(self, record: list) -> dict:
        """Clean every mapped cell; on a bad cell, raise RowRejected naming its column.
        `record` must be padded (see `pad`)."""
        try:
            values = self._clean_simple(record)
        except cells.CellError:
            values = self._find_bad_cell(record)
        for name, indexes, clean in self._summed:
            try:
                parts = [p for p in (clean(record[i]) for i in indexes) if p is not None]
            except cells.CellError as exc:
                raise RowRejected(self.header_of(name), str(exc)) from None
            values[name] = sum(parts) if parts else None
        return values

    def _find_bad_cell(self, record: list) -> dict:
        # the slow path, only for rejected rows: which column was it?
        for name, index, clean in self._simple:
            try:
                clean(record[index])
            except cells.CellError as exc:
                raise RowRejected(self.header[index], str(exc)) from None
        raise AssertionError("a cell failed once and then passed")

    def extra(self, record: list) -> str:
        found = {}
        for index, name in self.extra_columns:
            value = record[index]
            if value:
                value = value.strip() if value.__class__ is str else cells.text(value)
                if value:
                    found[name] = value
        return extra_json(found) if found else "{}"

    def convert(self, record: list, number: int) -> list[tuple]:
        raise NotImplementedError


def _compile(simple: list[tuple[str, int, Callable]], all_text: bool) -> Callable[[list], dict]:
    """Build `record → {field: clean value}` as one generated function: a dict display with the
    cleaners' fast paths inlined runs about twice as fast as a loop of calls, and this runs once
    per row of million-row files. The generated code only indexes the record and calls cleaners."""
    namespace: dict = {"_identifier": cells.identifier, "_phone": cells.phone}
    items = []
    for number, (name, index, clean) in enumerate(simple):
        namespace[f"_c{number}"] = clean
        cell = f"r[{index}]"
        if all_text and clean is cells.text:
            expr = f"({cell}.strip() or None)"
        elif all_text and clean in (cells.identifier, cells.phone):
            helper = "_identifier" if clean is cells.identifier else "_phone"
            expr = f"(x if (x := {cell}).isdigit() and x.isascii() else {helper}(x))"
        else:
            expr = f"_c{number}({cell})"
        items.append(f"{name!r}: {expr}")
    source = "def fields(r):\n    return {" + ", ".join(items) + "}\n"
    exec(compile(source, "<shoptool.imports.convert.fields>", "exec"), namespace)  # noqa: S102
    return namespace["fields"]


def _require(values: dict, field: str, conv: Converter, what: str):
    value = values.get(field)
    if value is None:
        raise RowRejected(conv.header_of(field), f"missing {what}")
    return value


# ---------------------------------------------------------------- orders

_ORDER_DATA = (
    "shop", "buyer_nick", "refund_status", "refund_fen", "goods_fen", "postage_fen", "total_fen",
    "paid_fen", "receiver_name", "receiver_mobile", "receiver_tel", "address_original",
    "address_modified", "province", "city", "district", "shipping_method", "created_at", "paid_at",
    "shipped_at", "finished_at", "closed_reason", "item_title", "item_kinds", "item_count",
    "tracking_no", "courier", "buyer_message", "seller_note", "note_tag", "flag",
)
_PERSONAL = ("receiver_name", "receiver_mobile", "receiver_tel", "address", "address_original",
             "address_modified", "masked")
_NOT_CLOSED = {"订单未关闭", "未关闭", "-"}


class OrderConverter(Converter):
    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        present = self.present
        data = [f for f in _ORDER_DATA if f in present]
        derived = ["status", "status_text", "is_cod"]
        if present & {"address_original", "address_modified"}:
            derived.append("address")
        self._personal = [f for f in ("receiver_name", "receiver_mobile", "address_original", "address_modified")
                          if f in present]
        if present & {"receiver_name", "receiver_mobile", "receiver_tel", "address_original", "address_modified"}:
            derived.append("masked")
        if present & {"presale", "trade_type"}:
            derived.append("presale_stage")
        self.data = data
        self.derived = derived
        self._data_of = _getter(data)
        self._personal_of = _getter(self._personal)
        self._cod_fields = [f for f in ("cod", "trade_type", "shipping_method") if f in present]
        self.columns = ("order_id", *data, *derived, "extra", "first_seen_at", "updated_at",
                        "shipped_seen_at", "import_id")

    def convert(self, record: list, number: int) -> list[tuple]:
        record = self.pad(record)
        v = self.fields(record)
        order_id = v["order_id"]
        if order_id is None:
            raise RowRejected(self.header_of("order_id"), "missing order number")
        status_text = v["status_text"]
        if status_text is None:
            raise RowRejected(self.header_of("status_text"), "missing order status")
        status = O.canonical_status(status_text)
        if status is None:
            raise RowRejected(self.header_of("status_text"), f"unknown order status {status_text!r}")
        if v.get("closed_reason") in _NOT_CLOSED:
            v["closed_reason"] = None
        row = [order_id, *self._data_of(v), status, status_text]
        cod = "货到付款" in status_text or (
            bool(self._cod_fields) and O.is_cod(cod=v.get("cod"), trade_type=v.get("trade_type"),
                                                 shipping_method=v.get("shipping_method")))
        row.append(1 if cod else 0)
        derived = self.derived
        if "address" in derived:
            row.append(v.get("address_modified") or v.get("address_original"))
        if "masked" in derived:
            row.append(1 if "*" in "".join(filter(None, self._personal_of(v))) else 0)
        if "presale_stage" in derived:
            row.append(O.presale_stage(v.get("presale"), v.get("trade_type")))
        now = self.now_iso
        row.extend((self.extra(record), now, now, now if status in O.SHIPPED_STATES else None, self.import_id))
        return [tuple(row)]


def _getter(names: list[str]):
    """A C-speed `lambda v: tuple(v[n] for n in names)`."""
    if not names:
        return lambda values: ()
    getter = itemgetter(*names)
    return getter if len(names) > 1 else (lambda values: (getter(values),))


# ---------------------------------------------------------------- order lines

_ITEM_DATA = ("title", "price_fen", "quantity", "sku_code", "attrs", "package", "note", "item_id",
              "refund_status", "refund_fen", "paid_fen", "created_at", "shipped_at")


class ItemConverter(Converter):
    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.data = [f for f in _ITEM_DATA if f in self.present]
        status = ["status", "status_text"] if "status_text" in self.present else []
        self.status = bool(status)
        self.columns = ("line_id", "order_id", *self.data, *status, "extra", "first_seen_at", "updated_at",
                        "import_id")
        # Legacy 宝贝报表 has no line id: lines are numbered in file order within each order, so
        # a newer export of the same order lands on the same rows.
        self.ordinals: dict[str, int] = {}

    def convert(self, record: list, number: int) -> list[tuple]:
        record = self.pad(record)
        v = self.fields(record)
        order_id = _require(v, "order_id", self, "order number")
        line_id = v.get("line_id")
        if line_id is None:
            n = self.ordinals.get(order_id, 0) + 1
            self.ordinals[order_id] = n
            line_id = f"{order_id}-{n}"
        row = [line_id, order_id]
        row.extend(v.get(f) for f in self.data)
        if self.status:
            text = v.get("status_text")
            row.extend((O.canonical_status(text), text))
        now = self.now_iso
        row.extend((self.extra(record), now, now, self.import_id))
        return [tuple(row)]


# ---------------------------------------------------------------- stock snapshots

class SnapshotConverter(Converter):
    data_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.columns = ("row_no", *self.data_fields, "extra", "import_id")

    def convert(self, record: list, number: int) -> list[tuple]:
        record = self.pad(record)
        v = self.fields(record)
        return [(number, *(v.get(f) for f in self.data_fields), self.extra(record), self.import_id)]


class PageStockConverter(SnapshotConverter):
    data_fields = ("sku_code", "item_id", "sku_id", "title", "attrs", "price_fen", "quantity")


class WarehouseStockConverter(SnapshotConverter):
    data_fields = ("sku_code", "barcode", "goods_no", "name", "attrs", "on_hand", "locked",
                   "awaiting_shipment", "available", "in_transit", "safety_low", "unpaid_qty", "warehouse")


# ---------------------------------------------------------------- shipments

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
        tracking = _require(v, "tracking_no", self, "tracking number")
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


# ---------------------------------------------------------------- reviews

_RATING_WORDS = {
    "好评": "good", "好": "good", "good": "good", "中评": "neutral", "中": "neutral",
    "neutral": "neutral", "差评": "bad", "差": "bad", "bad": "bad",
}
_STARS = {1: "bad", 2: "bad", 3: "neutral", 4: "good", 5: "good"}
_CHINESE_NUMBERS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}


def parse_rating(raw) -> str | None:
    """好评/中评/差评, good/neutral/bad, or 1–5 stars (1–2 bad, 3 neutral, 4–5 good)."""
    if raw is None:
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return _STARS.get(int(raw)) if float(raw).is_integer() else None
    text = str(raw).strip().lower()
    if text in _RATING_WORDS:
        return _RATING_WORDS[text]
    if text and set(text) <= {"★", "☆"}:
        return _STARS.get(text.count("★"))
    match = re.fullmatch(r"(\d(?:\.0+)?|[一二两三四五])\s*(?:星|分|stars?)?", text)
    if match:
        token = match.group(1)
        number = _CHINESE_NUMBERS.get(token) or int(float(token))
        return _STARS.get(number)
    return None


class ReviewConverter(Converter):
    data_fields = ("order_id", "sub_order_id", "buyer_nick", "created_at", "item_title", "item_id",
                   "content", "reply", "followup", "followup_at")

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.data = [f for f in self.data_fields if f in self.present]
        credit = ["counts_credit"] if "counts_credit" in self.present else []
        self.credit = bool(credit)
        self.columns = ("review_id", *self.data, "rating", "rating_raw", *credit, "extra", "first_seen_at",
                        "updated_at", "import_id")

    def convert(self, record: list, number: int) -> list[tuple]:
        record = self.pad(record)
        v = self.fields(record)
        raw = _require(v, "rating", self, "rating")
        rating = parse_rating(raw)
        if rating is None:
            raise RowRejected(self.header_of("rating"), f"not a rating: {raw!r} (好评/中评/差评 or 1–5 stars)")
        review_id = v.get("review_id") or self._synthetic_id(v)
        row = [review_id, *(v.get(f) for f in self.data), rating, str(raw)]
        if self.credit:
            text = (v.get("counts_credit") or "").strip().lower()
            row.append(None if not text else (0 if text in {"否", "不计分", "no", "false", "0", "n"} else 1))
        now = self.now_iso
        row.extend((self.extra(record), now, now, self.import_id))
        return [tuple(row)]

    def _synthetic_id(self, v: dict) -> str:
        # No review id in the sheet: a review belongs to one line of one order.
        order_id = v.get("order_id")
        if order_id is None:
            raise RowRejected(self.header_of("order_id"), "missing order number and review id")
        part = v.get("sub_order_id") or v.get("item_id")
        return f"{order_id}-{part}" if part else order_id


# ---------------------------------------------------------------- opt-outs

def normalise_mobile(text: str) -> str:
    """+86 138 0013 8000 → 13800138000; anything else is kept as given."""
    digits = re.sub(r"[\s\-()（）]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if re.fullmatch(r"1\d{10}", digits) else text.strip()


class OptOutConverter(Converter):
    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.data = [f for f in ("opted_out_at", "source", "note") if f in self.present]
        self.columns = ("phone", *self.data, "extra", "first_seen_at", "import_id")

    def convert(self, record: list, number: int) -> list[tuple]:
        record = self.pad(record)
        v = self.fields(record)
        phone = normalise_mobile(_require(v, "phone", self, "phone number"))
        return [(phone, *(v.get(f) for f in self.data), self.extra(record), self.now_iso, self.import_id)]


CONVERTERS: dict[str, type[Converter]] = {
    "orders": OrderConverter,
    "items": ItemConverter,
    "page-stock": PageStockConverter,
    "warehouse-stock": WarehouseStockConverter,
    "shipments": ShipmentConverter,
    "reviews": ReviewConverter,
    "opt-outs": OptOutConverter,
}
PERSONAL_ORDER_COLUMNS = _PERSONAL
