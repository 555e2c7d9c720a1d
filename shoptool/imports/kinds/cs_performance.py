"""客服绩效 sheets (FORMATS.md "CS performance"): 千牛 咨询接待分析 (sheet 数据信息), 生意参谋 服务 →
询单到付款 per day and per account, 客服数据汇总-日数据 (per agent per day) and 客服绩效 plug-in sheets.

Summary rows (汇总值, 平均值, 全店汇总值, 同行同层均值, 同行同层优秀…) are stored as benchmarks, not agents;
a per-day sheet without an account column is the shop's own numbers (benchmark 全店). `-` is
empty; a cell reading 延迟统计 is a figure the platform has not counted yet: the row is stored as
not final, that cell empty. Rates arrive as `12.3%`, 0.123 or 12.3; times as seconds (`12.5`,
`12秒`, `1分5秒`, `00:01:05`). A sheet without a 日期 column covers the days named in its file name
(`…_20261001-20261031.xlsx`) or given with `import --period`.
"""

from __future__ import annotations

import json
import re

from ...db import kpi as store
from ...errors import InputError
from ...kpi import nicks as N
from ...kpi.periods import PERIOD_HINT, days_in_text, parse_day
from ...kpi.pool import AGENT_DAILY, PLUGIN, QIANNIU_RECEPTION, SHOP_DAILY, SYCM_ACCOUNT
from ...tables import cells
from ..convert import Converter, RowRejected
from ..header import LABEL, F, Kind, normalise_header

_ARROW = "询单->最终付款人数|询单→最终付款人数|询单-最终付款人数|询单->付款人数|询单最终付款人数|询单付款人数"
CS_PERFORMANCE = Kind(
    "cs-performance",
    (
        F("day", "日期|统计日期|日期时间|date"),
        F("nick", "旺旺昵称|旺旺|客服旺旺|客服昵称|客服名称|客服|子账号|客服账号|账号名称"),
        F("team", "旺旺分组|客服分组|分组", LABEL),
        F("consulted", "咨询人数"),
        F("received", "接待人数|当日接待人数"),
        F("effective_received", "有效接待人数"),
        F("unreplied", "未回复人数"),
        F("inquiries", "询单人数|当日询单人数"),
        F("inquiry_paid", f"{_ARROW}|当日付款人数|销售人数|付款人数"),
        F("conversion_given", "询单->最终付款成功率|询单→最终付款成功率|询单->最终付款转化率|询单转化率|"
                              "询单->付款转化率|询单到付款转化率|询单-最终付款成功率"),
        F("ordered", "下单人数|询单->下单人数"),
        F("order_amount_fen", "下单金额"),
        F("sales_fen", "销售额|询单->最终付款金额|客服销售额"),
        F("sales_qty", "销售量"),
        F("order_count", "订单量|订单数"),
        F("sales_share", "个人销售额占比|销售额占比"),
        F("avg_order_value_fen", "客单价"),
        F("avg_response_s", "平均响应时长(秒)|平均响应(秒)|平均响应时间(秒)|平均响应时间|平均响应时长|平均响应"),
        F("first_response_s", "首次响应时长(秒)|首次响应(秒)|首次响应时间(秒)|首次响应时间|首次响应时长|"
                              "平均首次响应时长|首响时长"),
        F("response_3min_rate", "3分钟人工响应率|3分钟响应率"),
        F("reply_rate", "旺旺回复率|回复率"),
        F("slow_responses", "慢响应人数"),
        F("qa_ratio", "答问比"),
        F("satisfaction", "客户满意比|客户满意率|满意率|满意度"),
    ),
    required=(),
    one_of=(("nick", "day"), ("inquiries", "received", "consulted", "effective_received", "avg_response_s",
                              "first_response_s", "reply_rate")),
    markers=("nick", "team", "consulted", "received", "effective_received", "unreplied", "inquiries", "inquiry_paid",
             "conversion_given", "avg_response_s", "first_response_s", "reply_rate", "satisfaction", "qa_ratio"),
    label="客服绩效",
)

COUNTS = ("consulted", "received", "effective_received", "unreplied", "inquiries", "inquiry_paid", "ordered",
          "sales_qty", "order_count", "slow_responses")
