"""SMS templates: render the local text, count it the way Chinese providers bill, check class rules.

A template is what the provider approved (its code and variables) plus our own copy of the text,
used to preview exactly what a buyer gets and to count parts before anything is sent.

Billing (Aliyun, Tencent alike): the signature 【…】 counts, brackets included; up to 70
characters is one part, a longer text is billed in parts of 67. Every character is one, Chinese
or not, because the text travels as UCS-2; a character outside the BMP (most emoji) needs two
UCS-2 units and is counted as two.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..errors import ConfigError
from ..settings_defaults import default as setting_default

NOTIFICATION = "notification"  # shipping notice
REMINDER = "reminder"  # unpaid reminder
MARKETING = "marketing"
CLASSES = (NOTIFICATION, REMINDER, MARKETING)

UNSUBSCRIBE = setting_default("sms.unsubscribe_text")  # 拒收请回复R
SINGLE_PART = 70
PART = 67

# Words that make a text promotional. A notification or reminder carrying them is marketing in the
# carriers' eyes (and the provider's template review), with marketing's rules and quiet hours.
MARKETING_WORDS = (
    "优惠", "促销", "折扣", "打折", "折起", "领券", "优惠券", "红包", "秒杀", "限时", "特价", "特惠",
    "上新", "新品", "抢购", "满减", "大促", "福利", "返现", "爆款", "清仓", "低至", "狂欢", "会员日",
    "双11", "双十一", "双12", "618", "包邮", "赠品", "买一送一", "活动价", "好评返",
)
# Opt-out wording in any of its usual forms (拒收请回复R, 回T退订, 退订回TD, 回N…).
_OPT_OUT = re.compile(r"退订|拒收|回复?\s*(?:TD|T|N|R)(?![A-Za-z])", re.I)
# {name} as in the shop's settings, or ${name} as pasted from the Aliyun console.
_VARIABLE = re.compile(r"\$?\{([A-Za-z_][A-Za-z0-9_]*)\}")


class TemplateError(ConfigError):
    """A template in settings breaks a rule, or a message lacks one of its variables (exit 2)."""


def count_chars(text: str) -> int:
    """Characters as billed: UTF-16 code units, so an emoji counts two."""
    return len(text.encode("utf-16-le")) // 2


def count_parts(chars: int | str) -> int:
    n = count_chars(chars) if isinstance(chars, str) else chars
    if n <= 0:
        return 0
    return 1 if n <= SINGLE_PART else math.ceil(n / PART)


def signature(sign_name: str) -> str:
    """【sign】: the name as registered with the provider, brackets added here, never twice."""
    name = (sign_name or "").strip().strip("【】[]").strip()
    if not name:
        raise TemplateError("sms.sign_name is empty: set the signature registered with the SMS provider")
    return f"【{name}】"


@dataclass(frozen=True)
class Template:
    purpose: str  # shipped, unpaid, …: the settings key under sms.templates
    code: str  # the provider's template code (Aliyun SMS_123…, Tencent numeric id)
    text: str  # local copy of the approved text, without the signature
    sms_class: str
    params: tuple[str, ...]  # variables in provider order (Tencent's are positional)

    @classmethod
    def from_settings(
        cls, purpose: str, table: Mapping, *, unsubscribe: str = UNSUBSCRIBE
    ) -> Template:
        """From a [sms.templates.<purpose>] table: code, text, class, and optionally params."""
        where = f"template {purpose!r} (sms.templates.{purpose})"
        if not isinstance(table, Mapping):
            raise TemplateError(f"{where}: expected a table with code, text and class")
        code = str(table.get("code") or "").strip()
        text = str(table.get("text") or "").strip()
        sms_class = str(table.get("class") or "").strip()
        found = _variables(text)
        given = table.get("params")
        if given is not None:
            if isinstance(given, str) or not isinstance(given, Iterable):
                raise TemplateError(f"{where}: params must be a list of variable names")
            params = tuple(str(p) for p in given)
            if set(params) != set(found) or len(params) != len(set(params)):
                raise TemplateError(
                    f"{where}: params {list(params)} do not match the variables in its text {list(found)}"
                )
        else:
            params = found
        template = cls(purpose=purpose, code=code, text=text, sms_class=sms_class, params=params)
        template.check(unsubscribe=unsubscribe)
        return template

    def check(self, *, unsubscribe: str = UNSUBSCRIBE) -> None:
        """Raise TemplateError naming this template when it breaks a rule of its class."""
        where = f"template {self.purpose!r} (code {self.code or '?'}, class {self.sms_class or '?'})"
        if not self.code:
            raise TemplateError(f"{where}: no provider template code; set sms.templates.{self.purpose}.code")
        if not self.text:
            raise TemplateError(f"{where}: no text; set sms.templates.{self.purpose}.text to the approved text")
        if self.sms_class not in CLASSES:
            raise TemplateError(f"{where}: class must be one of {', '.join(CLASSES)}")
        if "【" in self.text or "】" in self.text:
            raise TemplateError(
                f"{where}: the text carries 【…】; the signature comes from sms.sign_name and is added once"
            )
        fixed = _VARIABLE.sub("", self.text)
        if self.sms_class in (NOTIFICATION, REMINDER):
            words = [w for w in MARKETING_WORDS if w in fixed]
            if words:
                raise TemplateError(
                    f"{where}: marketing wording ({', '.join(words)}) in a {self.sms_class} text; "
                    "remove it or make the template class marketing"
                )
        if self.sms_class == NOTIFICATION:
            match = _OPT_OUT.search(fixed)
            if match or unsubscribe in fixed:
                raise TemplateError(
                    f"{where}: a notification must not carry unsubscribe wording "
                    f"({match.group(0) if match else unsubscribe!r})"
                )
        if self.sms_class == MARKETING and not self.text.rstrip().endswith(unsubscribe):
            raise TemplateError(f"{where}: a marketing text must end with the unsubscribe wording {unsubscribe}")


@dataclass(frozen=True)
class Rendered:
    """One message's text as the buyer will see it, and what it costs."""

    purpose: str
    template_code: str
    sms_class: str
    text: str  # 【sign】 + body: what the buyer sees and what is counted
    body: str
    params: dict[str, str]  # the template's variables only, in template order
    chars: int
    parts: int
    sign_name: str  # the bare signature, as the providers take it


