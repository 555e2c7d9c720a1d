"""`shoptool import`: every real shape lands exactly, once, in one transaction per file."""

import csv
import os
import stat
import sys
from pathlib import Path

import pytest
from builders import (
    LEGACY_ITEM_HEADER,
    LEGACY_ORDER_HEADER,
    PAID,
    QIANNIU_ORDER_HEADER,
    SHIPMENT_HEADER,
    SHIPPED,
    qianniu_order,
    shipment,
    write_csv,
    write_xlsx,
)


def legacy(n, **kw):
    row = {"订单编号": f'="371234567890123456{n}"', "买家会员名": f"tb_buyer{n}", "订单状态": PAID,
           "收货人姓名": "张三", "收货地址": "浙江省 杭州市 西湖区 文三路 90号", "联系手机": "'13800138000",
           "买家应付货款": "99.00", "买家应付邮费": "10.00", "总金额": "109.00", "买家实际支付金额": "109.00",
           "订单创建时间": "2026-11-20 10:00:00", "订单付款时间": "2026-11-20 10:05:00"}
    row.update(kw)
    return row


def test_legacy_gbk_export_with_one_excel_mangled_number(cli, db, shop_folder):
    rows = [legacy(1), legacy(2, 订单编号="3.70000000000001E+18"), legacy(3, 订单编号="'3712345678901234563")]
    path = write_csv(shop_folder / "orders.csv", LEGACY_ORDER_HEADER, rows, encoding="gbk")

    first = cli("import", path)

    assert first.exit_code == 3, first
    [row] = first.rows
    assert (row["kind"], row["rows_in"], row["inserted"], row["rejected"]) == ("orders", 3, 2, 1)
    assert row["rejects_file"] == str(shop_folder / "orders.csv.rejects.csv")
    ids = [r[0] for r in db().conn.execute("SELECT order_id FROM orders ORDER BY order_id")]
    assert ids == ["3712345678901234561", "3712345678901234563"]
    with open(shop_folder / "orders.csv.rejects.csv", encoding="utf-8-sig", newline="") as fh:
        rejects = list(csv.reader(fh))
    assert rejects[0][:4] == ["行号", "出错列", "原因", "订单编号"]
    assert rejects[1][:2] == ["3", "订单编号"]
    assert "3.70000000000001E+18" in rejects[1][2] and "Excel" in rejects[1][2]
    assert "row 3, column 订单编号" in first.stderr

    before = db().conn.execute("SELECT * FROM orders ORDER BY order_id").fetchall()
    again = cli("import", path)

    assert again.exit_code == 0, again
    assert again.rows[0]["status"] == "duplicate"
    assert "already imported" in again.stderr and "nothing changed" in again.stderr
    assert db().conn.execute("SELECT * FROM orders ORDER BY order_id").fetchall() == before
    assert db().conn.execute("SELECT count(*) FROM imports").fetchone()[0] == 1


def test_values_are_stored_exactly(cli, db, shop_folder):
    path = write_csv(shop_folder / "o.csv", LEGACY_ORDER_HEADER, [legacy(
        1, 买家应付货款="￥1,234.50", 买家应付邮费="１０.００", 订单付款时间="2026/11/20 10:05",
        联系电话="'0571-88881234", 物流单号="No:SF1400123456789", 订单关闭原因="订单未关闭",
        买家支付宝账号="buyer@example.com", 买家身份证号="110101199001011234", 异常信息="地址异常")], encoding="gbk")

    assert cli("import", path).exit_code == 0
    row = dict(db().conn.execute("SELECT * FROM orders").fetchone() and
               zip([d[0] for d in db().conn.execute("SELECT * FROM orders").description],
                   db().conn.execute("SELECT * FROM orders").fetchone()))
    assert row["order_id"] == "3712345678901234561"
    assert (row["goods_fen"], row["postage_fen"]) == (123450, 1000)
    assert row["paid_at"] == "2026-11-20T10:05:00+08:00"
    assert row["receiver_mobile"] == "13800138000" and row["receiver_tel"] == "0571-88881234"
    assert row["tracking_no"] == "SF1400123456789"
    assert row["closed_reason"] is None
    assert row["status"] == "paid"
    assert '"异常信息":"地址异常"' in row["extra"]
    dump = "\n".join(str(r) for r in db().conn.iterdump())
    assert "110101199001011234" not in dump and "buyer@example.com" not in dump


