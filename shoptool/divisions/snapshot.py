"""The bundled division snapshot, loaded once per process on first use: every current province,
city and district with the names buyers write them by, the functional zones the platform's address
book offers at district level (苏州工业园区, 郑州高新区, 天府新区: `zone` divisions), plus the
reviewed old names.

The snapshot (data/divisions.json) is built by tools/build_divisions.py; old names come from the
reviewed data/division_aliases.json. Reading addresses against it is divisions.py's job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, eq=False)
class Division:
    code: str
    name: str
    short: str
    level: str  # province | city | district
    parent: Division | None = field(default=None, repr=False)
    municipality: bool = False
    zone: bool = False  # a functional zone (开发区, 高新区, 工业园区, 新区), not a GB/T 2260 division
    names: tuple[str, ...] = ()  # a zone's other names that may stand anywhere: 郑州高新区
    local: tuple[str, ...] = ()  # a zone's names that stand only under its city: 高新区, 经开区

    @property
    def province(self) -> Division:
        node = self
        while node.parent is not None:
            node = node.parent
        return node


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


class Names:
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

    def freeze(self) -> Names:
        self.lengths = tuple(sorted({len(n) for n in self.table}, reverse=True))
        return self


@dataclass(slots=True)
class Alias:
    level: str
    province: str
    city: str | None
    name: str
    targets: tuple[Division, ...]


class Snapshot:
    def __init__(self, data: dict, aliases: list[dict]) -> None:
        self.provinces = Names()
        self.all: list[Division] = []
        self.children: dict[Division, Names] = {}
        self.below: dict[Division, list[Division]] = {}
        self.global_cities = Names()  # value: tuple of cities
        self.global_districts = Names()  # full names only; value: tuple of districts
        by_path: dict[tuple, Division] = {}
        for p in data["provinces"]:
            prov = Division(p["code"], p["name"], p["short"], "province", None, bool(p.get("municipality")))
            self.provinces.add(prov.name, prov, False)
            self.provinces.add(prov.short, prov, True)
            by_path[(prov.name,)] = prov
            cities = Names()
            self.below[prov] = []
            for c in p["cities"]:
                city = Division(c["code"], c["name"], c["short"], "city", prov, prov.municipality)
                self.below[prov].append(city)
                by_path[(prov.name, city.name)] = city
                for name, short in _city_names(city):
                    cities.add(name, city, short)
                    self.global_cities.add(name, (city,), short)
                districts = Names()
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
                for code, name, names, local in c.get("zones", ()):
                    zone = Division(code, name, name, "district", city, zone=True, names=tuple(names),
                                    local=tuple(local))
                    self.below[city].append(zone)
                    self.below[prov].append(zone)
                    by_path[(prov.name, city.name, name)] = zone
                    for variant, is_short in _district_names(zone):
                        districts.add(variant, zone, is_short)
                    for variant, _ in _district_names(zone, local=False):
                        self.global_districts.add(variant, (zone,), False)
                    self.all.append(zone)
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
        self.aliases = Names()  # value: tuple of Alias
        for a in aliases:
            targets = tuple(by_path[tuple(t)] for t in a["current"])
            alias = Alias(a["level"], a["province"], a.get("city"), a["name"], targets)
            self.aliases.add(a["name"], (alias,), False)
        self.aliases.freeze()
        self._descendants: dict[Division, Names] = {}
        self._province_districts: dict[Division, Names] = {}

    def descendants(self, node: Division) -> Names:
        """Every name below a node, to accept a short name run together with its child (浙江杭州)."""
        names = self._descendants.get(node)
        if names is None:
            names = Names()
            for child in self.below.get(node, ()):
                variants = _city_names(child) if child.level == "city" else _district_names(child)
                for name, short in variants:
                    names.add(name, child, short)
            self._descendants[node] = names.freeze()
        return names

    def province_districts(self, prov: Division) -> Names:
        """Districts of a whole province, for addresses that leave the city out."""
        names = self._province_districts.get(prov)
        if names is None:
            names = Names()
            for node in self.below[prov]:
                if node.level == "district":  # a zone's local names (高新区) need their city
                    for variant, short in _district_names(node, local=False):
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


def _district_names(dist: Division, local: bool = True):
    yield dist.name, False
    if dist.zone:
        for name in dist.names:
            yield name, False
        if local:
            for name in dist.local:
                yield name, False
        return
    if dist.short and dist.short != dist.name:
        yield dist.short, True
    for suffix in ("自治县", "自治旗"):  # 石柱县, 长阳县, 鄂伦春旗, 鄂温克旗
        if dist.name.endswith(suffix):
            base = dist.short if dist.short != dist.name else dist.name[: -len(suffix)].removesuffix("族")
            if len(base) >= 2 and not base.endswith(suffix[-1]):
                yield base + suffix[-1], False


_SNAPSHOT: Snapshot | None = None


def load_snapshot() -> Snapshot:
    global _SNAPSHOT
    if _SNAPSHOT is None:
        from importlib import resources  # here, not at import: it pulls in tempfile and pathlib

        folder = resources.files("shoptool.data")
        data = json.loads(folder.joinpath("divisions.json").read_text(encoding="utf-8"))
        aliases = json.loads(folder.joinpath("division_aliases.json").read_text(encoding="utf-8"))
        _SNAPSHOT = Snapshot(data, aliases["aliases"])
    return _SNAPSHOT


def short_name(name: str) -> str:
    """The short form of a current division's name (杭州市 -> 杭州, 内蒙古自治区 -> 内蒙古)."""
    return load_snapshot().shorts.get(name, name)


def divisions() -> list[Division]:
    """Every current division (provinces, cities, districts), e.g. to generate test data."""
    return list(load_snapshot().all)
