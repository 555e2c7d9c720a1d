"""`shoptool rate-buyers`: completed trades inside the seller's 15-day rating window, fewest days
left first; `--done ORDER|FILE…` marks them rated (audited)."""

from __future__ import annotations

import pytest
from builders import (
    DONE,
    LATER_ORDER_HEADER,
    LEGACY_ORDER_HEADER,
    QIANNIU_ORDER_HEADER,
    REVIEW_HEADER,
    SHIPPED,
    legacy_order,
    oid,
    qianniu_order,
    review,
    write_csv,
    write_xlsx,
)

NOW = "2026-11-21 10:00"
KEYS = ["order_id", "buyer", "completed_at", "days_left"]


def done(n: int, finished: str, **cells) -> dict:
    return legacy_order(n, DONE, 订单创建时间="2026-10-20 09:00:00", 确认收货时间=finished, 物流单号="No:7531234567890",
                        **cells)


@pytest.fixture
def shop(cli, shop_folder):
    def run(*orders, now=NOW, header=LATER_ORDER_HEADER, name="orders.csv"):
        if orders:
            path = write_csv(shop_folder / name, header, orders, encoding="gbk")
            assert cli("import", path, "--now", now).exit_code == 0
        return cli("rate-buyers", "--now", now, "--format", "json")

    return run


def test_a_trade_completed_3_days_ago_has_12_days_left_and_one_of_20_days_ago_is_not_listed(shop):
    run = shop(done(1, "2026-11-18 10:00:00"), done(2, "2026-11-01 10:00:00"), legacy_order(3))
    assert run.exit_code == 0, run
    (row,) = run.rows
    assert list(row)[:len(KEYS)] == KEYS
    assert {k: row[k] for k in KEYS} == {"order_id": oid(1), "buyer": "tb_buyer1",
                                         "completed_at": "2026-11-18T10:00:00+08:00", "days_left": 12}
    assert row["window_ends_at"] == "2026-12-03T10:00:00+08:00" and row["completed_source"] == "export"
    assert run.json["summary"] == {"to_rate": 1, "last_day": 0, "unknown_completion": 0}


def test_fewest_days_left_first_and_the_last_day_shows_0(shop):
    run = shop(done(1, "2026-11-18 10:00:00"), done(2, "2026-11-06 20:00:00"), done(3, "2026-11-10 08:00:00"))
    assert [(r["order_id"], r["days_left"]) for r in run.rows] == [(oid(2), 0), (oid(3), 3), (oid(1), 12)]
    assert run.json["summary"]["last_day"] == 1


def test_the_window_is_a_setting(shop, shop_folder):
    shop_folder.joinpath("shoptool.toml").write_text("[rate_buyers]\nwindow_days = 30\n", encoding="utf-8")
    run = shop(done(1, "2026-11-01 10:00:00"))
    assert [r["days_left"] for r in run.rows] == [10]


def test_a_trade_an_import_saw_complete_counts_from_that_import(cli, shop):
    shop(legacy_order(1, SHIPPED, 物流单号="No:7531234567890"), header=LEGACY_ORDER_HEADER, now="2026-11-15 09:00")
    shop(legacy_order(1, DONE, 物流单号="No:7531234567890"), header=LEGACY_ORDER_HEADER, now="2026-11-18 10:00",
         name="later.csv")
    run = cli("rate-buyers", "--now", NOW, "--format", "json")
    (row,) = run.rows
    assert (row["completed_at"], row["days_left"], row["completed_source"]) == (
        "2026-11-18T10:00:00+08:00", 12, "import")


def test_completed_when_first_imported_without_a_time_is_counted_not_listed(shop):
    run = shop(legacy_order(1, DONE, 订单创建时间="2026-11-12 09:00:00"), header=LEGACY_ORDER_HEADER)
    assert run.exit_code == 0 and run.rows == []
    assert run.json["summary"]["unknown_completion"] == 1
    assert "确认收货时间" in run.stderr


def test_the_current_qianniu_export_with_its_completion_time(cli, shop_folder):
    header = QIANNIU_ORDER_HEADER + ["确认收货时间"]
    path = write_xlsx(shop_folder / "qianniu.xlsx", header,
                      [qianniu_order(1, DONE, 确认收货时间="2026-11-18 10:00:00"), qianniu_order(2)])
    assert cli("import", path).exit_code == 0
    run = cli("rate-buyers", "--now", NOW, "--format", "json")
    assert [(r["order_id"], r["buyer"], r["days_left"]) for r in run.rows] == [(oid(1), None, 12)]


def test_a_trade_refunded_after_completion_is_not_listed(cli, shop, shop_folder):
    shop(done(1, "2026-11-18 10:00:00"))
    closed = write_csv(shop_folder / "closed.csv", LATER_ORDER_HEADER,
                       [done(1, "2026-11-18 10:00:00", 订单状态="交易关闭", 订单关闭原因="退款")], encoding="gbk")
    assert cli("import", closed).exit_code == 0
    assert cli("rate-buyers", "--now", NOW, "--format", "json").rows == []


