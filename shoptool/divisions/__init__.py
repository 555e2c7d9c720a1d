"""Strict province/city/district matching against the bundled division snapshot.

Strict means: a name is read only where an address can hold it (province first, then a city of
that province, then a district of that city), short names (杭州, 中山) only when a separator or a
child division follows them, so 中山路88号 is never 中山市 and 南京路 never 南京市. Nothing is guessed:
a name that fits several places (西湖区: 杭州 or 南昌) leaves the address incomplete, an old name
whose area was split (江干区) or a name we do not know leaves it unverified, and a name that
exists only elsewhere (杭州市 + 朝阳区) is an impossible combination.

The snapshot and its lookup tables live in snapshot.py, the rules for reading one name at one
position in scan.py; this module reads an address level by level with them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .scan import aliases_at, is_zone_name, looks_like_name, skip, skip_fillers, take
from .snapshot import Alias, Division, Snapshot, divisions, label, load_snapshot, short_name

__all__ = ["Division", "Region", "resolve", "divisions", "is_zone_name", "label", "normalize_text", "short_name"]

OK = "ok"
MISMATCH = "mismatch"  # an impossible combination: 杭州市 + 朝阳区
INCOMPLETE = "incomplete"  # a level is missing, or a name fits several places (西湖区 alone)
UNVERIFIED = "unverified"  # an unknown name, or an old name whose area was split (江干区)


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


def normalize_text(text: str | None) -> str:
    """NFKC (full-width digits, letters and spaces become plain) and trimmed."""
    if not text:
        return ""
    return unicodedata.normalize("NFKC", str(text)).strip()


class _Parse:
    """The state of one left-to-right reading of an address."""

    __slots__ = ("text", "pos", "snap", "province", "city", "district", "renamed", "old_city")

    def __init__(self, text: str, snap: Snapshot) -> None:
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
        detail = _strip_repeat(self.text[skip(self.text, self.pos):], p, c, d)
        node = d or c or p
        if node is not None and node.code is None:  # a national new area has no code of its own
            node = node.parent
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
    return _read(_Parse(text, load_snapshot()))


def _read(st: _Parse) -> Region:
    snap, text = st.snap, st.text
    st.pos = skip(text, 0)
    hit = take(text, st.pos, snap.provinces, snap)
    if hit:
        st.province, st.pos = hit
        st.pos = skip(text, st.pos)
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
    hit = take(text, pos, snap.global_cities, snap)
    if hit:
        cities, end = hit
        if len(cities) == 1:
            st.place(cities[0])
            st.pos = skip(text, end)
            return None
        return st.region(INCOMPLETE, missing=("province",), candidates=_labels(cities))
    hit = take(text, pos, snap.global_districts, snap)
    aliases, alias_end = aliases_at(text, pos, snap)
    nodes = list(hit[0]) if hit else []
    for alias in aliases:
        nodes.extend(alias.targets)
    if len(nodes) == 1 and not aliases:
        st.place(nodes[0])
        st.pos = skip(text, hit[1])
        return st.region()
    if len(aliases) == 1 and not hit:
        return _apply_alias(st, aliases[0], alias_end)
    if nodes:
        st.pos = skip(text, hit[1] if hit else alias_end)
        return st.region(INCOMPLETE, missing=("province", "city"), candidates=_labels(nodes))
    return st.region(INCOMPLETE, missing=("province", "city", "district"))


def _apply_alias(st: _Parse, alias: Alias, end: int) -> Region | None:
    """An old name: read as its successor when there is one, unverified when it was split."""
    st.pos = skip(st.text, end)
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
    st.pos = skip_fillers(text, st.pos)
    pos = st.pos
    hit = take(text, pos, snap.children[prov], snap)
    if hit:
        st.city, end = hit
        st.pos = skip(text, end)
        return None
    if prov.municipality:  # 北京市朝阳区: the city level is the municipality itself
        st.city = snap.below[prov][0]
        return None
    # The city left out (浙江省西湖区): fine when the district is unique in the province.
    hit = take(text, pos, snap.province_districts(prov), snap)
    if hit:
        nodes, end = hit
        st.pos = skip(text, end)
        if len(nodes) == 1:
            st.place(nodes[0])
            return st.region()
        return st.region(INCOMPLETE, missing=("city",), candidates=_labels(nodes))
    aliases, end = aliases_at(text, pos, snap)
    mine = [a for a in aliases if a.province == prov.name]
    if len(mine) == 1:
        return _apply_alias(st, mine[0], end)
    return _elsewhere(st, prov.name, ("city",), aliases, end)


def _read_district(st: _Parse) -> Region:
    snap, text, city = st.snap, st.text, st.city
    if not snap.below.get(city):  # 东莞, 中山, 儋州, 仙桃…: no district level
        if text.startswith(city.name, st.pos):  # some exports repeat the city: 东莞市 东莞市 虎门镇
            st.pos = skip(text, st.pos + len(city.name))
        return _district_elsewhere(st, city) or st.region()
    pos = st.pos
    hit = take(text, pos, snap.children[city], snap)
    if not hit and pos > 0 and text[pos - 1] == "市":
        hit = take(text, pos - 1, snap.children[city], snap)  # 青岛市南区: 青岛 + 市南区
    if hit:
        st.district, end = hit
        st.pos = skip(text, end)
        return st.region()
    aliases, end = aliases_at(text, pos, snap, "district")
    mine = [
        a for a in aliases
        if a.province == st.province.name
        and (a.city in (city.name, st.old_city) or any(t.parent is city for t in a.targets))
    ]
    if len(mine) == 1:
        return _apply_alias(st, mine[0], end)
    return _elsewhere(st, city.name, ("district",), aliases, end)


def _district_elsewhere(st: _Parse, city: Division) -> Region | None:
    """A city without districts followed by another city's district (东莞市 天河区): impossible.
    Only a full name of three characters or more standing alone counts: 中山市 西区街道 is a street."""
    text, pos = st.text, st.pos
    hit = take(text, pos, st.snap.global_districts)
    if not hit or hit[1] - pos < 3 or (hit[1] < len(text) and text[hit[1]] in "街道镇乡路"):
        return None
    nodes, end = hit
    st.pos = skip(text, end)
    return st.region(MISMATCH, conflict=(city.name, text[pos:end]), candidates=_labels(nodes))


def _elsewhere(st: _Parse, here: str, missing: tuple[str, ...], aliases, alias_end: int) -> Region:
    """Nothing fits here: a name that exists elsewhere is an impossible combination, a name we
    do not know is unverified, anything else (a street) means the level is missing."""
    snap, text, pos = st.snap, st.text, st.pos
    nodes: list[Division] = []
    end = pos
    hit = take(text, pos, snap.global_cities, snap, full_only=missing != ("city",))
    if hit:
        nodes.extend(hit[0])
        end = hit[1]
    if not nodes:
        hit = take(text, pos, snap.global_districts)
        if hit:
            nodes.extend(hit[0])
            end = hit[1]
    for alias in aliases:
        nodes.extend(alias.targets)
        end = max(end, alias_end)
    if nodes:
        name = text[pos:end]
        st.pos = skip(text, end)
        return st.region(MISMATCH, conflict=(here, name), candidates=_labels(nodes))
    unknown = looks_like_name(text, pos)
    if unknown:
        st.pos = skip(text, pos + len(unknown))
        return st.region(UNVERIFIED, unknown=unknown, missing=missing)
    if text.startswith("*", pos):  # masked export: the rest is hidden, not missing
        return st.region()
    return st.region(INCOMPLETE, missing=missing)
