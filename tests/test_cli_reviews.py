"""`shoptool reviews`, `reviews update`, `reviews history` on review sheets written here."""

from __future__ import annotations

import pytest
from builders import REVIEW_HEADER, oid, review, write_csv, write_xlsx

NOW = "2026-11-21 10:00"
CONTRACT_KEYS = ["review_id", "order_id", "rating", "status", "created_at", "age_days", "days_left", "tags",
                 "buyer", "item", "content"]


def rid(n: int) -> str:
    return f"{oid(n)}-{oid(n)}1"


# (order, rating text, stars, nick, posted, content, follow-up text, follow-up time)
REVIEWS = [
    (1, "好评", "5", "tb_good", "2026-11-15 12:00:00", "很好", "", ""),
    (2, "差评", "1", "t**3", "2026-11-18 20:00:00", "杯子破了，快递太慢", "", ""),
    (3, "中评", "3", "tb_xiaoyu", "2026-11-20 09:30:00", "衣服偏小一码", "", ""),
    (4, "差评", "2", "z**n", "2026-10-10 10:00:00", "做工粗糙，线头很多", "还行吧", "2026-10-12 10:00:00"),
    (5, "差评", "1", "a**9", "2026-11-21 08:00:00", "不喜欢", "", ""),
    (6, "中评", "3", "l**e", "2026-11-10 10:00:00", "客服不回复", "后来处理了", "2026-11-12 10:00:00"),
    (7, "好评", "4", "m**n", "2026-11-19 10:00:00", "快递很快", "", ""),
]


def sheet_rows(stars: bool = False, star_glyphs: bool = False, changes: dict | None = None) -> list[dict]:
    rows = []
    for n, text, star, nick, posted, content, followup, followup_at in REVIEWS:
        rating = ("★" * int(star) if star_glyphs else star) if stars else text
        row = review(n, rating, posted, 买家昵称=nick, 评价内容=content, 追评内容=followup, 追评时间=followup_at)
        rows.append({**row, **(changes or {}).get(n, {})})
    return rows


def write_text_csv(path, **kw):
    return write_csv(path, REVIEW_HEADER, sheet_rows(**kw))


def write_star_csv(path, **kw):
    header = ["评分" if h == "评价结果" else h for h in REVIEW_HEADER]
    rows = [{("评分" if k == "评价结果" else k): v for k, v in r.items()} for r in sheet_rows(stars=True, **kw)]
    return write_csv(path, header, rows)


def write_star_xlsx(path, **kw):
    header = ["星级" if h == "评价结果" else h for h in REVIEW_HEADER]
    rows = [{("星级" if k == "评价结果" else k): v for k, v in r.items()}
            for r in sheet_rows(stars=True, star_glyphs=True, **kw)]
    return write_xlsx(path, header, rows)


@pytest.fixture
def imported(cli, shop_folder):
    path = write_text_csv(shop_folder / "reviews.csv")
    run = cli("import", path, "--now", NOW, "-f", "json")
    assert run.exit_code == 0, run
    return path


@pytest.mark.parametrize("writer, name", [(write_text_csv, "reviews.csv"), (write_star_csv, "stars.csv"),
                                          (write_star_xlsx, "stars.xlsx")])
def test_lists_medium_and_bad_reviews_with_age_and_window(cli, shop_folder, writer, name):
    assert cli("import", writer(shop_folder / name), "--now", NOW).exit_code == 0

    run = cli("reviews", "--now", NOW, "--format", "json")

    assert run.exit_code == 1, run  # 差评 2 and 4 are open and older than 2 days
    doc = run.json
    assert doc["command"] == "reviews"
    assert doc["generated_at"] == "2026-11-21T10:00:00+08:00"
    rows = doc["rows"]
    # never the good ones; oldest first
    assert [r["order_id"] for r in rows] == [oid(4), oid(6), oid(2), oid(3), oid(5)]
    assert all(list(r)[:len(CONTRACT_KEYS)] == CONTRACT_KEYS for r in rows)
    got = {r["order_id"]: r for r in rows}
    assert {n: got[oid(n)]["rating"] for n in (2, 3, 4, 5, 6)} == {
        2: "bad", 3: "neutral", 4: "bad", 5: "bad", 6: "neutral"}
    assert {n: (got[oid(n)]["age_days"], got[oid(n)]["days_left"]) for n in (2, 3, 4, 5, 6)} == {
        2: (2, 27), 3: (1, 28), 4: (42, 0), 5: (0, 29), 6: (11, 19)}  # whole days left, never rounded up
    # past the window, or after a 追评, the seller can no longer explain
    assert {n: got[oid(n)]["can_explain"] for n in (2, 3, 4, 5, 6)} == {
        2: True, 3: True, 4: False, 5: True, 6: False}
    assert got[oid(2)]["review_id"] == rid(2)
    assert got[oid(2)]["created_at"] == "2026-11-18T20:00:00+08:00"
    assert got[oid(2)]["window_ends_at"] == "2026-12-18T20:00:00+08:00"
    assert got[oid(2)]["status"] == "open"
    assert got[oid(2)]["item"] == "宝贝2"
    assert got[oid(2)]["content"] == "杯子破了，快递太慢"
    assert {r["order_id"] for r in rows if r["overdue"]} == {oid(2), oid(4)}


