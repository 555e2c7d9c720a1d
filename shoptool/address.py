"""address-check (PRODUCT §6): will this parcel arrive, or come back and cost postage twice?

Pure domain: orders are plain dicts (the `orders` columns), settings a plain dict, results small
dataclasses; no printing, no database. The CLI selects paid, unshipped orders and calls
`check_orders` (or `check_order` per order plus `find_multiple_addresses` once).

Severity: error = cannot ship as is; warning = confirm with the buyer first; info = know it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from shoptool.divisions import INCOMPLETE, MISMATCH, UNVERIFIED, Region, resolve, short_name
from shoptool.phones import INVALID, MASKED, MISSING, Phone, receiver_phone

__all__ = [
    "SEVERITY",
    "AddressRules",
    "Finding",
    "AddressCheck",
    "check_order",
    "check_orders",
    "address_changes",
    "find_multiple_addresses",
    "normalize_address",
]

ERROR, WARNING, INFO = "error", "warning", "info"

# The one severity table (PRODUCT §15 codes). Order = order of the findings list and of the
# suggested message: what blocks shipping first.
SEVERITY: dict[str, str] = {
    "placeholder": ERROR,  # 不详, 测试, test: a test order or a buyer who never filled it in
    "region_mismatch": ERROR,  # 杭州市 + 朝阳区: the courier cannot route it
    "region_incomplete": ERROR,  # a level missing and not inferable, or 西湖区 alone (杭州? 南昌?)
    "detail_too_short": ERROR,  # 1号: nothing to deliver to
    "phone_missing": ERROR,  # nobody for the courier to call
    "phone_invalid": ERROR,  # 12812345678
    "name_invalid": ERROR,  # empty, digits only, a phone number typed as the name
    "courier_unreachable": ERROR,  # the chosen courier does not deliver there: switch first
    "region_unknown": WARNING,  # an unknown name, or an old one whose area was split (江干区)
    "address_changed": WARNING,  # changed after payment: the label may carry the old address
    "multiple_addresses": WARNING,  # same buyer, several open orders, different addresses
    "masked": INFO,  # desensitised export: checked down to the district only
    "remote_region": INFO,  # slower, dearer postage; not a problem in itself
}
_RANK = {ERROR: 0, WARNING: 1, INFO: 2}

DEFAULT_PLACEHOLDERS = ("不详", "待定", "未知", "测试", "test", "无效", "xxx", "暂无")
DEFAULT_REMOTE = ("新疆", "西藏", "青海", "内蒙古", "甘肃", "宁夏", "海南")
# Fields of the order-history table whose change after payment matters.
CHANGE_FIELDS = frozenset(
    {"address", "address_modified", "address_detail", "province", "city", "district",
     "receiver_name", "receiver_mobile", "receiver_tel"}
)
OPEN_STATUSES = frozenset({"paid", "partly_shipped"})

_CJK_OR_LETTER = re.compile(r"[\u3400-\u9fffA-Za-z]")
_PUNCT = re.compile(r"[\s\W_]+")
_PHONE_IN_NAME = re.compile(r"\d{7,}")
_MASK = re.compile(r"\*{2,}|\*$")
_SEPARATORS = re.compile(r"[\s,，、;；:：/|]+")
_TRAILING = ".,;:!?。，；：！？、…-—~ "


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class AddressRules:
    """The `[address]` settings. Build with `AddressRules.from_settings(dict)`."""

    placeholder_words: tuple[str, ...] = DEFAULT_PLACEHOLDERS
    min_detail_length: int = 5
    remote_regions: tuple[str, ...] = DEFAULT_REMOTE
    courier_unreachable: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    default_courier: str | None = None
    _cjk_words: re.Pattern | None = field(default=None, init=False, repr=False, compare=False)
    _whole_words: frozenset = field(default=frozenset(), init=False, repr=False, compare=False)
    _remote: frozenset = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        substrings, whole = [], set()
        for word in self.placeholder_words:
            word = unicodedata.normalize("NFKC", str(word)).strip().casefold()
            if not word:
                continue
            if len(word) == 1:
                whole.add(word)  # 无 alone: as a substring it would hit 无锡
            elif word.isascii():
                substrings.append(rf"(?<![a-z]){re.escape(word)}(?![a-z])")  # test, not contest
            else:
                substrings.append(re.escape(word))
            whole.add(word)
        pattern = re.compile("|".join(substrings), re.I) if substrings else None
        object.__setattr__(self, "_cjk_words", pattern)
        object.__setattr__(self, "_whole_words", frozenset(whole))
        object.__setattr__(self, "_remote", frozenset(_norm(r) for r in self.remote_regions))

    @classmethod
    def from_settings(cls, settings: Mapping | None = None) -> AddressRules:
        """From the `[address]` section as a plain dict; missing keys take their defaults."""
        s = dict(settings or {})
        kwargs = {}
        if s.get("placeholder_words") is not None:
            kwargs["placeholder_words"] = tuple(s["placeholder_words"])
        if s.get("min_detail_length") is not None:
            kwargs["min_detail_length"] = int(s["min_detail_length"])
        if s.get("remote_regions") is not None:
            kwargs["remote_regions"] = tuple(s["remote_regions"])
        if s.get("courier_unreachable"):
            kwargs["courier_unreachable"] = {
                str(k): tuple([v] if isinstance(v, str) else v) for k, v in s["courier_unreachable"].items()
            }
        if s.get("default_courier"):
            kwargs["default_courier"] = str(s["default_courier"])
        return cls(**kwargs)

    def placeholder_in(self, text: str | None) -> str | None:
        """The placeholder word a field uses, if any."""
        if not text:
            return None
        folded = unicodedata.normalize("NFKC", text).strip().casefold()
        if _PUNCT.sub("", folded) in self._whole_words:
            return _PUNCT.sub("", folded)
        found = self._cjk_words.search(folded) if self._cjk_words else None
        return found.group(0) if found else None

    def is_remote(self, names: frozenset[str]) -> bool:
        return not self._remote.isdisjoint(names)

    def unreachable(self, courier: str | None, names: frozenset[str]) -> str | None:
        """The configured courier name when `courier` does not deliver to any of `names`."""
        if not courier or not self.courier_unreachable:
            return None
        wanted = _courier_key(courier)
        for name, regions in self.courier_unreachable.items():
            key = _courier_key(name)
            if key and key in wanted and not names.isdisjoint(_norm(r) for r in regions):
                return name
        return None


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


def _courier_key(text: str) -> str:
    """中通快递, 中通速递 and 中通 name one courier; 快递 alone (a 运送方式) names none."""
    key = _norm(text)
    for suffix in ("快递", "速递", "快运", "速运", "物流", "express"):
        if key.endswith(suffix):
            return key[: -len(suffix)].strip()
    return key


# ---------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: str
    detail: str = ""  # for staff, in Chinese: what exactly is wrong
    subject: str = ""  # the word in question, quoted to the buyer (a placeholder word)


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
        return min((f.severity for f in self.findings), key=_RANK.__getitem__)

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


# ---------------------------------------------------------------- normalising for comparison


def normalize_address(text: str | None) -> str:
    """The form two addresses are compared in: full-width, case, whitespace, separators and
    trailing punctuation do not matter (`浙江省 杭州市 西湖区 文三路１号。` == `浙江省杭州市西湖区文三路1号`)."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    folded = _SEPARATORS.sub("", folded).rstrip(_TRAILING)
    for prefix in ("中国大陆", "中国"):
        if folded.startswith(prefix):
            folded = folded[len(prefix):]
            break
    return folded


