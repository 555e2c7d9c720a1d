"""ERP member lists (百胜 eFAST 会员 and alike): 会员名称, 消费数, 消费额, 黑名单, 店铺名称, 添加时间,
收货人, 手机, 地址. Stored by the buyer key of PRODUCT §16 (the member name as the nick, else the
phone); the blacklist keeps a buyer from marketing texts, the phone is used when the orders have
none that can be texted."""

from __future__ import annotations

from ...db import current, store
from ...phones import buyer_key, stored_phone
from ..convert import Converter, RowRejected
from ..header import INT, LABEL, MONEY, PHONE, TIME, F, Kind

CUSTOMERS = Kind(
    "customers",
    (
        F("nick", "会员名称|会员名|会员昵称|客户网名|买家会员名|买家昵称|buyer_nick", ),
        F("orders", "消费数|消费次数|购买次数|成交次数", INT),
        F("spend", "消费额|消费金额|累计消费|成交金额", MONEY),
        F("blacklisted", "黑名单|是否黑名单|blacklist", LABEL),
        F("shop", "店铺名称|店铺|shop", LABEL),
        F("added_at", "添加时间|注册时间|入会时间|创建时间", TIME),
        F("receiver_name", "收货人|姓名|客户姓名"),
        F("phone", "手机|手机号|手机号码|联系电话", PHONE),
        F("address", "地址|收货地址|详细地址"),
    ),
    required=(),
    one_of=(("nick", "phone"),),
    markers=("nick", "orders", "spend", "blacklisted"),
    label="会员列表",
    evidence=("会员名称", "会员名", "消费数", "消费额", "黑名单", "是否黑名单", "会员昵称"),
)

_YES = {"是", "1", "y", "yes", "true", "黑名单", "已拉黑", "拉黑"}


class CustomerConverter(Converter):
    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.data = [f for f in ("nick", "orders", "spend", "blacklisted", "shop", "added_at", "receiver_name",
                                 "phone", "address") if f in self.present]
        names = {"spend": "spend_fen"}
        self.columns = ("member_key", *(names.get(f, f) for f in self.data), "extra", "first_seen_at", "updated_at",
                        "import_id")

    def convert(self, record: list, number: int) -> list[tuple]:
        record = self.pad(record)
        v = self.fields(record)
        if v.get("phone"):
            v["phone"] = stored_phone(v["phone"])
        key = buyer_key({"buyer_nick": v.get("nick"), "receiver_mobile": v.get("phone")})
        if key is None:
            column = self.header_of("nick") if "nick" in self.present else self.header_of("phone")
            raise RowRejected(column, "no member name and no valid phone: the buyer cannot be told")
        if "blacklisted" in v:
            flag = str(v.get("blacklisted") or "").strip().lower()
            v["blacklisted"] = 1 if flag in _YES else 0
        now = self.now_iso
        return [(key, *(v.get(f) for f in self.data), self.extra(record), now, now, self.import_id)]


RULES = current.Rules(key=("member_key",), events=("added_at",))


def writer(db, columns, file_size: int):
    return store.Upsert(db, "members", RULES, columns)
