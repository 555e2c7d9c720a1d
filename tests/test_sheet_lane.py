"""The file provider's sheet lane (issue #25): a run stages its claimed texts in batches
(FileProvider.stage_many) and records each written sheet's rows `sent` in one statement
(db/outbox.settle_handed_over). What lands in the outbox, the run's rows and the sheet must be
what the per-text path (send() per text, settle() per answer) gives."""

from __future__ import annotations

import csv
import dataclasses
import shutil

from test_outbox import add_order, messages, run, shop_at
from test_sms_providers import message

from shoptool.db import outbox as q
from shoptool.db.connect import Checkpointer, write_transaction
from shoptool.messages.providers.file import FileProvider, row_ref

# what differs between two runs by construction: who claimed, when, and the sheet's name
_RUN_FIELDS = ("message_id", "claimed_by", "created_at", "updated_at", "sent_at", "provider_id", "detail")


class PerText(FileProvider):
    """The file provider as it was: send() per text, one settle() per answer."""

    stage_many = None


def sheet_rows(folder) -> tuple[str, list[list[str]]]:
    [sheet] = [p for p in (folder / "sms-upload").iterdir() if p.suffix == ".csv"]
    with open(sheet, encoding="utf-8-sig", newline="") as fh:
        return sheet.name, list(csv.reader(fh))


def shop_with_orders(folder, n: int):
    folder.mkdir(parents=True, exist_ok=True)
    shop = shop_at(folder / "shoptool.db")
    for i in range(1, n + 1):
        add_order(shop.db, str(i), mobile=f"139{i:08d}", nick=f"tb_{i}")
    add_order(shop.db, "99", mobile="", nick="tb_nophone")  # skipped: no phone, not in the sheet
    return shop


def test_a_sheet_run_records_what_the_per_text_path_records(tmp_path):
    lane_shop = shop_with_orders(tmp_path / "lane", 7)
    lane_shop.close()
    shutil.copytree(tmp_path / "lane", tmp_path / "text")
    lane_shop, text_shop = shop_at(tmp_path / "lane" / "shoptool.db"), shop_at(tmp_path / "text" / "shoptool.db")

    lane = run(lane_shop, "remind-unpaid", FileProvider(tmp_path / "lane" / "sms-upload", fmt="csv"))
    per_text = run(text_shop, "remind-unpaid", PerText(tmp_path / "text" / "sms-upload", fmt="csv"))

    stored_lane, stored_text = messages(lane_shop.db), messages(text_shop.db)
    assert set(stored_lane) == set(stored_text) and len(stored_lane) == 8

    def same(m):
        return {k: v for k, v in m.items() if k not in _RUN_FIELDS}
    assert {k: same(m) for k, m in stored_lane.items()} == {k: same(m) for k, m in stored_text.items()}
    # the run's rows too, but for the sheet's name (it carries the minute it was written)
    names = (sheet_rows(tmp_path / "text")[0], sheet_rows(tmp_path / "lane")[0])
    assert [dict(r) for r in lane.rows] == [dict(r, detail=r["detail"] and r["detail"].replace(*names))
                                           for r in per_text.rows]
    assert lane.summary == per_text.summary and lane.exit_code == per_text.exit_code == 0

    # each sent message names its own row of the sheet, which holds its phone
    sheet, rows = sheet_rows(tmp_path / "lane")
    assert rows[1:] == sheet_rows(tmp_path / "text")[1][1:]
    sent = {m["phone"]: m for m in stored_lane.values() if m["status"] == "sent"}
    assert len(sent) == 7
    for n, row in enumerate(rows[1:], start=1):
        m = sent[row[0]]
        assert (m["provider_id"], m["detail"]) == row_ref(sheet, n)
        assert m["sent_at"] and m["reason"] is None and m["attempts"] == 1
    lane_shop.close()
    text_shop.close()


