"""Strict province/city/district matching against the bundled division snapshot.

Strict means: a name is read only where an address can hold it (province first, then a city of
that province, then a district of that city), short names (杭州, 中山) only when a separator or a
child division follows them, so 中山路88号 is never 中山市 and 南京路 never 南京市. Nothing is guessed:
a name that fits several places (西湖区: 杭州 or 南昌) leaves the address incomplete, an old name
whose area was split (江干区) or a name we do not know leaves it unverified, and a name that
exists only elsewhere (杭州市 + 朝阳区) is an impossible combination.

The snapshot (data/divisions.json) is built by tools/build_divisions.py; old names come from the
reviewed data/division_aliases.json. Both are loaded once per process, on first use.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field

__all__ = ["Division", "Region", "resolve", "divisions", "label", "normalize_text", "short_name"]

OK = "ok"
MISMATCH = "mismatch"  # an impossible combination: 杭州市 + 朝阳区
INCOMPLETE = "incomplete"  # a level is missing, or a name fits several places (西湖区 alone)
UNVERIFIED = "unverified"  # an unknown name, or an old name whose area was split (江干区)

_SEPARATORS = frozenset(" \t\r\n,，、/|;；-:：")
# Pseudo levels that exports put where a city would be (municipalities, province-direct counties).
_FILLERS = (
    "自治区直辖县级行政区划", "省直辖县级行政区划", "直辖县级行政区划", "省直辖县", "直辖县", "市辖区", "县", "郊县", "城区",
)
_LONG_FILLERS = frozenset(f for f in _FILLERS if len(f) >= 5)
_FILLER_STARTS = frozenset(f[0] for f in _FILLERS)
# A short name followed by one of these is a street (中山路, 南京街, 北京大道), never a division.
_STREET_CHARS = frozenset("路街道巷弄里桥")
_NAME_END = re.compile(r"^[^\d*]{1,10}(?:区|县|旗|市|州|盟|地区)$")
# Development zones buyers write where a district goes (苏州工业园区, 成都高新区): not divisions, so
# unverified rather than missing, whether or not a separator follows them.
_ZONE = re.compile(r"[\u4e00-\u9fff]{0,8}?(?:开发区|高新区|园区|新区|保税区|试验区|示范区)")
_STREET_IN_NAME = re.compile(r"[路街道巷弄号村镇乡楼]")


@dataclass(frozen=True, slots=True, eq=False)
class Division:
    code: str
    name: str
    short: str
    level: str  # province | city | district
    parent: Division | None = field(default=None, repr=False)
    municipality: bool = False

    @property
    def province(self) -> Division:
        node = self
        while node.parent is not None:
            node = node.parent
        return node


@dataclass(frozen=True, slots=True)
class Region:
    """What an address says about where it goes."""

    province: str | None
    city: str | None
    district: str | None
    code: str | None  # the most precise division code resolved
    detail: str  # the text after the region: street, building, house number
    status: str = OK  # ok | mismatch | incomplete | unverified
    missing: tuple[str, ...] = ()  # levels the address lacks and we could not infer
    conflict: tuple[str, str] | None = None  # the two names that cannot go together
    candidates: tuple[str, ...] = ()  # where an ambiguous, old or foreign name does exist
    unknown: str | None = None  # the name that could not be placed
    renamed: tuple[tuple[str, str], ...] = ()  # old names read as their current division

    @property
    def ok(self) -> bool:
        return self.status == OK


def label(node: Division) -> str:
    """Full name as staff read it: 浙江省杭州市西湖区, 北京市朝阳区, 湖北省仙桃市."""
    parts = []
    while node is not None:
        parts.append(node.name)
        node = node.parent
    parts.reverse()
    if len(parts) >= 2 and parts[0] == parts[1]:  # municipality: 北京市北京市 reads 北京市
        del parts[1]
    return "".join(parts)


def normalize_text(text: str | None) -> str:
    """NFKC (full-width digits, letters and spaces become plain) and trimmed."""
    if not text:
        return ""
    return unicodedata.normalize("NFKC", str(text)).strip()


# ---------------------------------------------------------------- the loaded snapshot


class _Names:
    """Names of one level: name -> value, with the lengths to try, longest first."""

    __slots__ = ("table", "lengths")

    def __init__(self) -> None:
        self.table: dict[str, tuple] = {}
        self.lengths: tuple[int, ...] = ()

    def add(self, name: str, value, short: bool) -> None:
        if not name or (short and len(name) < 2):
            return
        old = self.table.get(name)
        if old is None or (old[1] and not short):  # a full name wins over another's short name
            self.table[name] = (value, short)
        elif old[1] == short and isinstance(value, tuple):
            self.table[name] = (old[0] + tuple(v for v in value if v not in old[0]), short)

    def freeze(self) -> _Names:
        self.lengths = tuple(sorted({len(n) for n in self.table}, reverse=True))
        return self


@dataclass(slots=True)
class _Alias:
    level: str
    province: str
    city: str | None
    name: str
    targets: tuple[Division, ...]


class _Snapshot:
    def __init__(self, data: dict, aliases: list[dict]) -> None:
        self.provinces = _Names()
        self.all: list[Division] = []
        self.children: dict[Division, _Names] = {}
        self.below: dict[Division, list[Division]] = {}
        self.global_cities = _Names()  # value: tuple of cities
        self.global_districts = _Names()  # full names only; value: tuple of districts
        by_path: dict[tuple, Division] = {}
        for p in data["provinces"]:
            prov = Division(p["code"], p["name"], p["short"], "province", None, bool(p.get("municipality")))
            self.provinces.add(prov.name, prov, False)
            self.provinces.add(prov.short, prov, True)
            by_path[(prov.name,)] = prov
            cities = _Names()
            self.below[prov] = []
            for c in p["cities"]:
                city = Division(c["code"], c["name"], c["short"], "city", prov, prov.municipality)
                self.below[prov].append(city)
                by_path[(prov.name, city.name)] = city
                for name, short in _city_names(city):
                    cities.add(name, city, short)
                    self.global_cities.add(name, (city,), short)
                districts = _Names()
                self.below[city] = []
                for code, name, short in c["districts"]:
                    dist = Division(code, name, short, "district", city)
                    self.below[city].append(dist)
                    self.below[prov].append(dist)
                    by_path[(prov.name, city.name, name)] = dist
                    for variant, is_short in _district_names(dist):
                        districts.add(variant, dist, is_short)
                        if not is_short:
                            self.global_districts.add(variant, (dist,), False)
                    self.all.append(dist)
                self.children[city] = districts.freeze()
                self.all.append(city)
            self.children[prov] = cities.freeze()
            self.all.append(prov)
        self.shorts = {}
        for node in reversed(self.all):  # provinces first: 吉林 the province before 吉林市
            self.shorts.setdefault(node.name, node.short)
        self.provinces.freeze()
        self.global_cities.freeze()
        self.global_districts.freeze()
        self.aliases = _Names()  # value: tuple of _Alias
        for a in aliases:
            targets = tuple(by_path[tuple(t)] for t in a["current"])
            alias = _Alias(a["level"], a["province"], a.get("city"), a["name"], targets)
            self.aliases.add(a["name"], (alias,), False)
        self.aliases.freeze()
        self._descendants: dict[Division, _Names] = {}
        self._province_districts: dict[Division, _Names] = {}

    def descendants(self, node: Division) -> _Names:
        """Every name below a node, to accept a short name run together with its child (浙江杭州)."""
        names = self._descendants.get(node)
        if names is None:
            names = _Names()
            for child in self.below.get(node, ()):
                variants = _city_names(child) if child.level == "city" else _district_names(child)
                for name, short in variants:
                    names.add(name, child, short)
            self._descendants[node] = names.freeze()
        return names

    def province_districts(self, prov: Division) -> _Names:
        """Districts of a whole province, for addresses that leave the city out."""
        names = self._province_districts.get(prov)
        if names is None:
            names = _Names()
            for node in self.below[prov]:
                if node.level == "district":
                    for variant, short in _district_names(node):
                        names.add(variant, (node,), short)
            self._province_districts[prov] = names.freeze()
        return names


def _city_names(city: Division):
    yield city.name, False
    if city.short and city.short != city.name:
        yield city.short, True
        if city.name.endswith("自治州"):
            yield city.short + "州", False  # 恩施州, 延边州: how buyers write prefectures
        elif city.name.endswith("自治县"):  # province-direct: 陵水黎族自治县 is 陵水县 to buyers
            yield city.short + "县", False


def _district_names(dist: Division):
    yield dist.name, False
    if dist.short and dist.short != dist.name:
        yield dist.short, True
    for suffix in ("自治县", "自治旗"):  # 石柱县, 长阳县, 鄂伦春旗, 鄂温克旗
        if dist.name.endswith(suffix):
            base = dist.short if dist.short != dist.name else dist.name[: -len(suffix)].removesuffix("族")
            if len(base) >= 2 and not base.endswith(suffix[-1]):
                yield base + suffix[-1], False


_SNAPSHOT: _Snapshot | None = None


def _snapshot() -> _Snapshot:
    global _SNAPSHOT
    if _SNAPSHOT is None:
        from importlib import resources  # here, not at import: it pulls in tempfile and pathlib

        folder = resources.files("shoptool.data")
        data = json.loads(folder.joinpath("divisions.json").read_text(encoding="utf-8"))
        aliases = json.loads(folder.joinpath("division_aliases.json").read_text(encoding="utf-8"))
        _SNAPSHOT = _Snapshot(data, aliases["aliases"])
    return _SNAPSHOT


def short_name(name: str) -> str:
    """The short form of a current division's name (杭州市 -> 杭州, 内蒙古自治区 -> 内蒙古)."""
    return _snapshot().shorts.get(name, name)


