"""Files out: Chinese Excel opens them, ids stay text, formulas never run, buyers stay masked."""

import csv
import json

import openpyxl
from builders import LEGACY_ORDER_HEADER, write_csv

HYPERLINK = '=HYPERLINK("http://example.com","点我")'


def _import_one(cli, shop_folder):
    path = write_csv(shop_folder / "o.csv", LEGACY_ORDER_HEADER, [{
        "订单编号": '="3712345678901234567"', "买家会员名": "tb_a", "订单状态": "买家已付款，等待卖家发货",
        "买家留言": HYPERLINK, "收货人姓名": "张三", "收货地址": "浙江省 杭州市 西湖区 文三路 90号",
        "联系手机": "13800138000", "买家应付邮费": "-0.00", "买家应付货款": "99.50",
        "订单创建时间": "2026-11-20 10:00:00",
    }], encoding="gbk")
    assert cli("import", path).exit_code == 0


def test_csv_has_a_bom_masks_buyers_and_neutralises_formulas(cli, shop_folder):
    _import_one(cli, shop_folder)

    result = cli("export", "orders", "-o", "orders.csv")

    assert result.exit_code == 0, result
    raw = (shop_folder / "orders.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0]["订单编号"] == '="3712345678901234567"'  # Excel keeps all 19 digits; import reads it back
    assert rows[0]["买家留言"] == "'" + HYPERLINK
    assert rows[0]["收货人姓名"] == "张*" and rows[0]["联系手机"] == '="138****8000"'[2:-1]
    assert rows[0]["收货地址"] == "浙江省 杭州市 西湖区 ****"
    assert rows[0]["买家应付货款（元）"] == "99.50" and rows[0]["订单状态"] == "买家已付款"
    assert rows[0]["货到付款"] == "否"


def test_every_export_header_is_chinese_and_money_is_named_for_yuan(cli, shop_folder):
    _import_one(cli, shop_folder)
    from shoptool.db.tables import EXPORTABLE

    for table in EXPORTABLE:
        assert cli("export", table, "-o", f"{table}.csv").exit_code == 0
        header = next(csv.reader((shop_folder / f"{table}.csv").read_text(encoding="utf-8-sig").splitlines()))
        assert header and all(not name.isascii() or name in ("SKU ID", "SHA-256") for name in header), (table, header)
    document = json.loads(cli("export", "orders", "-f", "json").stdout)
    row = document["rows"][0]
    assert row["goods"] == 99.5 and row["postage"] == 0.0 and not any(key.endswith("_fen") for key in row)
    assert row["status"] == "paid"  # JSON keeps the codes


def test_gbk_csv_on_request(cli, shop_folder):
    _import_one(cli, shop_folder)
    assert cli("export", "orders", "-o", "orders.csv", "--out-encoding", "gbk").exit_code == 0
    assert "订单编号" in (shop_folder / "orders.csv").read_bytes().decode("gbk")


def test_encoding_gbk_is_the_spelling_staff_know_and_a_wrong_one_is_a_usage_error(cli, shop_folder):
    _import_one(cli, shop_folder)

    for command in (("export", "orders"), ("invoices",), ("merge-shipping",), ("sms", "outbox"), ("reviews",)):
        result = cli(*command, "-o", "out.csv", "--encoding", "gbk")
        assert result.exit_code in (0, 1), (command, result)
        raw = (shop_folder / "out.csv").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf") and raw.decode("gbk").count(",") > 0, command
    bad = cli("export", "orders", "-o", "orders.csv", "--encoding", "latin-9x")
    assert bad.exit_code == 2 and "unknown output encoding 'latin-9x'" in bad.stderr
    # address-check reads a CSV of its own: there --encoding names that file's encoding
    assert "--out-encoding" in cli("address-check", "--help").stdout


def test_xlsx_keeps_order_numbers_as_text_and_is_filterable(cli, shop_folder):
    _import_one(cli, shop_folder)

    assert cli("export", "orders", "-o", "orders.xlsx").exit_code == 0

    ws = openpyxl.load_workbook(shop_folder / "orders.xlsx").active
    header = [c.value for c in ws[1]]
    order_cell = ws.cell(2, header.index("订单编号") + 1)
    assert (order_cell.value, order_cell.data_type, order_cell.number_format) == ("3712345678901234567", "s", "@")
    message = ws.cell(2, header.index("买家留言") + 1)
    assert message.data_type == "s" and not message.value.startswith("=")
    money = ws.cell(2, header.index("买家应付货款（元）") + 1)
    assert money.value == 99.5 and money.number_format == "#,##0.00"
    created = ws.cell(2, header.index("创建时间") + 1)
    assert created.is_date and created.value.isoformat() == "2026-11-20T10:00:00"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    assert ws.cell(1, 1).font.bold


def test_show_pii_reveals_and_is_audited(cli, db, shop_folder):
    _import_one(cli, shop_folder)

    result = cli("export", "orders", "--format", "json", "--show-pii")

    assert result.exit_code == 0
    assert result.rows[0]["receiver_mobile"] == "13800138000"
    audit = db().conn.execute("SELECT action, command FROM audit").fetchall()
    assert audit == [("show_pii", "export")]


def test_json_is_the_default_off_a_terminal_with_the_envelope(cli, shop_folder):
    _import_one(cli, shop_folder)

    document = json.loads(cli("export", "orders").stdout)

    assert list(document) == ["command", "generated_at", "summary", "rows"]
    assert document["command"] == "export"
    assert document["rows"][0]["goods"] == 99.5
    assert document["rows"][0]["receiver_mobile"] == "138****8000"


def test_unknown_table_is_a_usage_error(cli):
    result = cli("export", "passwords")
    assert result.exit_code == 2 and "unknown table" in result.stderr


def test_xlsx_without_output_is_a_usage_error(cli, shop_folder):
    _import_one(cli, shop_folder)
    assert cli("export", "orders", "--format", "xlsx").exit_code == 2


def test_listings_without_a_clock_of_their_own_still_take_now_for_generated_at(cli, shop_folder):
    # agents pass one --now to every command of a run; a command that rejected it would exit 2
    _import_one(cli, shop_folder)

    for command in (("export", "orders"), ("sms", "outbox")):
        result = cli(*command, "--now", "2026-11-21 10:00", "--format", "json")
        assert result.exit_code == 0, (command, result)
        assert result.json["generated_at"] == "2026-11-21T10:00:00+08:00", command
