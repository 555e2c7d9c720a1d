"""campaign create|preview|send|report (PRODUCT §20): a marketing text reaches exactly the consented,
not opted-out, not suppressed buyers with real phones; preview names every exclusion; a second
send sends nothing; nothing goes out in quiet hours; every text ends with 拒收请回复R."""

from __future__ import annotations

import pytest
from builders import DONE, OPT_OUT_HEADER, legacy_order, opt_out, write_csv
from test_cli_customers import HEADER, NOW, mobile, world  # noqa: F401  (the world fixture)

WOULD_SEND = {"tb_new", "tb_vip", "tb_lost", "tb_edge90", "tb_edge180", "tb_edge181", "tb_old_bad", "138****0017"}
EXCLUDED = {
    "tb_repeat": ["opted_out"], "tb_top": ["malicious"], "tb_black": ["blacklisted"],
    "tb_masked": ["masked_phone", "no_consent"], "tb_privacy": ["privacy_number", "no_consent"],
    "tb_noconsent": ["no_consent"], "tb_refund": ["open_refund"], "tb_bad": ["bad_review"],
}


@pytest.fixture
def campaign(cli, world):  # noqa: F811
    run = cli("campaign", "create", "双12预热", "--segment", "成交客户", "--template", "campaign", "--staff", "kf02",
              "--now", NOW, "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert run.rows[0]["segment"] == "成交客户" and run.rows[0]["template_code"] == "SMS_CAMPAIGN"
    return "双12预热"


def test_preview_names_every_exclusion_and_the_cost(cli, campaign):
    run = cli("campaign", "preview", campaign, "--now", NOW, "--format", "json")
    assert run.exit_code == 0, run.stderr
    sending = {r["buyer"] for r in run.rows if r["action"] == "would_send"}
    assert sending == WOULD_SEND
    excluded = {r["buyer"]: r["reasons"] for r in run.rows if r["action"] == "excluded"}
    assert excluded == EXCLUDED
    assert all(r["reason"] == r["reasons"][0] for r in run.rows if r["action"] == "excluded")
    assert all(r["phone"] is None or "****" in r["phone"] for r in run.rows)
    summary = run.json["summary"]
    assert summary["would_send"] == 8 and summary["excluded"] == 8 and summary["parts"] == 8
    assert summary["cost"] == 0.36 and summary["excluded_by_reason"]["no_consent"] == 1
    assert all(r["text"].endswith("拒收请回复R") and r["text"].startswith("【示例旗舰店】")
               for r in run.rows if r["action"] == "would_send")


def test_no_text_in_quiet_hours_then_each_phone_once_ever(cli, campaign, db):
    dry = cli("campaign", "send", campaign, "--dry-run", "--now", "2026-11-21 10:00", "--format", "json")
    assert dry.exit_code == 0 and dry.json["summary"]["would_send"] == 8, dry.stderr
    assert db().execute("SELECT count(*) FROM messages").fetchone()[0] == 0
    night = cli("campaign", "send", campaign, "--now", "2026-11-21 21:30", "--format", "json")
    assert night.exit_code == 0, night.stderr
    assert {r["action"] for r in night.rows} == {"deferred"} and len(night.rows) == 8
    assert {r["reason"] for r in night.rows} == {"quiet_hours"}
    assert db().execute("SELECT count(*) FROM messages WHERE status = 'sent'").fetchone()[0] == 0
    morning = cli("campaign", "send", campaign, "--now", "2026-11-22 10:00", "--format", "json")
    assert morning.exit_code == 0, morning.stderr
    assert sum(1 for r in morning.rows if r["action"] == "sent") == 8
    sent = db().execute("SELECT phone, text, class, purpose, step FROM messages WHERE status = 'sent'").fetchall()
    assert len(sent) == 8 and len({r[0] for r in sent}) == 8
    assert mobile(2) not in {r[0] for r in sent}  # opted out in another spelling
    assert all(r[1].endswith("拒收请回复R") and r[2] == "marketing" and r[3] == "campaign" and r[4] == campaign
               for r in sent)
    again = cli("campaign", "send", campaign, "--now", "2026-11-23 11:00", "--format", "json")
    assert again.exit_code == 0 and not any(r["action"] == "sent" for r in again.rows)
    assert db().execute("SELECT count(*) FROM messages WHERE status = 'sent'").fetchone()[0] == 8
    preview = cli("campaign", "preview", campaign, "--now", "2026-11-23 11:00", "--format", "json")
    assert preview.json["summary"]["already_sent"] == 8 and preview.json["summary"]["would_send"] == 0


def test_a_buyer_who_consents_later_gets_it_and_one_who_opts_out_does_not(cli, campaign, db, tmp_path):
    write_csv(tmp_path / "late_optout.csv", OPT_OUT_HEADER, [opt_out(f"{mobile(3)}.0", at="2026-11-21 11:00:00")])
    assert cli("import", "late_optout.csv").exit_code == 0
    assert cli("customers", "consent", mobile(10), "--source", "线下表单", "--now", NOW).exit_code == 0
    run = cli("campaign", "send", campaign, "--now", "2026-11-22 10:00", "--format", "json")
    got = {r["buyer"] for r in run.rows if r["action"] == "sent"}
    assert "tb_noconsent" in got and "tb_vip" not in got


def test_report_counts_sent_opted_out_since_and_paid_within_seven_days(cli, campaign, tmp_path):
    assert cli("campaign", "send", campaign, "--now", "2026-11-22 10:00").exit_code == 0
    write_csv(tmp_path / "after_optout.csv", OPT_OUT_HEADER, [opt_out(mobile(1), at="2026-11-22 10:05:00")])
    assert cli("import", "after_optout.csv").exit_code == 0
    write_csv(tmp_path / "after.csv", HEADER, [
        legacy_order(990, status=DONE, 买家会员名="tb_vip", 订单创建时间="2026-11-25 09:00:00", 买家应付货款="199.00"),
        legacy_order(991, status=DONE, 买家会员名="tb_lost", 订单创建时间="2026-12-05 09:00:00")])  # after 7 days
    assert cli("import", "after.csv").exit_code == 0
    run = cli("campaign", "report", campaign, "--now", "2026-12-10 10:00", "--format", "json")
    assert run.exit_code == 0, run.stderr
    summary = run.json["summary"]
    assert (summary["sent"], summary["failed"], summary["opted_out_since"], summary["paid_within"]) == (8, 0, 1, 1)
    assert summary["paid_amount"] == 199.0
    assert {r["buyer"] for r in run.rows if r["paid_within"]} == {"tb_vip"}


def test_create_refuses_a_template_that_is_not_marketing_or_lacks_the_unsubscribe_wording(cli, world):  # noqa: F811
    assert cli("campaign", "create", "x", "--segment", "复购", "--template", "shipped").exit_code == 2
    assert cli("campaign", "create", "x", "--segment", "nobody", "--template", "campaign").exit_code == 2
    with open("shoptool.toml", "w", encoding="utf-8") as fh:
        fh.write('[sms.templates.promo]\nclass = "marketing"\ncode = "SMS_9"\ntext = "{shop}上新啦，快来看看"\n')
    run = cli("campaign", "create", "x", "--segment", "复购", "--template", "SMS_9")
    assert run.exit_code == 2 and "拒收请回复R" in run.stderr
    assert cli("campaign", "preview", "x").exit_code == 2
    assert cli("campaign", "create", "y", "--segment", "repeat", "--template", "campaign").exit_code == 0
    assert cli("campaign", "create", "y", "--segment", "repeat", "--template", "campaign").exit_code == 2


def test_over_http_the_provider_gets_each_phone_once_and_a_held_lock_exits_5(cli, campaign, tmp_path):
    from sms_stub import SmsStub

    from shoptool.locks import single_instance

    with SmsStub() as stub:
        (tmp_path / "shoptool.toml").write_text(
            f'[sms]\nprovider = "http"\n[sms.http]\nurl = "{stub.http_url}"\ntimeout = "2s"\n', encoding="utf-8")
        with single_instance(tmp_path / "shoptool.db", "campaign-send"):
            locked = cli("campaign", "send", campaign, "--now", "2026-11-22 10:00")
        assert locked.exit_code == 5 and locked.stdout == "" and stub.requests == []
        stub.script(mobile(3), "server_error")  # tb_vip: an answer that leaves doubt → unknown, never resent
        run = cli("campaign", "send", campaign, "--now", "2026-11-22 10:00", "--format", "json")
        assert run.exit_code == 4, run.stderr
        assert cli("campaign", "send", campaign, "--now", "2026-11-22 11:00").exit_code == 4  # still unknown
        phones = [r["phone"] for r in stub.requests]
        assert len(phones) == 8 and len(set(phones)) == 8 and mobile(2) not in phones
        assert all(r["text"].endswith("拒收请回复R") and r["out_id"].startswith("c:") for r in stub.requests)
    report = cli("campaign", "report", campaign, "--now", "2026-11-23 10:00", "--format", "json").json["summary"]
    assert (report["sent"], report["failed"]) == (7, 1)