def divisions() -> list[Division]:
    """Every current division (provinces, cities, districts), e.g. to generate test data."""
    return list(_snapshot().all)


# ---------------------------------------------------------------- matching


def _skip(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] in _SEPARATORS:
        pos += 1
    return pos


def _boundary(text: str, end: int) -> bool:
    return end >= len(text) or text[end] in _SEPARATORS


def _take(text: str, pos: int, names: _Names, snap: _Snapshot | None = None, full_only: bool = False):
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
        return value, end
    return None


def _child_follows(text: str, end: int, snap: _Snapshot, node: Division) -> bool:
    # Recursing through snap lets 浙江杭州西湖区 read as province, city, district.
    return node.level != "district" and _take(text, end, snap.descendants(node), snap) is not None


def _childless(snap: _Snapshot | None, nodes) -> bool:
    # 香港九龙…: a province with no cities in the table is followed by its own streets.
    return snap is not None and all(n.level == "province" and not snap.below.get(n) for n in nodes)


def _token(text: str, pos: int) -> str:
    end = pos
    n = len(text)
    while end < n and text[end] not in _SEPARATORS:
        end += 1
    return text[pos:end]


def _looks_like_name(text: str, pos: int) -> str | None:
    """A whole token shaped like a division name (火星区, 工业园区), which we then call unknown."""
    token = _token(text, pos)
    if len(token) >= 2 and _NAME_END.match(token) and not _STREET_IN_NAME.search(token):
        return token
    zone = _ZONE.match(text, pos)
    if zone and not _STREET_IN_NAME.search(zone.group(0)) and text[zone.end():zone.end() + 1] not in _STREET_CHARS:
        return zone.group(0)
    return None


