"""`shoptool import` of 客服绩效 sheets and `shoptool kpi` end to end (PRODUCT §23, §24): sheets in
every shape written here (GBK CSV, xlsx, the file name's period, `--period`), the board read back
as JSON, CSV and xlsx, the stored rows read from the SQLite file, and the outcome columns checked
against the audit the CLI itself wrote (notes, reviews, reminders sent through the SMS stub)."""

from __future__ import annotations

import sqlite3

import pytest
from builders import (
    CS_DAILY_HEADER,
    CS_PLUGIN_HEADER,
    LEGACY_ORDER_HEADER,
    PAID,
    QIANNIU_RECEPTION_HEADER,
    REVIEW_HEADER,
    SYCM_ACCOUNT_HEADER,
    SYCM_DAILY_HEADER,
    UNPAID,
    cs_day,
    legacy_order,
    oid,
    plugin_row,
    reception_row,
    review,
    sycm_account,
    sycm_day,
    write_csv,
    write_xlsx,
)
from sms_stub import SmsStub

NOW = "2026-11-21 10:00"
CONTRACT_KEYS = ["staff", "nick", "kind", "inquiries", "inquiry_paid", "inquiry_conversion", "first_response_s",
                 "avg_response_s", "reply_rate", "sales", "refunds_on_time", "reviews_revised", "remind_recovered",
                 "score", "rank"]
NICKS = '[staff.nicks]\n"示例旗舰店:小美" = "kf01"\n"阿强" = "kf02"\n'


@pytest.fixture
def shop(shop_folder):
    (shop_folder / "shoptool.toml").write_text(NICKS, encoding="utf-8")
    return shop_folder


def kpi(cli, *extra, now: str = NOW):
    return cli("kpi", "--month", "2026-11", "--now", now, "--format", "json", *extra)


def by_who(rows: list[dict]) -> dict[str, dict]:
    return {(r["staff"] or r["nick"]): r for r in rows}


def daily_sheet(folder, name="客服数据汇总-日数据.csv", encoding="gbk", last_paid="延迟统计"):
    """Two agents over three days: 小美's days are 100 → 50 paid and 10 → 1 (pooled 51/110 = 46.4%,
    the mean of her daily rates 30%); the third day is still being counted."""
    rows = [
        cs_day("2026-11-01", "示例旗舰店:小美", 100, 50, received=120, response="20.0", reply="99.0%"),
        cs_day("2026-11-02", "示例旗舰店：小美", 10, 1, received=30, response="60.0", reply="90.0%"),
        cs_day("2026-11-03", "示例旗舰店:小美", 40, last_paid, received=50, satisfaction="-"),
        cs_day("2026-11-01", "示例旗舰店:阿强", 20, 10, received=25),
        cs_day("2026-11-02", "示例旗舰店:阿强", 80, 16, received=90),
        cs_day("2026-11-03", "示例旗舰店:阿强", 30, 12 if last_paid != "延迟统计" else "延迟统计", received=40),
        {"日期": "汇总值", "旺旺昵称": "-", "接待人数": "355", "询单人数": "280", "询单->最终付款人数": "77",
         "平均响应(秒)": "30.0", "回复率": "97.0%", "客户满意比": "95.0%"},
    ]
    return write_csv(folder / name, CS_DAILY_HEADER, rows, encoding=encoding)