def test_masked_qianniu_xlsx_and_wangdiantong_sheet_import_without_as(cli, db, shop_folder):
    orders = write_xlsx(shop_folder / "qianniu.xlsx", QIANNIU_ORDER_HEADER, [qianniu_order(
        501, 收货地址="江苏省 南京市 建邺区 沙洲街道****", 订单创建时间="2026-11-21 07:00:00",
        商品属性SKU="颜色分类:黑色")])
    stock = write_xlsx(shop_folder / "wdt.xlsx", ["商家编码", "条码", "货品编号", "货品名称", "规格名称", "库存",
                                                  "可发库存", "可用库存", "待发货量", "锁定量", "实际库存"],
                       [{"商家编码": "TS-001", "货品名称": "T恤", "库存": "10", "可发库存": "8", "可用库存": "8",
                         "待发货量": "2", "锁定量": "0", "实际库存": "10"}])

    result = cli("import", orders, stock)

    assert result.exit_code == 0, result
    assert [(r["kind"], r["inserted"]) for r in result.rows] == [("orders", 1), ("warehouse-stock", 1)]
    conn = db().conn
    assert conn.execute("SELECT order_id, masked, receiver_name FROM orders").fetchall() == [
        ("3912000000000000501", 1, None)]
    assert conn.execute("SELECT sku_code, on_hand, available, awaiting_shipment FROM warehouse_stock").fetchall() == [
        ("TS-001", 10, 8, 2)]


@pytest.mark.parametrize(
    "name, kind",
    [
        ("orders_legacy_gbk.csv", "orders"),
        ("order_items_legacy_gbk.csv", "items"),
        ("orders_qianniu.xlsx", "orders"),
        ("order_lines_qianniu.xlsx", "items"),
        ("page_stock.csv", "page-stock"),
        ("warehouse_wangdiantong.xlsx", "warehouse-stock"),
        ("variants/warehouse_jushuitan.csv", "warehouse-stock"),
        ("variants/warehouse_generic.xlsx", "warehouse-stock"),
        ("shipments_erp.csv", "shipments"),
        ("reviews.csv", "reviews"),
        ("variants/reviews_stars.csv", "reviews"),
        ("opt_outs.csv", "opt-outs"),
    ],
)
def test_every_sample_shape_is_recognised(cli, sample, name, kind):
    result = cli("import", sample(name))
    assert result.exit_code == 0, result
    [row] = result.rows
    assert row["kind"] == kind
    assert row["rejected"] == 0 and row["inserted"] == row["rows_in"] or kind == "shipments"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_encodings_are_detected(cli, db, shop_folder, encoding):
    path = shop_folder / "o.csv"
    delimiter = "\t" if encoding == "utf-16" else ","
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(["订单编号", "订单状态", "收货人姓名", "收货地址"])
        writer.writerow(["3712345678901234561", "等待买家付款", "欧阳娜娜",
                         "内蒙古自治区 呼和浩特市 赛罕区 大学西路 235号"])

    result = cli("import", path)

    assert result.exit_code == 0, result
    assert db().conn.execute("SELECT receiver_name, status FROM orders").fetchall() == [("欧阳娜娜", "unpaid")]