def _same_place(a: str, b: str) -> bool:
    """Normalised addresses that may be the same place; a masked one only shows its beginning."""
    if a == b:
        return True
    if "*" in a or "*" in b:
        va, vb = a.split("*", 1)[0], b.split("*", 1)[0]
        return va.startswith(vb) or vb.startswith(va)
    return False


# ---------------------------------------------------------------- one order


def _meaningful_length(detail: str) -> int:
    return len(_PUNCT.sub("", detail))


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
    rules = rules or _DEFAULT_RULES
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
        elif _detail_too_short(region.detail, rules.min_detail_length):
            shown = region.detail if show_pii else _mask_text(region.detail)
            add("detail_too_short", f"详细地址只有“{shown}”")

    phone = receiver_phone(order.get("receiver_mobile"), order.get("receiver_tel"))
    if phone.kind == MASKED or (phone.kind == MISSING and flagged):
        add("masked", "电话已脱敏：无法核对，也不能发短信")
    elif phone.kind == MISSING:
        add("phone_missing", "手机和电话都为空")
    elif phone.kind == INVALID:
        add("phone_invalid", f"无法识别的号码：{phone.raw if show_pii else _mask_phone(phone.raw or '')}")

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
            add("courier_unreachable", f"{blocked}不送{_where(region)}")
        if rules.is_remote(names):
            add("remote_region", f"偏远地区：{_where(region)}")

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
_DEFAULT_RULES = AddressRules()


