"""Personal data over every output (issue #16, PRODUCT §12): a shop whose free texts hold phones in
every spelling §16 reads as one; every command run, every format, every file written. Without
--show-pii no phone appears unmasked anywhere, and every file shoptool writes is owner-only."""

from __future__ import annotations

import json
import re
import stat
import unicodedata
from pathlib import Path

import openpyxl
import pytest
from builders import (
    LEGACY_ORDER_HEADER,
    REFUND_39_HEADER,
    REVIEW_HEADER,
    SHIPPED,
    UNPAID,
    kuaidi100_result,
    legacy_order,
    oid,
    phone,
    refund,
    review,
    write_csv,
)

from shoptool.db.tables import EXPORTABLE

NOW = "2026-11-21 10:00"
# Written inside free texts, each in another spelling; the receivers' own phones are phone(n).
PLANTED = {
    "15812345678": "请打１５８１２３４５６７８联系",
    "15912340000": "客户电话159.1234.0000 改地址",
    "13698765432": "差评！卖家电话 +86-136-9876-5432 不接",
    "18611112222": "回电 186 1111 2222",
    "13712345678": "tb_13712345678",
    "057186612345": "座机0571-86612345转12",
}
ORDERS = range(1, 7)


def unmasked(text: str) -> list[str]:
    """The planted and receivers' numbers found whole in `text`, whatever separators or digit
    widths they are written with (checked independently of the masker under test)."""
    flat = unicodedata.normalize("NFKC", text)
    found = []
    for number in [*PLANTED, *(phone(n) for n in ORDERS)]:
        pattern = r"(?<!\d)" + r"[\s.\-·()]*".join(number[1:] if number.startswith("0") else number) + r"(?!\d)"
        if re.search(pattern, flat):
            found.append(number)
    return found


def file_text(path: Path) -> str:
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        return "\n".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row)
    return path.read_text(encoding="utf-8-sig", errors="replace")


@pytest.fixture
def world(cli, shop_folder):
    (shop_folder / "shoptool.toml").write_text('[sms]\nprovider = "file"\n', encoding="utf-8")
    rows = [
        legacy_order(1, UNPAID, 订单创建时间="2026-11-21 09:00:00", 买家留言=PLANTED["15812345678"]),
        legacy_order(2, 订单备注=PLANTED["15912340000"], 买家会员名=PLANTED["13712345678"]),
        legacy_order(3, 买家留言=PLANTED["057186612345"]),
        legacy_order(4, SHIPPED, 物流单号="SF1400123456789", 物流公司="顺丰速运", 订单备注=PLANTED["18611112222"]),
        legacy_order(5, 收货地址="浙江省 杭州市 西湖区 测试", 买家留言="备用 13698765432"),
        legacy_order(6, UNPAID, 订单创建时间="2026-11-21 09:10:00", 买家会员名=PLANTED["13712345678"]),
    ]
    write_csv(shop_folder / "in-orders.csv", LEGACY_ORDER_HEADER, rows, encoding="gbk")
    write_csv(shop_folder / "in-reviews.csv", REVIEW_HEADER,
              [review(2, 评价内容=PLANTED["13698765432"], 买家昵称=PLANTED["13712345678"]),
               review(3, 评价内容="打15812345678问过了")])
    # an open refund whose buyer wrote phones in its free texts, and a parcel whose trace names one
    write_csv(shop_folder / "in-refunds.csv", REFUND_39_HEADER, [refund(
        4, **{"买家退款说明": PLANTED["15812345678"], "退货物流信息": PLANTED["18611112222"],
              "发货物流信息": "已签收，签收人：林悦 " + phone(4)})], encoding="gbk")
    trace = kuaidi100_result("SF1400123456789", "2", [
        ("2026-11-20 18:00:00", "【杭州】顺丰速运 已收取快件", "1"),
        ("2026-11-20 20:00:00", "派件员 " + PLANTED["13698765432"] + "，收件人电话 " + phone(4), "2")],
        com="shunfeng")
    (shop_folder / "in-tracking.json").write_text(json.dumps(trace, ensure_ascii=False), encoding="utf-8")
    for name in ("in-orders.csv", "in-reviews.csv", "in-refunds.csv", "in-tracking.json"):
        assert cli("import", shop_folder / name, "--now", NOW).exit_code == 0, name
    assert cli("note", oid(3), PLANTED["18611112222"], "--staff", "kf01", "--now", NOW).exit_code == 0
    return shop_folder


COMMANDS = [
    ("daily",), ("address-check",), ("merge-shipping",), ("notify-shipped", "--dry-run"),
    ("remind-unpaid", "--dry-run"), ("reviews",), ("sms", "outbox"), ("note", oid(3)), ("doctor",),
    ("import", "in-orders.csv"), ("aftersale",), ("aftersale", "stop-list"),
    ("aftersale", "history", "1688000000000000004"),
    ("ship-deadline",), ("logistics-check",), ("cod-confirm",), ("rate-buyers",), ("invoices",),
    ("customers", "list"), ("customers", "show", "tb_buyer4"), ("segments",), ("kpi",),
]


