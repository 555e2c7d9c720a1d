"""What address-check flags and how badly: the severity of each finding code (one table), the
Finding record that carries one, and the shop's `[address]` settings (placeholder words, minimum
detail length, remote regions, couriers that do not deliver somewhere).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from ..settings_defaults import default as setting_default

ERROR, WARNING, INFO = "error", "warning", "info"

# The one severity table (PRODUCT §15 codes). Order = order of the findings list and of the
# suggested message: what blocks shipping first.
SEVERITY: dict[str, str] = {
    "placeholder": ERROR,  # 不详, 测试, test: a test order or a buyer who never filled it in
    "region_mismatch": ERROR,  # 杭州市 + 朝阳区: the courier cannot route it
    "region_incomplete": ERROR,  # a level missing and not inferable, or 西湖区 alone (杭州? 南昌?)
    "detail_too_short": ERROR,  # 1号: nothing to deliver to
    "phone_missing": ERROR,  # nobody for the courier to call
    "phone_invalid": ERROR,  # 12812345678
    "name_invalid": ERROR,  # empty, digits only, a phone number typed as the name
    "courier_unreachable": ERROR,  # the chosen courier does not deliver there: switch first
    "region_unknown": WARNING,  # an unknown name, or an old one whose area was split (江干区)
    "address_changed": WARNING,  # changed after payment: the label may carry the old address
    "multiple_addresses": WARNING,  # same buyer, several open orders, different addresses
    "masked": INFO,  # desensitised export: checked down to the district only
    "remote_region": INFO,  # slower, dearer postage; not a problem in itself
}
SEVERITY_RANK = {ERROR: 0, WARNING: 1, INFO: 2}

PUNCTUATION = re.compile(r"[\s\W_]+")
# Fillers nobody lives at, whatever the shop's placeholder words: xx路xx号, ××小区, 某某, 某路.
_FILLERS = re.compile(r"(?<![a-z])(?:x{2,}|×{2,})(?![a-z])|某某|某(?=[路街巷弄号栋楼室村镇区])", re.I)
# A detail made only of building, unit, floor and room numbers (3栋501, 1201室, A座12楼, 2单元): a
# number or letter, optionally with the word that says what it counts. What is left once these are
# taken out must name a road, a community or a landmark, or the courier has nowhere to go.
_ROOM_PARTS = re.compile(
    r"(?:#?(?<![a-z])[a-z]?\d+(?:[-_/]\d+)*[a-z]?(?![a-z])|(?<![a-z])[a-z](?![a-z])|[一二三四五六七八九十百零〇两]+)"
    r"(?:号楼|号院|楼栋|栋|幢|座|单元|楼|层|室|房间|房|号|户|期|门|排|区)?",
    re.I,
)


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class AddressRules:
    """The `[address]` settings. Build with `AddressRules.from_settings(dict)`."""

    placeholder_words: tuple[str, ...] = field(
        default_factory=lambda: tuple(setting_default("address.placeholder_words")))
    min_detail_length: int = field(default_factory=lambda: int(setting_default("address.min_detail_length")))
    remote_regions: tuple[str, ...] = field(default_factory=lambda: tuple(setting_default("address.remote_regions")))
    courier_unreachable: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    default_courier: str | None = None
    _cjk_words: re.Pattern | None = field(default=None, init=False, repr=False, compare=False)
    _whole_words: frozenset = field(default=frozenset(), init=False, repr=False, compare=False)
    _remote: frozenset = field(default=frozenset(), init=False, repr=False, compare=False)
    _seen: dict = field(default_factory=dict, init=False, repr=False, compare=False)  # placeholder_in memo

    def __post_init__(self) -> None:
        substrings, whole = [], set()
        for word in self.placeholder_words:
            word = unicodedata.normalize("NFKC", str(word)).strip().casefold()
            if not word:
                continue
            if len(word) == 1:
                whole.add(word)  # 无 alone: as a substring it would hit 无锡
            elif word.isascii():
                substrings.append(rf"(?<![a-z]){re.escape(word)}(?![a-z])")  # test, not contest
            else:
                substrings.append(re.escape(word))
            whole.add(word)
        pattern = re.compile("|".join(substrings), re.I) if substrings else None
        object.__setattr__(self, "_cjk_words", pattern)
        object.__setattr__(self, "_whole_words", frozenset(whole))
        object.__setattr__(self, "_remote", frozenset(_norm(r) for r in self.remote_regions))

    @classmethod
    def from_settings(cls, settings: Mapping | None = None) -> AddressRules:
        """From the `[address]` section as a plain dict; missing keys take their defaults."""
        s = dict(settings or {})
        kwargs = {}
        if s.get("placeholder_words") is not None:
            kwargs["placeholder_words"] = tuple(s["placeholder_words"])
        if s.get("min_detail_length") is not None:
            kwargs["min_detail_length"] = int(s["min_detail_length"])
        if s.get("remote_regions") is not None:
            kwargs["remote_regions"] = tuple(s["remote_regions"])
        if s.get("courier_unreachable"):
            kwargs["courier_unreachable"] = {
                str(k): tuple([v] if isinstance(v, str) else v) for k, v in s["courier_unreachable"].items()
            }
        if s.get("default_courier"):
            kwargs["default_courier"] = str(s["default_courier"])
        return cls(**kwargs)

    @staticmethod
    @lru_cache(maxsize=1)
    def default() -> AddressRules:
        """The rules of a shop that changed no `[address]` setting."""
        return AddressRules()

    def placeholder_in(self, text: str | None) -> str | None:
        """The placeholder word a field uses, if any. Remembered per text: names and details
        repeat across a shop's orders, and this was a tenth of address-check's time."""
        if not text:
            return None
        seen = self._seen
        if text in seen:
            return seen[text]
        if len(seen) > 100_000:
            seen.clear()
        found = seen[text] = self._placeholder_in(text)
        return found

    def _placeholder_in(self, text: str) -> str | None:
        folded = unicodedata.normalize("NFKC", text).strip().casefold()
        if PUNCTUATION.sub("", folded) in self._whole_words:
            return PUNCTUATION.sub("", folded)
        found = self._cjk_words.search(folded) if self._cjk_words else None
        if found is None:
            found = _FILLERS.search(folded)
        return found.group(0) if found else None

    def is_remote(self, names: frozenset[str]) -> bool:
        return not self._remote.isdisjoint(names)

    def unreachable(self, courier: str | None, names: frozenset[str]) -> str | None:
        """The configured courier name when `courier` does not deliver to any of `names`."""
        if not courier or not self.courier_unreachable:
            return None
        wanted = courier_key(courier)
        for name, regions in self.courier_unreachable.items():
            key = courier_key(name)
            if key and key in wanted and not names.isdisjoint(_norm(r) for r in regions):
                return name
        return None


def room_only(detail: str) -> bool:
    """Only building/unit/floor/room numbers (`3栋501`, `1201室`, `1栋`), nothing to find them by.
    A landmark with a number (浙江大学紫金港校区1号楼, 万达广场3号楼) keeps its name and is fine."""
    text = unicodedata.normalize("NFKC", detail).strip()
    if not text:
        return False
    return not PUNCTUATION.sub("", _ROOM_PARTS.sub("", text))


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


@lru_cache(maxsize=4096)
def courier_key(text: str) -> str:
    """中通快递, 中通速递 and 中通 name one courier; 快递 alone (a 运送方式) names none."""
    key = _norm(text)
    for suffix in ("快递", "速递", "快运", "速运", "物流", "express"):
        if key.endswith(suffix):
            return key[: -len(suffix)].strip()
    return key


# ---------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: str
    detail: str = ""  # for staff, in Chinese: what exactly is wrong
    subject: str = ""  # the word in question, quoted to the buyer (a placeholder word)
