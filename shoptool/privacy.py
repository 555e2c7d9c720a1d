"""Masking of buyers' personal data (PRODUCT §12): tables, JSON, files and logs show only enough to
recognise an order, never enough to contact or locate the buyer, unless --show-pii is given."""

from __future__ import annotations

import re

from .phones import mask_phone, mask_phones_in_text

MASK = "****"

_ADMIN_PREFIX = re.compile(
    r"^(?:[^\s\d]{2,8}?(?:省|自治区|特别行政区))?"
    r"(?:[^\s\d]{1,10}?(?:市|自治州|州|盟|地区))?"
    r"(?:[^\s\d]{1,10}?(?:区|县|市|旗))?"
)


def mask_name(value: str | None) -> str | None:
    """张*, 欧***: the family name stays so staff can greet the buyer."""
    if not value:
        return value
    text = str(value).strip()
    if "*" in text or not text:
        return text
    return text[0] + "*" * min(max(len(text) - 1, 1), 3)


def mask_address(value: str | None) -> str | None:
    """Keeps province, city and district; the street and house number become ****."""
    if not value:
        return value
    text = str(value).strip()
    if text.endswith("*"):
        return text
    parts = text.split()
    if len(parts) >= 4:
        return " ".join(parts[:3]) + " " + MASK
    if len(parts) > 1:
        return " ".join(parts[:-1]) + " " + MASK
    prefix = _ADMIN_PREFIX.match(text)
    kept = prefix.group(0) if prefix else ""
    if not kept:
        kept = text[:2]
    return kept + MASK


# An invoice title (发票抬头) names a company, which is not personal data, or a person, who is.
_ORGANISATION = re.compile(
    r"(公司|有限|集团|厂|中心|学校|学院|大学|中学|小学|幼儿园|医院|诊所|研究|事务所|银行|协会|委员会|合作社|工作室|商行|"
    r"经营部|门市|商店|超市|药房|酒店|宾馆|餐厅|店$|局$|院$|馆$|站$|社$|所$|处$|部$)")
_PERSONAL_TITLES = {"个人", "个人发票", "个人抬头"}


def mask_invoice_title(value: str | None) -> str | None:
    """杭州某某科技有限公司 and 个人 stay as they are; a person's name is masked like a name."""
    if not value:
        return value
    text = str(value).strip()
    if text in _PERSONAL_TITLES or (len(text) >= 4 and _ORGANISATION.search(text)):
        return text
    return mask_name(text)


MASKERS = {"phone": mask_phone, "name": mask_name, "address": mask_address, "invoice_title": mask_invoice_title}


def mask(kind: str, value):
    masker = MASKERS.get(kind)
    return masker(value) if masker and isinstance(value, str) else value


def mask_free_text(value):
    """Phones written inside a free text (a buyer message, a seller note, a review, an SMS text, a
    JSON blob of unknown export columns) masked wherever they stand: 请联系138****5678. Lists and
    dicts are masked item by item; other values are returned as they are."""
    if isinstance(value, str):
        return mask_phones_in_text(value) if len(value) >= 7 else value
    if isinstance(value, (list, tuple)):
        return [mask_free_text(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_free_text(v) for k, v in value.items()}
    return value
