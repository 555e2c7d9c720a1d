"""Tracking results (PRODUCT §18, FORMATS.md "Tracking results"): 快递100 and 快递鸟 JSON saved to
files (tables/json_files.py) and generic tracking sheets (ERP 物流跟踪, batch-query results). One
record is one parcel's result (a sheet may also give one row per event); the parcel is its tracking
number in the one spelling of PRODUCT §16 (orders.tracking_key), which joins it to its orders."""

from __future__ import annotations

import json
from datetime import datetime

from ...db import parcels as store
from ...logistics import states as S
from ...logistics import trace as T
from ...orders import tracking_key
from ...tables import cells
from ..convert import Converter, RowRejected
from ..header import ID, LABEL, TIME, TRACKING, F, Kind

TRACKING_RESULTS = Kind(
    "tracking",
    (
        F("tracking_no", "物流单号|运单号|快递单号|运单编号|物流编号|nu|LogisticCode|tracking_no", TRACKING),
        F("courier", "物流公司|快递公司|承运商|快递|com|ShipperCode|ShipperName|courier", LABEL),
        F("order_id", "订单编号|订单号|平台订单号|OrderCode|order_id", ID),
        F("status_text", "物流状态|最新状态|快递状态|轨迹状态|status_text", LABEL),
        F("state", "state", LABEL),
        F("state_ex", "StateEx", LABEL),
        F("is_check", "ischeck", LABEL),
        F("events", "data|Traces"),
        F("last_event", "最新物流信息|最新轨迹|物流信息|最新物流|物流详情|轨迹信息|last_event"),
        F("last_event_at", "最后更新时间|轨迹时间|更新时间|最新轨迹时间|last_event_at", TIME),
        F("picked_up_at", "揽收时间|揽件时间", TIME),
        F("signed_at", "签收时间", TIME),
        F("shipped_at", "发货时间", TIME),
    ),
    required=("tracking_no",),
    one_of=(("status_text", "state", "events", "last_event"),),
    markers=("tracking_no", "courier", "status_text", "state", "events", "last_event", "last_event_at",
             "picked_up_at", "signed_at", "shipped_at"),
    label="物流跟踪",
)

COLUMNS = ("tracking_no", "courier", "state", "subtype", "provider_state", "source", "order_id", "shipped_at",
           "first_scan_at", "last_event_at", "last_event", "last_location", "delivered_at", "events_json",
           "extra", "first_seen_at", "updated_at", "import_id")


class TrackingConverter(Converter):
    def __init__(self, mapping, header, tz, **kw):
        super().__init__(mapping, header, tz, **kw)
        self.tz = tz
        used = self.header_of("tracking_no") if "tracking_no" in self.present else ""
        self.provider = (T.KDNIAO if used == "LogisticCode" else T.KUAIDI100 if used == "nu" else T.SHEET)
        self.columns = COLUMNS

    def convert(self, record: list, number: int) -> list[tuple]:
        v = self.fields(self.pad(record))
        for name in ("last_event_at", "picked_up_at", "signed_at"):
            if v.get(name):
                v[name] = datetime.fromisoformat(v[name])
        tracking = tracking_key(v.get("tracking_no"))
        if not tracking:
            raise RowRejected(self.header_of("tracking_no"), "missing tracking number")
        try:
            events = T.events_of(self.provider, v.get("events"), self.tz) if self.provider != T.SHEET else []
        except T.TraceError as exc:
            raise RowRejected(self.header_of("events"), str(exc)) from None
        if self.provider == T.SHEET and (v.get("last_event") or v.get("last_event_at")):
            events = [T.Event(v.get("last_event_at"), v.get("last_event") or "", None, None)]
        found = T.result(self.provider, state=v.get("state"), state_ex=v.get("state_ex"),
                         status_text=v.get("status_text"), events=events, last_event=v.get("last_event"),
                         last_event_at=v.get("last_event_at"), picked_up_at=v.get("picked_up_at"),
                         signed_at=v.get("signed_at"), is_check=v.get("is_check"))
        iso = self._iso
        events_json = json.dumps([e.as_list(self.tz) for e in found.events], ensure_ascii=False)
        order_id = v.get("order_id")
        if order_id is not None:
            try:
                order_id = cells.identifier(order_id)
            except cells.CellError as exc:
                raise RowRejected(self.header_of("order_id"), str(exc)) from None
        return [(tracking, S.courier_name(v.get("courier")), found.state, found.subtype, found.provider_state,
                 self.provider, order_id,
                 iso(v.get("shipped_at")), iso(found.first_scan_at), iso(found.last_event_at), found.last_event,
                 found.last_location, iso(found.delivered_at), events_json, self.extra(record), self.now_iso,
                 self.now_iso, self.import_id)]

    def _iso(self, moment):
        if moment is None or isinstance(moment, str):
            return moment
        return moment.astimezone(self.tz).isoformat(timespec="seconds")


def writer(db, columns, file_size: int):
    return store.ParcelWriter(db, columns)


def shape(names: set[str]) -> str:
    return "kdniao" if "logisticcode" in names else "kuaidi100" if "nu" in names else "sheet"