def _skip_fillers(text: str, pos: int) -> int:
    if pos >= len(text) or text[pos] not in _FILLER_STARTS:
        return pos
    for filler in _FILLERS:
        if text.startswith(filler, pos):
            end = pos + len(filler)
            if filler in _LONG_FILLERS or _boundary(text, end):
                return _skip(text, end)
    return pos


def _aliases_at(text: str, pos: int, snap: _Snapshot, level: str | None = None):
    hit = _take(text, pos, snap.aliases)
    if hit is None:
        return (), pos
    found, end = hit
    if level:
        found = tuple(a for a in found if a.level == level)
    return found, end


class _Parse:
    """The state of one left-to-right reading of an address."""

    __slots__ = ("text", "pos", "snap", "province", "city", "district", "renamed", "old_city")

    def __init__(self, text: str, snap: _Snapshot) -> None:
        self.text = text
        self.pos = 0
        self.snap = snap
        self.province: Division | None = None
        self.city: Division | None = None
        self.district: Division | None = None
        self.renamed: list[tuple[str, str]] = []
        self.old_city: str | None = None

    def place(self, node: Division) -> None:
        if node.level == "district":
            self.district, self.city, self.province = node, node.parent, node.parent.parent
        elif node.level == "city":
            self.city, self.province = node, node.parent
        else:
            self.province = node

    def region(self, status: str = OK, **extra) -> Region:
        p, c, d = self.province, self.city, self.district
        detail = _strip_repeat(self.text[_skip(self.text, self.pos):], p, c, d)
        node = d or c or p
        return Region(
            p.name if p else None,
            c.name if c else None,
            d.name if d else None,
            node.code if node else None,
            detail,
            status,
            renamed=tuple(self.renamed),
            **extra,
        )


