"""One order checked (PRODUCT §6): will this parcel arrive, or come back and cost postage twice?

Pure domain: orders are plain dicts (the `orders` columns), results small dataclasses; no
printing, no database. Severity: error = cannot ship as is; warning = confirm with the buyer
first; info = know it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..divisions import INCOMPLETE, MISMATCH, UNVERIFIED, Region, is_zone_name, resolve, short_name
from ..phones import INVALID, MANGLED, MASKED, MISSING, Phone, mask_phone, receiver_phone, region_of
from .compare import address_changes, find_multiple_addresses
from .message import levels_text, region_text, suggested_message
from .rules import INFO, PUNCTUATION, SEVERITY, SEVERITY_RANK, AddressRules, Finding, courier_key, room_only

_CJK_OR_LETTER = re.compile(r"[\u3400-\u9fffA-Za-z]")
_PHONE_IN_NAME = re.compile(r"\d{7,}")
_MASK = re.compile(r"\*{2,}|\*$")


# ---------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class AddressCheck:
    order_id: str | None
    findings: tuple[Finding, ...]
    region: Region
    phone: Phone
    suggested_message: str

    @property
    def severity(self) -> str | None:
        """The worst finding's severity; None when nothing was found."""
        if not self.findings:
            return None
        return min((f.severity for f in self.findings), key=SEVERITY_RANK.__getitem__)

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    @property
    def needs_attention(self) -> bool:
        return any(f.severity != INFO for f in self.findings)

    def as_row(self) -> dict:
        """The address-check JSON row (PRODUCT §15) plus `details` for staff (masked unless the
        check ran with show_pii, like the message)."""
        return {
            "order_id": self.order_id,
            "severity": self.severity,
            "findings": self.codes,
            "province": self.region.province,
            "city": self.region.city,
            "district": self.region.district,
            "suggested_message": self.suggested_message,
            "details": [f.detail for f in self.findings],
        }


# ---------------------------------------------------------------- one order


def _meaningful_length(detail: str) -> int:
    return len(PUNCTUATION.sub("", detail))


def _region_names(region: Region) -> frozenset[str]:
    key = (region.province, region.city, region.district)
    names = _NAMES_CACHE.get(key)
    if names is None:
        # Snapshot names are already NFKC and case-free; at most ~3,000 distinct keys.
        names = frozenset(n for name in key if name for n in (name, short_name(name)))
        _NAMES_CACHE[key] = names
    return names


_NAMES_CACHE: dict[tuple, frozenset[str]] = {}


def check_order(
    order: Mapping,
    rules: AddressRules | None = None,
    *,
    history: Iterable[Mapping] = (),
    same_buyer_other_addresses: Iterable[str] = (),
    show_pii: bool = False,
) -> AddressCheck:
    """Everything address-check says about one order.

    `history`: this order's rows from the change history (`field`, `old`, `new`, `changed_at`).
    `same_buyer_other_addresses`: ids of the buyer's other open orders going elsewhere (from
    `find_multiple_addresses`). `show_pii`: quote names, phones and streets in full in the
    suggested message (otherwise masked like every other output, PRODUCT §12)."""
    rules = rules or AddressRules.default()
    found: dict[str, Finding] = {}

    def add(code: str, detail: str = "", subject: str = "") -> None:
        if code not in found:
            found[code] = Finding(code, SEVERITY[code], detail, subject)

    flagged = order.get("masked") not in (None, "", 0, "0", False)  # a desensitised export
    address = str(order.get("address") or "")
    address_masked = flagged or bool(_MASK.search(address))
    if address_masked:
        add("masked", "平台导出已脱敏：只核对到省市区，详细地址无法核对")

    region = resolve(address, order.get("province"), order.get("city"), order.get("district"))
    if order.get("address_detail") and not region.detail:
        region = _with_detail(region, str(order["address_detail"]))
    _region_findings(region, add)

    if not address_masked and (address.strip() or order.get("address_detail")):
        word = rules.placeholder_in(region.detail)
        if word:
            add("placeholder", f"地址含“{word}”", word)
        else:
            _detail_findings(region.detail, rules, add)

    phone = receiver_phone(order.get("receiver_mobile"), order.get("receiver_tel"), region_of(region.province))
    if phone.kind == MASKED or (phone.kind == MISSING and flagged):
        add("masked", "电话已脱敏：无法核对，也不能发短信")
    elif phone.kind == MANGLED:
        add("phone_missing", f"号码被 Excel 改成了“{phone.raw}”，位数已丢失，无法恢复")
    elif phone.kind == MISSING:
        add("phone_missing", "手机和电话都为空")
    elif phone.kind == INVALID:
        add("phone_invalid", f"无法识别的号码：{phone.raw if show_pii else mask_phone(phone.raw or '')}")

    name = order.get("receiver_name")
    if name and "*" in str(name):
        add("masked", "收货人姓名已脱敏")
    elif name or not flagged:
        _name_findings(name, rules, add, show_pii)

    names = _region_names(region)
    if names:
        courier = _courier_of(order, rules)
        blocked = rules.unreachable(courier, names)
        if blocked:
            add("courier_unreachable", f"{blocked}不送{region_text(region)}")
        if rules.is_remote(names):
            add("remote_region", f"偏远地区：{region_text(region)}")

    change = address_changes(order, history)
    if change:
        add("address_changed", change)
    others = tuple(same_buyer_other_addresses)
    if others:
        add("multiple_addresses", "同一买家的其他未发货订单：" + "、".join(others))

    if not found:
        return AddressCheck(order.get("order_id"), (), region, phone, "")
    findings = tuple(sorted(found.values(), key=lambda f: _ORDER[f.code]))
    message = suggested_message(findings, region, phone, order, show_pii=show_pii)
    return AddressCheck(order.get("order_id"), findings, region, phone, message)


