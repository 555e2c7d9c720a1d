"""customers, segments and campaign (PRODUCT §20, §24) on a world of buyers with known histories,
at a fixed --now: every tier, segment and exclusion is stated here, and read back from the CLI."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from builders import (
    CLOSED,
    DONE,
    LATER_ORDER_HEADER,
    LEGACY_ORDER_HEADER,
    MEMBER_HEADER,
    OPT_OUT_HEADER,
    REVIEW_HEADER,
    UNPAID,
    consent,
    legacy_order,
    member,
    opt_out,
    review,
    write_csv,
    write_xlsx,
)

NOW = "2026-11-21 10:00"
_NOW = datetime(2026, 11, 21, 10, 0)
HEADER = LATER_ORDER_HEADER + ["退款状态"]


def ago(days: float) -> str:
    return (_NOW - timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S")


def mobile(n: int) -> str:
    return f"1380013{n:04d}"


# buyer → (orders: [(days ago, yuan, status)], phone as the export writes it)
WORLD = {
    "tb_new": ([(10, "99.00", DONE)], mobile(1)),
    "tb_repeat": ([(60, "300.00", DONE), (40, "300.00", DONE), (20, "300.00", DONE)], mobile(2)),
    "tb_vip": ([(100, "3500.00", DONE)], mobile(3)),
    "tb_lost": ([(400, "5000.00", DONE), (200, "50.00", DONE)], mobile(4)),
    "tb_unpaid": ([(3, "99.00", UNPAID)], mobile(5)),
    "tb_top": ([(d, "10.00", DONE) for d in range(50, 70)], mobile(6)),
    "tb_black": ([(5, "99.00", DONE)], mobile(7)),
    "tb_masked": ([(5, "99.00", DONE)], "138****0008"),
    "tb_privacy": ([(5, "99.00", DONE)], "13800130009-1234"),
    "tb_noconsent": ([(5, "99.00", DONE)], mobile(10)),
    "tb_edge90": ([(90, "99.00", DONE)], mobile(11)),
    "tb_edge180": ([(180, "99.00", DONE)], mobile(12)),
    "tb_edge181": ([(181, "99.00", DONE)], mobile(13)),
    "tb_refund": ([(5, "99.00", DONE)], mobile(14)),
    "tb_bad": ([(5, "99.00", DONE)], mobile(15)),
    "tb_old_bad": ([(5, "99.00", DONE)], mobile(16)),
}
EXPECTED = {  # buyer → (tier, segments, r, f, m)
    "tb_new": ("普通会员", ["成交客户", "新客"], 5, 1, 1),
    "tb_repeat": ("高级会员", ["成交客户", "复购"], 5, 3, 3),
    "tb_vip": ("VIP会员", ["成交客户", "沉睡"], 3, 1, 5),
    "tb_lost": ("普通会员", ["成交客户", "复购", "流失"], 2, 2, 5),
    "tb_unpaid": (None, ["未成交客户"], None, None, None),
    "tb_top": ("至尊VIP", ["成交客户", "复购"], 4, 5, 2),
    "tb_edge90": ("普通会员", ["成交客户", "沉睡"], 4, 1, 1),
    "tb_edge180": ("普通会员", ["成交客户", "沉睡"], 3, 1, 1),
    "tb_edge181": ("普通会员", ["成交客户", "流失"], 2, 1, 1),
}


def orders_rows():
    rows, n = [], 100
    for nick, (orders, phone) in WORLD.items():
        for days, yuan, status in orders:
            n += 1
            cells = {"买家会员名": nick, "联系手机": phone, "订单创建时间": ago(days), "买家应付货款": yuan,
                     "总金额": yuan, "买家实际支付金额": "" if status == UNPAID else yuan}
            if nick == "tb_refund":
                cells["退款状态"] = "买家已经申请退款，等待卖家同意"
            rows.append(legacy_order(n, status=status, **cells))
    # a buyer without a nick: known by the receiver's phone (PRODUCT §16), in another spelling
    rows.append(legacy_order(900, status=DONE, 买家会员名="", 联系手机="+86 138-0013-0017", 订单创建时间=ago(15)))
    rows.append(legacy_order(901, status=DONE, 买家会员名="", 联系手机="13800130017.0", 订单创建时间=ago(12)))
    return rows


@pytest.fixture
def world(cli, tmp_path):
    write_csv(tmp_path / "orders.csv", HEADER, orders_rows(), encoding="gbk")
    assert cli("import", "orders.csv").exit_code == 0
    # consents as an xlsx, phones in Excel's spellings; everyone but tb_noconsent agreed
    agreed = [p for nick, (_, p) in WORLD.items() if nick != "tb_noconsent" and "*" not in p]
    spelled = [f"{p}.0" if i % 2 else f"+86 {p[:3]} {p[3:7]} {p[7:]}" for i, p in enumerate(agreed)]
    write_xlsx(tmp_path / "consents.xlsx", ["凭证", "手机号", "同意时间", "来源"],
               [consent(p, proof=f"FORM-{i}") for i, p in enumerate(spelled + ["13800130017"])])
    run = cli("import", "consents.xlsx", "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert run.rows[0]["kind"] == "consents"
    write_csv(tmp_path / "optouts.csv", OPT_OUT_HEADER, [opt_out("+86 138-0013-0002")], encoding="gbk")
    assert cli("import", "optouts.csv").exit_code == 0
    write_csv(tmp_path / "members.csv", MEMBER_HEADER,
              [member("tb_black", mobile(7), blacklisted="是"), member("tb_new", mobile(1))])
    run = cli("import", "members.csv", "--format", "json")
    assert run.exit_code == 0 and run.rows[0]["kind"] == "customers", run.stderr
    write_csv(tmp_path / "reviews.csv", REVIEW_HEADER,
              [review(1, "中评", ago(10), 买家昵称="tb_bad"), review(2, "差评", ago(45), 买家昵称="tb_old_bad")])
    assert cli("import", "reviews.csv", "--now", NOW).exit_code == 0
    assert cli("customers", "tag", "tb_top", "malicious", "--staff", "kf02", "--now", NOW).exit_code == 0
    return tmp_path


def test_every_tier_segment_and_rfm_score_is_right_at_a_fixed_now(cli, world):
    run = cli("customers", "list", "--now", NOW, "--format", "json", "--limit", "0")
    assert run.exit_code == 0, run.stderr
    by_buyer = {r["buyer"]: r for r in run.rows}
    for nick, (tier, segments, r, f, m) in EXPECTED.items():
        row = by_buyer[nick]
        assert (row["tier"], row["segments"], row["r"], row["f"], row["m"]) == (tier, segments, r, f, m), nick
    assert by_buyer["tb_repeat"]["spend"] == 900.0 and by_buyer["tb_repeat"]["orders"] == 3
    assert by_buyer["tb_lost"]["window_spend"] == 50.0  # the 400-day-old order is outside crm.window
    assert by_buyer["tb_vip"]["segment"] == "沉睡" and by_buyer["tb_unpaid"]["segment"] == "未成交客户"
    # the nick-less buyer: one buyer for both spellings of the phone, masked in JSON
    phone_buyers = [r for r in run.rows if "0017" in r["buyer"]]
    assert len(phone_buyers) == 1 and phone_buyers[0]["orders"] == 2 and "****" in phone_buyers[0]["buyer"]
    assert by_buyer["tb_top"]["tags"] == ["malicious"]
    assert by_buyer["tb_repeat"]["opted_out"] is True and by_buyer["tb_noconsent"]["consented"] is False
    assert by_buyer["tb_new"]["phone"] == "138****0001"
    lost = cli("customers", "list", "--segment", "lost", "--now", NOW, "--format", "json").rows
    assert {r["buyer"] for r in lost} == {"tb_lost", "tb_edge181"}
    vip = cli("customers", "list", "--tier", "至尊VIP,VIP会员", "--now", NOW, "--format", "json").rows
    assert {r["buyer"] for r in vip} == {"tb_top", "tb_vip"}
    assert cli("customers", "list", "--tier", "金牌", "--now", NOW).exit_code == 2


def test_segments_count_and_say_the_change_since_the_last_run(cli, world, db, tmp_path):
    run = cli("segments", "--now", NOW, "--format", "json")
    assert run.exit_code == 0, run.stderr
    counts = {r["segment"]: r["count"] for r in run.rows}
    # 15 paying nicks + the phone buyer (two orders: 复购, 15 days: 新客); tb_unpaid never paid
    assert counts == {"成交客户": 16, "未成交客户": 1, "新客": 9, "复购": 4, "沉睡": 3, "流失": 2}
    assert all(r["change"] is None for r in run.rows)
    assert run.json["summary"]["tiers"]["至尊VIP"] == 1
    write_csv(tmp_path / "more.csv", HEADER, [legacy_order(950, status=DONE, 买家会员名="tb_fresh",
                                                           订单创建时间=ago(1))])
    assert cli("import", "more.csv").exit_code == 0
    again = {r["segment"]: r for r in cli("segments", "--now", NOW, "--format", "json").rows}
    assert again["新客"]["count"] == 10 and again["新客"]["change"] == 1 and again["复购"]["change"] == 0
    assert db().execute("SELECT count FROM segment_counts WHERE segment = '新客'").fetchone()[0] == 10


def test_segment_export_gives_nicks_and_phones_only_with_show_pii(cli, world, db, tmp_path):
    run = cli("segments", "export", "复购", "-o", "repeat.csv", "--now", NOW)
    assert run.exit_code == 0, run.stderr
    text = (tmp_path / "repeat.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "买家会员名" and "tb_lost" in text and "138" not in text
    run = cli("segments", "export", "新客", "--format", "json", "--show-pii", "--now", NOW)
    rows = {r["buyer"]: r["phone"] for r in run.rows}
    assert rows["tb_new"] == mobile(1) and rows[None] == "13800130017"
    actions = [a for (a,) in db().execute("SELECT action FROM audit ORDER BY id")]
    assert actions == ["segment_export", "segment_export", "show_pii"]


def test_customers_show_is_one_timeline_found_by_nick_or_any_phone_spelling(cli, world):
    run = cli("customers", "show", "tb_repeat", "--now", NOW, "--format", "json")
    assert run.exit_code == 0, run.stderr
    summary = run.json["summary"]
    assert (summary["tier"], summary["orders"], summary["spend"], summary["opted_out"]) == ("高级会员", 3, 900.0, True)
    events = [e["event"] for e in run.rows]
    assert events.count("order") == 3 and "consent" in events and "opt_out" in events
    assert all(e["phone"] is None or "****" in e["phone"] for e in run.rows)
    by_phone = cli("customers", "show", "+86 138 0013 0002", "--now", NOW, "--format", "json")
    assert by_phone.exit_code == 0 and by_phone.json["summary"]["buyer"] == "tb_repeat"
    bad = cli("customers", "show", "tb_bad", "--now", NOW, "--format", "json").json["summary"]
    assert bad["bad_reviews"] == 1 and bad["excluded_because"] == ["bad_review"]
    assert cli("customers", "show", "nobody", "--now", NOW).exit_code == 2
    # a buyer without a nick, found by a phone spelling: masked everywhere but with --show-pii
    phone_only = cli("customers", "show", "138.0013.0017", "--now", NOW, "--format", "json")
    assert phone_only.exit_code == 0 and phone_only.json["summary"]["orders"] == 2
    assert "13800130017" not in phone_only.stdout + phone_only.stderr


def test_tags_and_hand_recorded_consents_are_logged(cli, world, db):
    run = cli("customers", "tag", "tb_top", "malicious", "--staff", "kf03", "--now", NOW, "--format", "json")
    assert run.exit_code == 0 and run.rows[0]["action"] == "already"
    run = cli("customers", "consent", "+86 138-0013-0010", "--source", "线下表单", "--proof", "PAPER-7",
              "--staff", "kf03", "--now", NOW, "--format", "json")
    assert run.exit_code == 0 and run.rows[0]["action"] == "recorded", run.stderr
    assert run.rows[0]["phone"] == "138****0010"
    row = db().execute("SELECT source, proof, staff FROM consents WHERE phone = ?", (mobile(10),)).fetchone()
    assert tuple(row) == ("线下表单", "PAPER-7", "kf03")
    logged = db().execute("SELECT subject_id, staff, action FROM notes WHERE subject = 'customer' "
                          "ORDER BY id").fetchall()
    assert [tuple(r) for r in logged] == [("tb_top", "kf02", "tag"), (mobile(10), "kf03", "consent")]
    assert cli("customers", "consent", "138****0010", "--source", "x", "--now", NOW).exit_code == 2


def test_a_consent_sheet_is_never_taken_for_opt_outs(cli, tmp_path, db):
    write_csv(tmp_path / "agreed.csv", ["手机号", "来源", "同意时间"], [{"手机号": mobile(1), "来源": "入会协议",
                                                                         "同意时间": "2026-10-01 10:00"}])
    run = cli("import", "agreed.csv", "--format", "json")
    assert run.exit_code == 0 and run.rows[0]["kind"] == "consents", run.stderr
    write_csv(tmp_path / "agreed2.csv", ["手机号", "来源", "凭证"], [{"手机号": mobile(2), "来源": "x", "凭证": "y"}])
    assert cli("import", "agreed2.csv", "--as", "opt-outs").exit_code == 3
    assert db().execute("SELECT count(*) FROM opt_outs").fetchone()[0] == 0
    # and a bare list of phones is neither
    write_csv(tmp_path / "vip.csv", ["手机号"], [{"手机号": mobile(3)}])
    assert cli("import", "vip.csv").exit_code != 0


def test_purge_keeps_consent_proof_and_scrubs_the_rest_of_a_purged_buyer(cli, tmp_path, db):
    old = legacy_order(1, status=DONE, 买家会员名="tb_gone", 联系手机=mobile(1), 订单创建时间="2026-03-01 10:00:00")
    write_csv(tmp_path / "orders.csv", HEADER, [old])
    assert cli("import", "orders.csv").exit_code == 0
    write_xlsx(tmp_path / "consents.xlsx", ["手机号", "来源", "同意时间", "凭证"], [consent(mobile(1), proof="FORM-9")])
    assert cli("import", "consents.xlsx").exit_code == 0
    write_csv(tmp_path / "members.csv", MEMBER_HEADER, [member("tb_gone", mobile(1))])
    assert cli("import", "members.csv").exit_code == 0
    run = cli("purge", "--older-than", "180d", "--yes", "--now", NOW, "--format", "json")
    assert run.exit_code == 0, run.stderr
    kept = db().execute("SELECT phone, source, consented_at, proof FROM consents").fetchall()
    assert [tuple(r) for r in kept] == [(mobile(1), "会员注册", "2026-09-01T12:00:00+08:00", "FORM-9")]
    gone = db().execute("SELECT receiver_name, phone, address FROM members").fetchone()
    assert tuple(gone) == (None, None, None)
    assert db().execute("SELECT buyer_nick, receiver_mobile FROM orders").fetchone()[:] == (None, None)


def test_an_erp_member_list_in_gbk_with_other_columns_and_a_row_that_names_nobody(cli, tmp_path, db):
    header = ["手机", "会员名称", "黑名单", "消费额", "消费数", "备注"]
    rows = [{"手机": "'13800130021", "会员名称": "tb_m1", "黑名单": "是", "消费额": "￥1,288.50", "消费数": "6",
             "备注": "老客"},
            {"手机": "+86 138 0013 0022", "会员名称": "", "黑名单": "否", "消费额": "10", "消费数": "1"},
            {"手机": "138****0023", "会员名称": "", "黑名单": "", "消费额": "", "消费数": ""}]
    write_csv(tmp_path / "会员.csv", header, rows, encoding="gbk")
    run = cli("import", "会员.csv", "--format", "json")
    assert run.exit_code == 3 and run.rows[0]["kind"] == "customers", run.stderr
    assert run.rows[0]["rejected"] == 1 and (tmp_path / "会员.csv.rejects.csv").exists()
    stored = {r[0]: tuple(r[1:]) for r in db().execute(
        "SELECT member_key, phone, blacklisted, spend_fen, orders, extra FROM members")}
    assert stored["tb_m1"] == ("13800130021", 1, 128850, 6, '{"备注":"老客"}')
    assert stored["13800130022"][:2] == ("13800130022", 0)  # no name: known by the phone (PRODUCT §16)


def test_buyers_are_streamed_in_one_merged_pass_with_every_order_counted(cli, tmp_path, db):
    """The buyers' figures are read as two passes sorted by nick and merged as they stream (issue
    #25: a million orders' buyers were ~130 MB held at once). Nicks that sort between each other
    — paid only, unpaid only, both, upper and lower case, Chinese — each get all their orders; the
    list's first rows and its summary are those of the whole sorted list."""
    history = {  # nick → statuses of its orders (sorted by nick: A_, B_, a_, b_, z_, 买…)
        "A_unpaid": [UNPAID], "B_paid": [DONE], "a_both": [DONE, UNPAID, CLOSED], "b_unpaid": [UNPAID, CLOSED],
        "z_paid": [DONE, DONE], "买家甲": [CLOSED, DONE], "买家乙": [UNPAID], "~last": [CLOSED],
    }
    rows, n = [], 0
    for nick, statuses in reversed(list(history.items())):  # imported out of order
        for status in statuses:
            n += 1
            rows.append(legacy_order(n, status=status, 买家会员名=nick, 联系手机=mobile(n), 订单创建时间=ago(n),
                                     买家应付货款=f"{n}0.00", 总金额=f"{n}0.00",
                                     买家实际支付金额="" if status == UNPAID else f"{n}0.00"))
    rows.append(legacy_order(99, status=DONE, 买家会员名="", 联系手机="13800139999", 订单创建时间=ago(3)))
    write_csv(tmp_path / "orders.csv", LEGACY_ORDER_HEADER, rows, encoding="gbk")
    assert cli("import", "orders.csv").exit_code == 0

    everyone = cli("customers", "list", "--now", NOW, "--format", "json", "--limit", "0")
    assert everyone.exit_code == 0, everyone
    found = {r["buyer"]: (r["all_orders"], r["orders"]) for r in everyone.rows}
    expected = {nick: (len(statuses), statuses.count(DONE)) for nick, statuses in history.items()}
    assert {b: v for b, v in found.items() if b in history} == expected
    assert len(found) == len(history) + 1  # and the buyer known by phone only
    first = cli("customers", "list", "--now", NOW, "--format", "json", "--limit", "3")
    assert first.rows == everyone.rows[:3]
    assert first.json["summary"] == everyone.json["summary"]
    assert list(first.json["summary"]) == list(dict.fromkeys(r["tier"] or "无等级" for r in everyone.rows))
    segments = cli("segments", "--now", NOW, "--format", "json")
    assert segments.json["summary"]["buyers"] == len(found)
    assert segments.json["summary"]["未成交客户"] == sum(1 for v in expected.values() if v[1] == 0)
    assert db().conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == n + 1