def test_title_rows_above_the_header_and_blank_trailing_rows(cli, db, shop_folder):
    path = shop_folder / "stock.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["宝贝库存导出 2026-11-21"])
        writer.writerow([])
        writer.writerow(["商品ID", "宝贝标题", "SKU ID", "销售属性", "商家编码", "价格", "库存"])
        writer.writerow(["680000000001", "T恤", "5100000000011", "黑色;M", "TS-001", "99.00", "-3"])
        writer.writerow(["", "", "", "", "", "", ""])

    result = cli("import", path)

    assert result.exit_code == 0, result
    assert db().conn.execute("SELECT row_no, sku_code, quantity, price_fen FROM page_stock").fetchall() == [
        (4, "TS-001", -3, 9900)]


def test_ambiguous_header_lists_the_candidates(cli, db, shop_folder):
    path = write_csv(shop_folder / "stock.csv", ["商家编码", "库存"], [{"商家编码": "A", "库存": "1"}])

    result = cli("import", path)

    assert result.exit_code == 3
    assert "page-stock" in result.stderr and "warehouse-stock" in result.stderr and "--as" in result.stderr
    assert cli("import", path, "--as", "page-stock").exit_code == 0


def test_missing_required_column_names_it_and_the_aliases_tried(cli, shop_folder):
    path = write_csv(shop_folder / "x.csv", ["订单编号", "买家会员名"], [{"订单编号": "1", "买家会员名": "a"}])

    result = cli("import", path, "--as", "orders")

    assert result.exit_code == 3
    assert "订单状态" in result.stderr and "交易状态" in result.stderr and "x.csv" in result.stderr


def test_strict_stores_nothing_when_a_row_is_rejected(cli, db, shop_folder):
    path = write_csv(shop_folder / "o.csv", LEGACY_ORDER_HEADER, [legacy(1), legacy(2, 订单状态="不存在的状态")],
                     encoding="gbk")

    result = cli("import", "--strict", path)

    assert result.exit_code == 3
    assert result.rows[0]["status"] == "refused"
    assert db().conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 0
    assert (shop_folder / "o.csv.rejects.csv").exists()
    # without --strict the same bytes are welcome: a refused import is not a "duplicate"
    assert cli("import", path).rows[0]["inserted"] == 1


def test_a_newer_export_updates_and_keeps_history(cli, db, shop_folder):
    write_csv(shop_folder / "a.csv", LEGACY_ORDER_HEADER, [legacy(1), legacy(2)], encoding="gbk")
    write_csv(shop_folder / "b.csv", LEGACY_ORDER_HEADER, [
        legacy(1, 订单状态=SHIPPED, 物流单号="75312345678901", 物流公司="中通快递"),
        legacy(2, 修改后的收货地址="浙江省 杭州市 滨江区 江南大道 100号")], encoding="gbk")
    assert cli("import", "a.csv").exit_code == 0

    result = cli("import", "b.csv", "--now", "2026-11-21 09:00")

    assert result.exit_code == 0
    assert (result.rows[0]["inserted"], result.rows[0]["updated"], result.rows[0]["unchanged"]) == (0, 2, 0)
    conn = db().conn
    history = conn.execute(
        "SELECT order_id, field, old, new, changed_at FROM order_history ORDER BY order_id").fetchall()
    assert history == [
        ("3712345678901234561", "status", "paid", "shipped", "2026-11-21T09:00:00+08:00"),
        ("3712345678901234562", "address", "浙江省 杭州市 西湖区 文三路 90号", "浙江省 杭州市 滨江区 江南大道 100号",
         "2026-11-21T09:00:00+08:00"),
    ]
    assert conn.execute("SELECT shipped_seen_at FROM orders WHERE order_id LIKE '%1'").fetchone()[0] == \
        "2026-11-21T09:00:00+08:00"


