"""Reading a phone, in one place: what a receiver's phone fields can be used for (a courier's
call, a text message, or nothing), the 11-digit mobile a text goes to, the key that tells two
phones apart, and the masked form people see.

Validity is phonenumbers' (phonenumberslite: the same metadata without geocoding, 5.5 MB), so
new number ranges arrive with a library update, not by editing code here. Platform privacy
numbers (虚拟号 with an extension: 13800000000-1234, 13800000000转1234) and masked numbers
(138****5678) are recognised before validation: a courier can call the first, nobody can text
either, and neither is ever "fixed" into a plain mobile.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Phone", "buyer_key", "classify_phone", "mask_phone", "normalise_mobile", "phone_key", "receiver_phone",
           "stored_phone"]

MOBILE = "mobile"
LANDLINE = "landline"
PRIVACY = "privacy"
OVERSEAS = "overseas"  # Hong Kong, Macau, Taiwan: valid where the order goes, never texted from here
MASKED = "masked"
MANGLED = "mangled"  # Excel turned it into 1.38123E+10: the digits are lost
INVALID = "invalid"
MISSING = "missing"

# Best first: which of the two fields a courier or an SMS should use.
_RANK = {MOBILE: 0, PRIVACY: 1, LANDLINE: 2, OVERSEAS: 3, MASKED: 4, MANGLED: 5, INVALID: 6, MISSING: 7}

_EXT = r"(?:转|分机|ext\.?|x|#|-|_|~|,)"
_PRIVACY = re.compile(rf"^(1\d{{10}}){_EXT}+(\d{{1,6}})$", re.I)
_LANDLINE = re.compile(rf"^(0(?:10|2\d|[3-9]\d\d))-?([1-9]\d{{6,7}})(?:{_EXT}+(\d{{1,6}}))?$", re.I)
# +86, 0086 or 86 in front of a mainland number; +852/853/886 (and 00…) in front of the others'
_MAINLAND = re.compile(r"^(?:\+|00)?86[-.]?(?=1\d|0?[1-9]\d{8,10}$)")
_ELSEWHERE = re.compile(r"^(?:\+|00)?(852|853|886)[-.]?(?=\d{7,10}$)")
_CALLING_CODES = {"852": "HK", "853": "MO", "886": "TW"}
REGIONS = frozenset(_CALLING_CODES.values())
_JUNK = re.compile(r"[\s'\"=()（）`]")
_SEPARATORS = re.compile(r"[-.]")
_EXCEL_SUFFIX = re.compile(r"^(\d{7,})\.0+$")  # 13812345678.0 / .00: a number Excel wrote as a float
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?e\+?\d+$", re.I)


@dataclass(frozen=True, slots=True)
class Phone:
    kind: str  # mobile | landline | privacy | overseas | masked | mangled | invalid | missing
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
        return self.kind in (MOBILE, PRIVACY, LANDLINE, OVERSEAS)


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


# A run reads each phone several times (the reminder, the cap, the provider's own check): the
# plain 11-digit spellings are read once each, from a bounded memo (Phone is immutable).
_PLAIN_PHONES: dict[str, Phone] = {}


def _plain(value: str) -> Phone:
    found = _PLAIN_PHONES.get(value)
    if found is None:
        found = Phone(MOBILE, value, None, value) if _is_mobile(value) else Phone(INVALID, raw=value)
        if len(_PLAIN_PHONES) >= 100_000:
            _PLAIN_PHONES.clear()
        _PLAIN_PHONES[value] = found
    return found


def _valid_other(digits: str) -> bool:
    """A landline, 400/800 or other non-mobile number phonenumbers accepts for China."""
    pn = _phonenumbers()
    try:
        parsed = pn.parse(digits, "CN")
    except pn.NumberParseException:
        return False
    return pn.is_valid_number(parsed) and pn.number_type(parsed) != pn.PhoneNumberType.MOBILE


def classify_phone(value: str | None, region: str | None = None) -> Phone:
    """Read one phone field (联系手机 or 联系电话) as the one normaliser every use shares (PRODUCT §16).

    `region` is HK, MO or TW for an order going there: a number without its calling code is then
    read as that region's; anything else is read as a mainland number."""
    if value is None:
        return Phone(MISSING)
    if value.__class__ is str and len(value) == 11 and value.isdigit() and value.isascii() and value[0] == "1":
        return _plain(value)  # the common case
    raw = str(value)
    text = _JUNK.sub("", unicodedata.normalize("NFKC", raw)).strip("-")
    if not text:
        return Phone(MISSING)
    if "*" in text:
        return Phone(MASKED, raw=raw)
    if _SCIENTIFIC.match(text):
        return Phone(MANGLED, raw=raw)
    suffix = _EXCEL_SUFFIX.match(text)
    if suffix:
        text = suffix.group(1)
    elsewhere = _ELSEWHERE.match(text)
    if elsewhere:
        return _overseas(_CALLING_CODES[elsewhere.group(1)], text[elsewhere.end():], raw)
    if region in REGIONS and not _MAINLAND.match(text):
        return _overseas(region, text, raw)
    text = _MAINLAND.sub("", text, count=1)
    digits = _SEPARATORS.sub("", text)
    if len(digits) == 11 and digits[0] == "1" and digits.isdigit():
        return Phone(MOBILE, digits, None, raw) if _is_mobile(digits) else Phone(INVALID, raw=raw)
    return _not_mobile(text, digits, raw)


