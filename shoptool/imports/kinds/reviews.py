"""Reviews: no standard export exists, so the platform API's fields are the schema; ratings as
好评/中评/差评, good/neutral/bad or 1–5 stars."""

from __future__ import annotations

import re

from ...db import current, store
from ..convert import Converter, RowRejected, require
from ..header import ID, LABEL, TIME, F, Kind

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
        raw = require(v, "rating", self, "rating")
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



RULES = current.Rules(key=("review_id",), events=("created_at", "followup_at"))


def writer(db, columns, file_size: int):
    return store.Upsert(db, "reviews", RULES, columns)
