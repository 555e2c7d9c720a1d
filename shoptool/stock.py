"""stock-check (PRODUCT §5): can the warehouse ship what the page lets buyers pay for?

Pure domain: page and warehouse rows are plain mappings shaped like the `page_stock` and
`warehouse_stock` tables (the import converters produce the same dicts from files), settings are
plain values; no printing, no database, no files.

How the figures on a finding relate (one SKU code = one set of figures):
- `warehouse_available`: the sheet's own available figure (可用库存, 可发库存, 公有可用数…) when
  that row has one, else on hand − locked − awaiting shipment (a blank counts as 0).
- `available`: what the page may show = floor((warehouse_available − safety) × ratio), never
  below 0. Safety is `stock.safety`, or the SKU's own value in `stock.sku` (which replaces it).
- `suggested_page_stock`: `available`, but never below `unpaid_held`: under 付款减库存 the page
  keeps units held by unpaid orders and the platform refuses a quantity below them. When that
  floor bites, the finding stays `oversell_risk` and the advice says to deal with those orders.
- `difference` = `page_stock` − `suggested_page_stock`: positive = take units off the page,
  negative = units the page could still sell.
- `oversell_risk` is page > available; `underlisted` is page < available − `stock.tolerance`.

Interactions, decided for safety first:
- A code listed on several page rows: one `duplicate_sku` per row (its own quantity, no
  suggestion: stock cannot be split between listings automatically); the other checks compare the
  listings' total against `available` and show totals.
- A code on rows of several warehouses (a 仓库/仓库名称 column): the SKU's stock is the sum over
  the warehouses the shop sells from (`stock.warehouses`, default all); rows of other warehouses
  are counted, not used. The same code twice in one warehouse (or twice in a sheet without a
  warehouse column): one `duplicate_sku` per row (its own figures); the other checks use the row
  with the least stock, so a copied row can never double the stock.
- A duplicated code is never `underlisted`: which listing or row to raise is for a person. It can
  still be `oversell_risk` (the listings' total against what can ship): that is a risk either way.
- `negative_stock` is reported per row (on hand, the warehouse's available figure or a negative
  page quantity) and does not hide the SKU's other findings: a negative SKU still listed is also
  `oversell_risk` with a suggestion of 0.
- `missing_in_warehouse` only for listings with stock on the page: a sold-out listing the
  warehouse does not know cannot oversell. It carries no suggestion (nothing known to suggest).
- `not_listed` when `available` > 0 (stock that could sell), not merely on hand.
- Warehouse rows without a code cannot be matched to anything: counted, not reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from .errors import ConfigError, UsageError
from .rows import Rows
from .settings_defaults import default as setting_default
from .settings_defaults import read

__all__ = [
    "DEFAULT_FAIL_ON",
    "FINDINGS",
    "FINDING_KEYS",
    "StockCheck",
    "StockRules",
    "check_grouped",
    "check_stock",
    "fix_rows",
    "parse_fail_on",
    "summarise",
    "warehouse_figures",
]

ERROR, WARNING, INFO = "error", "warning", "info"

# The one severity table (§5), in the order §5 lists the codes; that order breaks ties in output.
FINDINGS: dict[str, str] = {
    "oversell_risk": ERROR,
    "missing_in_warehouse": ERROR,
    "no_sku_code": WARNING,
    "duplicate_sku": ERROR,
    "negative_stock": ERROR,
    "underlisted": WARNING,
    "not_listed": INFO,
}
DEFAULT_FAIL_ON = ("oversell_risk", "missing_in_warehouse", "duplicate_sku", "negative_stock")
_SEVERITY_RANK = {ERROR: 0, WARNING: 1, INFO: 2}
_FINDING_RANK = {code: rank for rank, code in enumerate(FINDINGS)}
# Findings whose suggestion a staff member can paste into the platform's batch edit as is.
_FIXABLE = ("oversell_risk", "underlisted")
# A finding's keys in order (PRODUCT §15's first, then the additions): findings are held as tuples.
FINDING_KEYS = ("sku", "title", "finding", "severity", "page_stock", "on_hand", "reserved", "available",
                "suggested_page_stock", "difference", "attrs", "unpaid_held", "warehouse_available", "item_id",
                "sku_id", "page_row", "warehouse_row", "warehouse", "advice")
_SKU, _FINDING, _SEVERITY = FINDING_KEYS.index("sku"), FINDING_KEYS.index("finding"), FINDING_KEYS.index("severity")
_PAGE_ROW, _WAREHOUSE_ROW = FINDING_KEYS.index("page_row"), FINDING_KEYS.index("warehouse_row")


# ---------------------------------------------------------------- settings

@dataclass(frozen=True)
class StockRules:
    """The `[stock]` settings."""

    safety: int = field(default_factory=lambda: setting_default("stock.safety"))
    ratio: Decimal = field(default_factory=lambda: Decimal(str(setting_default("stock.ratio"))))
    tolerance: int = field(default_factory=lambda: setting_default("stock.tolerance"))
    sku_safety: Mapping[str, int] = field(default_factory=lambda: setting_default("stock.sku"))
    warehouses: tuple[str, ...] = field(default_factory=lambda: tuple(setting_default("stock.warehouses")))

    @classmethod
    def from_settings(cls, settings) -> StockRules:
        """From the shop's settings; bad values are a ConfigError naming the setting."""
        sku = read(settings, "stock.sku") or {}
        if not isinstance(sku, Mapping):
            raise ConfigError("setting stock.sku: expected a table of SKU code = units")
        warehouses = read(settings, "stock.warehouses") or []
        if isinstance(warehouses, str):
            warehouses = [warehouses]
        if not isinstance(warehouses, (list, tuple)) or not all(isinstance(w, str) for w in warehouses):
            raise ConfigError('setting stock.warehouses: expected a list of warehouse names, e.g. ["杭州仓"]')
        return cls(
            safety=_whole(read(settings, "stock.safety"), "stock.safety"),
            ratio=_ratio(read(settings, "stock.ratio")),
            tolerance=_whole(read(settings, "stock.tolerance"), "stock.tolerance"),
            sku_safety={str(code): _whole(units, f"stock.sku.{code}") for code, units in sku.items()},
            warehouses=tuple(w.strip() for w in warehouses if w.strip()),
        )

    def sells_from(self, warehouse: str | None) -> bool:
        """Whether a row of this warehouse counts (no list: every warehouse; no name: always)."""
        return not self.warehouses or not warehouse or warehouse.strip() in self.warehouses

    def safety_for(self, sku: str) -> int:
        return self.sku_safety.get(sku, self.safety)

    def sellable(self, warehouse_available: int, sku: str) -> int:
        units = warehouse_available - self.safety_for(sku)
        if self.ratio != 1:
            # Decimal, not float: 0.7 × 10 must be 7, not 6.999… floored to 6.
            units = int((Decimal(units) * self.ratio).to_integral_value(ROUND_FLOOR))
        return max(units, 0)