def _not_mobile(text: str, digits: str, raw: str) -> Phone:
    """The rest of classify_phone once a value is known not to be a plain mobile: privacy number,
    landline (phonenumbers' validation, the expensive part), or invalid."""
    match = _PRIVACY.match(text)
    if match:
        base, ext = match.groups()
        return Phone(PRIVACY, base, ext, raw) if _is_mobile(base) else Phone(INVALID, raw=raw)
    match = _LANDLINE.match(text)
    if match:
        area, local, ext = match.groups()
        if _valid_other(area + local):
            return Phone(LANDLINE, f"{area}-{local}", ext, raw)
        return Phone(INVALID, raw=raw)
    if digits.isdigit() and 7 <= len(digits) <= 12 and _valid_other(digits):
        return Phone(LANDLINE, digits, None, raw)
    return Phone(INVALID, raw=raw)


def _overseas(region: str, national: str, raw: str) -> Phone:
    """A Hong Kong, Macau or Taiwan number, valid like phonenumbers says: +852 91234567."""
    pn = _phonenumbers()
    digits = _SEPARATORS.sub("", national)
    try:
        parsed = pn.parse(digits, region)
    except pn.NumberParseException:
        return Phone(INVALID, raw=raw)
    if not digits.isdigit() or not pn.is_valid_number_for_region(parsed, region):
        return Phone(INVALID, raw=raw)
    return Phone(OVERSEAS, f"+{parsed.country_code} {parsed.national_number}", None, raw)


def region_of(province: str | None) -> str | None:
    """HK, MO or TW for an order whose province is 香港, 澳门 or 台湾; None for the mainland."""
    if not province:
        return None
    for word, region in (("香港", "HK"), ("澳门", "MO"), ("澳門", "MO"), ("台湾", "TW"), ("臺灣", "TW")):
        if province.startswith(word):
            return region
    return None


def receiver_phone(mobile: str | None, tel: str | None = None, region: str | None = None) -> Phone:
    """The receiver's best number from 联系手机 and 联系电话 (either may hold either kind)."""
    first = classify_phone(mobile, region)
    if first.kind == MOBILE and not tel:
        return first
    second = classify_phone(tel, region)
    best, other = (first, second) if _RANK[first.kind] <= _RANK[second.kind] else (second, first)
    if other.kind in (INVALID, MANGLED) and best.kind not in (INVALID, MANGLED):
        return Phone(best.kind, best.number, best.extension, best.raw, (other.raw,))
    return best


def _mobile_digits(value: str) -> str | None:
    """classify_phone(value).mobile for a mainland reading, by its cheap steps only (no landline
    validation): the same answer, at a cost an import can pay for every phone cell."""
    text = _JUNK.sub("", unicodedata.normalize("NFKC", value)).strip("-")
    if not text or "*" in text or _SCIENTIFIC.match(text):
        return None
    suffix = _EXCEL_SUFFIX.match(text)
    if suffix:
        text = suffix.group(1)
    if _ELSEWHERE.match(text):
        return None
    digits = _SEPARATORS.sub("", _MAINLAND.sub("", text, count=1))
    if len(digits) == 11 and digits[0] == "1" and digits.isdigit() and _is_mobile(digits):
        return digits
    return None


def stored_phone(value: str | None) -> str | None:
    """What the shop database keeps of a phone cell (PRODUCT §16): the 11-digit mobile when the
    cell is a valid mainland mobile in any spelling ('+86 138-0013-8000', '13800138000.0',
    '138.0013.8000', full width), else the cell as written (a landline, a privacy number, a
    masked, mangled or invalid one is kept for the checks to judge, never "fixed")."""
    if not value or value.__class__ is not str:
        return value
    if len(value) == 11 and value.isdigit() and value.isascii():
        return value  # a mobile already, or 11 digits that are not one: kept as written either way
    return _mobile_digits(value) or value


def buyer_key(order: Mapping) -> str | None:
    """Who a buyer is, the same everywhere (PRODUCT §16: reminder caps, "paid another order",
    merges, address-check): the buyer nick (买家会员名) when the export gives one, else the
    receiver's normalised phone (a privacy number with its extension); None when neither is
    known (a desensitised export without nick, a blank or invalid phone)."""
    nick = (order.get("buyer_nick") or "").strip()
    if nick:
        return nick
    phone = receiver_phone(order.get("receiver_mobile"), order.get("receiver_tel"))
    if phone.kind in (MOBILE, LANDLINE, PRIVACY, OVERSEAS):
        return phone.number + (f"#{phone.extension}" if phone.extension else "")
    return None