def test_the_buyers_own_rating_is_shown(cli, shop, shop_folder):
    reviews = write_csv(shop_folder / "reviews.csv", REVIEW_HEADER, [review(1, "差评"), review(2, "好评")])
    assert cli("import", reviews).exit_code == 0
    run = shop(done(1, "2026-11-18 10:00:00"), done(2, "2026-11-19 10:00:00"), done(3, "2026-11-20 10:00:00"))
    assert [r["buyer_rating"] for r in run.rows] == ["bad", "good", None]
    table = cli("rate-buyers", "--now", NOW, "--format", "table")
    assert "差评" in table.stdout and "待评价买家" in table.stdout


def test_done_marks_rated_with_who_and_when_and_the_list_drops_them(cli, shop, db):
    shop(done(1, "2026-11-18 10:00:00"), done(2, "2026-11-19 10:00:00"))
    marked = cli("rate-buyers", "--done", oid(1), "--staff", "kf02", "--now", "2026-11-21 10:30", "--format", "json")
    assert marked.exit_code == 0, marked
    assert marked.rows == [{"order_id": oid(1), "action": "marked", "status": "completed", "staff": "kf02",
                            "at": "2026-11-21T10:30:00+08:00", "source": "argument", "reason": None}]
    assert [r["order_id"] for r in shop().rows] == [oid(2)]
    again = cli("rate-buyers", "--done", oid(1), "--staff", "kf03", "--format", "json")
    assert again.rows[0]["action"] == "already" and again.rows[0]["staff"] == "kf02"
    history = cli("note", oid(1), "--format", "json").rows
    assert [(h["action"], h["staff"], h["at"]) for h in history] == [
        ("buyer_rated", "kf02", "2026-11-21T10:30:00+08:00")]
    marks = db().conn.execute("SELECT task, result, staff FROM cs_marks").fetchall()
    assert marks == [("buyer_rated", "rated", "kf02")]


@pytest.mark.parametrize("shape", ["gbk-csv", "xlsx", "bare"])
def test_done_from_a_file_of_order_numbers(cli, shop, shop_folder, shape):
    shop(done(1, "2026-11-18 10:00:00"), done(2, "2026-11-19 10:00:00"), done(3, "2026-11-20 10:00:00"))
    if shape == "gbk-csv":  # an export of 评价管理, say: a title row, then 订单编号 wrapped the platform's way
        path = write_csv(shop_folder / "rated.csv", ["评价时间", "订单编号"],
                         [{"订单编号": f'="{oid(1)}"', "评价时间": "2026-11-21"}, {"订单编号": f'="{oid(3)}"'}],
                         encoding="gbk", title_rows=[["给他人的评价"]])
    elif shape == "xlsx":
        path = write_xlsx(shop_folder / "rated.xlsx", ["买家", "主订单编号"],
                          [{"主订单编号": oid(1), "买家": "tb_buyer1"}, {"主订单编号": oid(3)}])
    else:
        path = shop_folder / "rated.txt"
        path.write_text(f"{oid(1)}\n{oid(3)}\n\n", encoding="utf-8")
    run = cli("rate-buyers", "--done", path, "--format", "json")
    assert run.exit_code == 0, run
    assert [(r["order_id"], r["action"]) for r in run.rows] == [(oid(1), "marked"), (oid(3), "marked")]
    assert run.rows[0]["source"].startswith(path.name + " row ")
    assert [r["order_id"] for r in shop().rows] == [oid(2)]


def test_a_file_with_unknown_and_mangled_rows_marks_the_rest_and_exits_3(cli, shop, shop_folder, db):
    shop(done(1, "2026-11-18 10:00:00"))
    path = write_csv(shop_folder / "rated.csv", ["订单编号"],
                     [{"订单编号": oid(1)}, {"订单编号": oid(8)}, {"订单编号": "3.91200E+18"}])
    run = cli("rate-buyers", "--done", path, "--format", "json")
    assert run.exit_code == 3, run
    assert [(r["order_id"], r["action"], r["source"]) for r in run.rows] == [
        (oid(1), "marked", "rated.csv row 2"), (oid(8), "not_found", "rated.csv row 3"),
        (None, "not_found", "rated.csv row 4")]
    assert "Excel" in run.rows[2]["reason"] and "rated.csv row 3" in run.stderr
    assert db().conn.execute("SELECT order_id FROM cs_marks").fetchall() == [(oid(1),)]


def test_an_unknown_order_argument_marks_nothing(cli, shop, db):
    shop(done(1, "2026-11-18 10:00:00"))
    run = cli("rate-buyers", "--done", oid(1), oid(9))
    assert run.exit_code == 2 and "not in the shop database" in run.stderr
    assert db().conn.execute("SELECT count(*) FROM cs_marks").fetchone() == (0,)


@pytest.mark.parametrize(("args", "message"), [
    ([oid(1)], "for --done"), (["--done"], "needs ORDER"), (["--note", "x"], "goes with --done"),
    (["--done", "rated.csv"], "rated.csv: no such file"), (["--done", "3.91200E+18"], "Excel"),
])
def test_usage_errors(cli, args, message):
    run = cli("rate-buyers", *args)
    assert run.exit_code == 2 and message in run.stderr


def test_a_file_without_an_order_number_column_is_an_input_error(cli, shop, shop_folder):
    shop(done(1, "2026-11-18 10:00:00"))
    path = write_csv(shop_folder / "other.csv", ["商家编码", "库存"], [{"商家编码": "A-1", "库存": "3"}])
    run = cli("rate-buyers", "--done", path)
    assert run.exit_code == 3 and "other.csv" in run.stderr
