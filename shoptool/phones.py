"""What a receiver's phone fields can be used for: a courier's call, a text message, or nothing.

Validity is phonenumbers' (phonenumberslite: the same metadata without geocoding, 5.5 MB), so
new number ranges arrive with a library update, not by editing code here. Platform privacy
numbers (虚拟号 with an extension: 13800000000-1234, 13800000000转1234) and masked numbers
(138****5678) are recognised before validation: a courier can call the first, nobody can text
either, and neither is ever "fixed" into a plain mobile.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Phone", "classify_phone", "receiver_phone"]

MOBILE = "mobile"
LANDLINE = "landline"
PRIVACY = "privacy"
MASKED = "masked"
INVALID = "invalid"
MISSING = "missing"

# Best first: which of the two fields a courier or an SMS should use.
_RANK = {MOBILE: 0, PRIVACY: 1, LANDLINE: 2, MASKED: 3, INVALID: 4, MISSING: 5}

_EXT = r"(?:转|分机|ext\.?|x|#|-|_|~|,)"
_PRIVACY = re.compile(rf"^(1\d{{10}}){_EXT}+(\d{{1,6}})$", re.I)
_LANDLINE = re.compile(rf"^(0(?:10|2\d|[3-9]\d\d))-?([1-9]\d{{6,7}})(?:{_EXT}+(\d{{1,6}}))?$", re.I)
_COUNTRY = re.compile(r"^(?:\+|00)?86-?(?=1\d{10}(?:\D|$)|0?[1-9]\d{8,10}$)")
_JUNK = re.compile(r"[\s'\"=()（）]")


@dataclass(frozen=True, slots=True)
class Phone:
    kind: str  # mobile | landline | privacy | masked | invalid | missing
    number: str | None = None  # normalised: 13800138000, 0571-88881234, a privacy number's base
    extension: str | None = None  # a privacy number's or a landline's extension
    raw: str | None = None  # the text this was read from, as given
    rejected: tuple[str, ...] = ()  # the other field's text when it was invalid

    @property
    def textable(self) -> bool:
        """Only a plain valid mobile can receive an SMS."""
        return self.kind == MOBILE

    @property
    def mobile(self) -> str | None:
        """The 11-digit mobile to text, or None: never a privacy or masked number."""
        return self.number if self.kind == MOBILE else None

    @property
    def callable(self) -> bool:
        """A courier can reach the receiver on it."""
        return self.kind in (MOBILE, PRIVACY, LANDLINE)


_PN = None
_MOBILE_RE: re.Pattern | None = None


def _phonenumbers():
    """phonenumbers and a compiled CN mobile pattern, loaded on first use (cold start matters)."""
    global _PN, _MOBILE_RE
    if _PN is None:
        import phonenumbers

        metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
        # Matching the metadata's own mobile pattern is what is_valid_number + MOBILE does for an
        # 11-digit 1xx number, without parse()'s overhead (the tests hold the two equal).
        _MOBILE_RE = re.compile(f"(?:{metadata.mobile.national_number_pattern})")
        _PN = phonenumbers
    return _PN


def _is_mobile(digits: str) -> bool:
    if _MOBILE_RE is None:
        _phonenumbers()
    return _MOBILE_RE.fullmatch(digits) is not None


def _valid_other(digits: str) -> bool:
    """A landline, 400/800 or other non-mobile number phonenumbers accepts for China."""
    pn = _phonenumbers()
    try:
        parsed = pn.parse(digits, "CN")
    except pn.NumberParseException:
        return False
    return pn.is_valid_number(parsed) and pn.number_type(parsed) != pn.PhoneNumberType.MOBILE


def classify_phone(value: str | None) -> Phone:
    """Read one phone field (联系手机 or 联系电话)."""
    if value is None:
        return Phone(MISSING)
    raw = str(value)
    text = unicodedata.normalize("NFKC", raw)
    text = _JUNK.sub("", text).strip("-")
    if not text:
        return Phone(MISSING)
    if "*" in text:
        return Phone(MASKED, raw=raw)
    text = _COUNTRY.sub("", text, count=1)
    match = _PRIVACY.match(text)
    if match:
        base, ext = match.groups()
        return Phone(PRIVACY, base, ext, raw) if _is_mobile(base) else Phone(INVALID, raw=raw)
    digits = text.replace("-", "")
    if len(digits) == 11 and digits[0] == "1" and digits.isdigit():
        return Phone(MOBILE, digits, None, raw) if _is_mobile(digits) else Phone(INVALID, raw=raw)
    match = _LANDLINE.match(text)
    if match:
        area, local, ext = match.groups()
        if _valid_other(area + local):
            return Phone(LANDLINE, f"{area}-{local}", ext, raw)
        return Phone(INVALID, raw=raw)
    if digits.isdigit() and 7 <= len(digits) <= 12 and _valid_other(digits):
        return Phone(LANDLINE, digits, None, raw)
    return Phone(INVALID, raw=raw)


def receiver_phone(mobile: str | None, tel: str | None = None) -> Phone:
    """The receiver's best number from 联系手机 and 联系电话 (either may hold either kind)."""
    first = classify_phone(mobile)
    if first.kind == MOBILE and not tel:
        return first
    second = classify_phone(tel)
    best, other = (first, second) if _RANK[first.kind] <= _RANK[second.kind] else (second, first)
    if other.kind == INVALID and best.kind != INVALID:
        return Phone(best.kind, best.number, best.extension, best.raw, (other.raw,))
    return best