def test_new_and_known_orders_mixed_in_one_file_are_counted_exactly(cli, db, shop_folder, monkeypatch):
    """Batches are first tried as plain INSERTs; a batch holding a known order is rolled back and
    upserted. Batches of 2: [new, changed] falls back, [same, new] upserts, [new] inserts."""
    from shoptool.imports import pipeline

    monkeypatch.setattr(pipeline, "BATCH_ROWS", 2)
    write_csv(shop_folder / "a.csv", LEGACY_ORDER_HEADER, [legacy(1), legacy(2)], encoding="gbk")
    write_csv(shop_folder / "b.csv", LEGACY_ORDER_HEADER, [
        legacy(3), legacy(1, 订单状态=SHIPPED), legacy(2), legacy(4), legacy(5)], encoding="gbk")
    assert cli("import", "a.csv").exit_code == 0

    result = cli("import", "b.csv", "--now", "2026-11-21 09:00")

    assert result.exit_code == 0, result
    assert (result.rows[0]["inserted"], result.rows[0]["updated"], result.rows[0]["unchanged"]) == (3, 1, 1)
    conn = db().conn
    assert conn.execute("SELECT order_id, status FROM orders ORDER BY order_id").fetchall() == [
        (f"371234567890123456{n}", "shipped" if n == 1 else "paid") for n in range(1, 6)]
    assert conn.execute("SELECT order_id, field, old, new FROM order_history").fetchall() == [
        ("3712345678901234561", "status", "paid", "shipped")]


def test_a_newer_export_of_many_known_orders_is_counted_exactly(cli, db, shop_folder, monkeypatch):
    """Batch after batch meets known orders: plain INSERTs are tried again only now and then, and
    every count and history row is still exact."""
    from shoptool.imports import pipeline

    monkeypatch.setattr(pipeline, "BATCH_ROWS", 2)
    write_csv(shop_folder / "a.csv", LEGACY_ORDER_HEADER, [legacy(n) for n in range(10, 30)], encoding="gbk")
    newer = [legacy(n, 订单状态=SHIPPED) for n in range(10, 30)]
    newer[5:5] = [legacy(n) for n in range(30, 35)]
    write_csv(shop_folder / "b.csv", LEGACY_ORDER_HEADER, newer, encoding="gbk")
    assert cli("import", "a.csv").exit_code == 0

    result = cli("import", "b.csv")

    assert (result.rows[0]["inserted"], result.rows[0]["updated"], result.rows[0]["unchanged"]) == (5, 20, 0)
    conn = db().conn
    assert conn.execute("SELECT count(*) FROM order_history WHERE field = 'status'").fetchone()[0] == 20
    assert conn.execute("SELECT status, count(*) FROM orders GROUP BY status ORDER BY status").fetchall() == [
        ("paid", 5), ("shipped", 20)]


def test_masked_export_never_erases_personal_data_already_stored(cli, db, shop_folder):
    write_csv(shop_folder / "legacy.csv", LEGACY_ORDER_HEADER, [legacy(1)], encoding="gbk")
    write_xlsx(shop_folder / "qn.xlsx", QIANNIU_ORDER_HEADER, [
        qianniu_order(1, SHIPPED, 订单编号="3712345678901234561", 收货地址="浙江省 杭州市 西湖区 ****")])
    cli("import", "legacy.csv")

    assert cli("import", "qn.xlsx").exit_code == 0

    row = db().conn.execute(
        "SELECT status, address, receiver_name, receiver_mobile, buyer_nick, masked FROM orders").fetchone()
    assert row == ("shipped", "浙江省 杭州市 西湖区 文三路 90号", "张三", "13800138000", "tb_buyer1", 0)


def test_a_hostile_cell_mid_file_leaves_the_database_unchanged(cli, db, shop_folder):
    cli("import", write_csv(shop_folder / "a.csv", LEGACY_ORDER_HEADER, [legacy(1)], encoding="gbk"))
    before = list(db().conn.iterdump())
    path = write_csv(shop_folder / "b.csv", LEGACY_ORDER_HEADER, [legacy(2), legacy(3, 买家留言="长" * 40000)],
                     encoding="gbk")

    result = cli("import", path)

    assert result.exit_code == 3
    assert "b.csv" in result.stderr and "row 3" in result.stderr and "买家留言" in result.stderr
    assert list(db().conn.iterdump()) == before