def test_tags_summary_and_buyer_masking(cli, imported):
    run = cli("reviews", "--now", NOW, "-f", "json")

    assert run.exit_code == 1, run
    got = {r["order_id"]: r for r in run.rows}
    assert got[oid(2)]["tags"] == ["物流", "破损"]
    assert got[oid(3)]["tags"] == ["尺码"]
    assert got[oid(4)]["tags"] == ["质量"]
    assert got[oid(5)]["tags"] == []
    assert got[oid(6)]["tags"] == ["服务"]
    # a nick the platform already masked stays as it is; a full nick is masked like a name
    assert got[oid(2)]["buyer"] == "t**3"
    assert got[oid(3)]["buyer"] == "t***"
    assert "tb_xiaoyu" not in run.stdout
    assert run.json["summary"] == {
        "rows": 5, "bad": 3, "neutral": 2, "overdue": 2, "statuses": {"open": 5},
        "tags": {"物流": 1, "质量": 1, "尺码": 1, "色差": 0, "破损": 1, "服务": 1}, "untagged": 1,
    }
    assert "2 open 差评 older than 2d" in run.stderr


def test_show_pii_reveals_the_nick_and_is_audited(cli, imported, db):
    run = cli("reviews", "--now", NOW, "-f", "json", "--show-pii")

    assert run.exit_code == 1, run
    assert {r["order_id"]: r["buyer"] for r in run.rows}[oid(3)] == "tb_xiaoyu"
    audits = db().execute("SELECT action, command FROM audit").fetchall()
    assert audits == [("show_pii", "reviews")]


def test_filters_rating_status_since(cli, imported):
    bad = cli("reviews", "--now", NOW, "-f", "json", "--rating", "bad")
    assert bad.exit_code == 1, bad
    assert [r["order_id"] for r in bad.rows] == [oid(4), oid(2), oid(5)]

    neutral = cli("reviews", "--now", NOW, "-f", "json", "--rating", "中评")
    assert neutral.exit_code == 0, neutral  # no 差评 in the listing, nothing to alert on
    assert [r["order_id"] for r in neutral.rows] == [oid(6), oid(3)]

    since = cli("reviews", "--now", NOW, "-f", "json", "--since", "2026-11-18")
    assert since.exit_code == 1, since
    assert [r["order_id"] for r in since.rows] == [oid(2), oid(3), oid(5)]

    resolved = cli("reviews", "--now", NOW, "-f", "json", "--status", "resolved")
    assert resolved.exit_code == 0, resolved
    assert resolved.rows == []


@pytest.mark.parametrize("args, words", [
    (["--rating", "good"], "--rating"),
    (["--status", "pending"], "--status"),
    (["--since", "last tuesday"], "--since"),
    (["--format", "yaml"], "--format"),
])
def test_bad_options_are_usage_errors(cli, imported, args, words):
    run = cli("reviews", "--now", NOW, *args)
    assert run.exit_code == 2, run
    assert words in run.stderr
    assert run.stdout == ""


def test_alert_age_comes_from_settings(cli, imported, shop_folder):
    (shop_folder / "shoptool.toml").write_text('[reviews]\nalert_after = "3d"\n', encoding="utf-8")
    run = cli("reviews", "--now", NOW, "-f", "json")
    assert run.exit_code == 1, run  # only review 4 (42 days) is past 3 days now
    assert [r["order_id"] for r in run.rows if r["overdue"]] == [oid(4)]

    run = cli("reviews", "--now", NOW, "-f", "json", env={"SHOPTOOL_REVIEWS_ALERT_AFTER": "60d"})
    assert run.exit_code == 0, run
    assert run.json["summary"]["overdue"] == 0


