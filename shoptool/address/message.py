"""The words address-check puts to people: the polite text asking the buyer to confirm exactly
what is in doubt, how a region and its missing levels are named, and the masking of what is quoted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..divisions import Region, is_zone_name
from ..phones import Phone, mask_phone
from .rules import Finding, room_only


def region_text(region: Region) -> str:
    return "".join(dict.fromkeys(n for n in (region.province, region.city, region.district) if n))


def levels_text(missing: tuple[str, ...]) -> str:
    words = {"province": "省", "city": "市", "district": "区/县"}
    return "/".join(words[m] for m in missing) or "省市区"


def mask_detail(text: str) -> str:
    text = text.strip()
    return text if "*" in text or len(text) <= 2 else text[:2] + "****"


def suggested_message(
    findings: Iterable[Finding],
    region: Region,
    phone: Phone,
    order: Mapping,
    *,
    show_pii: bool = False,
) -> str:
    """A polite 旺旺/SMS text asking the buyer to confirm exactly what is in doubt; empty when
    nothing needs the buyer. Masked data is quoted as masked, never filled in."""
    masked = any(f.code == "masked" for f in findings)
    detail = region.detail if show_pii or masked else mask_detail(region.detail)
    asks = []
    codes = {f.code for f in findings}
    for f in findings:
        code = f.code
        if code == "placeholder":
            asks.append(f"收货信息里填的是“{f.subject}”，请提供完整的收货人、电话和详细地址（省、市、区、街道、门牌号）")
        elif code in ("region_incomplete", "detail_too_short") and "placeholder" in codes:
            continue  # the placeholder request already asks for the whole address
        elif code == "region_mismatch" and region.conflict:
            here, there = region.conflict
            asks.append(f"地址中的“{here}”和“{there}”对不上，请告诉我们正确的省、市、区")
        elif code == "region_incomplete":
            if region.candidates:
                asks.append(f"地址缺少{levels_text(region.missing)}，请问是{'还是'.join(region.candidates)}？")
            else:
                asks.append(f"地址缺少{levels_text(region.missing)}，请补充完整的省、市、区")
        elif code == "region_unknown":
            if region.candidates:
                asks.append(f"“{region.unknown}”已经调整，请问您的地址现在属于{'还是'.join(region.candidates)}？")
            elif is_zone_name(region.unknown or ""):
                asks.append(f"地址中的“{region.unknown}”我们没能核实，请确认所在的街道和门牌号是否完整")
            else:
                asks.append(f"地址中的“{region.unknown}”我们没能核实，请确认所在的区/县")
        elif code == "detail_too_short" and not f.subject:
            asks.append("订单没有填写详细地址，请补充街道、小区、楼栋和门牌号")
        elif code == "detail_too_short" and room_only(f.subject):
            asks.append(f"详细地址只写了“{f.subject}”，请补充所在的街道和小区（或单位、地标）名称")
        elif code == "detail_too_short":
            asks.append(f"详细地址“{f.subject}”不够具体，请补充街道、小区、楼栋和门牌号")
        elif code == "phone_missing":
            asks.append("订单没有收件人电话，请留一个快递员能联系到的手机号")
        elif code == "phone_invalid":
            raw = (phone.raw or "") if show_pii else mask_phone(phone.raw or "")
            asks.append(f"收件电话“{raw}”不是有效号码，请提供正确的手机号")
        elif code == "name_invalid":
            asks.append("收货人姓名不完整，请提供收货人的真实姓名")
        elif code == "courier_unreachable":
            asks.append("我们默认的快递暂时到不了您的地址，需要为您改发其他快递，请问可以吗？")
        elif code == "address_changed":
            asks.append(f"订单付款后修改过收货信息，请确认以“{region_text(region)}{detail}”为准")
        elif code == "multiple_addresses":
            asks.append("您有几笔待发货订单的收货地址不一样，请确认每笔订单的地址是否都正确")
    if not asks:
        return ""
    order_id = order.get("order_id")
    head = f"亲，您好！您的订单{order_id or ''}发货前需要和您确认一下："
    if len(asks) == 1:
        body = asks[0].rstrip("？") + ("？" if asks[0].endswith("？") else "。")
    else:
        body = "".join(f"{i}. {a}{'' if a.endswith('？') else '。'}" for i, a in enumerate(asks, 1))
    return head + body + "确认后我们会尽快为您发货，谢谢！"