def test_per_day_sheets_give_the_pooled_rate_never_the_mean_of_daily_rates(cli, shop, db):
    sheet = daily_sheet(shop)
    imported = cli("import", sheet, "--now", NOW, "--format", "json")
    assert imported.exit_code == 0, imported
    assert imported.rows[0]["kind"] == "cs-performance" and imported.rows[0]["inserted"] == 7

    run = kpi(cli)
    assert run.exit_code == 0, run
    rows = by_who(run.rows)
    assert list(run.rows[0])[:len(CONTRACT_KEYS)] == CONTRACT_KEYS
    mei = rows["kf01"]
    # the day still being counted (延迟统计) is left out of both sums
    assert (mei["inquiries"], mei["inquiry_paid"], mei["inquiry_conversion"]) == (110, 51, round(51 / 110, 4))
    assert mei["inquiry_conversion"] != round((50 / 100 + 1 / 10) / 2, 4)
    assert mei["kind"] == "agent" and mei["nick"] == "示例旗舰店:小美"
    # response time and reply rate weighed by the people received, all three days
    assert mei["avg_response_s"] == pytest.approx((20 * 120 + 60 * 30 + 30 * 50) / 200, abs=0.1)
    assert mei["not_final_days"] == ["2026-11-03"]
    qiang = rows["kf02"]
    assert (qiang["inquiries"], qiang["inquiry_paid"]) == (100, 26)
    bench = [r for r in run.rows if r["kind"] == "benchmark"]
    assert [r["nick"] for r in bench] == ["汇总值"] and bench[0]["score"] is None and bench[0]["rank"] is None
    assert all(r["rank"] is not None for r in run.rows if r["kind"] == "agent")
    assert run.json["summary"]["not_final_days"] == ["2026-11-03"]
    assert "not final yet (延迟统计): 2026-11-03" in run.stderr
    assert "mean of daily rates 30.0%" in run.stderr

    stored = db().execute("SELECT kind, nick, period_start, period_end, final, pending, inquiry_paid, satisfaction "
                          "FROM cs_performance ORDER BY nick, period_start").fetchall()
    assert ("agent", "示例旗舰店:小美", "2026-11-03", "2026-11-03", 0, '["inquiry_paid"]', None, None) in stored
    assert ("benchmark", "汇总值", "2026-11-01", "2026-11-03", 1, "[]", 77, 0.95) in stored  # the sheet's days
    assert len(stored) == 7

    # the same export counted later: the day is final now, the board says nothing of 延迟统计
    later = daily_sheet(shop, "客服数据汇总-日数据 (1).csv", last_paid="20")
    assert cli("import", later, "--now", "2026-11-22 10:00").exit_code == 0
    after = kpi(cli, now="2026-11-22 10:00")
    assert by_who(after.rows)["kf01"]["inquiry_paid"] == 71 and by_who(after.rows)["kf01"]["inquiries"] == 150
    assert after.json["summary"]["not_final_days"] == [] and "延迟统计" not in after.stderr
    # … and the first export imported again does not bring 延迟统计 back
    again = cli("import", sheet, "--now", "2026-11-22 11:00", "--format", "json")
    assert again.exit_code == 0 and again.rows[0]["status"] == "duplicate", again
    assert by_who(kpi(cli, now="2026-11-22 11:00").rows)["kf01"]["inquiry_paid"] == 71


def test_an_older_export_imported_late_does_not_undo_a_final_day(cli, shop, db, tmp_path):
    newer = daily_sheet(shop, "kf_20261104.csv", last_paid="20")  # taken after the 3rd was counted
    older = daily_sheet(shop, "kf_20261103.csv")  # taken on the 3rd: 延迟统计
    assert cli("import", newer, "--now", NOW).exit_code == 0
    assert cli("import", older, "--now", NOW).exit_code == 0
    row = db().execute("SELECT final, inquiry_paid FROM cs_performance WHERE nick = '示例旗舰店:小美' "
                       "AND period_start = '2026-11-03'").fetchone()
    assert row == (1, 20)
    assert kpi(cli).json["summary"]["not_final_days"] == []


