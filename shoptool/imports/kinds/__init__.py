"""Every kind of export `shoptool import` reads, in one registry: each kind's header (fields and
aliases), its converter (export row → database rows), its writer (how rows land) and its help.

A new kind is one module here with its `Kind` header, a `Converter` and a writer, plus one line in
REGISTRY below. Detection (PRODUCT §3) scores a header row against every registered kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..convert import Converter
from ..header import Kind, Mapping_, map_header, normalise_header


@dataclass(frozen=True)
class ImportKind:
    header: Kind
    converter: type[Converter]
    writer: Callable  # (db, columns, file size) → a db.store writer with write(rows) and counts()
    help: str  # what it is, in the shop's words
    snapshot: bool = False  # a new file replaces the stored rows whole (stock sheets)
    shape: Callable[[set[str]], str] | None = None  # which export generation, from the normalised header

    @property
    def name(self) -> str:
        return self.header.name

    def shape_of(self, header: list[str]) -> str:
        return self.shape({normalise_header(h) for h in header}) if self.shape else "generic"


def _registry() -> dict[str, ImportKind]:
    from . import (
        consents,
        cs_performance,
        customers,
        items,
        opt_outs,
        orders,
        refunds,
        reviews,
        shipments,
        stock,
        tracking,
    )

    kinds = (
        ImportKind(orders.ORDERS, orders.OrderConverter, orders.writer, "订单报表: orders (legacy GBK CSV, 千牛 xlsx)",
                   shape=orders.shape),
        ImportKind(items.ITEMS, items.ItemConverter, items.writer, "宝贝报表: order lines", shape=items.shape),
        ImportKind(stock.PAGE_STOCK, stock.PageStockConverter, stock.page_writer, "宝贝库存: page stock",
                   snapshot=True),
        ImportKind(stock.WAREHOUSE_STOCK, stock.WarehouseStockConverter, stock.warehouse_writer,
                   "仓库库存: warehouse stock (旺店通, 聚水潭, generic)", snapshot=True, shape=stock.warehouse_shape),
        ImportKind(shipments.SHIPMENTS, shipments.ShipmentConverter, shipments.writer, "发货单: shipments"),
        ImportKind(reviews.REVIEWS, reviews.ReviewConverter, reviews.writer, "评价: reviews"),
        ImportKind(opt_outs.OPT_OUTS, opt_outs.OptOutConverter, opt_outs.writer, "退订名单: opt-outs"),
        ImportKind(cs_performance.CS_PERFORMANCE, cs_performance.CsPerformanceConverter, cs_performance.writer,
                   "客服绩效: 千牛 咨询接待分析, 生意参谋 询单到付款, plug-in sheets", shape=cs_performance.shape),
        ImportKind(consents.CONSENTS, consents.ConsentConverter, consents.writer, "营销同意名单: consents"),
        ImportKind(customers.CUSTOMERS, customers.CustomerConverter, customers.writer, "会员列表: ERP members"),
        ImportKind(tracking.TRACKING_RESULTS, tracking.TrackingConverter, tracking.writer,
                   "物流跟踪: tracking results (快递100/快递鸟 JSON, tracking sheets)", shape=tracking.shape),
        ImportKind(refunds.REFUNDS, refunds.RefundConverter, refunds.writer, "退款管理/退换单: refunds",
                   shape=refunds.shape),
    )
    return {kind.name: kind for kind in kinds}


REGISTRY: dict[str, ImportKind] = _registry()
NAMES = tuple(REGISTRY)


def get(name: str) -> ImportKind | None:
    return REGISTRY.get(name)


def detect(header: list[str], *, need_evidence: bool = True) -> list[Mapping_]:
    """Candidate kinds for a header row, best first. Only kinds whose required columns are all
    present are candidates (and, for a kind that asks for it, one of its evidence columns);
    markers (columns typical of one kind) decide between them."""
    found = [m for m in (map_header(k.header, header) for k in REGISTRY.values())
             if m is not None and (not need_evidence or m.kind.has_evidence(header))]
    found.sort(key=lambda m: m.score, reverse=True)
    return found


def lacking_evidence(header: list[str]) -> list[Kind]:
    """Kinds whose columns the header has but none of the headers that would show it is one."""
    return [k.header for k in REGISTRY.values()
            if map_header(k.header, header) is not None and not k.header.has_evidence(header)]


def header_score(header: list[str]) -> float:
    """How much a row looks like a header row of any kind (title rows above it score low)."""
    best = 0.0
    for mapping in detect(header, need_evidence=False):  # a header row all the same: say why it is refused
        best = max(best, mapping.score + len(mapping.columns))
    return best