def test_no_output_of_any_command_shows_a_phone(cli, world):
    outputs: dict[str, str] = {}
    for command in COMMANDS:
        for fmt in ("json", "csv", "table"):
            run = cli(*command, "--format", fmt, *(() if command[0] == "sms" else ("--now", NOW)))
            assert run.exit_code in (0, 1, 3, 4), (command, fmt, run)
            outputs[f"{' '.join(command)} {fmt} stdout"] = run.stdout
            outputs[f"{' '.join(command)} {fmt} stderr"] = run.stderr
    sent = cli("remind-unpaid", "--now", NOW, "--format", "json")  # the file provider: a real send
    assert sent.exit_code == 0, sent
    outputs["remind-unpaid stdout"], outputs["remind-unpaid stderr"] = sent.stdout, sent.stderr
    for table in EXPORTABLE:
        for fmt in ("json", "csv"):
            run = cli("export", table, "--format", fmt)
            assert run.exit_code == 0, (table, run)
            outputs[f"export {table} {fmt}"] = run.stdout + run.stderr
        for suffix in ("csv", "xlsx", "json"):
            assert cli("export", table, "-o", f"out/{table}.{suffix}").exit_code == 0
    assert cli("daily", "--now", NOW, "-o", "out/daily.xlsx").exit_code == 0
    assert cli("reviews", "--now", NOW, "-o", "out/reviews.xlsx").exit_code == 0
    assert cli("sms", "outbox", "-o", "out/outbox.csv").exit_code == 0
    assert cli("aftersale", "--now", NOW, "-o", "out/aftersale.xlsx").exit_code in (0, 1)
    assert cli("logistics-check", "--now", NOW, "-o", "out/logistics.csv").exit_code in (0, 1)
    assert cli("report", "--now", NOW, "-o", "out/report.html").exit_code == 0
    assert cli("report", "--now", NOW, "-o", "out/report.json").exit_code == 0
    for path in sorted((world / "out").iterdir()):
        outputs[str(path.name)] = file_text(path)
    leaks = {name: unmasked(text) for name, text in outputs.items() if unmasked(text)}
    assert leaks == {}, leaks
    # …and it is not because nothing was shown: the masked forms are there
    everything = "\n".join(outputs.values())
    assert "158****5678" in everything and "136****5432" in everything and "139****0002" in everything
    assert "3912000000000000003" in everything, "order numbers stay whole"


def test_reviews_buyer_nicks_are_masked_in_the_listing_and_its_export(cli, world):
    listing = cli("reviews", "--now", NOW, "--format", "json").rows
    exported = json.loads(cli("export", "reviews", "--format", "json").stdout)["rows"]
    nicks = {r["buyer"] for r in listing} | {r["buyer_nick"] for r in exported}
    assert "tb_buyer3" not in nicks and PLANTED["13712345678"] not in nicks
    assert all("*" in nick for nick in nicks)
    orders = json.loads(cli("export", "orders", "--format", "json").stdout)["rows"]
    assert "tb_buyer3" in {r["buyer_nick"] for r in orders}, "elsewhere the nick stays: staff reach buyers by it"


def test_every_file_shoptool_writes_is_owner_only(cli, world):
    before = {p for p in world.rglob("*") if p.is_file()}
    runs = [
        ("export", "orders", "-o", "o.csv"), ("export", "orders", "-o", "o.xlsx"), ("export", "notes", "-o", "n.json"),
        ("daily", "--now", NOW, "-o", "daily.xlsx"), ("address-check", "--now", NOW, "-o", "a.csv"),
        ("remind-unpaid", "--now", NOW), ("backup", "b.db"), ("merge-shipping", "--now", NOW, "-o", "m.xlsx"),
    ]
    write_csv(world / "bad.csv", LEGACY_ORDER_HEADER, [legacy_order(9), legacy_order(10, 订单编号="1.23457E+18")],
              encoding="gbk")
    before.add(world / "bad.csv")
    for args in runs:
        assert cli(*args).exit_code in (0, 1), args
    assert cli("import", "bad.csv").exit_code == 3
    written = {p for p in world.rglob("*") if p.is_file()} - before
    names = {p.name for p in written}
    assert {"o.csv", "o.xlsx", "n.json", "daily.xlsx", "a.csv", "b.db", "m.xlsx", "bad.csv.rejects.csv"} <= names
    assert any(p.parent.name == "sms-upload" for p in written), "the file provider's upload sheet"
    modes = {str(p.relative_to(world)): oct(stat.S_IMODE(p.stat().st_mode)) for p in written}
    assert {k: v for k, v in modes.items() if v != "0o600"} == {}