def test_tag_rules_and_window_from_settings(cli, imported, shop_folder):
    (shop_folder / "shoptool.toml").write_text(
        '[reviews]\nwindow_days = 15\n[reviews.tags]\n"不满意" = ["不喜欢", "粗糙"]\n', encoding="utf-8")
    run = cli("reviews", "--now", NOW, "-f", "json")
    assert run.exit_code == 1, run
    got = {r["order_id"]: r for r in run.rows}
    assert got[oid(5)]["tags"] == ["不满意"] and got[oid(4)]["tags"] == ["不满意"]
    assert got[oid(2)]["tags"] == []
    assert (got[oid(6)]["age_days"], got[oid(6)]["days_left"]) == (11, 4)
    assert run.json["summary"]["tags"] == {"不满意": 2}

    (shop_folder / "shoptool.toml").write_text('[reviews.tags]\n"物流" = 3\n', encoding="utf-8")
    broken = cli("reviews", "--now", NOW, "-f", "json")
    assert broken.exit_code == 2, broken
    assert "reviews.tags.物流" in broken.stderr


def test_update_is_audited_kept_across_reimport_and_shown_in_history(cli, imported, shop_folder, db):
    run = cli("reviews", "update", rid(2), "--status", "contacted", "--note", "已电话联系，补发杯子",
              "--staff", "kf07", "--now", "2026-11-21 10:05", "-f", "json")

    assert run.exit_code == 0, run
    assert run.json["command"] == "reviews update"
    assert run.json["summary"]["status"] == "contacted"
    assert run.rows == [{"at": "2026-11-21T10:05:00+08:00", "staff": "kf07", "action": "status",
                         "old_status": "open", "new_status": "contacted", "text": "已电话联系，补发杯子"}]
    stored = db().execute("SELECT status, status_at, status_staff, status_note FROM reviews WHERE review_id = ?",
                          [rid(2)]).fetchone()
    assert stored == ("contacted", "2026-11-21T10:05:00+08:00", "kf07", "已电话联系，补发杯子")

    # contacted reviews stay in the default listing but no longer raise the alarm
    listing = cli("reviews", "--now", NOW, "-f", "json")
    assert listing.exit_code == 1, listing  # review 4 is still open
    got = {r["order_id"]: r for r in listing.rows}
    assert got[oid(2)]["status"] == "contacted" and got[oid(2)]["overdue"] is False
    assert got[oid(2)]["status_note"] == "已电话联系，补发杯子"
    assert listing.rows[-1]["order_id"] == oid(2)  # open ones first

    # a newer sheet (the buyer added a 追评) updates the review but not its workflow
    newer = write_text_csv(shop_folder / "reviews-newer.csv",
                           changes={2: {"追评内容": "补发的收到了", "追评时间": "2026-11-21 12:00:00"}})
    reimport = cli("import", newer, "--now", "2026-11-21 13:00", "-f", "json")
    assert reimport.exit_code == 0, reimport
    assert reimport.rows[0]["updated"] == 1
    again = cli("import", imported, "--now", "2026-11-21 13:00", "-f", "json")
    assert again.exit_code == 0, again
    stored = db().execute("SELECT status, status_staff, status_note, followup FROM reviews WHERE review_id = ?",
                          [rid(2)]).fetchone()
    assert stored == ("contacted", "kf07", "已电话联系，补发杯子", "补发的收到了")

    done = cli("reviews", "update", oid(2), "--status", "revised", "--now", "2026-11-22 09:00", "-f", "json")
    assert done.exit_code == 0, done
    history = cli("reviews", "history", rid(2), "-f", "json")
    assert history.exit_code == 0, history
    assert [(h["old_status"], h["new_status"], h["staff"], h["text"]) for h in history.rows] == [
        ("open", "contacted", "kf07", "已电话联系，补发杯子"),
        ("contacted", "revised", "kf01", None),  # default staff from shop.staff
    ]
    notes = db().execute("SELECT subject, subject_id, old_status, new_status FROM notes ORDER BY id").fetchall()
    assert notes == [("review", rid(2), "open", "contacted"), ("review", rid(2), "contacted", "revised")]

    default = cli("reviews", "--now", "2026-11-22 09:00", "-f", "json")
    assert oid(2) not in [r["order_id"] for r in default.rows]
    everything = cli("reviews", "--now", "2026-11-22 09:00", "-f", "json", "--status", "all")
    assert {r["order_id"]: r["status"] for r in everything.rows}[oid(2)] == "revised"
    assert everything.rows[-1]["order_id"] == oid(2)  # settled ones last
    assert everything.json["summary"]["statuses"] == {"open": 4, "revised": 1}


