"""Consents: phones of buyers who agreed to marketing texts, with where (来源), when (同意时间) and
the proof (凭证: a form id, a screenshot's name). A sheet with 同意时间 or 凭证 is a consent list,
never an opt-out list (opt_outs.py refuses it even with --as opt-outs)."""

from __future__ import annotations

from ...db import current, store
from ...phones import normalise_mobile
from ..convert import Converter, require
from ..header import LABEL, PHONE, TIME, F, Kind

CONSENT_HEADERS = ("同意时间", "授权时间", "签署时间", "凭证", "同意凭证", "授权凭证", "consented_at", "consent_proof")

CONSENTS = Kind(
    "consents",
    (
        F("phone", "手机号|手机号码|手机|电话|号码|phone|mobile", PHONE),
        F("buyer", "买家会员名|会员名称|会员名|买家昵称|旺旺|buyer_nick"),
        F("source", "来源|渠道|授权来源|同意方式|source", LABEL),
        F("consented_at", "同意时间|授权时间|签署时间|consented_at|time", TIME),
        F("proof", "凭证|同意凭证|授权凭证|证明|截图|表单编号|consent_proof|proof"),
    ),
    required=("phone",),
    markers=("consented_at", "proof", "source"),
    label="营销同意名单",
    # a bare list of phones is never taken for consents: only a sheet that says when or how
    evidence=CONSENT_HEADERS,
)


class ConsentConverter(Converter):
    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.data = [f for f in ("buyer", "source", "consented_at", "proof") if f in self.present]
        self.columns = ("phone", *self.data, "extra", "first_seen_at", "import_id")

    def convert(self, record: list, number: int) -> list[tuple]:
        record = self.pad(record)
        v = self.fields(record)
        raw = require(v, "phone", self, "phone number")
        # stored as the 11-digit mobile every send compares with; anything else as written
        phone = normalise_mobile(raw) or raw.strip()
        return [(phone, *(v.get(f) for f in self.data), self.extra(record), self.now_iso, self.import_id)]


# The newest consent row of a phone is its record (a later form replaces an older one's proof).
RULES = current.Rules(key=("phone",), events=("consented_at",))


def writer(db, columns, file_size: int):
    return store.Upsert(db, "consents", RULES, columns)