MONEY = ("order_amount_fen", "sales_fen", "avg_order_value_fen")
RATES = ("conversion_given", "sales_share", "response_3min_rate", "reply_rate", "satisfaction")
SECONDS = ("avg_response_s", "first_response_s")
RATIOS = ("qa_ratio",)
METRICS = COUNTS + MONEY + RATES + SECONDS + RATIOS
_BLANK = frozenset({"", "-", "--", "—", "——", "/", "null", "none", "n/a", "暂无", "暂无数据", "无"})
_PENDING = ("延迟统计", "统计中", "计算中")


def shape(names: set[str]) -> str:
    """Which sheet this is, from its normalised header (FileReport.shape and the stored `source`)."""
    def has(*aliases: str) -> bool:
        return any(normalise_header(a) in names for a in aliases)

    day = has(*CS_PERFORMANCE.field("day").aliases)
    nick = has(*CS_PERFORMANCE.field("nick").aliases)
    if day:
        return AGENT_DAILY if nick else SHOP_DAILY
    if has("下单人数", "个人销售额占比", "销售额占比", "下单金额", "销售量", "订单量") and has("询单人数"):
        return SYCM_ACCOUNT
    if has("咨询人数", "未回复人数", "3分钟人工响应率", "答问比", "旺旺分组") and not has("询单人数"):
        return QIANNIU_RECEPTION
    return PLUGIN


def _text(value) -> str:
    return cells.unwrap(value) if value.__class__ is str else str(value)


def is_pending(value) -> bool:
    return value is not None and any(word in _text(value) for word in _PENDING)


def _blank(value) -> bool:
    return value is None or (value.__class__ is str and _text(value).lower() in _BLANK)


_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_MOST_PEOPLE = 10**12


def count(value, average: bool = False) -> float | int | None:
    """People or orders: a whole number (an average row, 平均值, may hold 261.5)."""
    if _blank(value):
        return None
    text = _text(value).replace(",", "").replace("人", "").replace("个", "").strip()
    if _NUMBER.match(text):
        number = float(text)
        if abs(number) > _MOST_PEOPLE:  # a corrupted cell, not a day of a shop (SQLite holds 8-byte ints)
            raise ValueError(f"not a count: {value!r} (too large)")
        if number.is_integer():
            return int(number)
        if average and abs(number) < 2**53:
            return round(number, 2)
    raise ValueError(f"not a count: {value!r}")


def rate(value) -> float | None:
    """12.3% → 0.123; a plain number ≤ 1 is a fraction (0.123), above 1 a percentage (12.3)."""
    if _blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        return round(number / 100 if number > 1 else number, 6)
    text = _text(value).replace(",", "")
    percent = text.endswith("%")
    text = text.rstrip("%").strip()
    if not _NUMBER.match(text):
        raise ValueError(f"not a rate: {value!r} (use e.g. 12.3%)")
    number = float(text)
    return round(number / 100 if percent or number > 1 else number, 6)


_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)$")
_WORDS = re.compile(r"^(?:(\d+(?:\.\d+)?)\s*(?:小时|时|h))?\s*(?:(\d+(?:\.\d+)?)\s*(?:分钟|分|m|min))?\s*"
                    r"(?:(\d+(?:\.\d+)?)\s*(?:秒|s|sec))?$", re.I)


def seconds(value) -> float | None:
    """12.5, `12秒`, `12s`, `1分5秒`, `00:01:05` → seconds."""
    if _blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return round(float(value), 2)
    text = _text(value).replace(",", "")
    if _NUMBER.match(text):
        return round(float(text), 2)
    match = _CLOCK.match(text)
    if match:
        hours, minutes, secs = match.groups()
        return round((int(hours) * 3600 if hours else 0) + int(minutes) * 60 + float(secs), 2)
    match = _WORDS.match(text)
    if match and any(match.groups()):
        hours, minutes, secs = (float(g) if g else 0.0 for g in match.groups())
        return round(hours * 3600 + minutes * 60 + secs, 2)
    raise ValueError(f"not a time in seconds: {value!r}")


def ratio(value) -> float | None:
    if _blank(value):
        return None
    text = _text(value).replace(",", "")
    if _NUMBER.match(text):
        return round(float(text), 4)
    raise ValueError(f"not a number: {value!r}")


