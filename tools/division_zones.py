"""Functional zones for tools/build_divisions.py: the district-level units the platform's address
book offers besides GB/T 2260 (FORMATS.md, "Addresses as the platform writes them").

Sources (build time only):

* **china-division** (npm, https://github.com/modood/Administrative-divisions-of-China; WTFPL in
  the package, MIT on GitHub): `dist/areas.json`, the county level of the statistics bureau's
  统计用区划代码 (2023 edition in 2.7.0). Every unit of it that GB/T 2260 lacks — the `xx7x` codes of
  经济技术开发区, 高新技术产业开发区, 工业园区, 新区, 管理区, and a few more such as 大兴安岭's
  加格达奇区 — becomes a zone under its city, with its statistics code.
* **NEW_AREAS** below: the national new areas (国家级新区) that are neither a district nor in the
  statistics list, each with the State Council approval that set it up. Reviewed by hand, like
  REVIEWED_UPDATES.

Each zone carries the names buyers write for it: `names` can stand anywhere (苏州工业园区, 郑州高新区,
天府新区), `local` only under the zone's own city (工业园区, 高新区, 经开区), and a local name two zones
of one city would share is dropped, so 经开区 is never guessed between two of them.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

# The suffixes of zone names and what buyers shorten them to (local names, under their city).
SUFFIXES = (
    ("高新技术产业开发区", ("高新区", "高新技术开发区", "高新开发区")),
    ("高新技术产业园区", ("高新区", "高新园区")),
    ("高技术产业开发区", ("高新区",)),
    ("高新技术开发区", ("高新区",)),
    ("经济技术开发区", ("经开区", "经济开发区", "开发区")),
    ("经济开发区", ("经开区", "开发区")),
    ("工业园区", ("园区",)),
)
# Names no rule derives, as buyers and couriers write them.
EXTRA_NAMES = {
    "郑州航空港经济综合实验区": ("航空港区", "郑州航空港区", "航空港经济综合实验区"),
    "威海火炬高技术产业开发区": ("火炬高新区", "威海高新区", "威海高区"),
    "长春汽车经济技术开发区": ("汽开区", "长春汽开区", "汽车经开区"),
    "长春净月高新技术产业开发区": ("净月区", "净月高新区", "长春净月区"),
}
_TRAILERS = ("管理委员会", "管委会")

# National new areas (国家级新区) that GB/T 2260 and the statistics list do not carry as a unit of
# their own: (province, cities it lies in, name, other names, approval).
NEW_AREAS = (
    ("浙江省", ("舟山市",), "舟山群岛新区", ("浙江舟山群岛新区",), "国务院批复设立浙江舟山群岛新区（2011年6月）"),
    ("广东省", ("广州市",), "南沙新区", ("广州南沙新区",), "国务院批复《广州南沙新区发展规划》（2012年9月）"),
    ("陕西省", ("西安市", "咸阳市"), "西咸新区", ("陕西西咸新区",), "国务院批复设立陕西西咸新区（2014年1月）"),
    ("贵州省", ("贵阳市", "安顺市"), "贵安新区", ("贵州贵安新区",), "国务院批复设立贵州贵安新区（2014年1月）"),
    ("山东省", ("青岛市",), "西海岸新区", ("青岛西海岸新区",), "国务院批复设立青岛西海岸新区（2014年6月）"),
    ("辽宁省", ("大连市",), "金普新区", ("大连金普新区",), "国务院批复设立大连金普新区（2014年6月）"),
    ("四川省", ("成都市", "眉山市"), "天府新区", ("四川天府新区",), "国务院批复设立四川天府新区（2014年10月）"),
    ("湖南省", ("长沙市",), "湘江新区", ("湖南湘江新区",), "国务院批复设立湖南湘江新区（2015年4月）"),
    ("江苏省", ("南京市",), "江北新区", ("南京江北新区",), "国务院批复设立南京江北新区（2015年6月）"),
    ("福建省", ("福州市",), "福州新区", (), "国务院批复设立福州新区（2015年9月）"),
    ("云南省", ("昆明市",), "滇中新区", ("云南滇中新区",), "国务院批复设立云南滇中新区（2015年9月）"),
    ("黑龙江省", ("哈尔滨市",), "哈尔滨新区", (), "国务院批复设立哈尔滨新区（2015年12月）"),
    ("吉林省", ("长春市",), "长春新区", (), "国务院批复设立长春新区（2016年2月）"),
    ("江西省", ("南昌市", "九江市"), "赣江新区", ("江西赣江新区",), "国务院批复设立江西赣江新区（2016年6月）"),
    ("河北省", ("保定市",), "雄安新区", ("河北雄安新区",), "中共中央、国务院决定设立河北雄安新区（2017年4月）"),
)


def read_statistics(path: Path) -> tuple[list[dict], str]:
    """The county level of china-division: a .tgz from `npm pack`, an unpacked package, or areas.json."""
    if path.is_file() and path.name.endswith((".tgz", ".tar.gz")):
        with tarfile.open(path) as archive:
            member = next((m for m in archive.getmembers() if m.name.endswith("dist/areas.json")), None)
            if member is None:
                raise SystemExit(f"no dist/areas.json inside {path}")
            text = archive.extractfile(member).read().decode("utf-8")
            return json.load(io.StringIO(text)), f"{path.name}:{member.name}"
    if path.is_dir():
        found = sorted(path.rglob("areas.json"))
        if not found:
            raise SystemExit(f"no areas.json under {path}")
        path = found[0]
    return json.loads(path.read_text(encoding="utf-8")), str(path)


def _strip(name: str, *prefixes: str) -> str:
    for prefix in prefixes:
        if prefix and name.startswith(prefix) and len(name) > len(prefix) + 1:
            return name[len(prefix):]
    return name


def zone_names(name: str, province: tuple[str, str], city: tuple[str, str]) -> tuple[list[str], list[str]]:
    """(names that may stand anywhere, names only under the city) for one statistics zone; the
    official name first."""
    official = name
    for trailer in _TRAILERS:
        if name.endswith(trailer) and len(name) > len(trailer) + 2:
            name = name[: -len(trailer)]  # 乌拉盖管理区管委会: buyers write 乌拉盖管理区
    stem = _strip(_strip(name, *province), city[0], city[1])
    anywhere = [official, name] + ([city[1] + stem] if stem != name else [])
    local = [stem] if stem != name and len(stem) >= 3 else []
    for suffix, shorts in SUFFIXES:
        if stem.endswith(suffix):
            prefix = stem[: -len(suffix)]
            for short in shorts:
                local.append(prefix + short)
                anywhere.append(city[1] + prefix + short)
            break
    for extra in EXTRA_NAMES.get(name, ()):
        (anywhere if extra.startswith(city[1]) else local).append(extra)
    return list(dict.fromkeys(anywhere)), [n for n in dict.fromkeys(local) if n not in anywhere]


def build_zones(tree: dict, rows: list[dict], removed: set[str]) -> tuple[dict, list[str]]:
    """Zones keyed by code (or city:name for a new area without one): (city code, name, names,
    local names, source); and the lines that say what was left out and why, for the build log."""
    provs, cities, dists = tree["provinces"], tree["cities"], tree["districts"]
    known = set(provs) | set(cities) | set(dists)
    by_city: dict[str, set[str]] = {}
    for ccode, dname, dshort in dists.values():
        by_city.setdefault(ccode, set()).update((dname, dshort))
    zones: dict[str, tuple] = {}
    log = []
    for row in rows:
        code, name, ccode = row["code"], row["name"], row["cityCode"] + "00"
        if code in known or code in removed or ccode not in cities:
            continue  # a GB/T 2260 unit, one withdrawn on purpose, or a city modelled otherwise (仙桃…)
        pcode, cname, cshort = cities[ccode]
        if name in (cname, provs[pcode][0]) or name in by_city.get(ccode, ()):
            continue
        anywhere, local = zone_names(name, provs[pcode], (cname, cshort))
        zones[code] = (ccode, name, anywhere, local, "统计用区划代码")
    name_to_city = {(provs[p][0], n): c for c, (p, n, _) in cities.items()}
    for province, city_names, name, others, source in NEW_AREAS:
        for cname in city_names:
            ccode = name_to_city.get((province, cname))
            if ccode is None:
                raise SystemExit(f"NEW_AREAS: {province} {cname} is not a current city")
            if name in by_city.get(ccode, ()):
                log.append(f"  [new area is a district now, drop from NEW_AREAS] {cname} {name}")
                continue
            zones[f"{ccode}:{name}"] = (ccode, name, [name, *others], [], source)
    log.extend(_drop_shared_names(zones, by_city))
    return zones, log


def _drop_shared_names(zones: dict, by_city: dict[str, set[str]]) -> list[str]:
    """A local name two zones of one city share, or that is a district's name or short name
    there, is nobody's: dropped. A name that may stand anywhere and is another zone's too is kept
    only under its own city."""
    log = []
    local_owners: dict[tuple[str, str], list[str]] = {}
    anywhere_owners: dict[str, set[str]] = {}  # name -> the zones' own names (one area, several cities: one)
    for key, (ccode, _name, anywhere, local, _src) in zones.items():
        for n in local:
            local_owners.setdefault((ccode, n), []).append(key)
        for n in anywhere[1:]:
            anywhere_owners.setdefault(n, set()).add(_name)
    for key, (ccode, name, anywhere, local, source) in list(zones.items()):
        kept = []
        for n in local:
            if len(local_owners[(ccode, n)]) > 1 or n in by_city.get(ccode, ()):
                log.append(f"  [zone name dropped: shared] {name}: {n}")
            else:
                kept.append(n)
        shared = [n for n in anywhere[1:] if len(anywhere_owners[n]) > 1 and n != name]
        for n in shared:
            log.append(f"  [zone name dropped: shared] {name}: {n}")
        zones[key] = (ccode, name, [n for n in anywhere if n not in shared], kept, source)
    return log


def city_zones(zones: dict, ccode: str) -> list[list]:
    """One city's zones as the snapshot stores them: [code or null, name, names, local names]."""
    out = []
    for key in sorted(k for k, z in zones.items() if z[0] == ccode):
        _, name, anywhere, local, _src = zones[key]
        out.append([None if ":" in key else key, name, [n for n in anywhere if n != name], local])
    return out
