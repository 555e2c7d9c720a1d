"""Stock sheets: the shop's page stock (宝贝库存) and the warehouse's (旺店通, 聚水潭, generic). Both are
snapshots: the newest file replaces the previous one whole."""

from __future__ import annotations

from ...db import store
from ..convert import Converter
from ..header import ID, INT, LABEL, MONEY, F, Kind

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



def page_writer(db, columns, file_size: int):
    return store.Snapshot(db, "page_stock", ["sku_code", *[c for c in ("item_id", "sku_id") if c in columns]], columns)


def warehouse_writer(db, columns, file_size: int):
    return store.Snapshot(db, "warehouse_stock", ["sku_code"], columns)


def warehouse_shape(names: set[str]) -> str:
    if names & {"可发库存", "货品编号", "实际可发库存"}:
        return "wangdiantong"
    if names & {"公有可用数", "订单占有数", "仓库待发数", "主仓实际库存数"}:
        return "jushuitan"
    return "generic"