def test_every_sheet_shape_is_read_and_summary_rows_are_benchmarks(cli, shop, db):
    reception = write_xlsx(shop / "咨询接待分析_20261101-20261120.xlsx", QIANNIU_RECEPTION_HEADER, [
        reception_row("示例旗舰店:小美", consulted=400, unreplied=4, response="21.4", first="8.6", reply="99.0%"),
        reception_row("示例旗舰店:阿强", consulted=300, unreplied=12, response="35.8", first="13.9", reply="96.0%"),
        reception_row("汇总值", consulted=700, unreplied=16, response="27.4", first="10.8", reply="97.7%",
                      旺旺分组="-"),
        reception_row("平均值", consulted=350, unreplied=8, response="27.4", first="10.8", reply="97.7%", 旺旺分组="-"),
    ], sheet="数据信息")
    shop_days = write_xlsx(shop / "询单到付款.xlsx", SYCM_DAILY_HEADER, [
        sycm_day(f"2026-11-{d:02d}", 100 + d, 40) for d in range(1, 21)] + [
        sycm_day("汇总值", 2210, 800), sycm_day("同行同层均值", "95.4", "36.2"),
        sycm_day("同行同层优秀", "133", "61.9"),
        sycm_day("暂无数据", "-", "-")], sheet="询单到付款")
    accounts = write_xlsx(shop / "子账号_20261101-20261120.xlsx", SYCM_ACCOUNT_HEADER, [
        sycm_account("示例旗舰店:小美", 500, 240, "26,400.00"), sycm_account("示例旗舰店:阿强", 400, 150, "16,500.50"),
        sycm_account("全店汇总值", 900, 390, "42,900.50")], sheet="子账号")
    plugin = write_xlsx(shop / "客服绩效_20261101-20261120.xlsx", CS_PLUGIN_HEADER, [
        plugin_row("示例旗舰店:小美", 500, 240, 客户满意比="95.5%"),
        plugin_row("示例旗舰店:阿强", 400, 150, 客户满意比="-")])
    run = cli("import", reception, shop_days, accounts, plugin, "--now", NOW, "--format", "json")
    assert run.exit_code == 0, run
    assert [r["kind"] for r in run.rows] == ["cs-performance"] * 4

    stored = db().execute("SELECT source, kind, nick, period_start, period_end, period_from FROM cs_performance "
                          "ORDER BY id").fetchall()
    assert ("qianniu_reception", "agent", "示例旗舰店:小美", "2026-11-01", "2026-11-20", "file_name") in stored
    assert ("qianniu_reception", "benchmark", "平均值", "2026-11-01", "2026-11-20", "file_name") in stored
    assert ("shop_daily", "benchmark", "同行同层优秀", "2026-11-01", "2026-11-20", "sheet") in stored
    assert not [s for s in stored if s[2] == "暂无数据"]
    assert ("sycm_account", "benchmark", "全店汇总值", "2026-11-01", "2026-11-20", "file_name") in stored
    sales = db().execute("SELECT sales_fen FROM cs_performance WHERE source = 'sycm_account' AND nick_key LIKE "
                         "'%阿强'").fetchone()
    assert sales == (1650050,)

    board = kpi(cli)
    assert board.exit_code == 0, board
    rows = by_who(board.rows)
    mei = rows["kf01"]
    assert (mei["inquiries"], mei["inquiry_paid"], mei["inquiry_conversion"]) == (500, 240, 0.48)
    assert (mei["first_response_s"], mei["avg_response_s"], mei["reply_rate"]) == (8.6, 21.4, 0.99)
    assert mei["sales"] == 26400.0 and mei["satisfaction"] == 0.955
    assert rows["kf02"]["satisfaction"] is None and rows["kf02"]["sales"] == 16500.5
    kinds = {r["nick"]: r["kind"] for r in board.rows}
    for summary in ("汇总值", "平均值", "全店汇总值", "同行同层均值", "同行同层优秀"):
        assert kinds[summary] == "benchmark", summary
    assert mei["rank"] == 1 and rows["kf02"]["rank"] == 2 and mei["score"] > rows["kf02"]["score"]


def test_a_sheet_without_dates_needs_its_period(cli, shop, db):
    rows = [plugin_row("示例旗舰店:小美", 300, 120)]
    nameless = write_xlsx(shop / "客服绩效.xlsx", CS_PLUGIN_HEADER, rows)
    refused = cli("import", nameless, "--now", NOW)
    assert refused.exit_code == 3, refused
    assert "客服绩效.xlsx" in refused.stderr and "--period" in refused.stderr
    assert db().execute("SELECT count(*) FROM cs_performance").fetchone() == (0,)

    bad = cli("import", nameless, "--period", "last month", "--now", NOW)
    assert bad.exit_code == 2, bad

    given = cli("import", nameless, "--period", "2026-10", "--now", NOW, "--format", "json")
    assert given.exit_code == 0, given
    assert db().execute("SELECT period_start, period_end, period_from FROM cs_performance").fetchall() == [
        ("2026-10-01", "2026-10-31", "option")]
    october = cli("kpi", "--month", "2026-10", "--now", NOW, "--format", "json")
    assert by_who(october.rows)["kf01"]["inquiry_paid"] == 120
    # a month's sheet is not split into November's days
    november = kpi(cli)
    assert november.exit_code == 0 and november.rows == [], november


