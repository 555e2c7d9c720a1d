"""Who a row of a CS sheet is: a 旺旺 account (`店铺:子账号`, mapped to a staff id by
`[staff.nicks]`) or a summary row the platform adds (汇总值, 平均值, 同行同层均值…), which the board
keeps as a benchmark, never as an agent.

Pure domain: text in, text out.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

SHOP_ROW = "全店"  # a per-day sheet without an account column: the shop's own numbers
# Summary rows, in the order the board lists them (the shop first, then the team, then peers).
SUMMARY_LABELS = (
    SHOP_ROW, "全店汇总值", "全店汇总", "汇总值", "汇总", "合计", "总计", "团队汇总", "平均值", "均值", "平均",
    "团队平均", "同行同层均值", "同行同层平均", "同行同层平均值", "同行同层优秀", "同行同层优秀值", "同行均值",
    "同行优秀", "行业均值", "行业平均", "行业优秀",
)
_SUMMARY = {label: index for index, label in enumerate(SUMMARY_LABELS)}
NO_DATA = ("暂无数据", "无数据", "没有数据")


def clean(text) -> str:
    """A nick or label as compared: NFKC (full-width colon and brackets), no surrounding spaces."""
    return unicodedata.normalize("NFKC", str(text or "")).strip()


def summary_label(text) -> str | None:
    """The summary row a cell names (汇总值, 同行同层优秀…), or None for an account or a date."""
    label = clean(text).replace(" ", "")
    if label in _SUMMARY:
        return label
    if label.startswith(("同行同层", "同行", "行业")) and label.endswith(("均值", "平均", "平均值", "优秀", "优秀值")):
        return label
    return None


def is_no_data(text) -> bool:
    return clean(text).replace(" ", "") in NO_DATA


def benchmark_order(label: str) -> tuple[int, str]:
    return _SUMMARY.get(label, len(_SUMMARY)), label


def nick_key(nick) -> str:
    """One account whatever the sheet writes: `示例旗舰店:小美`, `示例旗舰店：小美` and `小美` (the shop
    is one shop) are the same sub-account; case does not matter to 旺旺."""
    text = clean(nick).lower()
    shop, sep, account = text.partition(":")
    return (account.strip() if sep and account.strip() else text).replace(" ", "")


class Nicks:
    """`[staff.nicks]`: 旺旺 nick → staff id. A key may be the full `店铺:子账号` or the sub-account
    alone; an account two staff ids claim is left unmapped (and said)."""

    def __init__(self, mapping: Mapping[str, str] | None):
        self.mapping = {clean(k): str(v).strip() for k, v in (mapping or {}).items() if str(v).strip()}
        by_key: dict[str, set[str]] = {}
        for nick, staff in self.mapping.items():
            by_key.setdefault(nick_key(nick), set()).add(staff)
        self.by_key = {key: next(iter(ids)) for key, ids in by_key.items() if len(ids) == 1}
        self.ambiguous = sorted(key for key, ids in by_key.items() if len(ids) > 1)

    def staff_of(self, nick) -> str | None:
        return self.mapping.get(clean(nick)) or self.by_key.get(nick_key(nick))

    def nicks_of(self, staff: str) -> list[str]:
        return sorted(nick for nick, who in self.mapping.items() if who == staff)

    @property
    def staff_ids(self) -> set[str]:
        return set(self.mapping.values())


def shown_nick(nicks: Iterable[str]) -> str | None:
    """The nicks of one row as a cell: the fullest spelling of each account, in order."""
    best: dict[str, str] = {}
    for nick in nicks:
        key = nick_key(nick)
        text = clean(nick)
        if key not in best or len(text) > len(best[key]):
            best[key] = text
    return ", ".join(best[k] for k in sorted(best)) or None
