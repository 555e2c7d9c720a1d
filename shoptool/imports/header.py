"""What an export's header row says: the fields a kind of export has, the headers platforms and ERPs
give them, and which column of a header row feeds which field (PRODUCT §3, FORMATS.md).

Aliases are listed in priority order: when a sheet has two columns for one field (旺店通 gives
可用库存 and 可发库存), the first alias present wins and the other column is kept in `extra`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# cleaner names (see tables/cells.py and imports/convert.py)
ID, TEXT, MONEY, INT, TIME, PHONE, TRACKING, FLAG = (
    "id", "text", "money", "int", "time", "phone", "tracking", "flag",
)
# Text whose values repeat row after row (a status, a courier, a title): cleaned like TEXT, once
# per distinct value, and all rows share one object (a big import sends far less between processes).
LABEL = "label"


@dataclass(frozen=True)
class Field:
    name: str
    aliases: tuple[str, ...]
    cleaner: str = TEXT
    sum_all: bool = False  # several columns add up (聚水潭 订单占有数 + 库存锁定数)


@dataclass(frozen=True)
class Kind:
    name: str
    fields: tuple[Field, ...]
    required: tuple[str, ...]  # columns that must be in the header
    one_of: tuple[tuple[str, ...], ...] = ()  # at least one of each group
    markers: tuple[str, ...] = ()  # fields that point to this kind rather than another
    label: str = ""
    # columns of personal data this tool does not need and therefore never stores
    discarded: tuple[str, ...] = field(default=())
    # headers of which at least one must be present for a sheet to be taken for this kind without
    # --as (a bare list of phones is not an opt-out list: it may be the VIP list)
    evidence: tuple[str, ...] = field(default=())

    def has_evidence(self, header: list[str]) -> bool:
        if not self.evidence:
            return True
        present = {normalise_header(cell) for cell in header}
        return any(normalise_header(name) in present for name in self.evidence)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def F(name: str, aliases: str, cleaner: str = TEXT, **kw) -> Field:
    return Field(name, tuple(a.strip() for a in aliases.split("|")), cleaner, **kw)


def normalise_header(cell) -> str:
    """Headers compare without surrounding/inner whitespace, full-width forms or a BOM."""
    if cell is None:
        return ""
    text = unicodedata.normalize("NFKC", str(cell)).replace("\ufeff", "")
    return re.sub(r"\s+", "", text).lower()


@dataclass
class Mapping_:
    """How one header row maps onto a kind: field → column indexes (several only for sum_all)."""

    kind: Kind
    columns: dict[str, list[int]]
    unknown: list[int]  # kept in `extra`
    discarded: list[int]  # personal data shoptool does not store
    score: float

    @property
    def matched(self) -> set[str]:
        return set(self.columns)


def map_header(kind: Kind, header: list[str]) -> Mapping_ | None:
    """None when a required column is missing; otherwise which column feeds which field."""
    positions: dict[str, list[int]] = {}
    for index, cell in enumerate(header):
        if cell:
            positions.setdefault(normalise_header(cell), []).append(index)
    used: set[int] = set()
    columns: dict[str, list[int]] = {}
    for fld in kind.fields:
        found: list[int] = []
        for alias in fld.aliases:
            for index in positions.get(normalise_header(alias), ()):
                if index not in used:
                    found.append(index)
            if found and not fld.sum_all:
                break
        if found:
            chosen = found if fld.sum_all else found[:1]
            columns[fld.name] = chosen
            used.update(chosen)
    discarded_names = {normalise_header(name) for name in kind.discarded}
    discarded = [i for i, c in enumerate(header) if i not in used and normalise_header(c) in discarded_names]
    unknown = [i for i, c in enumerate(header) if i not in used and i not in discarded and normalise_header(c)]
    if any(name not in columns for name in kind.required):
        return None
    if any(not any(name in columns for name in group) for group in kind.one_of):
        return None
    markers = sum(1 for name in kind.markers if name in columns)
    score = markers + 0.01 * len(columns)
    return Mapping_(kind, columns, unknown, discarded, score)


def missing_columns(kind: Kind, header: list[str]) -> list[str]:
    """For the error message: required fields absent, each with the aliases tried."""
    present = {normalise_header(c) for c in header}
    missing = []
    for name in kind.required:
        aliases = kind.field(name).aliases
        if not any(normalise_header(a) in present for a in aliases):
            missing.append(f"{aliases[0]} (tried: {', '.join(aliases)})")
    for group in kind.one_of:
        if not any(normalise_header(a) in present for name in group for a in kind.field(name).aliases):
            names = [kind.field(n).aliases[0] for n in group]
            missing.append(" or ".join(names))
    return missing