def test_inbox_moves_files_to_done_and_failed(cli, db, shop_folder):
    inbox = shop_folder / "inbox"
    inbox.mkdir()
    write_csv(inbox / "1-orders.csv", LEGACY_ORDER_HEADER, [legacy(1), legacy(2, 订单编号="1.23457E+18")],
              encoding="gbk")
    (inbox / "2-junk.csv").write_bytes(b"\x00\x01\x02binary")

    result = cli("import", "--inbox", inbox)

    assert result.exit_code == 3
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["1-orders.csv", "1-orders.csv.rejects.csv"]
    assert sorted(p.name for p in (inbox / "failed").iterdir()) == ["2-junk.csv", "2-junk.csv.error.txt"]
    assert "binary" in (inbox / "failed" / "2-junk.csv.error.txt").read_text()
    assert [p.name for p in inbox.iterdir() if p.is_file()] == []
    assert db().conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 1


def test_database_is_created_owner_only(cli, shop_folder):
    cli("import", write_csv(shop_folder / "a.csv", LEGACY_ORDER_HEADER, [legacy(1)], encoding="gbk"))
    for name in ("shoptool.db", "shoptool.db-wal", "shoptool.db-shm"):
        path = shop_folder / name
        if path.exists():
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, name


def test_empty_stock_snapshot_keeps_the_previous_one(cli, db, shop_folder):
    cli("import", write_csv(shop_folder / "p1.csv", ["商品ID", "宝贝标题", "商家编码", "库存"],
                            [{"商品ID": "1", "宝贝标题": "T", "商家编码": "A", "库存": "3"}]))
    result = cli("import", write_csv(shop_folder / "p2.csv", ["商品ID", "宝贝标题", "商家编码", "库存"], []))
    assert result.exit_code == 3
    assert db().conn.execute("SELECT sku_code, quantity FROM page_stock").fetchall() == [("A", 3)]


def test_shipment_row_listing_several_orders_is_one_parcel(cli, db, shop_folder):
    path = write_csv(shop_folder / "s.csv", SHIPMENT_HEADER,
                     [shipment("111,222", "YT1", "2026-11-20 16:00:00", 物流公司="圆通速递")])
    assert cli("import", path).exit_code == 0
    assert db().conn.execute("SELECT order_id, tracking_no FROM shipments ORDER BY order_id").fetchall() == [
        ("111", "YT1"), ("222", "YT1")]


@pytest.fixture
def forked_reader(monkeypatch):
    """Make even a small file go through the forked reader that big files use."""
    from shoptool.imports import pipeline

    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(pipeline, "BATCH_ROWS", 2)
    monkeypatch.setattr(pipeline, "PARENT_SHARE", 2)  # every 2nd batch is converted by the parent
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 2)


def test_forked_reader_stores_the_same_rows_and_rejects(cli, db, shop_folder, forked_reader):
    rows = [legacy(i) for i in range(1, 8)] + [legacy(8, 订单编号="1.23457E+18")]
    path = write_csv(shop_folder / "o.csv", LEGACY_ORDER_HEADER, rows, encoding="gbk")

    result = cli("import", path)

    assert result.exit_code == 3, result
    assert (result.rows[0]["rows_in"], result.rows[0]["inserted"], result.rows[0]["rejected"]) == (8, 7, 1)
    assert db().conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 7
    assert "row 9, column 订单编号" in result.stderr