def _strip_repeat(detail: str, *nodes: Division | None) -> str:
    """Some exports repeat the region inside the detail: 浙江省 杭州市 西湖区 浙江省杭州市西湖区文三路."""
    for node in nodes:
        if node is not None and detail.startswith(node.name):
            detail = detail[len(node.name):].lstrip()
    return detail


def _labels(nodes) -> tuple[str, ...]:
    return tuple(dict.fromkeys(label(n) for n in nodes))


def resolve(
    address: str | None,
    province: str | None = None,
    city: str | None = None,
    district: str | None = None,
) -> Region:
    """Read province, city and district from an address.

    `address` may be space separated as exports give it (`浙江省 杭州市 西湖区 文三路1号`) or run
    together (`浙江省杭州市西湖区文三路1号`). When an export gives province/city/district as their
    own columns, pass them too: they are read first and `address` then supplies the rest."""
    fields = [normalize_text(f) for f in (province, city, district) if f and str(f).strip()]
    text = normalize_text(address)
    if fields:
        text = " ".join(fields) + " " + text
    for prefix in ("中国大陆", "中华人民共和国", "中国"):
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    return _read(_Parse(text, _snapshot()))


def _read(st: _Parse) -> Region:
    snap, text = st.snap, st.text
    st.pos = _skip(text, 0)
    hit = _take(text, st.pos, snap.provinces, snap)
    if hit:
        st.province, st.pos = hit
        st.pos = _skip(text, st.pos)
        if not snap.below.get(st.province):
            return st.region()  # 香港, 澳门, 台湾: the table stops at the province
        result = _read_city(st)
    else:
        result = _read_start(st)
    if result is not None:
        return result
    return _read_district(st)


def _read_start(st: _Parse) -> Region | None:
    """No province: the address starts with a city or a district, which must say where it is."""
    snap, text, pos = st.snap, st.text, st.pos
    hit = _take(text, pos, snap.global_cities, snap)
    if hit:
        cities, end = hit
        if len(cities) == 1:
            st.place(cities[0])
            st.pos = _skip(text, end)
            return None
        return st.region(INCOMPLETE, missing=("province",), candidates=_labels(cities))
    hit = _take(text, pos, snap.global_districts, snap)
    aliases, alias_end = _aliases_at(text, pos, snap)
    nodes = list(hit[0]) if hit else []
    for alias in aliases:
        nodes.extend(alias.targets)
    if len(nodes) == 1 and not aliases:
        st.place(nodes[0])
        st.pos = _skip(text, hit[1])
        return st.region()
    if len(aliases) == 1 and not hit:
        return _apply_alias(st, aliases[0], alias_end)
    if nodes:
        st.pos = _skip(text, hit[1] if hit else alias_end)
        return st.region(INCOMPLETE, missing=("province", "city"), candidates=_labels(nodes))
    return st.region(INCOMPLETE, missing=("province", "city", "district"))


