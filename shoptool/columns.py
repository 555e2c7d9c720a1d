"""What a column of a result is: its JSON key, its headers for staff, and what kind of value it holds.

The kind drives everything the output layer does with a value: masking (phone, name, address),
money as yuan, ids kept as text in Excel, times as real dates. A column of codes names its
vocabulary (`labels`), so tables and staff files show `超卖风险` where JSON keeps `oversell_risk`.
"""

from __future__ import annotations

from dataclasses import dataclass

# Kinds a column can have. Personal-data kinds are masked unless --show-pii.
TEXT = "text"
ID = "id"  # order numbers, SKU codes, tracking numbers: text, exact to the last digit
INT = "int"
PERCENT = "percent"  # a fraction in rows and JSON (0.423); 42.3% for people, a percentage cell in Excel
MONEY = "money"  # integer fen in rows; yuan with two decimals out
TIME = "time"  # ISO-8601 with offset in rows
LIST = "list"
BOOL = "bool"
PHONE = "phone"
NAME = "name"
ADDRESS = "address"
JSON = "json"
INVOICE_TITLE = "invoice_title"  # 发票抬头: a company stays, a person's name is masked

PII_KINDS = frozenset({PHONE, NAME, ADDRESS, INVOICE_TITLE})


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str | None = None
    kind: str = TEXT
    width: int | None = None  # characters, for Excel; None = from the header and kind
    labels: str | None = None  # the vocabulary of its codes (labels.VOCABULARIES): Chinese for staff

    def header(self, language: str) -> str:
        if language == "en":
            return self.en or self.key
        if language == "key":
            return self.key
        return self.zh

    @property
    def is_pii(self) -> bool:
        return self.kind in PII_KINDS
