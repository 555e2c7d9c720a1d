"""What each kind of export looks like: its fields, the headers platforms and ERPs give them, and
how to tell the kinds apart from a header row (PRODUCT §3, FORMATS.md).

Aliases are listed in priority order: when a sheet has two columns for one field (旺店通 gives
可用库存 and 可发库存), the first alias present wins and the other column is kept in `extra`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# cleaner names (see tables/cells.py and importer.py)
ID, TEXT, MONEY, INT, TIME, PHONE, TRACKING, FLAG = (
    "id", "text", "money", "int", "time", "phone", "tracking", "flag",
)
# Text whose values repeat row after row (a status, a courier, a title): cleaned like TEXT, once
# per distinct value, and all rows share one object (a big import sends far less between processes).
LABEL = "label"


@dataclass(frozen=True)
class Field:
    name: str
    aliases: tuple[str, ...]
    cleaner: str = TEXT
    sum_all: bool = False  # several columns add up (聚水潭 订单占有数 + 库存锁定数)


@dataclass(frozen=True)
class Kind:
    name: str
    fields: tuple[Field, ...]
    required: tuple[str, ...]  # columns that must be in the header
    one_of: tuple[tuple[str, ...], ...] = ()  # at least one of each group
    markers: tuple[str, ...] = ()  # fields that point to this kind rather than another
    label: str = ""
    # columns of personal data this tool does not need and therefore never stores
    discarded: tuple[str, ...] = field(default=())

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def F(name: str, aliases: str, cleaner: str = TEXT, **kw) -> Field:
    return Field(name, tuple(a.strip() for a in aliases.split("|")), cleaner, **kw)


ORDERS = Kind(
    "orders",
    (
        F("order_id", "订单编号|订单号|主订单编号|订单ID|订单id|交易编号|tid|order_id|Order ID", ID),
        F("buyer_nick", "买家会员名|买家昵称|买家账号|买家旺旺|会员名|buyer_nick"),
        F("status_text", "订单状态|交易状态|status", LABEL),
        F("receiver_name", "收货人姓名|收货人|收件人|收件人姓名|receiver_name"),
        F("receiver_mobile", "联系手机|收货人手机|收件人手机|手机号码|手机号|手机|receiver_mobile", PHONE),
        F("receiver_tel", "联系电话|收货人电话|收件人电话|固定电话|电话|receiver_phone", PHONE),
        F("address_original", "收货地址|收件地址|收货人地址|详细地址|地址|receiver_address"),
        F("address_modified", "修改后的收货地址"),
        F("province", "省|省份|收货省份|receiver_state", LABEL),
        F("city", "市|城市|收货城市|receiver_city", LABEL),
        F("district", "区|区县|收货区县|receiver_district", LABEL),
        F("shipping_method", "运送方式|物流方式|配送方式|shipping_type", LABEL),
        F("created_at", "订单创建时间|创建时间|下单时间|拍下时间|created", TIME),
        F("paid_at", "订单付款时间|付款时间|支付时间|pay_time", TIME),
        F("shipped_at", "发货时间|consign_time", TIME),
        F("finished_at", "确认收货时间|交易成功时间|end_time", TIME),
        F("closed_reason", "订单关闭原因|关闭原因", LABEL),
        F("goods_fen", "买家应付货款|商品金额|商品总价|total_fee", MONEY),
        F("postage_fen", "买家应付邮费|邮费|运费|post_fee", MONEY),
        F("total_fen", "总金额|订单金额|订单总金额", MONEY),
        F("paid_fen", "买家实际支付金额|买家实付金额|实付金额|payment", MONEY),
        F("refund_fen", "退款金额|refund_fee", MONEY),
        F("refund_status", "退款状态|refund_status", LABEL),
        F("item_title", "宝贝标题|商品标题|标题|title", LABEL),
        F("item_kinds", "宝贝种类|商品种类", INT),
        F("item_count", "宝贝总数量|商品数量|商品总数量|num", INT),
        F("tracking_no", "物流单号|运单号|快递单号|out_sid", TRACKING),
        F("courier", "物流公司|快递公司|company_name", LABEL),
        F("buyer_message", "买家留言|buyer_message"),
        F("seller_note", "订单备注|商家备注|卖家备注|seller_memo"),
        F("note_tag", "备注标签", LABEL),
        F("flag", "旗帜|卖家旗帜|插旗|seller_flag", FLAG),
        F("shop", "店铺名称|店铺|shop_name", LABEL),
        F("trade_type", "交易类型|订单类型|type", LABEL),
        F("cod", "货到付款状态|是否货到付款|货到付款", LABEL),
        F("presale", "分阶段订单信息|预售状态|预售阶段|step_trade_status", LABEL),
    ),
    required=("order_id", "status_text"),
    markers=(
        "address_original", "receiver_name", "created_at", "paid_at", "total_fen", "postage_fen",
        "goods_fen", "shipping_method", "buyer_message", "item_count", "closed_reason",
        "address_modified", "seller_note",
    ),
    label="订单报表",
    discarded=("买家支付宝账号", "买家身份证号", "买家姓名", "买家手机号"),
)

ITEMS = Kind(
    "items",
    (
        F("order_id", "订单编号|主订单编号|订单号|tid", ID),
        F("line_id", "子订单编号|子订单号|oid", ID),
        F("title", "标题|商品标题|宝贝标题|商品名称", LABEL),
        F("price_fen", "价格|商品价格|单价|price", MONEY),
        F("quantity", "购买数量|数量|num", INT),
        F("sku_code", "商家编码|外部系统编号|SKU编码|商品编码|outer_sku_id|outer_iid", ID),
        F("attrs", "商品属性|规格名称|销售属性|商品属性SKU|sku_properties_name", LABEL),
        F("package", "套餐信息", LABEL),
        F("note", "备注"),
        F("status_text", "订单状态|status", LABEL),
        F("item_id", "商品ID|宝贝ID|商品id|num_iid", ID),
        F("refund_status", "退款状态|refund_status", LABEL),
        F("refund_fen", "退款金额|refund_fee", MONEY),
        F("paid_fen", "买家实付金额|买家实际支付金额|实付金额|payment", MONEY),
        F("created_at", "创建时间|订单创建时间", TIME),
        F("shipped_at", "发货时间|consign_time", TIME),
    ),
    required=("order_id", "quantity"),
    markers=("line_id", "quantity", "price_fen", "package", "attrs", "sku_code"),
    label="宝贝报表",
)

PAGE_STOCK = Kind(
    "page-stock",
    (
        F("sku_code", "商家编码|外部系统编号|商品编码|货号|SKU编码|商家SKU编码|outer_id|outer_sku_id", ID),
        F("item_id", "商品ID|宝贝ID|商品id|num_iid", ID),
        F("sku_id", "SKU ID|SKUID|skuId|sku_id|SKU id", ID),
        F("title", "宝贝标题|商品标题|商品名称|标题|title", LABEL),
        F("attrs", "销售属性|商品属性SKU|商品属性|SKU属性|规格", LABEL),
        F("price_fen", "价格|一口价|销售价|price", MONEY),
        F("quantity", "可售库存|库存|数量|宝贝库存|商品库存|quantity", INT),
    ),
    required=("sku_code", "quantity"),
    markers=("item_id", "sku_id", "title", "attrs", "price_fen"),
    label="宝贝库存",
)

WAREHOUSE_STOCK = Kind(
    "warehouse-stock",
    (
        F("sku_code", "商家编码|商品编码|SKU编码|SKU ID|sku_code", ID),
        F("barcode", "条码|条形码|国际条码", ID),
        F("goods_no", "货品编号|款式编码|款号", ID),
        F("name", "货品名称|商品名称|名称", LABEL),
        F("attrs", "规格名称|颜色及规格|规格", LABEL),
        F("on_hand", "实际库存|实物库存|主仓实际库存数|库存数|库存", INT),
        F("locked", "锁定量|锁定库存|库存锁定数|订单占有数", INT, sum_all=True),
        F("awaiting_shipment", "待发货量|仓库待发数|待发数", INT, sum_all=True),
        F("available", "可用库存|可发库存|剩余可用|公有可用数|可用数|实际可发库存", INT),
        F("in_transit", "采购在途|采购在途数|在途库存", INT),
        F("safety_low", "安全库存|安全库存下限|警戒库存下限", INT),
        F("unpaid_qty", "未付款量", INT),
        F("warehouse", "仓库|仓库名称", LABEL),
    ),
    required=("sku_code",),
    one_of=(("on_hand", "available"),),
    markers=(
        "barcode", "goods_no", "name", "locked", "awaiting_shipment", "available", "in_transit",
        "safety_low", "unpaid_qty", "warehouse",
    ),
    label="仓库库存",
)

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

REVIEWS = Kind(
    "reviews",
    (
        F("review_id", "评价ID|评价编号|评论ID|评价id|rate_id", ID),
        F("order_id", "订单编号|订单号|主订单编号|tid", ID),
        F("sub_order_id", "子订单编号|子订单号|oid", ID),
        F("buyer_nick", "买家昵称|买家会员名|评价人|买家|nick"),
        F("rating", "评价结果|评价等级|评价类型|评分|星级|打分|评价|result"),
        F("created_at", "评价时间|评论时间|创建时间|created", TIME),
        F("item_title", "宝贝标题|商品标题|商品名称|宝贝名称|item_title", LABEL),
        F("item_id", "商品ID|宝贝ID|商品id|num_iid", ID),
        F("content", "评价内容|评论内容|内容|content"),
        F("reply", "卖家回复|解释内容|商家回复|reply"),
        F("followup", "追评内容|追加评论|追评"),
        F("followup_at", "追评时间|追加评论时间", TIME),
        F("counts_credit", "是否计分|计分|valid_score"),
    ),
    required=("rating",),
    one_of=(("order_id", "review_id"),),
    markers=("rating", "content", "reply", "followup", "followup_at", "review_id"),
    label="评价",
)

OPT_OUTS = Kind(
    "opt-outs",
    (
        F("phone", "手机号|手机号码|手机|电话|号码|phone|mobile", PHONE),
        F("opted_out_at", "退订时间|回复时间|时间|time", TIME),
        F("source", "来源|渠道|source", LABEL),
        F("note", "回复内容|内容|备注|原因"),
    ),
    required=("phone",),
    markers=("opted_out_at", "source", "note"),
    label="退订名单",
)

KINDS: dict[str, Kind] = {k.name: k for k in (ORDERS, ITEMS, PAGE_STOCK, WAREHOUSE_STOCK, SHIPMENTS, REVIEWS, OPT_OUTS)}


def normalise_header(cell) -> str:
    """Headers compare without surrounding/inner whitespace, full-width forms or a BOM."""
    if cell is None:
        return ""
    text = unicodedata.normalize("NFKC", str(cell)).replace("\ufeff", "")
    return re.sub(r"\s+", "", text).lower()


@dataclass
class Mapping_:
    """How one header row maps onto a kind: field → column indexes (several only for sum_all)."""

    kind: Kind
    columns: dict[str, list[int]]
    unknown: list[int]  # kept in `extra`
    discarded: list[int]  # personal data shoptool does not store
    score: float

    @property
    def matched(self) -> set[str]:
        return set(self.columns)


def map_header(kind: Kind, header: list[str]) -> Mapping_ | None:
    """None when a required column is missing; otherwise which column feeds which field."""
    positions: dict[str, list[int]] = {}
    for index, cell in enumerate(header):
        if cell:
            positions.setdefault(normalise_header(cell), []).append(index)
    used: set[int] = set()
    columns: dict[str, list[int]] = {}
    for fld in kind.fields:
        found: list[int] = []
        for alias in fld.aliases:
            for index in positions.get(normalise_header(alias), ()):
                if index not in used:
                    found.append(index)
            if found and not fld.sum_all:
                break
        if found:
            chosen = found if fld.sum_all else found[:1]
            columns[fld.name] = chosen
            used.update(chosen)
    discarded_names = {normalise_header(name) for name in kind.discarded}
    discarded = [i for i, c in enumerate(header) if i not in used and normalise_header(c) in discarded_names]
    unknown = [i for i, c in enumerate(header) if i not in used and i not in discarded and normalise_header(c)]
    if any(name not in columns for name in kind.required):
        return None
    if any(not any(name in columns for name in group) for group in kind.one_of):
        return None
    markers = sum(1 for name in kind.markers if name in columns)
    score = markers + 0.01 * len(columns)
    return Mapping_(kind, columns, unknown, discarded, score)


def missing_columns(kind: Kind, header: list[str]) -> list[str]:
    """For the error message: required fields absent, each with the aliases tried."""
    present = {normalise_header(c) for c in header}
    missing = []
    for name in kind.required:
        aliases = kind.field(name).aliases
        if not any(normalise_header(a) in present for a in aliases):
            missing.append(f"{aliases[0]} (tried: {', '.join(aliases)})")
    for group in kind.one_of:
        if not any(normalise_header(a) in present for name in group for a in kind.field(name).aliases):
            names = [kind.field(n).aliases[0] for n in group]
            missing.append(" or ".join(names))
    return missing


def detect(header: list[str]) -> list[Mapping_]:
    """Candidate kinds for a header row, best first. Only kinds whose required columns are all
    present are candidates; markers (columns typical of one kind) decide between them."""
    found = [m for m in (map_header(k, header) for k in KINDS.values()) if m is not None]
    found.sort(key=lambda m: m.score, reverse=True)
    return found


def header_score(header: list[str]) -> float:
    """How much a row looks like a header row of any kind (title rows above it score low)."""
    best = 0.0
    for mapping in detect(header):
        best = max(best, mapping.score + len(mapping.columns))
    return best