def test_exit_0_once_every_old_bad_review_is_handled(cli, imported):
    for n in (2, 4):
        assert cli("reviews", "update", rid(n), "--status", "contacted", "--now", NOW).exit_code == 0
    run = cli("reviews", "--now", NOW, "-f", "json")
    assert run.exit_code == 0, run
    assert run.json["summary"]["overdue"] == 0
    # a note alone keeps the status and is still recorded
    note = cli("reviews", "update", rid(4), "--note", "买家未回复", "--now", NOW, "-f", "json")
    assert note.exit_code == 0, note
    assert [(h["action"], h["new_status"], h["text"]) for h in note.rows][-1] == ("note", "contacted", "买家未回复")


@pytest.mark.parametrize("args, exit_code, words", [
    (["reviews", "update", "nope-1", "--status", "closed"], 2, "no review 'nope-1'"),
    (["reviews", "update", "REVIEW", "--status", "open"], 2, "--status must be one of contacted"),
    (["reviews", "update", "REVIEW"], 2, "--status and/or --note"),
    (["reviews", "history", "nope-1"], 2, "no review 'nope-1'"),
])
def test_update_errors(cli, imported, db, args, exit_code, words):
    run = cli(*[rid(2) if a == "REVIEW" else a for a in args])
    assert run.exit_code == exit_code, run
    assert words in run.stderr
    assert db().execute("SELECT count(*) FROM notes").fetchone()[0] == 0


def test_order_number_with_two_reviews_asks_for_the_review_id(cli, shop_folder):
    rows = [review(9, 子订单编号=oid(9) + str(k), 买家昵称="t**3", 评价内容="不好") for k in (1, 2)]
    assert cli("import", write_csv(shop_folder / "two.csv", REVIEW_HEADER, rows)).exit_code == 0
    run = cli("reviews", "update", oid(9), "--status", "closed")
    assert run.exit_code == 2, run
    assert f"{oid(9)}-{oid(9)}1" in run.stderr and f"{oid(9)}-{oid(9)}2" in run.stderr


def test_xlsx_output_keeps_ids_as_text(cli, imported, shop_folder):
    from openpyxl import load_workbook

    run = cli("reviews", "--now", NOW, "--output", "reviews.xlsx")
    assert run.exit_code == 1, run
    sheet = load_workbook(shop_folder / "reviews.xlsx").active
    values = list(sheet.values)
    assert values[0][:3] == ("评价ID", "订单编号", "评价")
    assert [row[1] for row in values[1:]] == [oid(4), oid(6), oid(2), oid(3), oid(5)]


def test_readme_example_on_samples(cli, sample):
    """The README's example: samples/reviews.csv at the sample day."""
    assert cli("import", sample("reviews.csv"), "--now", NOW).exit_code == 0
    run = cli("reviews", "--now", NOW, "--format", "json")
    assert run.exit_code == 1, run
    assert [(r["order_id"], r["rating"], r["age_days"], r["days_left"], r["tags"]) for r in run.rows] == [
        ("3912000000000000313", "bad", 42, 0, ["质量"]),
        ("3912000000000000311", "bad", 2, 27, ["物流", "破损"]),
        ("3912000000000000312", "neutral", 1, 28, ["尺码", "色差"]),
    ]
    assert run.json["summary"]["overdue"] == 2


def test_help_lists_the_subcommands_and_group_options_are_not_swallowed(cli, imported, shop_folder):
    run = cli("reviews", "--help")
    assert run.exit_code == 0, run
    assert "update" in run.stdout and "history" in run.stdout and "--rating" in run.stdout

    misplaced = cli("reviews", "--db", "other.db", "update", rid(2), "--status", "closed")
    assert misplaced.exit_code == 2, misplaced
    assert "--db" in misplaced.stderr and "after `reviews update`" in misplaced.stderr
    assert not (shop_folder / "other.db").exists()
