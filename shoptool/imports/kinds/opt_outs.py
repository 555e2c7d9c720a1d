"""Opt-outs: phones of buyers who replied TD/退订/R or asked not to be texted."""

from __future__ import annotations

from ...db import current, store
from ...phones import normalise_mobile
from ..convert import Converter, require
from ..header import LABEL, PHONE, TIME, F, Kind

OPT_OUTS = Kind(
    "opt-outs",
    (
        F("phone", "手机号|手机号码|手机|电话|号码|phone|mobile", PHONE),
        F("opted_out_at", "退订时间|回复时间|时间|time", TIME),
        F("source", "来源|渠道|source", LABEL),
        F("note", "回复内容|内容|备注|原因"),
    ),
    required=("phone",),
    markers=("opted_out_at", "source", "note"),
    label="退订名单",
    # PRODUCT §16: a sheet of phones alone (a VIP list, a call list) is never guessed to be opt-outs,
    # which would silence everyone on it: it needs a column an opt-out list has, or --as opt-outs.
    evidence=("退订时间", "回复时间", "回复内容", "退订内容", "退订原因", "退订方式", "退订渠道", "来源", "渠道",
              "source", "退订", "拒收", "unsubscribed_at", "opted_out_at", "reply"),
)


class OptOutConverter(Converter):
    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        _refuse_consents(self)
        self.data = [f for f in ("opted_out_at", "source", "note") if f in self.present]
        self.columns = ("phone", *self.data, "extra", "first_seen_at", "import_id")

    def convert(self, record: list, number: int) -> list[tuple]:
        record = self.pad(record)
        v = self.fields(record)
        raw = require(v, "phone", self, "phone number")
        # stored as the 11-digit mobile every send compares with; anything else as written
        phone = normalise_mobile(raw) or raw.strip()
        return [(phone, *(v.get(f) for f in self.data), self.extra(record), self.now_iso, self.import_id)]


# The earliest opt-out counts (a buyer who said TD in October has not been textable since).
RULES = current.Rules(key=("phone",), minimum=("opted_out_at",), events=("opted_out_at",))


def writer(db, columns, file_size: int):
    return store.Upsert(db, "opt_outs", RULES, columns)


def _refuse_consents(conv: Converter) -> None:
    """PRODUCT §20: a sheet with 同意时间 or 凭证 is a consent list, never opt-outs (not even with --as)."""
    from ...errors import InputError
    from ..header import normalise_header
    from .consents import CONSENT_HEADERS

    consent = {normalise_header(h) for h in CONSENT_HEADERS}
    found = [h for h in conv.header if normalise_header(h) in consent]
    if found:
        raise InputError(f"this sheet has {', '.join(found)}: it is a list of buyers who agreed to marketing "
                         "texts, never an opt-out list", column=found[0],
                         hint="import it as consents: shoptool import FILE --as consents")