def test_a_refusal_in_a_batch_is_failed_and_the_other_rows_keep_their_numbers(tmp_path):
    shop = shop_with_orders(tmp_path, 4)

    class RefusesTwo(FileProvider):
        def stage_many(self, batch):
            # order 2's number reaches the provider garbled: check_phone refuses it
            return super().stage_many([dataclasses.replace(m, phone="1390000") if m.out_id == "u:2:30m" else m
                                       for m in batch])

    report = run(shop, "remind-unpaid", RefusesTwo(tmp_path / "sms-upload", fmt="csv"))
    by_order = {r["order_id"]: r for r in report.rows}
    assert (by_order["2"]["action"], by_order["2"]["reason"]) == ("failed", "invalid_phone")
    stored = messages(shop.db)
    assert (stored["u:2:30m"]["status"], stored["u:2:30m"]["reason"]) == ("failed", "invalid_phone")
    sheet, rows = sheet_rows(tmp_path)
    assert [r[0] for r in rows[1:]] == ["13900000001", "13900000003", "13900000004"]
    for n, order in enumerate(("1", "3", "4"), start=1):
        assert stored[f"u:{order}:30m"]["provider_id"] == f"{sheet}#{n}"
        assert by_order[order]["detail"] == row_ref(sheet, n)[1] and by_order[order]["action"] == "sent"
    assert report.exit_code == 4  # a failed text is for a person to see
    shop.close()


def test_stage_many_refuses_what_send_refuses_and_keeps_the_row_order(tmp_path):
    batch = [message(phone="13800138001", out_id="a"), message(phone="12345", out_id="bad"),
             message(phone="13800138002", out_id="b"),
             message(phone="13800138003", out_id="other", courier="中通快递", tracking_no="1", extra="x"),
             message(phone="13800138004", out_id="c")]
    staged = FileProvider(tmp_path / "one", fmt="csv")
    refused = staged.stage_many(batch)
    one_by_one = FileProvider(tmp_path / "two", fmt="csv")
    answers = [one_by_one.send(m) for m in batch]
    assert sorted(refused) == [n for n, a in enumerate(answers) if a.outcome != "sent"] == [1, 3]
    assert [(r.outcome, r.code) for r in refused.values()] == [("failed", "invalid_phone"),
                                                              ("failed", "params_mismatch")]
    [sheet] = staged.flush()
    one_by_one.flush()
    assert staged.handed_over() == [(sheet.name, ["a", "b", "c"])]
    [other] = (tmp_path / "two").glob("*.csv")
    assert sheet.read_text(encoding="utf-8-sig") == other.read_text(encoding="utf-8-sig")
    assert [a.provider_id for a in answers if a.outcome == "sent"] == [row_ref(sheet.name, n)[0] for n in (1, 2, 3)]
    assert staged.flush() == [] and staged.handed_over() == []


def test_settle_handed_over_settles_only_this_runs_rows(tmp_path):
    shop = shop_at(tmp_path / "shoptool.db")
    texts = [(f"k{n}", str(n), f'["{n}"]', "30m", f"tb_{n}", f"1390000000{n}", "{}", "text", 1) for n in range(5)]
    with write_transaction(shop.db):
        for n, text in enumerate(texts):
            q.insert_claimed(shop.db, [text], purpose="unpaid", sms_class="reminder", template_code="T",
                             planned_at="2026-11-21T10:00:00+08:00", claimed_by="other" if n == 3 else "me",
                             provider="file", at="2026-11-21T10:00:00+08:00")
        ids = {k: mid for k, (mid, _) in q.message_ids_after(shop.db, 0).items()}
        shop.db.conn.execute("UPDATE messages SET status = 'unknown' WHERE dedupe_key = 'k1'")
        shop.db.conn.execute("UPDATE messages SET status = 'failed' WHERE dedupe_key = 'k2'")
        settled = q.settle_handed_over(shop.db, "s.csv", [ids["k0"], None, ids["k1"], ids["k2"], ids["k3"]],
                                       claimed_by="me", at="2026-11-21T10:00:05+08:00")
    stored = messages(shop.db)
    assert settled == 2
    assert {k: (m["status"], m["provider_id"]) for k, m in stored.items()} == {
        "k0": ("sent", "s.csv#1"), "k1": ("sent", "s.csv#3"),  # unknown meanwhile: the answer still counts
        "k2": ("failed", None), "k3": ("sending", None), "k4": ("sending", None)}
    assert stored["k0"]["detail"] == row_ref("s.csv", 1)[1]
    assert stored["k0"]["sent_at"] == "2026-11-21T10:00:00+08:00"  # kept: the moment it left counts for caps
    assert stored["k0"]["updated_at"] == "2026-11-21T10:00:05+08:00"
    shop.close()


