"""What staff do about a parcel in trouble, what they say to the buyer in 旺旺 (an 安抚 text), and
what a care SMS says (PRODUCT §18). Chinese, the team's working language."""

from __future__ import annotations

from . import findings as F

SUBTYPE_ZH = {
    "address_unclear": "地址不详", "phone_wrong": "电话错误", "unreachable": "联系不上收件人", "damaged": "包裹破损",
    "refused": "收件人拒收", "lost": "包裹丢失", "intercepted": "包裹被拦截", "cancelled": "快递已取消",
    "delayed": "配送延迟", "missorted": "错分件", "out_of_area": "超出派送范围",
    "locker_overdue": "快递柜/驿站超时未取",
    "delivery_failed": "派件异常", "held": "包裹滞留", "overdue": "超时未签收",
}

NEXT_ACTION = {
    F.NO_PICKUP: "联系仓库/快递网点确认是否已揽收，未揽收尽快补发或更换快递（防虚假发货）",
    F.NO_INFO: "核对运单号是否填错，联系快递确认包裹去向",
    F.STALLED: "联系快递网点催件，必要时登记查件",
    F.NOT_SIGNED: "关注派送进度，联系快递确认预计送达时间",
    F.PICKUP_POINT_WAITING: "提醒买家凭取件码到快递柜/驿站取件",
    F.EXCEPTION: "联系快递处理异常，并与买家核实收件信息",
    F.RETURNED: "确认退回原因，联系买家是否需要重新发货或退款",
    F.AUTO_CONFIRM_RISK: "在后台为买家延长收货时间，并联系快递催件",
    F.DELIVERED_DISPUTED: "向快递核实签收人和签收凭证，再回复买家的退款申请",
}
_EXCEPTION_ACTION = {
    "address_unclear": "与买家核实详细地址，并告知快递网点",
    "phone_wrong": "与买家核实收件电话，并告知快递网点",
    "unreachable": "联系买家留意快递来电，或约定派送时间",
    "damaged": "联系快递登记破损理赔，与买家协商补发或退款",
    "refused": "联系买家确认拒收原因，跟进退回",
    "lost": "向快递登记丢件理赔，为买家补发或退款",
    "intercepted": "确认拦截是否为本店发起，跟进退回",
    "out_of_area": "更换可派送的快递重新发货",
}

_SORRY = "亲，非常抱歉让您久等了"
SUGGESTED = {
    F.NO_PICKUP: ("亲，您的订单已安排发货，快递正在揽收中，我们已联系快递尽快揽收，"
                  "物流更新后会第一时间通知您，请您耐心等待。"),
    F.NO_INFO: "亲，您的包裹物流信息暂未更新，我们已联系快递核实，有结果会马上告诉您，给您添麻烦了。",
    F.STALLED: f"{_SORRY}，您的包裹在运输途中暂时没有更新，我们已联系快递加急处理，有新进展会第一时间告知您。",
    F.NOT_SIGNED: "亲，您的包裹正在派送途中，我们会一直帮您跟进，预计很快就能送达，请保持电话畅通哦。",
    F.PICKUP_POINT_WAITING: "亲，您的包裹已到快递柜/驿站，请凭取件码尽快取件哦，如取件有困难请告诉我们。",
    F.EXCEPTION: ("亲，您的包裹在派送中遇到问题（{subtype}），我们已联系快递处理，"
                  "麻烦您核对一下收件信息，有问题随时告诉我们。"),
    F.RETURNED: "亲，您的包裹被快递退回了，非常抱歉，请问您需要我们重新为您发货，还是为您办理退款呢？",
    F.AUTO_CONFIRM_RISK: (f"{_SORRY}，您的包裹还在路上，我们已为您延长收货时间，"
                          "收到货确认无误后再确认收货就好，请放心。"),
    F.DELIVERED_DISPUTED: ("亲，物流显示包裹已签收，如您未收到，我们已联系快递核实签收情况，"
                           "请您也看看家人、门卫或快递柜是否代收，有结果马上回复您。"),
}
# The {care} part of the logistics_care SMS (a notification: no marketing words, no unsubscribe line).
CARE = {
    F.NO_PICKUP: "正在等待快递揽收",
    F.NO_INFO: "物流信息暂未更新",
    F.STALLED: "运输途中暂未更新",
    F.NOT_SIGNED: "仍在派送途中",
    F.PICKUP_POINT_WAITING: "已到快递柜或驿站，请尽快取件",
    F.EXCEPTION: "派送遇到问题({subtype})",
    F.RETURNED: "已被退回",
    F.AUTO_CONFIRM_RISK: "仍在运输途中，已为您延长收货时间",
    F.DELIVERED_DISPUTED: "显示已签收，如未收到请联系我们",
}


def subtype_text(subtype: str | None) -> str:
    return SUBTYPE_ZH.get(subtype or "", "异常")


def next_action(finding: str, subtype: str | None = None) -> str:
    if finding == F.EXCEPTION and subtype in _EXCEPTION_ACTION:
        return _EXCEPTION_ACTION[subtype]
    return NEXT_ACTION[finding]


def suggested_message(finding: str, subtype: str | None = None) -> str:
    return SUGGESTED[finding].format(subtype=subtype_text(subtype))


def care_text(finding: str, subtype: str | None = None) -> str:
    return CARE[finding].format(subtype=subtype_text(subtype))
