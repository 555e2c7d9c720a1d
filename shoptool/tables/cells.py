"""Cleaning one cell of a platform/ERP export into the value shoptool stores.

Exports wrap long numbers to stop Excel from mangling them (`="…"`, a leading `'` or tab), use
full-width digits, `¥` and thousands separators. A value Excel has already mangled (1.23457E+18)
cannot be recovered: it raises CellError so the row is rejected with that reason, never stored
wrong. These functions run once per cell on million-row files, so each has a cheap fast path.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation

from .. import clock
from ..orders import flag_colour, tracking_key
from ..phones import stored_phone


class CellError(ValueError):
    """This cell cannot be stored faithfully; the message says why, in words for CS staff."""


_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$")
_DECIMAL_ID = re.compile(r"^(\d+)\.(\d+)$")
_MONEY_JUNK = str.maketrans("", "", "¥￥,，元 \u00a0\u3000$")
# Excel keeps 15 significant digits; an id longer than that which went through a number is lost.
_EXACT_DIGITS = 15


def unwrap(value: str) -> str:
    """Strip the protections exports put around numbers: ="…", a leading ' or tab, spaces."""
    text = value.strip()
    if not text:
        return text
    first = text[0]
    if first == "=" and len(text) >= 3 and text[1] == '"' and text[-1] == '"':
        text = text[2:-1].strip()
    elif first in "'`\t":
        text = text[1:].strip()
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).strip()
    return text


def text(value) -> str | None:
    if value.__class__ is str:
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def label(value) -> str | None:
    """Text that repeats across rows (kinds.LABEL): cleaned exactly like `text`."""
    return text(value)


def identifier(value) -> str | None:
    """Order numbers, SKU codes, item ids: text, exact to the last digit."""
    if value.__class__ is str:
        if value.isdigit() and value.isascii():
            return value
        cleaned = unwrap(value)
        if not cleaned:
            return None
        if cleaned.isdigit():
            return cleaned
        if _SCIENTIFIC.match(cleaned):
            raise CellError(
                f"number mangled by Excel ({cleaned}): the digits are lost; export it again "
                "and do not re-save it in Excel"
            )
        match = _DECIMAL_ID.match(cleaned)
        if match:
            digits, decimals = match.groups()
            if decimals.strip("0"):
                return cleaned  # a real code with a dot in it, e.g. "1.5"
            if len(digits.lstrip("0")) > _EXACT_DIGITS:
                raise CellError(
                    f"number passed through Excel ({cleaned}): digits after the 15th may be lost"
                )
            return digits
        return cleaned
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 10**_EXACT_DIGITS:
            return str(int(value))
        raise CellError(
            f"number stored as a floating-point value ({value:.6g}): digits after the 15th are "
            "lost; store the column as text"
        )
    return str(value)


def tracking(value) -> str | None:
    """A tracking number in the one spelling the shop keeps (orders.tracking_key: no `No:` label,
    separators or lower case), exact to the last digit; a number Excel mangled is refused."""
    if value.__class__ is str and value.isascii() and value.isalnum():
        return value.upper()
    cleaned = identifier(value)
    if cleaned and not cleaned.isdigit():
        cleaned = tracking_key(cleaned)
    return cleaned


def phone(value) -> str | None:
    """Phones minus export wrappers; a valid mobile in any spelling as its 11 digits, anything else
    as written (validation is for the checks; phones.stored_phone, PRODUCT §16)."""
    if value.__class__ is str:
        if value.isdigit() and value.isascii() and len(value) == 11:
            return value
        return stored_phone(unwrap(value)) or None
    if value is None:
        return None
    return stored_phone(identifier(value))


def money(value) -> int | None:
    """Yuan as exported → integer fen, exactly. More than two decimals is not money."""
    if value.__class__ is str:
        known = _MONEY_SEEN.get(value)
        if known is not None:
            return known
        # fast path for the common "99.00" / "99" / "0.5"
        whole, dot, cents = value.partition(".")
        if (whole.isdigit() and whole.isascii() and len(whole) <= _MAX_YUAN_DIGITS
                and (not dot or (cents.isdigit() and cents.isascii() and len(cents) <= 2))):
            fen = int(whole) * 100 + (int(cents.ljust(2, "0")) if dot else 0)
            if len(_MONEY_SEEN) < 4096:  # prices repeat across a file; remembering them is cheap
                _MONEY_SEEN[value] = fen
            return fen
        raw = value.strip()
        if not raw:
            return None
    elif value is None:
        return None
    elif isinstance(value, bool):
        raise CellError(f"not an amount: {value!r}")
    elif isinstance(value, int):
        return _int64(value * 100, value)
    elif isinstance(value, float):
        if not math.isfinite(value) or abs(value) >= 10**_MAX_YUAN_DIGITS:
            raise CellError(f"not an amount: {value!r}")
        fen = round(value * 100)
        if abs(value * 100 - fen) > 1e-6:
            raise CellError(f"not an amount in yuan and fen: {value!r}")
        return fen
    else:
        raw = str(value).strip()
    cleaned = unwrap(raw).translate(_MONEY_JUNK)
    if not cleaned or cleaned == "-":
        return None
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise CellError(f"not an amount: {raw!r}") from None
    if not amount.is_finite() or amount.adjusted() >= _MAX_YUAN_DIGITS:
        raise CellError(f"not an amount: {raw!r}")  # inf, NaN, 1e999999999: never int() them
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise CellError(f"not an amount in yuan and fen: {raw!r}")
    return int(fen)