def _whole(value, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        if isinstance(value, float) and value.is_integer() and value >= 0:
            return int(value)
        raise ConfigError(f"setting {path}: expected a whole number of units ≥ 0, got {value!r}")
    return value


def _ratio(value) -> Decimal:
    try:
        ratio = Decimal(str(value))
    except InvalidOperation:
        ratio = Decimal(-1)
    if isinstance(value, bool) or not (0 < ratio <= 1):
        # Above 1 the page would promise more than the warehouse holds: overselling by setting.
        raise ConfigError(f"setting stock.ratio: expected a share between 0 and 1, got {value!r}")
    return ratio


def parse_fail_on(text: str | None) -> frozenset[str]:
    """'oversell_risk,not_listed' → the codes; an empty text fails on nothing."""
    if text is None:
        return frozenset(DEFAULT_FAIL_ON)
    codes = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [code for code in codes if code not in FINDINGS]
    if unknown:
        raise UsageError(f"--fail-on: unknown finding {', '.join(map(repr, unknown))}; "
                         f"codes: {', '.join(FINDINGS)}")
    return frozenset(codes)


# ---------------------------------------------------------------- figures

def warehouse_figures(row: Mapping, rules: StockRules) -> dict:
    """One warehouse row → on_hand, reserved, warehouse_available, available (see module doc)."""
    on_hand, locked, awaiting = row.get("on_hand"), row.get("locked"), row.get("awaiting_shipment")
    reserved = None if locked is None and awaiting is None else (locked or 0) + (awaiting or 0)
    own = row.get("available")
    raw = own if own is not None else (on_hand or 0) - (reserved or 0)
    return {
        "on_hand": on_hand,
        "reserved": reserved,
        "warehouse_available": raw,
        "available": rules.sellable(raw, row["sku_code"]),
    }


_NO_FIGURES = {"on_hand": None, "reserved": None, "warehouse_available": None, "available": None}


# ---------------------------------------------------------------- the check

@dataclass
class StockCheck:
    rows: Rows  # findings (dicts when read), ordered by severity, SKU, finding, source row
    skus: int = 0  # distinct SKU codes seen on either side
    warehouse_without_code: int = 0
    other_warehouses: dict[str, int] = field(default_factory=dict)  # rows skipped per warehouse not sold from


def check_stock(
    page_rows: Iterable[Mapping],
    warehouse_rows: Iterable[Mapping],
    rules: StockRules,
    unpaid_held: Mapping[str, int] | None = None,
) -> StockCheck:
    """Rows in any order (files): grouped by code in memory, then checked as `check_grouped`."""
    page: dict = {}
    for row in page_rows:
        page.setdefault(row.get("sku_code"), []).append(row)
    warehouse: dict = {}
    for row in warehouse_rows:
        warehouse.setdefault(row.get("sku_code"), []).append(row)
    codes = list(dict.fromkeys([None, *warehouse, *page]))
    return check_grouped(((code, page.get(code, []), warehouse.get(code, [])) for code in codes), rules,
                         unpaid_held)


def check_grouped(
    groups: Iterable[tuple[str | None, Sequence[Mapping], Sequence[Mapping]]],
    rules: StockRules,
    unpaid_held: Mapping[str, int] | None = None,
) -> StockCheck:
    """The findings of every SKU code, given code by code: (code, its page rows, its warehouse
    rows), each side in source-row order; code None holds the rows without a code. Only one
    code's rows are needed at a time, so the database's snapshots are streamed through it; the
    findings are kept as tuples (FINDING_KEYS) until sorted."""
    held = unpaid_held or {}
    findings: list[tuple] = []
    skus = without_code = 0
    other: dict[str, int] = {}
    for code, page_rows, warehouse_rows in groups:
        if code is None:
            for row in page_rows:
                findings.append(_finding("no_sku_code", None, row, _NO_FIGURES, page_stock=row.get("quantity"),
                                         suggested=None, unpaid_held=None,
                                         advice="页面这一行没有商家编码，无法和仓库对账：在千牛补填商家编码"))
            without_code += len(warehouse_rows)
            continue
        by_name: dict[str, list[tuple[Mapping, dict]]] = {}
        for row in warehouse_rows:
            name = (row.get("warehouse") or "").strip()
            if not rules.sells_from(name):
                other[name] = other.get(name, 0) + 1
            else:
                by_name.setdefault(name, []).append((row, warehouse_figures(row, rules)))
        if not page_rows and not by_name:
            continue
        skus += 1
        entry = _warehouse_findings(code, by_name, page_rows, held.get(code, 0), rules, findings) if by_name else None
        if page_rows:
            duplicated = any(len(rows) > 1 for rows in by_name.values())
            findings.extend(_listing_findings(code, page_rows, entry, held.get(code, 0), rules,
                                              duplicated=duplicated))
    findings.sort(key=_order)
    return StockCheck(Rows(FINDING_KEYS, findings), skus, without_code, other)


def _warehouse_findings(code: str, by_name: Mapping[str, list[tuple[Mapping, dict]]], page_rows: Sequence[Mapping],
                        held: int, rules: StockRules, findings: list[tuple]) -> tuple[Mapping, dict]:
    """A code's warehouse-side findings (appended to `findings`); returns the row and figures
    standing for the code."""
    context = {"page_stock": _page_total(page_rows) if page_rows else None, "unpaid_held": held, "warehouse": True}
    for name, entries in by_name.items():
        if len(entries) > 1:
            where = f"仓库“{name}”" if name else "仓库表"
            for row, figures in entries:
                findings.append(_finding(
                    "duplicate_sku", code, row, figures, suggested=None, **context,
                    advice=f"商家编码在{where}里出现 {len(entries)} 次：按库存最少的一行核对，请仓库合并或改正"))
    for rows in by_name.values():
        for row, figures in rows:
            if (row.get("on_hand") or 0) < 0 or figures["warehouse_available"] < 0:
                findings.append(_finding("negative_stock", code, row, figures, suggested=None, **context,
                                         advice="仓库库存是负数：请仓库盘点或核对出入库单"))
    row, figures = entry = _combined(code, by_name, rules)
    if not page_rows and figures["available"] > 0:
        findings.append(_finding("not_listed", code, row, figures, suggested=figures["available"], **context,
                                 advice=f"仓库可售 {figures['available']} 件，页面没有这个 SKU"))
    return entry


def _combined(code: str, by_name: Mapping[str, list[tuple[Mapping, dict]]], rules: StockRules) -> tuple[Mapping, dict]:
    """The row and figures standing for a code: in each warehouse the row with the least stock
    (first on a tie), summed over the warehouses; one warehouse: that row as it is."""
    picked = [min(rows, key=lambda e: e[1]["available"]) for rows in by_name.values()]
    if len(picked) == 1:
        return picked[0]

    def total(key):
        values = [figures[key] for _, figures in picked if figures[key] is not None]
        return sum(values) if values else None

    raw = total("warehouse_available") or 0
    figures = {"on_hand": total("on_hand"), "reserved": total("reserved"), "warehouse_available": raw,
               "available": rules.sellable(raw, code)}
    row = dict(picked[0][0])
    row["warehouse"] = "+".join(name for name in by_name)
    return row, figures


def _listing_findings(code: str, rows: list[Mapping], entry: tuple[Mapping, dict] | None, held: int,
                      rules: StockRules, *, duplicated: bool = False) -> list[dict]:
    """Everything about one code on the page, against the warehouse row standing for it."""
    found = []
    warehouse_row, figures = entry if entry else (None, _NO_FIGURES)
    context = {"unpaid_held": held, "warehouse_row": warehouse_row}
    for row in rows:
        if len(rows) > 1:
            found.append(_finding("duplicate_sku", code, row, figures, page_stock=row.get("quantity"), suggested=None,
                                  **context,
                                  advice=f"商家编码在页面表里出现 {len(rows)} 次：库存无法自动分配到各个链接，"
                                         "请人工拆分或改正编码"))
        if (row.get("quantity") or 0) < 0:
            found.append(_finding("negative_stock", code, row, figures, page_stock=row.get("quantity"), suggested=None,
                                  **context,
                                  advice="页面库存是负数：在千牛核对这个 SKU 的库存"))
    # Several listings of one code are compared as one: their total, no single listing to point at.
    if len(rows) == 1:
        listing = rows[0]
    else:
        title = rows[0].get("title")
        listing = {"title": f"{title} 等 {len(rows)} 个链接合计" if title else f"{len(rows)} 个链接合计", "attrs": None}
    total = _page_total(rows)
    available = figures["available"]
    if entry is None:
        if total > 0:
            found.append(_finding("missing_in_warehouse", code, listing, figures, page_stock=total, suggested=None,
                                  **context,
                                  advice="仓库里没有这个商家编码：核对两边的编码，或在仓库建档后再上架"))
        return found
    suggested = max(available, held)
    if total > available:
        advice = f"页面库存 {total} 超过可售 {available}，建议改为 {suggested}"
        if suggested > available:
            advice += f"（未付款订单占用 {held} 件，平台不接受更低的库存：请跟进或关闭这些订单）"
        found.append(_finding("oversell_risk", code, listing, figures, page_stock=total, suggested=suggested,
                              **context, advice=advice))
    elif total < available - rules.tolerance and len(rows) == 1 and not duplicated:
        found.append(_finding("underlisted", code, listing, figures, page_stock=total, suggested=suggested,
                              **context,
                              advice=f"页面库存 {total} 少于可售 {available}，可改为 {suggested}"))
    return found


def _page_total(rows: list[Mapping] | None) -> int | None:
    if rows is None:
        return None
    return sum(row.get("quantity") or 0 for row in rows)


def _finding(code: str, sku: str | None, source: Mapping, figures: Mapping, *, page_stock: int | None,
             suggested: int | None, unpaid_held: int | None, advice: str, warehouse: bool = False,
             warehouse_row: Mapping | None = None) -> tuple:
    """A result row as a tuple in FINDING_KEYS order: the §15 keys first, then the additions."""
    title = source.get("name") if warehouse else source.get("title")
    if warehouse_row is not None and title is None:
        title = warehouse_row.get("name")
    return (
        sku,
        title,
        code,
        FINDINGS[code],
        page_stock,
        figures["on_hand"],
        figures["reserved"],
        figures["available"],
        suggested,
        None if page_stock is None or suggested is None else page_stock - suggested,
        source.get("attrs") or (warehouse_row.get("attrs") if warehouse_row is not None else None),
        unpaid_held,
        figures["warehouse_available"],
        None if warehouse else source.get("item_id"),
        None if warehouse else source.get("sku_id"),
        None if warehouse else source.get("row_no"),
        source.get("row_no") if warehouse else (warehouse_row.get("row_no") if warehouse_row is not None else None),
        (source.get("warehouse") if warehouse else
         warehouse_row.get("warehouse") if warehouse_row is not None else None) or None,
        advice,
    )


def _order(row: tuple) -> tuple:
    sku = row[_SKU]
    return (_SEVERITY_RANK[row[_SEVERITY]], sku is None, sku or "", _FINDING_RANK[row[_FINDING]],
            row[_PAGE_ROW] or 0, row[_WAREHOUSE_ROW] or 0)


# ---------------------------------------------------------------- results

def summarise(rows: Iterable[Mapping]) -> dict[str, int]:
    """Rows per finding code, every code present (0 when absent) so agents can read any key."""
    counts = dict.fromkeys(FINDINGS, 0)
    if isinstance(rows, Rows) and rows.keys == FINDING_KEYS:
        for code, n in rows.count_by("finding").items():
            counts[code] += n
        return counts
    for row in rows:
        counts[row["finding"]] += 1
    return counts


def fix_rows(rows: Iterable[Mapping]) -> list[dict]:
    """The listings whose quantity can be set to the suggestion as is, for the batch-edit sheet:
    one page row each (a code listed twice needs a person to split it), changed ones only."""
    fixes = []
    for row in rows:
        if (row["finding"] in _FIXABLE and row["page_row"] is not None and row["suggested_page_stock"] is not None
                and row["suggested_page_stock"] != row["page_stock"]):
            fixes.append({key: row[key] for key in ("sku", "title", "attrs", "page_stock", "suggested_page_stock",
                                                     "item_id", "sku_id")})
    return fixes