def _with_detail(region: Region, detail: str) -> Region:
    from dataclasses import replace

    return replace(region, detail=unicodedata.normalize("NFKC", detail).strip())


def _detail_too_short(detail: str, minimum: int) -> bool:
    return _meaningful_length(detail) < minimum or not _CJK_OR_LETTER.search(detail)


def _where(region: Region) -> str:
    return "".join(dict.fromkeys(n for n in (region.province, region.city, region.district) if n))


def _region_findings(region: Region, add) -> None:
    if region.status == MISMATCH and region.conflict:
        here, there = region.conflict
        add("region_mismatch", f"{here}没有{there}（{there}在{'或'.join(region.candidates)}）")
    elif region.status == INCOMPLETE:
        if region.candidates:
            add("region_incomplete", f"缺少{_levels(region.missing)}，可能是{'或'.join(region.candidates)}")
        else:
            add("region_incomplete", f"缺少{_levels(region.missing)}")
    elif region.status == UNVERIFIED:
        if region.candidates:
            add("region_unknown", f"{region.unknown}已撤销，现属{'或'.join(region.candidates)}")
        else:
            add("region_unknown", f"行政区划表中没有“{region.unknown}”")


def _levels(missing: tuple[str, ...]) -> str:
    words = {"province": "省", "city": "市", "district": "区/县"}
    return "/".join(words[m] for m in missing) or "省市区"


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
    if method and _courier_key(method) in _GENERIC_METHODS:
        method = None
    return order.get("courier") or method or rules.default_courier


_GENERIC_METHODS = frozenset({"", "平邮", "自提", "货运", "包邮", "同城配送", "无需物流", "虚拟发货"})


# ---------------------------------------------------------------- across orders


def _instant(value) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    # The database keeps offsets (PRODUCT §2); a bare time is shop time, Asia/Shanghai by default.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone(timedelta(hours=8)))


def address_changes(order: Mapping, history: Iterable[Mapping] = ()) -> str | None:
    """What changed after payment, in words for staff; None when nothing did.

    Counts a history row of an address or receiver field changed after `paid_at` (every change
    when the order has no payment time, e.g. cash on delivery), and a non-empty
    修改后的收货地址 (`address_modified`) that differs from the original address."""
    modified = order.get("address_modified")
    if not history and not modified:
        return None
    paid = _instant(order.get("paid_at"))
    changed = []
    for row in history:
        fld = row.get("field")
        if fld not in CHANGE_FIELDS or normalize_address(row.get("old")) == normalize_address(row.get("new")):
            continue
        when = _instant(row.get("changed_at"))
        if paid is None or when is None or when > paid:
            changed.append(fld)
    if modified and normalize_address(modified) != normalize_address(order.get("address_original")):
        changed.append("address_modified")
    if not changed:
        return None
    receiver = {"receiver_name": "收货人", "receiver_mobile": "手机", "receiver_tel": "电话"}
    words = dict.fromkeys(receiver.get(f, "收货地址") for f in changed)
    return "付款后改过" + "、".join(words)


def _buyer_of(order: Mapping) -> str | None:
    nick = (order.get("buyer_nick") or "").strip()
    if nick:
        return "nick:" + nick
    phone = receiver_phone(order.get("receiver_mobile"), order.get("receiver_tel"))
    return "phone:" + phone.number if phone.number else None