_MONEY_SEEN: dict[str, int] = {}


def integer(value) -> int | None:
    """Quantities and stock (negative stock is real and must survive)."""
    if value.__class__ is str and value.isdigit() and value.isascii() and len(value) <= 18:
        return int(value)
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError(f"not a whole number: {value!r}")
    if isinstance(value, int):
        return _int64(value, value)
    if isinstance(value, float):
        if value.is_integer():
            return _int64(int(value), value)
        raise CellError(f"not a whole number: {value!r}")
    if value.__class__ is not str:  # a date or time cell of a workbook: refused with its row, never a crash
        raise CellError(f"not a whole number: {value!s}")
    raw = value.strip()
    if not raw:
        return None
    if raw.isascii() and (raw.isdigit() or (raw[0] == "-" and raw[1:].isdigit())):
        if len(raw) > 20:  # int() refuses more than 4300 digits with a plain ValueError
            raise CellError(f"number too large: {raw[:30]!r}…")
        return _int64(int(raw), raw)
    cleaned = unwrap(raw).replace(",", "").replace("，", "").replace(" ", "")
    if cleaned in ("", "-"):
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise CellError(f"not a whole number: {raw!r}") from None
    if not number.is_finite() or number.adjusted() > 18:
        raise CellError(f"not a whole number: {raw!r}")  # inf, NaN, 1e999999999: never int() them
    if number != number.to_integral_value():
        raise CellError(f"not a whole number: {raw!r}")
    return _int64(int(number), raw)


# SQLite stores at most a signed 64-bit integer; a longer number would fail the whole file's
# transaction instead of rejecting its row. Money is stored in fen, hence two digits fewer.
_INT64_MAX = 2**63 - 1
_MAX_YUAN_DIGITS = 16


def _int64(number: int, raw) -> int:
    if -_INT64_MAX <= number <= _INT64_MAX:
        return number
    raise CellError(f"number too large: {raw!r}")


class TimeCleaner:
    """Moments → ISO-8601 with the shop's offset. Built once per import: for a zone without DST
    (Asia/Shanghai) the common `YYYY-MM-DD HH:MM:SS` shape is converted by slicing."""

    def __init__(self, tz: tzinfo):
        self.tz = tz
        probe = datetime.now(tz)
        winter = datetime(probe.year, 1, 15, tzinfo=tz).utcoffset()
        summer = datetime(probe.year, 7, 15, tzinfo=tz).utcoffset()
        self.fixed_suffix = (
            datetime(probe.year, 1, 15, tzinfo=tz).isoformat()[19:] if winter == summer else None
        )

    def __call__(self, value) -> str | None:
        if value.__class__ is str:
            suffix = self.fixed_suffix
            # "YYYY-MM-DD HH:MM:SS" exactly: with the colons checked, no offset ("10:00+08") fits
            if suffix and len(value) == 19 and value[10] in " T" and value[13] == ":" and value[16] == ":":
                try:
                    _fromiso(value)  # validates in C; far cheaper than a regex plus parsing
                    return value[:10] + "T" + value[11:] + suffix
                except ValueError:
                    pass
            raw = value.strip()
            if not raw or raw in _BLANK_TIMES:
                return None
            raw = unwrap(raw)
        elif value is None:
            return None
        else:
            raw = value
        try:
            moment = clock.parse_time(raw, self.tz)
            return clock.to_iso(moment, self.tz)
        except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved across zones
            raise CellError(f"not a date/time: {value!r}") from None


_fromiso = datetime.fromisoformat
_BLANK_TIMES = frozenset({"-", "--", "0000-00-00 00:00:00", "null", "NULL"})


def flag(value) -> str | None:
    """Seller flag 旗帜: 0–5 or a colour name → red/yellow/green/blue/purple, None for no flag."""
    if value is None:
        return None
    if isinstance(value, float):
        raw = str(int(value)) if value.is_integer() else str(value)  # inf/NaN/2.5: not a flag, no crash
    else:
        raw = unwrap(str(value)) if not isinstance(value, int) else str(int(value))
    try:
        return flag_colour(raw)
    except ValueError:
        raise CellError(f"not a flag: {value!r} (use 0–5 or 红/黄/绿/蓝/紫)") from None


def as_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None