def render(template: Template, values: Mapping[str, object], *, sign_name: str) -> Rendered:
    """Fill the template's variables; a missing one is an error naming the template and variable."""
    missing = [p for p in template.params if values.get(p) is None]
    if missing:
        raise TemplateError(
            f"template {template.purpose!r} (code {template.code}): no value for {', '.join(missing)}"
        )
    params = {p: _clean(values[p]) for p in template.params}
    body = _VARIABLE.sub(lambda m: params[m.group(1)], template.text)
    sign = signature(sign_name)
    text = sign + body
    chars = count_chars(text)
    return Rendered(
        purpose=template.purpose,
        template_code=template.code,
        sms_class=template.sms_class,
        text=text,
        body=body,
        params=params,
        chars=chars,
        parts=count_parts(chars),
        sign_name=sign[1:-1],
    )


def load_templates(tables: Mapping[str, Mapping], *, unsubscribe: str = UNSUBSCRIBE) -> dict[str, Template]:
    """Every [sms.templates.<purpose>] table, checked; the first broken one raises."""
    return {
        purpose: Template.from_settings(purpose, table, unsubscribe=unsubscribe)
        for purpose, table in tables.items()
    }


def _variables(text: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for match in _VARIABLE.finditer(text):
        seen.setdefault(match.group(1))
    return tuple(seen)


def _clean(value: object) -> str:
    # A line break inside a variable splits the text oddly on handsets and providers refuse it.
    return " ".join(str(value).split()) if "\n" in str(value) or "\r" in str(value) else str(value).strip()