def varied_orders():
    """Rows that take the converters' shortcuts and their long ways: wrapped and bare numbers,
    slashed and ISO times, repeated and one-off labels, blanks."""
    return [
        legacy(1),
        legacy(2, 订单创建时间="2026/11/20 10:00:00", 订单付款时间="2026/11/20 10:05:00"),
        legacy(3, 订单编号="3712345678901234563", 联系手机="13900139000", 订单关闭原因="订单未关闭"),
        legacy(4, 订单状态="交易关闭", 订单关闭原因="买家不想买了", 买家实际支付金额="0.00", 订单付款时间=""),
        legacy(5, 订单状态=SHIPPED, 物流单号="No:YT7531234567", 物流公司="圆通速递",
               运送方式="货到付款", 分阶段订单信息="定金已付"),
        legacy(6, 买家应付货款="￥1,234.50", 订单创建时间="2026-11-20T10:00:00", 收货人姓名="李*"),
        legacy(7, 订单创建时间="2026-11-20 10:59:59", 修改后的收货地址="浙江省 杭州市 滨江区 江南大道 100号"),
        legacy(8, 宝贝总数量=" 3 ", 买家留言="  请周末送  ", 店铺Id="57300001"),
    ]


def test_forked_reader_stores_exactly_what_the_serial_reader_stores(cli, shop_folder, monkeypatch):
    import sqlite3

    from shoptool.imports import pipeline

    path = write_csv(shop_folder / "o.csv", LEGACY_ORDER_HEADER, varied_orders(), encoding="gbk")
    assert cli("import", path, "--db", "serial.db", "--now", "2026-11-21 09:00").exit_code == 0
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(pipeline, "BATCH_ROWS", 2)
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 2)
    for share in (0, 2, 3):  # 0, the default: the child converts every batch
        monkeypatch.setattr(pipeline, "PARENT_SHARE", share)
        assert cli("import", path, "--db", f"forked{share}.db", "--now", "2026-11-21 09:00").exit_code == 0

    def stored(name):
        with sqlite3.connect(shop_folder / name) as conn:
            return conn.execute("SELECT * FROM orders ORDER BY order_id").fetchall()

    assert len(stored("serial.db")) == 8
    assert stored("forked0.db") == stored("forked2.db") == stored("serial.db") == stored("forked3.db")


def test_forked_reader_numbers_legacy_lines_in_file_order(cli, db, shop_folder, forked_reader):
    """Line numbers depend on the rows before, so those batches are never converted apart."""
    rows = [{"订单编号": '="3712345678901234561"', "标题": f"商品{n}", "价格": "9.90", "购买数量": "1",
             "订单状态": PAID} for n in range(1, 8)]
    path = write_csv(shop_folder / "lines.csv", LEGACY_ITEM_HEADER, rows, encoding="gbk")

    assert cli("import", path, "--as", "items").exit_code == 0

    assert db().conn.execute("SELECT line_id, title FROM order_items ORDER BY rowid").fetchall() == [
        (f"3712345678901234561-{n}", f"商品{n}") for n in range(1, 8)]


def test_times_of_one_hour_are_each_checked_and_converted(cli, db, shop_folder):
    """A valid time teaches the converter its date and hour; the rest of each cell is still checked."""
    path = write_csv(shop_folder / "t.csv", LEGACY_ORDER_HEADER, [
        legacy(1, 订单创建时间="2026/11/20 10:00:00"), legacy(2, 订单创建时间="2026/11/20 10:05:00"),
        legacy(3, 订单创建时间="2026-11-20 10:00:00"), legacy(4, 订单创建时间="2026-11-20 10:59:59"),
        legacy(5, 订单创建时间="2026-11-20 10:60:00"), legacy(6, 订单创建时间="2026-11-20 10:05:61"),
    ], encoding="gbk")

    result = cli("import", path)

    assert result.exit_code == 3
    assert db().conn.execute("SELECT created_at FROM orders ORDER BY order_id").fetchall() == [
        ("2026-11-20T10:00:00+08:00",), ("2026-11-20T10:05:00+08:00",), ("2026-11-20T10:00:00+08:00",),
        ("2026-11-20T10:59:59+08:00",)]
    with open(shop_folder / "t.csv.rejects.csv", encoding="utf-8-sig", newline="") as fh:
        assert [row[:2] for row in csv.reader(fh)][1:] == [["6", "订单创建时间"], ["7", "订单创建时间"]]