def _apply_alias(st: _Parse, alias: _Alias, end: int) -> Region | None:
    """An old name: read as its successor when there is one, unverified when it was split."""
    st.pos = _skip(st.text, end)
    if len(alias.targets) == 1:
        target = alias.targets[0]
        st.renamed.append((alias.name, target.name))
        st.place(target)
        if alias.level == "city":
            st.old_city = alias.name
            return None
        return st.region() if target.level == "district" else None
    for shared in (alias.targets[0].parent, alias.targets[0].province):
        if shared is not None and all(shared in (t.parent, t.province) for t in alias.targets):
            st.place(shared)  # 江干区 is in 杭州 either way; only the district is open
            break
    return st.region(UNVERIFIED, unknown=alias.name, candidates=_labels(alias.targets))


def _read_city(st: _Parse) -> Region | None:
    snap, text, prov = st.snap, st.text, st.province
    st.pos = _skip_fillers(text, st.pos)
    pos = st.pos
    hit = _take(text, pos, snap.children[prov], snap)
    if hit:
        st.city, end = hit
        st.pos = _skip(text, end)
        return None
    if prov.municipality:  # 北京市朝阳区: the city level is the municipality itself
        st.city = snap.below[prov][0]
        return None
    # The city left out (浙江省西湖区): fine when the district is unique in the province.
    hit = _take(text, pos, snap.province_districts(prov), snap)
    if hit:
        nodes, end = hit
        st.pos = _skip(text, end)
        if len(nodes) == 1:
            st.place(nodes[0])
            return st.region()
        return st.region(INCOMPLETE, missing=("city",), candidates=_labels(nodes))
    aliases, end = _aliases_at(text, pos, snap)
    mine = [a for a in aliases if a.province == prov.name]
    if len(mine) == 1:
        return _apply_alias(st, mine[0], end)
    return _elsewhere(st, prov.name, ("city",), aliases, end)


def _read_district(st: _Parse) -> Region:
    snap, text, city = st.snap, st.text, st.city
    if not snap.below.get(city):  # 东莞, 中山, 儋州, 仙桃…: no district level
        if text.startswith(city.name, st.pos):  # some exports repeat the city: 东莞市 东莞市 虎门镇
            st.pos = _skip(text, st.pos + len(city.name))
        return st.region()
    pos = st.pos
    hit = _take(text, pos, snap.children[city], snap)
    if hit:
        st.district, end = hit
        st.pos = _skip(text, end)
        return st.region()
    aliases, end = _aliases_at(text, pos, snap, "district")
    mine = [
        a for a in aliases
        if a.province == st.province.name
        and (a.city in (city.name, st.old_city) or any(t.parent is city for t in a.targets))
    ]
    if len(mine) == 1:
        return _apply_alias(st, mine[0], end)
    return _elsewhere(st, city.name, ("district",), aliases, end)


def _elsewhere(st: _Parse, here: str, missing: tuple[str, ...], aliases, alias_end: int) -> Region:
    """Nothing fits here: a name that exists elsewhere is an impossible combination, a name we
    do not know is unverified, anything else (a street) means the level is missing."""
    snap, text, pos = st.snap, st.text, st.pos
    nodes: list[Division] = []
    end = pos
    hit = _take(text, pos, snap.global_cities, snap, full_only=missing != ("city",))
    if hit:
        nodes.extend(hit[0])
        end = hit[1]
    if not nodes:
        hit = _take(text, pos, snap.global_districts)
        if hit:
            nodes.extend(hit[0])
            end = hit[1]
    for alias in aliases:
        nodes.extend(alias.targets)
        end = max(end, alias_end)
    if nodes:
        name = text[pos:end]
        st.pos = _skip(text, end)
        return st.region(MISMATCH, conflict=(here, name), candidates=_labels(nodes))
    unknown = _looks_like_name(text, pos)
    if unknown:
        st.pos = _skip(text, pos + len(unknown))
        return st.region(UNVERIFIED, unknown=unknown, missing=missing)
    if text.startswith("*", pos):  # masked export: the rest is hidden, not missing
        return st.region()
    return st.region(INCOMPLETE, missing=missing)