_ORDER = {code: i for i, code in enumerate(SEVERITY)}



def _with_detail(region: Region, detail: str) -> Region:
    from dataclasses import replace

    return replace(region, detail=unicodedata.normalize("NFKC", detail).strip())


def _detail_findings(detail: str, rules: AddressRules, add) -> None:
    """A detail the courier cannot find: none, too short (1号), or only building and room numbers
    (3栋501). It is quoted whole, masked or not: too short to point at anyone, it is exactly what
    the buyer is asked to complete."""
    text = detail.strip()
    if not PUNCTUATION.sub("", text):
        add("detail_too_short", "没有详细地址（街道、小区、门牌号）", "")
    elif _meaningful_length(text) < rules.min_detail_length or not _CJK_OR_LETTER.search(text):
        add("detail_too_short", f"详细地址只有“{text}”", text)
    elif room_only(text):
        add("detail_too_short", f"详细地址只有楼号/房号“{text}”，没有街道、小区或地标", text)


def _region_findings(region: Region, add) -> None:
    if region.status == MISMATCH and region.conflict:
        here, there = region.conflict
        add("region_mismatch", f"{here}没有{there}（{there}在{'或'.join(region.candidates)}）")
    elif region.status == INCOMPLETE:
        if region.candidates:
            add("region_incomplete", f"缺少{levels_text(region.missing)}，可能是{'或'.join(region.candidates)}")
        else:
            add("region_incomplete", f"缺少{levels_text(region.missing)}")
    elif region.status == UNVERIFIED:
        if region.candidates:
            add("region_unknown", f"{region.unknown}已撤销，现属{'或'.join(region.candidates)}")
        else:
            where = region.city or region.province or ""
            add("region_unknown", f"区划表和统计用区划代码中{where}没有“{region.unknown}”（开发区/园区）"
                if is_zone_name(region.unknown or "") else f"行政区划表中没有“{region.unknown}”")


def _name_findings(name: str | None, rules: AddressRules, add, show_pii: bool = False) -> None:
    """A courier needs someone to ask for. Flagged: blank, no letter at all (digits, symbols), a
    phone number typed into the name, or an address pasted into it (over 25 characters). A bare
    honorific (先生, 女士) is accepted: the courier calls the phone, parcels arrive."""
    text = unicodedata.normalize("NFKC", name or "").strip()
    if not text:
        add("name_invalid", "收货人姓名为空")
        return
    word = rules.placeholder_in(text)
    if word:
        add("placeholder", f"收货人为“{word}”", word)
    elif not _CJK_OR_LETTER.search(text) or _PHONE_IN_NAME.search(text) or len(text) > 25:
        shown = text if show_pii else text[:1] + "*" * min(len(text) - 1, 3)
        add("name_invalid", f"收货人姓名“{shown}”不像真实姓名")


def _courier_of(order: Mapping, rules: AddressRules) -> str | None:
    """The order's courier; 运送方式 only when it names one (快递, 平邮 name none)."""
    method = order.get("shipping_method")
    if method and courier_key(method) in _GENERIC_METHODS:
        method = None
    return order.get("courier") or method or rules.default_courier


_GENERIC_METHODS = frozenset({"", "平邮", "自提", "货运", "包邮", "同城配送", "无需物流", "虚拟发货"})


# ---------------------------------------------------------------- every order


def check_orders(
    orders: Iterable[Mapping],
    rules: AddressRules | None = None,
    *,
    history: Mapping[str, Iterable[Mapping]] | None = None,
    show_pii: bool = False,
) -> list[AddressCheck]:
    """Check every order given (the CLI passes paid, unshipped ones). `history`: order_id -> its
    change-history rows. Returns one result per order, findings or not, in the order given."""
    orders = list(orders)
    rules = rules or AddressRules.default()
    elsewhere = find_multiple_addresses(orders, open_statuses=None)
    history = history or {}
    return [
        check_order(
            order,
            rules,
            history=history.get(str(order.get("order_id")), ()),
            same_buyer_other_addresses=elsewhere.get(str(order.get("order_id")), ()),
            show_pii=show_pii,
        )
        for order in orders
    ]