def test_a_flushing_run_checkpoints_once_its_sheet_is_recorded(tmp_path, monkeypatch):
    """The checkpoint's writes once slowed the handover's fsyncs (0.5 s of a big run): it starts
    only when the sheet is written and its rows recorded."""
    shop = shop_with_orders(tmp_path, 3)
    seen = []
    real = Checkpointer.after_commit

    def after_commit(self):
        seen.append((sorted(m["status"] for m in messages(shop.db).values()),
                     any((tmp_path / "sms-upload").glob("*.csv"))))
        real(self)

    monkeypatch.setattr(Checkpointer, "after_commit", after_commit)
    run(shop, "remind-unpaid", FileProvider(tmp_path / "sms-upload", fmt="csv"))
    assert seen == [(["sent"] * 3 + ["skipped"], True)]
    shop.close()


def test_insert_claimed_says_the_ids_it_gave_only_when_it_inserted_every_text(tmp_path):
    shop = shop_at(tmp_path / "shoptool.db")

    def texts(*keys):
        return [(k, "1", '["1"]', "30m", "tb_1", "13900000001", "{}", "text", 1) for k in keys]

    common = dict(purpose="unpaid", sms_class="reminder", template_code="T", planned_at="2026-11-21T10:00:00+08:00",
                  claimed_by="me", provider="file", at="2026-11-21T10:00:00+08:00")
    with write_transaction(shop.db):
        inserted, ids = q.insert_claimed(shop.db, texts("a", "b", "c"), **common)
        assert inserted == 3 and list(ids) == [q.message_ids_after(shop.db, 0)[k][0] for k in "abc"]
        shop.db.conn.execute("DELETE FROM messages WHERE dedupe_key = 'b'")  # a gap below the largest id
        inserted, ids = q.insert_claimed(shop.db, texts("d", "e"), **common)
        assert inserted == 2 and list(ids) == [q.message_ids_after(shop.db, 0)[k][0] for k in "de"]
        inserted, ids = q.insert_claimed(shop.db, texts("f", "a", "g"), **common)
        assert inserted == 2 and list(ids) == [q.message_ids_after(shop.db, 0)[k][0] for k in "fg"]  # "a" is left
    assert shop.db.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 6
    shop.close()


def test_a_staged_text_in_no_written_sheet_is_unknown(tmp_path):
    """flush() that leaves a staged text out of every sheet it reports: that text may or may not be
    with the console, so it is `unknown` (never sent again), and the run says so (exit 4)."""
    shop = shop_with_orders(tmp_path, 3)

    class Forgets(FileProvider):
        def handed_over(self):
            return [(sheet, [k for k in out_ids if k != "u:2:30m"]) for sheet, out_ids in super().handed_over()]

    report = run(shop, "remind-unpaid", Forgets(tmp_path / "sms-upload", fmt="csv"))
    stored = messages(shop.db)
    assert {k: m["status"] for k, m in stored.items() if k != "u:99:30m"} == {
        "u:1:30m": "sent", "u:2:30m": "unknown", "u:3:30m": "sent"}
    assert stored["u:2:30m"]["reason"] == "handover_failed"
    assert {r["order_id"]: r["action"] for r in report.rows}["2"] == "unknown" and report.exit_code == 4
    shop.close()


def test_write_rows_writes_what_write_table_writes(tmp_path):
    from shoptool.columns import Column
    from shoptool.tables.writers import write_rows, write_table

    columns = [Column("phone", "手机号码", "phone", kind="id"), Column("shop", "shop", "shop"),
               Column("order_id", "order_id", "order_id", kind="id"), Column("note", "note", "note")]
    rows = [("13800138000", "示例旗舰店", "3712345678901200001", "=HYPERLINK(\"x\")"),
            ("13800138001", "-5", "0012", None), ("13800138002", "+86 店", "", "＝SUM(A1)")]
    for excel in (True, False):
        write_table(tmp_path / "a.csv", columns, [dict(zip(("phone", "shop", "order_id", "note"), r)) for r in rows],
                    excel=excel)
        assert write_rows(tmp_path / "b.csv", columns, rows, excel=excel) == 3
        assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert "'=HYPERLINK" in (tmp_path / "b.csv").read_text(encoding="utf-8-sig")  # still neutralised
    write_rows(tmp_path / "b.xlsx", columns, rows)
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / "b.xlsx").active
    first = [c.value for c in next(sheet.iter_rows(min_row=2))]
    assert first[:3] == ["13800138000", "示例旗舰店", "3712345678901200001"]