def load_orders(cli, folder, rows, now, name):
    write_csv(folder / name, LEGACY_ORDER_HEADER, rows, encoding="gbk")
    assert cli("import", folder / name, "--now", now).exit_code == 0


def test_outcome_columns_match_the_audit_log(cli, shop_folder, db):
    with SmsStub() as stub:
        (shop_folder / "shoptool.toml").write_text(
            NICKS + '"示例旗舰店:丽丽" = "kf03"\n[kpi]\nreminders_staff = "kf03"\n'
            f'[sms]\nprovider = "http"\n[sms.http]\nurl = "{stub.http_url}"\ntimeout = "2s"\n', encoding="utf-8")
        bad_address = "浙江省 杭州市 朝阳区 文三路 478号 华星时代广场A座"
        load_orders(cli, shop_folder, [
            legacy_order(1, 收货地址=bad_address), legacy_order(2),
            legacy_order(3, UNPAID, 订单创建时间="2026-11-10 09:00:00"),
            legacy_order(4, UNPAID, 订单创建时间="2026-11-10 09:05:00"),
        ], "2026-11-10 09:40", "orders.csv")
        sent = cli("remind-unpaid", "--now", "2026-11-10 09:40", "--format", "json")
        assert sent.exit_code == 0, sent
        assert sorted(r["order_id"] for r in sent.rows if r["action"] == "sent") == [oid(3), oid(4)]
        assert len(stub.sent) == 2
    # order 3 paid 10 hours after its reminder, order 4 two days later
    load_orders(cli, shop_folder, [
        legacy_order(3, PAID, 订单创建时间="2026-11-10 09:00:00", 订单付款时间="2026-11-10 19:40:00"),
        legacy_order(4, PAID, 订单创建时间="2026-11-10 09:05:00", 订单付款时间="2026-11-12 09:41:00"),
    ], "2026-11-12 10:00", "orders-later.csv")

    for args in ((oid(1), "已电话确认地址：西湖区", "--staff", "kf01", "--now", "2026-11-11 10:00"),
                 (oid(1), "--flag", "green", "--staff", "kf01", "--now", "2026-11-11 10:05"),
                 (oid(2), "客户要求周末送", "--staff", "kf01", "--now", "2026-11-11 11:00"),
                 (oid(2), "已核对", "--staff", "kf02", "--now", "2026-10-31 23:00")):  # October: not counted
        assert cli("note", *args).exit_code == 0
    write_csv(shop_folder / "reviews.csv", REVIEW_HEADER, [review(5, "差评", "2026-11-08 10:00:00"),
                                                           review(6, "中评", "2026-11-09 10:00:00")])
    assert cli("import", shop_folder / "reviews.csv", "--now", "2026-11-10 10:00").exit_code == 0
    for args in ((oid(5), "--status", "contacted", "--staff", "kf02"),
                 (oid(5), "--status", "revised", "--staff", "kf02"),
                 (oid(6), "--status", "revised", "--staff", "kf02")):
        assert cli("reviews", "update", *args, "--now", "2026-11-15 10:00").exit_code == 0

    run = kpi(cli)
    assert run.exit_code == 0, run
    rows = by_who(run.rows)
    assert set(rows) == {"kf01", "kf02", "kf03"}  # no sheet imported: shoptool's own records
    assert (rows["kf01"]["notes"], rows["kf01"]["addresses_confirmed"], rows["kf01"]["reviews_revised"]) == (3, 1, 0)
    assert (rows["kf02"]["notes"], rows["kf02"]["reviews_revised"]) == (0, 2)
    assert rows["kf03"]["remind_recovered"] == 1 and rows["kf01"]["remind_recovered"] == 0
    assert all(r["refunds_on_time"] == 0 for r in run.rows)
    summary = run.json["summary"]
    assert (summary["remind_sent"], summary["remind_recovered"], summary["remind_recovered_amount"]) == (2, 1, 99.0)
    # after-sales (#18) is part of every shop database: the table is there, nobody marked a refund yet
    assert summary["refunds_table"] is True and "no refunds table" not in run.stderr
    # the counts are the audit's own: the notes log read back
    log = db().execute("SELECT staff, subject, count(*) FROM notes WHERE at >= '2026-11-01' GROUP BY 1, 2 "
                       "ORDER BY 1, 2").fetchall()
    assert ("kf01", "order", 3) in log and ("kf02", "review", 3) in log

    # after-sales set up: refunds marked handled before (and after) their deadline
    conn = sqlite3.connect(shop_folder / "shoptool.db")
    with conn:
        conn.executemany("INSERT INTO refunds (refund_id, order_id, deadline_at) VALUES (?, ?, ?)", [
            ("R1", oid(1), "2026-11-12T10:00:00+08:00"), ("R2", oid(2), "2026-11-12T10:00:00+08:00")])
        conn.executemany(
            "INSERT INTO notes (subject, subject_id, at, staff, action, old_status, new_status, source) "
            "VALUES ('refund', ?, ?, ?, 'status', 'open', 'handled', 'aftersale')", [
                ("R1", "2026-11-12T09:00:00+08:00", "kf01"), ("R1", "2026-11-12T09:30:00+08:00", "kf01"),
                ("R2", "2026-11-13T09:00:00+08:00", "kf01")])
    conn.close()
    with_refunds = kpi(cli)
    kf01 = by_who(with_refunds.rows)["kf01"]
    assert (kf01["refunds_handled"], kf01["refunds_on_time"]) == (2, 1)
    assert with_refunds.json["summary"]["refunds_table"] is True and "no refunds table" not in with_refunds.stderr