def money(value) -> int | None:
    if _blank(value):
        return None
    try:
        return cells.money(value)
    except cells.CellError as exc:
        raise ValueError(str(exc)) from None


_PARSERS = {**dict.fromkeys(COUNTS, count), **dict.fromkeys(RATES, rate), **dict.fromkeys(SECONDS, seconds),
            **dict.fromkeys(RATIOS, ratio), **dict.fromkeys(MONEY, money)}


class CsPerformanceConverter(Converter):
    """Each row → one `cs_performance` row: an account or a summary row over a day or the sheet's days."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.source = shape({normalise_header(h) for h in self.header})
        self._index = {name: indexes[0] for name, indexes, _, _ in self.plan}
        self.metrics = [name for name in METRICS if name in self.present]
        self.dated = "day" in self.present
        self.fixed, self.period_from = None, "column"
        if not self.dated:
            self.fixed, self.period_from = self._sheet_days()
        self.columns = ("source", "kind", "nick", "nick_key", "period_start", "period_end", "period_from", "final",
                        "pending", *(["team"] if "team" in self.present else []), *self.metrics, "extra",
                        "first_seen_at", "updated_at", "import_id")

    def _sheet_days(self):
        if self.period is not None:
            return (self.period[0].isoformat(), self.period[1].isoformat()), "option"
        named = days_in_text(self.file_name or "")
        if named is not None:
            return (named[0].isoformat(), named[1].isoformat()), "file_name"
        raise InputError(
            "this 客服绩效 sheet has no 日期 column and its file name names no period, so the days it covers "
            "are unknown", file=self.file_name or None,
            hint=f"name the file like 客服绩效_20261001-20261031.xlsx or pass --period ({PERIOD_HINT})")

    def convert(self, record: list, number: int) -> list[tuple]:
        record = self.pad(record)
        raws = [record[self._index[name]] for name in self.metrics]
        if all(_blank(raw) for raw in raws):
            return []  # no figures (a row of dashes, a footnote): nothing to keep
        v = self.fields(record)
        start = end = None
        period_from = self.period_from
        who = v.get("nick")
        label = N.summary_label(who) if who else None
        if self.dated:
            raw_day = v.get("day")
            if raw_day is not None and N.is_no_data(raw_day):
                return []  # 暂无数据: a day the platform has nothing for
            day_label = N.summary_label(raw_day) if raw_day is not None else None
            if day_label:
                label = label or day_label  # 汇总值 in the 日期 column: covers the sheet's days
            elif raw_day is not None:
                try:
                    day = parse_day(raw_day, self.tz)
                except ValueError:
                    raise RowRejected(self.header_of("day"), f"not a date: {raw_day!r}") from None
                start = end = day.isoformat()
            elif not label:
                raise RowRejected(self.header_of("day"), "missing date")
            if start is None:
                period_from = "sheet"  # a summary row: the days of the sheet's own rows (db/kpi.py)
        else:
            start, end = self.fixed
        if label:
            kind, nick = "benchmark", label
        elif who:
            if N.is_no_data(who):
                return []
            kind, nick = "agent", N.clean(who)
        elif "nick" in self.present:
            raise RowRejected(self.header_of("nick"), "missing 旺旺 nick")
        else:
            kind, nick = "benchmark", N.SHOP_ROW
        values, pending = [], []
        for name, raw in zip(self.metrics, raws):
            if is_pending(raw):
                pending.append(name)
                values.append(None)
                continue
            try:
                values.append(count(raw, kind == "benchmark") if name in COUNTS else _PARSERS[name](raw))
            except ValueError as exc:
                raise RowRejected(self.header_of(name), str(exc)) from None
        if not pending and all(value is None for value in values):
            return []
        team = [v.get("team")] if "team" in self.present else []
        now = self.now_iso
        return [(self.source, kind, nick, N.nick_key(nick), start, end, period_from, 0 if pending else 1,
                 json.dumps(pending, ensure_ascii=False), *team, *values,
                 self.extra(record), now, now, self.import_id)]


def writer(db, columns, file_size: int):
    return store.writer(db, columns, file_size)
