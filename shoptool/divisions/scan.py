"""Where a division name may stand in an address: one name read at one position, with the
strictness rules (short names only before a separator or a child division, never a street; the
pseudo levels exports insert; names shaped like a division that we do not know).
"""

from __future__ import annotations

import re

from .snapshot import Division, Names, Snapshot

_SEPARATORS = frozenset(" \t\r\n,，、/|;；-:：")
# Pseudo levels that exports put where a city would be (municipalities, province-direct counties).
_FILLERS = (
    "自治区直辖县级行政区划", "省直辖县级行政区划", "直辖县级行政区划", "省直辖县", "直辖县", "市辖区", "县", "郊县",
    "城区",
)
_LONG_FILLERS = frozenset(f for f in _FILLERS if len(f) >= 5)
_FILLER_STARTS = frozenset(f[0] for f in _FILLERS)
# A short name followed by one of these is a street (中山路, 南京街, 北京大道), never a division.
_STREET_CHARS = frozenset("路街道巷弄里桥")
_NAME_END = re.compile(r"^[^\d*]{1,10}(?:区|县|旗|市|州|盟|地区)$")
# Zones buyers write where a district goes that the snapshot does not know (成都高新区): unverified
# rather than missing, whether or not a separator follows them.
_ZONE = re.compile(r"[\u4e00-\u9fff]{0,8}?(?:开发区|经开区|高新区|园区|新区|保税区|试验区|实验区|示范区|管理区)")
_STREET_IN_NAME = re.compile(r"[路街道巷弄号村镇乡楼]")
_ZONE_STREET = frozenset("路街巷弄")


def _is_zone(value) -> bool:
    nodes = value if isinstance(value, tuple) else (value,)
    return any(getattr(node, "zone", False) for node in nodes)


def skip(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] in _SEPARATORS:
        pos += 1
    return pos


def _boundary(text: str, end: int) -> bool:
    return end >= len(text) or text[end] in _SEPARATORS


def take(text: str, pos: int, names: Names, snap: Snapshot | None = None, full_only: bool = False):
    """(value, end) of the longest name of `names` at pos that may stand there, else None.

    A short name stands only before a separator or a child division's name (given `snap`)."""
    table = names.table
    n = len(text)
    for length in names.lengths:
        end = pos + length
        if end > n:
            continue
        hit = table.get(text[pos:end])
        if hit is None:
            continue
        value, short = hit
        if short and full_only:
            continue
        if short and not _boundary(text, end):
            nodes = value if isinstance(value, tuple) else (value,)
            followed = snap is not None and any(_child_follows(text, end, snap, node) for node in nodes)
            if not followed and not (_childless(snap, nodes) and text[end] not in _STREET_CHARS):
                continue
        elif not short and text.endswith("市", pos, end) and text.startswith("场", end):
            continue  # 东方市场 is a market, not 东方市
        elif end < n and text[end] in _ZONE_STREET and _is_zone(value):
            continue  # 开发区路, 园区街: streets named after a zone
        return value, end
    return None


def _child_follows(text: str, end: int, snap: Snapshot, node: Division) -> bool:
    # Recursing through snap lets 浙江杭州西湖区 read as province, city, district.
    return node.level != "district" and take(text, end, snap.descendants(node), snap) is not None


def _childless(snap: Snapshot | None, nodes) -> bool:
    # 香港九龙…: a province with no cities in the table is followed by its own streets.
    return snap is not None and all(n.level == "province" and not snap.below.get(n) for n in nodes)


def _token(text: str, pos: int) -> str:
    end = pos
    n = len(text)
    while end < n and text[end] not in _SEPARATORS:
        end += 1
    return text[pos:end]


def looks_like_name(text: str, pos: int) -> str | None:
    """A whole token shaped like a division name (火星区, 工业园区), which we then call unknown."""
    token = _token(text, pos)
    if len(token) >= 2 and _NAME_END.match(token) and not _STREET_IN_NAME.search(token):
        return token
    zone = _ZONE.match(text, pos)
    if zone and not _STREET_IN_NAME.search(zone.group(0)) and text[zone.end():zone.end() + 1] not in _STREET_CHARS:
        return zone.group(0)
    return None


def is_zone_name(name: str) -> bool:
    """Shaped like a functional zone (开发区, 高新区, 园区, 新区…) rather than a district."""
    zone = _ZONE.fullmatch(name)
    return zone is not None and not _STREET_IN_NAME.search(name)


def skip_fillers(text: str, pos: int) -> int:
    if pos >= len(text) or text[pos] not in _FILLER_STARTS:
        return pos
    for filler in _FILLERS:
        if text.startswith(filler, pos):
            end = pos + len(filler)
            if filler in _LONG_FILLERS or _boundary(text, end):
                return skip(text, end)
    return pos


def aliases_at(text: str, pos: int, snap: Snapshot, level: str | None = None):
    hit = take(text, pos, snap.aliases)
    if hit is None:
        return (), pos
    found, end = hit
    if level:
        found = tuple(a for a in found if a.level == level)
    return found, end