def test_the_board_as_csv_and_an_xlsx_a_lead_can_hand_out(cli, shop, tmp_path):
    assert cli("import", daily_sheet(shop, encoding="utf-8-sig"), "--now", NOW).exit_code == 0
    out = tmp_path / "kpi.xlsx"
    run = cli("kpi", "--month", "2026-11", "--now", NOW, "-o", out)
    assert run.exit_code == 0, run
    from openpyxl import load_workbook

    book = load_workbook(out)
    assert book.sheetnames[1:] == ["评分规则", "数据来源"]
    board = book.worksheets[0]
    header = [c.value for c in board[1]]
    assert header[:6] == ["客服", "旺旺", "类型", "询单人数", "询单付款人数", "询单转化率"]
    first = [c for c in board[2]]
    assert first[0].value == "kf01" and first[2].value == "客服"
    assert first[5].value == pytest.approx(0.4636) and first[5].number_format == "0.0%"
    kinds = [row[2].value for row in board.iter_rows(min_row=2)]
    assert "对标" in kinds

    csv = cli("kpi", "--month", "2026-11", "--now", NOW, "--format", "csv")
    assert csv.exit_code == 0, csv
    lines = csv.stdout.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("客服,旺旺,类型,询单人数,询单付款人数,询单转化率")
    assert lines[1].startswith("kf01,示例旗舰店:小美,客服,110,51,46.4%")
    table = cli("kpi", "--month", "2026-11", "--now", NOW, "--format", "table")
    assert table.exit_code == 0 and "46.4%" in table.stdout


@pytest.mark.parametrize("args", [("--month", "2026-13"), ("--month", "2026-11", "--since", "30d"),
                                  ("--since", "next week")])
def test_a_period_that_is_not_one_is_a_usage_error(cli, shop, args):
    run = cli("kpi", *args, "--now", NOW)
    assert run.exit_code == 2, run


def test_unusable_weights_are_a_config_error(cli, shop_folder):
    (shop_folder / "shoptool.toml").write_text('[kpi.weights]\ninquiry_conversion = "lots"\n', encoding="utf-8")
    run = cli("kpi", "--now", NOW)
    assert run.exit_code == 2, run
    assert "kpi.weights" in run.stderr


def test_since_a_day_keeps_the_days_of_a_per_day_sheet_and_leaves_its_totals_out(cli, shop):
    assert cli("import", daily_sheet(shop), "--now", NOW).exit_code == 0
    run = cli("kpi", "--since", "2026-11-02", "--now", NOW, "--format", "json")
    assert run.exit_code == 0, run
    rows = by_who(run.rows)
    assert (rows["kf01"]["inquiries"], rows["kf01"]["inquiry_paid"]) == (10, 1)  # the 2nd; the 3rd not final
    assert not [r for r in run.rows if r["kind"] == "benchmark"]
    assert "its summary rows (汇总值…) cover 2026-11-01..2026-11-03 and are left out" in run.stderr