def find_multiple_addresses(
    orders: Iterable[Mapping], open_statuses: Iterable[str] | None = OPEN_STATUSES
) -> dict[str, tuple[str, ...]]:
    """order_id -> the same buyer's other open orders going to a different address.

    A buyer is the buyer nick, else the receiver phone (as in reminders). Orders whose status is
    not in `open_statuses` are ignored (pass None to take every order given)."""
    statuses = frozenset(open_statuses) if open_statuses is not None else None
    by_buyer: dict[str, list[tuple[str, str]]] = {}
    for order in orders:
        if statuses is not None and order.get("status") and order.get("status") not in statuses:
            continue
        address = normalize_address(order.get("address"))
        buyer = _buyer_of(order)
        if address and buyer and order.get("order_id"):
            by_buyer.setdefault(buyer, []).append((str(order["order_id"]), address))
    result: dict[str, tuple[str, ...]] = {}
    for entries in by_buyer.values():
        if len(entries) < 2:
            continue
        for order_id, address in entries:
            others = tuple(o for o, a in entries if o != order_id and not _same_place(address, a))
            if others:
                result[order_id] = others
    return result


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
    rules = rules or _DEFAULT_RULES
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


# ---------------------------------------------------------------- the message to the buyer


def _mask_text(text: str) -> str:
    text = text.strip()
    return text if "*" in text or len(text) <= 2 else text[:2] + "****"


def _mask_phone(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else "****"


def suggested_message(
    findings: Iterable[Finding],
    region: Region,
    phone: Phone,
    order: Mapping,
    *,
    show_pii: bool = False,
) -> str:
    """A polite 旺旺/SMS text asking the buyer to confirm exactly what is in doubt; empty when
    nothing needs the buyer. Masked data is quoted as masked, never filled in."""
    masked = any(f.code == "masked" for f in findings)
    detail = region.detail if show_pii or masked else _mask_text(region.detail)
    asks = []
    codes = {f.code for f in findings}
    for f in findings:
        code = f.code
        if code == "placeholder":
            asks.append(f"收货信息里填的是“{f.subject}”，请提供完整的收货人、电话和详细地址（省、市、区、街道、门牌号）")
        elif code in ("region_incomplete", "detail_too_short") and "placeholder" in codes:
            continue  # the placeholder request already asks for the whole address
        elif code == "region_mismatch" and region.conflict:
            here, there = region.conflict
            asks.append(f"地址中的“{here}”和“{there}”对不上，请告诉我们正确的省、市、区")
        elif code == "region_incomplete":
            if region.candidates:
                asks.append(f"地址缺少{_levels(region.missing)}，请问是{'还是'.join(region.candidates)}？")
            else:
                asks.append(f"地址缺少{_levels(region.missing)}，请补充完整的省、市、区")
        elif code == "region_unknown":
            if region.candidates:
                asks.append(f"“{region.unknown}”已经调整，请问您的地址现在属于{'还是'.join(region.candidates)}？")
            else:
                asks.append(f"地址中的“{region.unknown}”我们没能核实，请确认所在的区/县")
        elif code == "detail_too_short":
            asks.append(f"详细地址“{detail}”不够具体，请补充街道、小区、楼栋和门牌号")
        elif code == "phone_missing":
            asks.append("订单没有收件人电话，请留一个快递员能联系到的手机号")
        elif code == "phone_invalid":
            raw = (phone.raw or "") if show_pii else _mask_phone(phone.raw or "")
            asks.append(f"收件电话“{raw}”不是有效号码，请提供正确的手机号")
        elif code == "name_invalid":
            asks.append("收货人姓名不完整，请提供收货人的真实姓名")
        elif code == "courier_unreachable":
            asks.append("我们默认的快递暂时到不了您的地址，需要为您改发其他快递，请问可以吗？")
        elif code == "address_changed":
            asks.append(f"订单付款后修改过收货信息，请确认以“{_where(region)}{detail}”为准")
        elif code == "multiple_addresses":
            asks.append("您有几笔待发货订单的收货地址不一样，请确认每笔订单的地址是否都正确")
    if not asks:
        return ""
    order_id = order.get("order_id")
    head = f"亲，您好！您的订单{order_id}发货前需要和您确认一下：" if order_id else "亲，您好！您的订单发货前需要和您确认一下："
    if len(asks) == 1:
        body = asks[0].rstrip("？") + ("？" if asks[0].endswith("？") else "。")
    else:
        body = "".join(f"{i}. {a}{'' if a.endswith('？') else '。'}" for i, a in enumerate(asks, 1))
    return head + body + "确认后我们会尽快为您发货，谢谢！"