def normalise_mobile(value: str | None) -> str | None:
    """The 11-digit mainland mobile a text can go to, or None: '+86 138-0013-8000' → '13800138000';
    a privacy number, a masked or invalid one is never turned into one."""
    return classify_phone(value).mobile


def phone_key(value: str | None) -> str:
    """What two phone fields are compared by: the normalised number (a privacy number with its
    extension); the digits of a number that is not valid; "" for a masked or blank one."""
    phone = classify_phone(value)
    if phone.kind in (MASKED, MISSING, MANGLED):
        return ""
    if phone.kind == INVALID:
        return re.sub(r"\D", "", unicodedata.normalize("NFKC", str(value)))
    return phone.number + (f"#{phone.extension}" if phone.extension else "")


def mask_phone(value: str | None) -> str | None:
    """138****5678; a landline keeps its area code; an extension stays (it is not personal)."""
    if not value:
        return value
    text = str(value).strip()
    if "*" in text:
        return text  # already masked by the platform
    text = stored_phone(text)  # '+86 138 0013 8000' is masked as the mobile it is
    main, sep, ext = _split_extension(text)
    digits = re.sub(r"\D", "", main)
    if len(digits) >= 11 and digits.startswith("1") and "-" not in main:
        masked = digits[:3] + _MASK + digits[-4:]
    elif "-" in main:
        area, _, number = main.partition("-")
        masked = area + "-" + _MASK + number[-4:] if len(number) > 4 else area + "-" + _MASK
    elif len(digits) >= 8:
        masked = digits[:3] + _MASK + digits[-4:]
    else:
        masked = _MASK + digits[-2:] if len(digits) > 2 else _MASK
    return masked + (sep + ext if ext else "")


_MASK = "****"


def _split_extension(text: str) -> tuple[str, str, str]:
    match = re.match(r"^(\+?[\d\s()-]*?\d)\s*(转|-|#|,|ext\.?|x)\s*(\d{1,6})$", text, re.I)
    if match and len(re.sub(r"\D", "", match.group(1))) == 11:
        return match.group(1), match.group(2), match.group(3)
    return text, "", ""


# --- phones inside free text (notes, buyer messages, review texts, SMS texts, provider errors) ---
# The spellings §16 normalises, as people type them in a sentence: +86/0086/86 in front, spaces,
# dashes, dots or full-width separators between digit groups, full-width digits. Never part of a
# longer digit run (order numbers are 19 digits, tracking numbers carry letters in front).
_D = "[0-9０-９]"
_SEP = r"[ \u3000\-.－．·・]"
_MOBILE_IN_TEXT = re.compile(
    rf"(?<![0-9０-９])(?:(?:[+＋]|00|００)?(?:86|８６){_SEP}?)?[1１][3-9３-９]{_D}(?:{_SEP}?{_D}){{8}}(?![0-9０-９])"
)
_LANDLINE_IN_TEXT = re.compile(
    rf"(?<![0-9０-９])[(（]?[0０][1-9１-９]{_D}{{1,2}}[)）]?{_SEP}?[2-9２-９](?:{_SEP}?{_D}){{6,7}}"
    rf"(?:\s*(?:转|分机|ext\.?|#)\s*{_D}{{1,6}})?(?![0-9０-９])", re.I,
)


def phones_in_text(text: str) -> list[tuple[int, int]]:
    """(start, end) of every phone number written inside `text`, mobiles and landlines, in any
    spelling §16 reads as one (PRODUCT §12: they are masked inside free texts too)."""
    if not text or len(text) < 7:
        return []
    spans = [m.span() for m in _MOBILE_IN_TEXT.finditer(text)]
    for match in _LANDLINE_IN_TEXT.finditer(text):
        start, end = match.span()
        if not any(s < end and start < e for s, e in spans):
            spans.append((start, end))
    return sorted(spans)


def mask_phones_in_text(text, replacement: str | None = None):
    """`text` with every phone inside it masked (138****5678, 0571-****1234), or replaced by
    `replacement` (purge: "****"). Anything that is not a str is returned as it is."""
    if not isinstance(text, str) or len(text) < 7:
        return text
    spans = phones_in_text(text)
    if not spans:
        return text
    out, last = [], 0
    for start, end in spans:
        out.append(text[last:start])
        found = text[start:end]
        out.append(replacement if replacement is not None else _masked_in_text(found))
        last = end
    out.append(text[last:])
    return "".join(out)


def _masked_in_text(found: str) -> str:
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", found))
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if digits.startswith("0"):  # a landline: its area code stays, as mask_phone writes it
        area = 3 if digits[1] in "12" else 4
        return digits[:area] + "-" + _MASK + digits[-4:]
    return digits[:3] + _MASK + digits[-4:]
