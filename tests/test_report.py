"""`shoptool report` without a browser (PRODUCT §21): the page loads and runs nothing, shows no
phone, says what is missing instead of failing, and its numbers are daily's and the database's.

A small shop built from real export shapes: orders paid inside and before the period, two unpaid
orders reminded (file provider) of which one is paid two hours later in a later export, a 差评 whose
explanation window ends tomorrow with a phone in its text, a 中评 written in the period."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from builders import (
    LEGACY_ORDER_HEADER,
    REVIEW_HEADER,
    UNPAID,
    legacy_order,
    oid,
    review,
    write_csv,
)
from test_faults_privacy import PLANTED, unmasked

from shoptool.labels import label

NOW = "2026-11-21 10:00"
PAGE = "report.html"


def page_of(cli, *args: str, name: str = PAGE) -> str:
    run = cli("report", "--now", NOW, *args, "-o", name)
    assert run.exit_code == 0, run
    return Path(name).read_text(encoding="utf-8")


def report_json(cli, *args: str) -> dict:
    run = cli("report", "--now", NOW, *args, "--format", "json")
    assert run.exit_code == 0, run
    return run.json


def panel(document: dict, key: str) -> dict:
    return next(row for row in document["rows"] if row["panel"] == key)


def numbers(document: dict) -> dict:
    return {n["key"]: n for n in panel(document, "period")["data"]["numbers"]}


@pytest.fixture
def shop(cli, shop_folder):
    (shop_folder / "shoptool.toml").write_text('[shop]\nname = "测试店"\n[sms]\nprovider = "file"\n',
                                               encoding="utf-8")
    before = [
        legacy_order(3, 订单创建时间="2026-11-19 12:00:00"),  # paid 11-19 12:01: the previous period
        legacy_order(4, UNPAID, 订单创建时间="2026-11-20 14:00:00", 买家留言=PLANTED["15812345678"]),
        legacy_order(5, UNPAID, 订单创建时间="2026-11-20 14:10:00"),
    ]
    write_csv(shop_folder / "orders-1.csv", LEGACY_ORDER_HEADER, before, encoding="gbk")
    assert cli("import", "orders-1.csv", "--now", "2026-11-20 14:50").exit_code == 0
    sent = cli("remind-unpaid", "--now", "2026-11-20 15:00", "--format", "json")
    assert sent.exit_code == 0, sent
    assert sent.json["summary"]["sent"] == 2, sent.json["summary"]
    later = [
        legacy_order(1, 订单创建时间="2026-11-21 08:00:00", 买家应付货款="120.50"),
        legacy_order(2, 订单创建时间="2026-11-20 12:00:00"),
        legacy_order(3, 订单创建时间="2026-11-19 12:00:00"),
        legacy_order(4, 订单创建时间="2026-11-20 14:00:00", 订单付款时间="2026-11-20 16:01:00"),  # after the text
        legacy_order(5, UNPAID, 订单创建时间="2026-11-20 14:10:00"),
    ]
    write_csv(shop_folder / "orders-2.csv", LEGACY_ORDER_HEADER, later, encoding="utf-8-sig")
    write_csv(shop_folder / "reviews.csv", REVIEW_HEADER, [
        review(3, "差评", "2026-10-23 12:00:00", 评价内容=PLANTED["13698765432"]),  # window ends 11-22 12:00
        review(2, "中评", "2026-11-20 18:00:00", 评价内容="一般般，回电 186 1111 2222"),
        review(1, "好评", "2026-11-21 09:00:00"),
    ])
    assert cli("import", "orders-2.csv", "reviews.csv", "--now", "2026-11-21 09:00").exit_code == 0
    return shop_folder


def test_the_periods_numbers_come_from_the_database(cli, shop, db):
    document = report_json(cli)
    got = numbers(document)
    assert {k: got[k]["value"] for k in got} == {
        "orders_paid": 3, "paid_amount": 318.5,  # orders 1 (120.50), 2 and 4 (99.00 each)
        "reminders_sent": 2, "reminders_paid": 1, "recovered_amount": 99.0,  # order 4, paid 61 min after
        "notices_sent": 0, "new_bad_reviews": 1, "bad_reviews_handled": 0, "stock_risks": 0,
    }
    assert got["orders_paid"]["previous"] == 1 and got["paid_amount"]["previous"] == 99.0  # order 3
    assert document["summary"]["numbers"]["reminders_paid"] == 1
    assert document["summary"]["since"] == "2026-11-20T10:00:00+08:00"
    # a report about a moment before order 4 was paid does not count it, one just after does
    before = cli("report", "--now", "2026-11-20 16:00", "--format", "json")
    after = cli("report", "--now", "2026-11-20 16:05", "--format", "json")
    assert [numbers(before.json)[k]["value"] for k in ("reminders_sent", "reminders_paid")] == [2, 0]
    assert [numbers(after.json)[k]["value"] for k in ("reminders_sent", "reminders_paid")] == [2, 1]
    # …and they are the database's: two reminder texts, and order 4 paid after its text
    handle = db()
    texts = handle.conn.execute("SELECT sent_at FROM messages WHERE purpose = 'unpaid' AND status = 'sent'").fetchall()
    assert len(texts) == 2
    paid = handle.conn.execute("SELECT paid_at FROM orders WHERE order_id = ?", (oid(4),)).fetchone()[0]
    assert paid.startswith("2026-11-20T16:01")


def test_the_period_sets_the_window_and_the_trends_count_days(cli, shop):
    week = report_json(cli, "--period", "week")
    assert numbers(week)["orders_paid"]["value"] == 4 and numbers(week)["orders_paid"]["previous"] == 0
    assert week["summary"]["since"] == "2026-11-14T10:00:00+08:00"
    month = report_json(cli, "--period", "month")
    assert numbers(month)["orders_paid"]["value"] == 4 and month["summary"]["period"] == "month"
    series = {s["key"]: s for s in panel(month, "trends")["data"]["series"]}
    paid = series["orders_paid"]["values"]
    assert len(paid) == 30 and paid[-3:] == [1, 2, 1]  # 11-19: order 3; 11-20: 2 and 4; 11-21: order 1
    assert series["orders_paid"]["total_7d"] == 4 and series["reminders_sent"]["values"][-2] == 2
    # replayed at 11-20 16:00, today holds what happened by then: order 2, not order 4 (paid at 16:01)
    earlier = cli("report", "--now", "2026-11-20 16:00", "--format", "json")
    series = {s["key"]: s for s in panel(earlier.json, "trends")["data"]["series"]}
    assert series["orders_paid"]["values"][-2:] == [1, 1] and series["reminders_paid"]["values"][-1] == 0
    for period in ("day", "week", "month"):
        html = page_of(cli, "--period", period, name=f"{period}.html")
        assert {"day": "近24小时", "week": "近7天", "month": "近30天"}[period] in html
        assert f"<h1>测试店 {dict(day='经营日报', week='经营周报', month='经营月报')[period]}</h1>" in html
    bad = cli("report", "--now", NOW, "--period", "year", "-o", "x.html")
    assert bad.exit_code == 2 and "--period" in bad.stderr
    assert not Path("x.html").exists()


def test_a_review_whose_window_ends_soon_is_a_deadline_with_its_phone_masked(cli, shop):
    document = report_json(cli)
    due = panel(document, "reviews_due")
    assert due["state"] == "attention" and due["count"] == 1
    assert [r["order_id"] for r in due["top"]] == [oid(3)]
    html = page_of(cli)
    deadlines = html[html.index('id="deadlines"'):html.index('id="trouble"')]
    assert oid(3) in deadlines and "剩 1 天" in deadlines and "136****5432" in deadlines
    assert unmasked(html) == [] and unmasked(str(document)) == []
    # a page or a terminal: no phone anywhere, even in the free texts
    table = cli("report", "--now", NOW, "--format", "table")
    assert table.exit_code == 0 and unmasked(table.stdout + table.stderr) == []
    assert "--show-pii" not in cli("report", "--help").stdout


def test_the_page_loads_nothing_runs_nothing_and_is_owner_only(cli, shop):
    html = page_of(cli)
    lowered = html.lower()
    for forbidden in ("<script", "http://", "https://", "<link", "<img", "<iframe", "@import", "url(", "javascript:"):
        assert forbidden not in lowered, forbidden
    assert not re.search(r"\bon[a-z]+\s*=", lowered), "an event handler"
    assert not re.search(r"//[a-z0-9]", lowered), "a protocol-relative reference"
    assert set(re.findall(r'\b(?:href|src)="([^"]*)"', html)) <= {f"#{k}" for k in re.findall(r'id="([^"]+)"', html)}
    assert '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'' in html
    assert "<style>" in html and html.count("<svg") >= 7 and html.count("<title>") >= html.count("<svg")
    assert stat.S_IMODE(Path(PAGE).stat().st_mode) == 0o600


def test_the_pages_counts_are_dailys_at_the_same_moment(cli, sample, shop_folder):
    names = [p.name for p in (Path(__file__).resolve().parent.parent / "samples").iterdir() if p.is_file()]
    assert cli("import", *[sample(n) for n in names], "--now", "2026-11-21 09:30").exit_code in (0, 3)
    daily = cli("daily", "--now", NOW, "--format", "json")
    assert daily.exit_code == 0, daily
    counts = daily.json["summary"]
    assert sum(counts.values()) > 20 and counts["stock"] > 0  # the sample shop has work waiting
    html = page_of(cli)
    on_page = {m[0]: int(m[1]) for m in re.findall(r'data-check="([a-z_]+)" data-count="(\d+)"', html)}
    assert on_page == counts
    document = report_json(cli)
    assert document["summary"]["daily"] == counts
    assert panel(document, "worklist")["count"] == sum(counts.values())
    assert panel(document, "stock")["count"] == counts["stock"] == numbers(document)["stock_risks"]["value"]
    assert {c["check"]: c["count"] for c in panel(document, "worklist")["data"]["checks"]} == counts
    assert 'data-panel="stock" data-state="attention"' in html


def test_freshness_is_red_past_its_kinds_threshold(cli, shop, shop_folder):
    later = "2026-11-23 10:00"  # orders: 49 h old (1 day allowed); reviews 49 h (3 days allowed)
    run = cli("report", "--now", later, "--format", "json")
    assert run.exit_code == 0, run
    rows = {f["kind"]: f for f in panel(run.json, "freshness")["data"]["freshness"]}
    assert rows["orders"]["stale"] and rows["orders"]["age_hours"] == 49.0
    assert not rows["reviews"]["stale"] and rows["reviews"]["stale_after_hours"] == 72
    assert rows["shipments"]["imported_at"] is None and not rows["shipments"]["stale"]  # never imported
    html = Path("stale.html")
    assert cli("report", "--now", later, "-o", html).exit_code == 0
    text = html.read_text(encoding="utf-8")
    assert '<tr class="stale" data-kind="orders" data-stale="yes">' in text and "（已过期）" in text
    with (shop_folder / "shoptool.toml").open("a", encoding="utf-8") as fh:
        fh.write('[report.stale_after]\norders = "3d"\n')
    run = cli("report", "--now", later, "--format", "json")
    rows = {f["kind"]: f for f in panel(run.json, "freshness")["data"]["freshness"]}
    assert not rows["orders"]["stale"] and rows["orders"]["stale_after_hours"] == 72
    with (shop_folder / "shoptool.toml").open("a", encoding="utf-8") as fh:
        fh.write('reviews = "soon"\n')
    bad = cli("report", "--now", later, "--format", "json")
    assert bad.exit_code == 2 and "report.stale_after.reviews" in bad.stderr


def test_a_shop_with_nothing_imported_gets_a_page_that_says_so(cli, shop_folder):
    html = page_of(cli)
    for said in ("尚未导入任何数据", "未导入评价数据", "未导入退款数据", "未导入库存数据", "未导入物流轨迹数据"):
        assert said in html, said
    worklist = html[html.index('id="today"'):html.index('id="numbers"')]
    assert "未导入库存数据" in worklist and "shoptool import" not in worklist  # Chinese, not daily's CLI hint
    assert "<script" not in html.lower()
    document = report_json(cli)
    assert document["summary"]["daily"] == {k: 0 for k in document["summary"]["daily"]}
    assert set(document["summary"]["missing"]) >= {"refunds_due", "reviews_due", "parcels", "stock", "freshness"}


def test_the_refunds_table_lights_up_the_reasons_panel(cli, shop, db):
    handle = db()
    handle.conn.executemany("INSERT INTO refunds (refund_id, requested_at, reason, amount_fen, status) "
                            "VALUES (?, ?, ?, ?, 'closed')", [
        ("r1", "2026-11-21T08:00:00+08:00", "尺码不合适", 9900),
        ("r2", "2026-11-20T11:00:00+08:00", "尺码不合适", 5000),
        ("r3", "2026-11-20T20:00:00+08:00", "质量问题 <b>破损</b>", 1234),
        ("r4", "2026-11-19T20:00:00+08:00", "七天无理由", 100),  # before the period
    ])
    handle.conn.commit()
    document = report_json(cli)
    reasons = panel(document, "refund_reasons")
    assert reasons["state"] == "ok" and reasons["count"] == 3
    assert reasons["data"]["bars"] == [{"label": "尺码不合适", "count": 2},
                                       {"label": "质量问题 <b>破损</b>", "count": 1}]
    assert {n["key"]: n["value"] for n in reasons["data"]["numbers"]} == {"refunds": 3, "refund_amount": 161.34}
    html = page_of(cli)
    assert "<b>破损" not in html and "&lt;b&gt;破损" in html  # autoescaped, inside the chart's titles too
    # closed refunds: nothing on the deadline panel
    assert panel(document, "refunds_due")["state"] != "attention"


def test_the_aftersale_job_fills_the_refunds_deadline_panel(cli, shop, shop_folder):
    """jobs/aftersale.py (#18) fills the refunds deadline panel: overdue first, masked."""
    from builders import REFUND_39_HEADER, refund, rid

    rows = [refund(1, 超时时间="2026-11-21 15:00:00", 买家退款原因="打15812345678"),
            refund(2, 超时时间="2026-11-21 07:00:00"),
            refund(3, "卖家已经同意退款，等待买家退货", 超时时间="2026-11-25 10:00:00")]
    assert cli("import", write_csv(shop_folder / "refunds.csv", REFUND_39_HEADER, rows), "--now", NOW).exit_code == 0
    document = report_json(cli)
    due = panel(document, "refunds_due")
    assert due["state"] == "attention" and due["count"] == 2
    assert [r["refund_id"] for r in due["top"]] == [rid(2), rid(1)]  # the overdue one first
    html = page_of(cli)
    assert "已超时 3 小时" in html and "剩 5 小时" in html and unmasked(html) == []


HOSTILE = ('<script>alert(1)</script>', '<img src=x onerror=alert(1)>', "看 https://evil.example/a.png",
           "//cdn.example/x.css", "url(http://x.example/y) javascript:void(0)", 'src="//e.example" onload=1')


def test_buyers_texts_that_look_like_markup_or_links_stay_inert_text(cli, shop, db):
    """Reviews and refund reasons are the buyers' words: escaped, and any URL in them broken, so the
    page neither runs, loads nor links them — and still shows them."""
    write_csv(Path("hostile.csv"), REVIEW_HEADER, [
        review(10 + n, "差评", "2026-10-23 12:00:00", 评价内容=text) for n, text in enumerate(HOSTILE)])
    assert cli("import", "hostile.csv", "--now", "2026-11-21 09:00").exit_code == 0
    handle = db()
    handle.conn.executemany("INSERT INTO refunds (refund_id, requested_at, reason, status) "
                            "VALUES (?, '2026-11-21T08:00:00+08:00', ?, 'closed')",
                            [(f"h{n}", t) for n, t in enumerate(HOSTILE)])
    handle.conn.commit()
    html = page_of(cli)
    lowered = html.lower()
    for forbidden in ("<script", "<img", "http://", "https://", "//"):
        assert forbidden not in lowered, forbidden
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "https:/\u200b/evil.example/a.png" in html  # shown, broken between the slashes
    assert "/\u200b/cdn.example/x.css" in html
    from shoptool.report.render import check

    check(html)  # the page's own net agrees


@pytest.mark.parametrize("page", [
    "<p>x</p><script>1</script>", '<img alt="">', '<a href="https:/x">', '<div onclick="x">', '<svg><use></use></svg>',
    "<style>p { background: url(x.png) }</style>", '<p style="background:url(x)">', "<style>@import 'x';</style>",
    '<meta http-equiv="refresh" content="0">', "<p>see //host</p>", '<object data="x">',
])
def test_the_pages_net_refuses_what_would_run_or_load(page):
    from shoptool.report.render import UnsafePage, check

    with pytest.raises(UnsafePage):
        check(page)


def test_the_pages_net_lets_text_about_markup_through():
    from shoptool.report.render import check

    check('<p title="src=x onload=1 href=y">&lt;script&gt; url( @import javascript: on=1</p><a href="#top">顶部</a>'
          '<style>a { color: #c62828 }</style><div data-count="3" aria-label="src=1"></div>')


def test_the_ship_by_and_parcel_panels_are_what_their_commands_list(cli, shop):
    from conftest import SAMPLES

    def listed(command: str, keep) -> list[str]:
        run = cli(command, "--now", NOW, "--format", "json")
        assert run.exit_code in (0, 1), run
        return [r.get("order_id") or r.get("tracking_no") for r in run.rows if keep(r)]

    # orders 2 and 3 were paid and not shipped: order 3's 48 hours end at 12:01 today
    ship_due = panel(report_json(cli), "ship_due")
    expected = listed("ship-deadline", lambda r: r["finding"] in ("ship_overdue", "ship_due_soon"))
    assert expected and ship_due["state"] == "attention" and ship_due["count"] == len(expected)
    assert [r["order_id"] for r in ship_due["top"]] == expected[:len(ship_due["top"])]
    assert panel(report_json(cli), "parcels")["state"] == "missing"  # no tracking result imported yet

    imported = cli("import", SAMPLES / "orders_erp_shipped.csv", SAMPLES / "tracking_kuaidi100.json",
                   SAMPLES / "tracking_kdniao.jsonl", "--now", "2026-11-21 09:30")
    assert imported.exit_code == 0, imported
    parcels = panel(report_json(cli), "parcels")
    trouble = listed("logistics-check", lambda r: r["severity"] in ("error", "warning"))
    assert trouble and parcels["state"] == "attention" and parcels["count"] == len(trouble)
    shown = [r["tracking_no"] for r in parcels["top"]]
    assert shown and set(shown) <= set(trouble)
    severities = [r.get("severity") for r in parcels["top"]]
    assert severities == sorted(severities, key=lambda s: s != "error")  # errors first
    html = page_of(cli)
    assert all(t in html for t in shown) and unmasked(html) == []


def test_where_the_page_goes(cli, shop):
    piped = cli("report", "--now", NOW)  # no -o, stdout a pipe: the page itself
    assert piped.exit_code == 0 and piped.stdout.startswith("<!doctype html>") and "经营日报" in piped.stdout
    assert "report:" in piped.stderr and "<" not in piped.stderr
    assert cli("report", "--now", NOW, "-q").stdout == ""  # quiet, no file: nothing to draw it for
    as_json = cli("report", "--now", NOW, "-o", "numbers.json")
    assert as_json.exit_code == 0
    import json

    document = json.loads(Path("numbers.json").read_text(encoding="utf-8"))
    assert document["command"] == "report" and document["summary"]["numbers"]["orders_paid"] == 3
    for wrong in (("-o", "report.txt"), ("--format", "table", "-o", "r.html"), ("--format", "csv")):
        run = cli("report", "--now", NOW, *wrong)
        assert run.exit_code == 2, (wrong, run)
    assert not Path("report.txt").exists() and not Path("r.html").exists()


def test_panels_over_dailys_cut_sections_still_count_every_row(cli, sample, shop_folder):
    """daily keeps only the top rows of the checks the page does not pick from (issue #25): the
    stock panel's count and bars come from daily's counts, the parcels panel from daily's
    logistics section; both equal what the commands on their own list."""
    names = [p.name for p in (Path(__file__).resolve().parent.parent / "samples").iterdir() if p.is_file()]
    assert cli("import", *[sample(n) for n in names], "--now", "2026-11-21 09:30").exit_code in (0, 3)
    (shop_folder / "shoptool.toml").write_text('[report]\ntop = 2\n', encoding="utf-8")
    document = report_json(cli)
    stock = cli("stock-check", "--now", NOW, "--format", "json")
    risks = [r for r in stock.rows if r["severity"] in ("error", "warning")]
    shown = panel(document, "stock")
    assert shown["count"] == len(risks) > 2 and len(shown["top"]) == 2
    assert [r["sku"] for r in shown["top"]] == [r["sku"] for r in risks[:2]]
    by_label: dict = {}
    for row in risks:
        name = label("stock_finding", row["finding"])
        by_label[name] = by_label.get(name, 0) + 1
    bars = sorted(by_label.items(), key=lambda kv: -kv[1])
    assert shown["data"]["bars"] == [{"label": k, "count": n} for k, n in bars]
    parcels = cli("logistics-check", "--now", NOW, "--format", "json")
    trouble = [r for r in parcels.rows if r.get("severity") in (None, "error", "warning")]
    assert panel(document, "parcels")["count"] == len(trouble) > 0
