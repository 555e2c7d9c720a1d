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
from .codegen import SEEN_LIMIT, cell_expressions, compile_fields, define
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
        "label": cells.label,
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
    stateless = True  # each row converts alone (rows of one file may be converted in two processes)
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
        self._extra_cells = _getter([i for i, _ in self.extra_columns])
        self._extra_seen: dict[tuple, str] = {}
        used = [i for _, ix, _, _ in plan for i in ix] + [i for i, _ in self.extra_columns]
        self.width = max(used, default=-1) + 1
        # CSV cells are always text, so blanks can be "" and text cells can be cleaned inline
        self.all_text = all_text
        self._padding = ["" if all_text else None] * self.width
        self._clean_simple = compile_fields(self._simple, all_text)

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
        """Unknown columns as JSON. The same cells give the same text (often every row has the
        same shop id and the same 手机订单), so it is built once per distinct set of cells."""
        values = self._extra_cells(record)
        if not any(values):
            return "{}"
        # Only text cells are remembered: as dict keys, a workbook's TRUE, 1 and 1.0 are one key.
        known = self._extra_seen.get(values) if self.all_text else None
        if known is None:
            found = {}
            for (_, name), value in zip(self.extra_columns, values):
                if value:
                    value = value.strip() if value.__class__ is str else cells.text(value)
                    if value:
                        found[name] = value
            known = extra_json(found)
            if self.all_text and len(self._extra_seen) < SEEN_LIMIT:
                self._extra_seen[values] = known
        return known

    def convert(self, record: list, number: int) -> list[tuple]:
        raise NotImplementedError


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
        personal = [f for f in ("receiver_name", "receiver_mobile", "address_original", "address_modified")
                    if f in present]
        if present & {"receiver_name", "receiver_mobile", "receiver_tel", "address_original", "address_modified"}:
            derived.append("masked")
        if present & {"presale", "trade_type"}:
            derived.append("presale_stage")
        self.data = data
        self.derived = derived
        self.columns = ("order_id", *data, *derived, "extra", "first_seen_at", "updated_at",
                        "shipped_seen_at", "import_id")
        self._flag_fields = [f for f in ("cod", "trade_type", "shipping_method", "presale") if f in present]
        self._flags_seen: dict[tuple, tuple[int, str | None]] = {}
        self._row = self._generate_row(personal)

    def _generate_row(self, personal: list[str]) -> Callable[[list], tuple]:
        """The hottest loop of a big import, as one generated function: every cell cleaned into a
        local variable, the derived columns worked out, the database row returned as a tuple.
        Reading it: `v_<field>` is a field's clean value."""
        if self._summed:
            raise TypeError("orders have no summed fields")
        namespace: dict = {
            "_CellError": cells.CellError, "_bad_cell": self._find_bad_cell, "_reject": self._reject,
            "_status_of": O.canonical_status, "_flags_seen": self._flags_seen, "_flags": self._flags,
            "_extra": self.extra, "_shipped": frozenset(O.SHIPPED_STATES), "_now": self.now_iso,
            "_import_id": self.import_id, "_pad": self.pad, "_width": self.width,
        }
        expressions = cell_expressions(self._simple, self.all_text, {"closed_reason": _still_open}, namespace)
        names = [name for name, _, _ in self._simple]
        lines = ["if len(r) < _width:", "    r = _pad(r)", "try:"]
        lines += [f"    v_{name} = {expr}" for name, expr in zip(names, expressions)]
        lines += [
            "except _CellError:",
            "    _bad_cell(r)",
            "if v_order_id is None:",
            "    _reject('order_id', 'missing order number')",
            "if v_status_text is None:",
            "    _reject('status_text', 'missing order status')",
            "status = _status_of(v_status_text)",
            "if status is None:",
            "    _reject('status_text', f'unknown order status {v_status_text!r}')",
            # is_cod and the pre-sale stage depend on a few repeating labels only
            f"key = (v_status_text, {''.join(f'v_{f}, ' for f in self._flag_fields)})",
            "flags = _flags_seen.get(key)",
            "if flags is None:",
            "    flags = _flags(key)",
        ]
        row = ["v_order_id", *(f"v_{f}" for f in self.data), "status", "v_status_text", "flags[0]"]
        if "address" in self.derived:
            row.append(" or ".join(f"v_{f}" for f in ("address_modified", "address_original") if f in self.present))
        if "masked" in self.derived:
            stars = " or ".join(f"'*' in (v_{f} or '')" for f in personal) or "False"
            row.append(f"(1 if {stars} else 0)")
        if "presale_stage" in self.derived:
            row.append("flags[1]")
        row += ["_extra(r)", "_now", "_now", "_now if status in _shipped else None", "_import_id"]
        lines.append("return (" + ", ".join(row) + ",)")
        return define("order_row", "r", lines, namespace)

    def _reject(self, field: str, reason: str):
        raise RowRejected(self.header_of(field), reason)

    def _flags(self, key: tuple) -> tuple[int, str | None]:
        """(is_cod, presale_stage) for (status text, *flag fields), remembered."""
        status_text, v = key[0], dict(zip(self._flag_fields, key[1:]))
        cod = "货到付款" in status_text or O.is_cod(cod=v.get("cod"), trade_type=v.get("trade_type"),
                                                   shipping_method=v.get("shipping_method"))
        presale = O.presale_stage(v.get("presale"), v.get("trade_type")) if "presale_stage" in self.derived else None
        flags = (1 if cod else 0), presale
        if len(self._flags_seen) < SEEN_LIMIT:
            self._flags_seen[key] = flags
        return flags

    def convert(self, record: list, number: int) -> list[tuple]:
        return [self._row(record)]


def _still_open(reason: str | None) -> str | None:
    """订单未关闭 ("not closed") is no closing reason."""
    return None if reason in _NOT_CLOSED else reason


def _getter(names: list):
    """A C-speed `lambda v: tuple(v[n] for n in names)`."""
    if not names:
        return lambda values: ()
    getter = itemgetter(*names)
    return getter if len(names) > 1 else (lambda values: (getter(values),))


# ---------------------------------------------------------------- order lines

_ITEM_DATA = ("title", "price_fen", "quantity", "sku_code", "attrs", "package", "note", "item_id",
              "refund_status", "refund_fen", "paid_fen", "created_at", "shipped_at")


class ItemConverter(Converter):
    stateless = False  # numbers legacy lines in file order
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