def test_forked_reader_error_mid_file_rolls_back(cli, db, shop_folder, forked_reader):
    rows = [legacy(i) for i in range(1, 6)] + [legacy(6, 买家留言="长" * 40000)]
    path = write_csv(shop_folder / "o.csv", LEGACY_ORDER_HEADER, rows, encoding="gbk")

    result = cli("import", path)

    assert result.exit_code == 3
    assert "row 7" in result.stderr and "买家留言" in result.stderr
    assert db().conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 0


def test_a_failure_receiving_batches_fails_the_import_instead_of_hanging(cli, db, shop_folder, forked_reader,
                                                                         monkeypatch):
    """Whatever stops the thread that receives the child's batches, the import ends (exit 3) and
    the open transaction is rolled back: it never waits forever holding the write lock."""
    import threading
    from multiprocessing.connection import Connection

    real = Connection.recv_bytes

    def failing(self, *args):
        if threading.current_thread().name == "shoptool-import-inbox":
            raise MemoryError("a batch too big to receive")
        return real(self, *args)

    monkeypatch.setattr(Connection, "recv_bytes", failing)
    path = write_csv(shop_folder / "o.csv", LEGACY_ORDER_HEADER, [legacy(i) for i in range(1, 8)], encoding="gbk")
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(cli("import", path)), daemon=True)
    worker.start()
    worker.join(timeout=60)

    assert outcome, "the import hung"
    assert outcome[0].exit_code == 3
    assert "reading process stopped" in outcome[0].stderr
    assert db().conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 0


def test_unknown_workbook_cells_keep_their_own_values(cli, db, shop_folder):
    """TRUE, 1 and 1.0 are one key to a dict: each row's unknown cells are still its own."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["订单编号", "订单状态", "手机订单"])
    for number, value in enumerate([True, 1, 1.0, "是"], start=1):
        sheet.append([f"371234567890123456{number}", "交易成功", value])
    book.save(shop_folder / "flags.xlsx")

    assert cli("import", "flags.xlsx").exit_code == 0

    assert [r[0] for r in db().conn.execute("SELECT extra FROM orders ORDER BY order_id")] == [
        '{"手机订单":"True"}', '{"手机订单":"1"}', '{"手机订单":"1"}', '{"手机订单":"是"}']


def test_a_time_with_an_offset_is_converted_not_glued(cli, db, shop_folder):
    path = write_csv(shop_folder / "o.csv", LEGACY_ORDER_HEADER, [
        legacy(1, 订单创建时间="2026-11-20 10:00+08"), legacy(2, 订单创建时间="2026-11-20 02:00+00")], encoding="gbk")

    assert cli("import", path).exit_code == 0

    assert db().conn.execute("SELECT created_at FROM orders ORDER BY order_id").fetchall() == [
        ("2026-11-20T10:00:00+08:00",), ("2026-11-20T10:00:00+08:00",)]


SLOW_FORKED_IMPORT = """
import sys, time
from shoptool.db import store
from shoptool.imports import pipeline
from shoptool.cli import app
pipeline.PARALLEL_MIN_BYTES, pipeline.BATCH_ROWS, pipeline.INBOX_BYTES = 0, 1, 1
pipeline.os.cpu_count = lambda: 2
write = store.Upsert.write
store.Upsert.write = lambda self, rows: (time.sleep(0.05), write(self, rows))
app(["import", sys.argv[1], "--db", sys.argv[2]], prog_name="shoptool")
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_import_leaves_no_reader_behind(shop_folder):
    """The forked reader holds no copy of the pipe's reading end: when the importing process dies,
    its next send fails and it exits, instead of waiting on a full pipe forever."""
    import signal
    import subprocess
    import time

    path = write_csv(shop_folder / "o.csv", LEGACY_ORDER_HEADER, [legacy(i) for i in range(1, 10)] * 300,
                     encoding="gbk")
    parent = subprocess.Popen([sys.executable, "-c", SLOW_FORKED_IMPORT, str(path), str(shop_folder / "k.db")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    child = None
    deadline = time.monotonic() + 30
    while child is None and time.monotonic() < deadline:
        time.sleep(0.1)
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            if f"\nPPid:\t{parent.pid}\n" in text:
                child = int(status.parent.name)
    assert child is not None, "no forked reader seen"
    time.sleep(1)  # the child has filled the pipe and waits to send
    parent.send_signal(signal.SIGKILL)
    parent.wait()

    deadline = time.monotonic() + 15
    while Path(f"/proc/{child}").exists() and "State:\tZ" not in _status(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{child}").exists() or "State:\tZ" in _status(child), "the reader outlived the import"


def _status(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return ""


def test_a_blank_note_in_a_newer_export_keeps_the_note_staff_wrote(cli, db, shop_folder):
    path = write_csv(shop_folder / "a.csv", LEGACY_ORDER_HEADER, [legacy(1)], encoding="gbk")
    cli("import", path)
    assert cli("note", "3712345678901234561", "已电话确认地址", "--flag", "green").exit_code == 0
    newer = write_csv(shop_folder / "b.csv", LEGACY_ORDER_HEADER, [legacy(1, 订单状态=SHIPPED)], encoding="gbk")

    assert cli("import", newer).exit_code == 0

    assert db().conn.execute("SELECT status, seller_note, flag FROM orders").fetchone() == (
        "shipped", "已电话确认地址", "green")


def test_a_shipment_cell_of_separators_only_is_a_rejected_row(cli, db, shop_folder):
    path = write_csv(shop_folder / "s.csv", ["订单编号", "物流公司", "运单号"],
                     [{"订单编号": "111", "物流公司": "中通快递", "运单号": "7531"},
                      {"订单编号": ",", "物流公司": "中通快递", "运单号": "7532"}])
    result = cli("import", path)
    assert result.exit_code == 3
    assert result.rows[0]["rejected"] == 1 and "missing order number" in result.stderr
    assert db().conn.execute("SELECT order_id FROM shipments").fetchall() == [("111",)]


def test_a_date_cell_in_a_quantity_or_money_column_rejects_its_row_not_the_file(cli, db, shop_folder):
    """A workbook whose 库存 or 价格 cell holds a date (Excel turned "3-5" into 5 March): that row is
    refused with its row and column named, the others land (exit 3), never a crash (exit 70)."""
    from datetime import datetime

    from builders import PAGE_STOCK_HEADER

    rows = [{"商品ID": "600000000001", "宝贝标题": "卫衣", "SKU ID": "5000001", "销售属性": "颜色:黑",
             "商家编码": f"SKU-{n}", "价格": "99.00", "库存": "5"} for n in range(1, 4)]
    rows[1]["库存"] = datetime(2026, 3, 5)
    rows[2]["价格"] = datetime(2026, 3, 5)
    path = write_xlsx(shop_folder / "page_stock.xlsx", PAGE_STOCK_HEADER, rows, as_text=False)
    result = cli("import", path)
    assert result.exit_code == 3, result
    [row] = result.rows
    assert (row["kind"], row["inserted"], row["rejected"]) == ("page-stock", 1, 2)
    assert "row 3, column 库存" in result.stderr
    with open(shop_folder / "page_stock.xlsx.rejects.csv", encoding="utf-8-sig", newline="") as fh:
        rejects = list(csv.reader(fh))
    assert [r[:2] for r in rejects[1:]] == [["3", "库存"], ["4", "价格"]]
    assert all("2026-03-05" in r[2] for r in rejects[1:]), rejects
    assert [r[0] for r in db().conn.execute("SELECT sku_code FROM page_stock")] == ["SKU-1"]
