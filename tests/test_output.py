"""The output layer on its own: one Result rendered as a table, JSON, CSV and xlsx, each with its
expected rendering written out, the terminal width pinned and stdout and stderr captured apart."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime, timedelta, timezone

import pytest
from builders import ADDRESS, oid, phone
from hypothesis import given
from hypothesis import strategies as st

from shoptool import columns as K
from shoptool import output
from shoptool.columns import Column
from shoptool.errors import UsageError
from shoptool.result import Result

COLUMNS = [
    Column("order_id", "订单编号", "Order", K.ID),
    Column("receiver", "收货人", "Receiver", K.NAME),
    Column("phone", "手机", "Phone", K.PHONE),
    Column("address", "收货地址", "Address", K.ADDRESS),
    Column("postage_fen", "邮费", "Postage", K.MONEY),
    Column("cod", "货到付款", "COD", K.BOOL),
    Column("created_at", "下单时间", "Placed", K.TIME),
    Column("note", "备注", "Note"),
]
SHANGHAI = "上海 上海市 浦东新区 张江路 100弄 5号 301室"
CST = timezone(timedelta(hours=8))
# As a job hands them over: money in fen, flags as 0/1, a time as ISO text or a datetime, and a
# key of the job's own ("_rank") that no output shows.
ROWS = [
    {"order_id": oid(101), "receiver": "林悦", "phone": phone(101), "address": ADDRESS, "postage_fen": 1000,
     "cod": 0, "created_at": "2026-11-21T09:20:00+08:00", "note": "=1+1", "_rank": 1},
    {"order_id": oid(102), "receiver": "欧阳娜娜", "phone": phone(102), "address": SHANGHAI, "postage_fen": 850,
     "cod": 1, "created_at": datetime(2026, 11, 21, 9, 5, tzinfo=CST), "note": "-5", "_rank": 2},
]


def result(rows=ROWS, **fields) -> Result:
    fields = {"title": "可合并发货", "summary": {"merge": 1}, "summary_line": "merge-shipping: 1 group",
              "generated_at": "2026-11-21T10:00:00+08:00", **fields}
    return Result("merge-shipping", COLUMNS, [dict(r) for r in rows], **fields)


def lines(text: str) -> list[str]:
    """An expected rendering written indented in a triple-quoted string, or captured output, as
    lines without trailing spaces (Rich pads the title and the cells)."""
    return [line.rstrip() for line in textwrap.dedent(text).strip("\n").splitlines()]


@pytest.fixture
def render(capsys, monkeypatch):
    """render(result, format=…, …) → (format used, stdout, stderr), on a 100-column terminal."""
    monkeypatch.setenv("COLUMNS", "100")
    for name in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)

    def run(res: Result, **options):
        used = output.render(res, output.OutputOptions(**options))
        captured = capsys.readouterr()
        return used, captured.out, captured.err

    return run


def test_json_document_has_money_in_yuan_booleans_and_no_private_keys(render):
    used, out, err = render(result(), format="json")

    assert used == "json"
    document = json.loads(out)
    assert list(document) == ["command", "generated_at", "summary", "rows"]
    assert document == {
        "command": "merge-shipping",
        "generated_at": "2026-11-21T10:00:00+08:00",
        "summary": {"merge": 1},
        "rows": [
            {"order_id": "3912000000000000101", "receiver": "林*", "phone": "139****0101",
             "address": "浙江省 杭州市 西湖区 ****", "postage_fen": 10.0, "cod": False,
             "created_at": "2026-11-21T09:20:00+08:00", "note": "=1+1"},
            {"order_id": "3912000000000000102", "receiver": "欧***", "phone": "139****0102",
             "address": "上海 上海市 浦东新区 ****", "postage_fen": 8.5, "cod": True,
             "created_at": "2026-11-21T09:05:00+08:00", "note": "-5"},
        ],
    }
    assert '"receiver": "林*"' in out  # Chinese as it is, not \\u escapes
    assert err == "merge-shipping: 1 group\n"


def test_show_pii_reveals_phone_name_and_address(render):
    _, out, _ = render(result(), format="json", show_pii=True)

    [first, second] = json.loads(out)["rows"]
    assert (first["receiver"], first["phone"], first["address"]) == ("林悦", "13900000101", ADDRESS)
    assert (second["receiver"], second["phone"], second["address"]) == ("欧阳娜娜", "13900000102", SHANGHAI)


def test_masking_leaves_the_job_rows_untouched(render):
    res = result()
    render(res, format="json")
    assert res.rows[0]["phone"] == phone(101) and res.rows[0]["receiver"] == "林悦"


def test_table_on_a_pinned_width(render):
    keys = ["order_id", "receiver", "phone", "address", "postage_fen", "cod", "created_at"]

    used, out, err = render(result(table_keys=keys), format="table")

    assert used == "table"
    assert lines(out) == lines("""
                                                     可合并发货
        ┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┳━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━┓
        ┃ 订单编号            ┃ 收货人 ┃ 手机        ┃ 收货地址      ┃  邮费 ┃ 货到付款 ┃ 下单时间         ┃
        ┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━╇━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━┩
        │ 3912000000000000101 │ 林*    │ 139****0101 │ 浙江省 杭州市 │ 10.00 │ 否       │ 2026-11-21 09:20 │
        │                     │        │             │ 西湖区 ****   │       │          │                  │
        │ 3912000000000000102 │ 欧***  │ 139****0102 │ 上海 上海市   │  8.50 │ 是       │ 2026-11-21 09:05 │
        │                     │        │             │ 浦东新区 **** │       │          │                  │
        └─────────────────────┴────────┴─────────────┴───────────────┴───────┴──────────┴──────────────────┘
    """)
    assert "\x1b[" not in out  # no colour codes off a terminal
    assert err == "merge-shipping: 1 group\n"


def test_an_empty_table_says_so_on_stderr(render):
    _, out, err = render(result(rows=[]), format="table")

    assert out == ""
    assert lines(err) == ["可合并发货: nothing to show", "merge-shipping: 1 group"]


@pytest.mark.parametrize(("terminal", "expected"), [(True, "table"), (False, "json")])
def test_auto_is_a_table_for_a_person_and_json_for_a_pipe(render, monkeypatch, terminal, expected):
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: terminal)

    used, out, _ = render(result(), format="auto")

    assert used == expected
    assert out.startswith("{") == (expected == "json")


@pytest.mark.parametrize(("headers", "fmt", "expected"), [
    ("zh", "csv", '''
        订单编号,收货人,手机,收货地址,邮费,货到付款,下单时间,备注
        "=""3912000000000000101""",林*,139****0101,浙江省 杭州市 西湖区 ****,10.00,否,2026-11-21 09:20:00,'=1+1
        "=""3912000000000000102""",欧***,139****0102,上海 上海市 浦东新区 ****,8.50,是,2026-11-21 09:05:00,-5
     '''),
    ("en", "csv", '''
        Order,Receiver,Phone,Address,Postage,COD,Placed,Note
        "=""3912000000000000101""",林*,139****0101,浙江省 杭州市 西湖区 ****,10.00,no,2026-11-21 09:20:00,'=1+1
        "=""3912000000000000102""",欧***,139****0102,上海 上海市 浦东新区 ****,8.50,yes,2026-11-21 09:05:00,-5
     '''),
    ("zh", "plain-csv", '''
        订单编号,收货人,手机,收货地址,邮费,货到付款,下单时间,备注
        3912000000000000101,林*,139****0101,浙江省 杭州市 西湖区 ****,10.00,否,2026-11-21 09:20:00,'=1+1
        3912000000000000102,欧***,139****0102,上海 上海市 浦东新区 ****,8.50,是,2026-11-21 09:05:00,-5
     '''),
])
def test_csv_to_stdout_has_a_header_in_the_chosen_language_and_no_bom(render, headers, fmt, expected):
    used, out, err = render(result(), format=fmt, headers=headers)

    assert used == fmt
    assert out.split("\r\n") == [*lines(expected), ""]  # CRLF, as Excel writes it
    assert not out.startswith("\ufeff")
    assert err == "merge-shipping: 1 group\n"


@pytest.mark.parametrize(("value", "cell"), [
    ("=1+1", "'=1+1"),
    ('=HYPERLINK("http://example.com","点我")', '"\'=HYPERLINK(""http://example.com"",""点我"")"'),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("-5", "-5"),
    ("-1.50", "-1.50"),
    ("+86", "+86"),
    ("1+1", "1+1"),
])
def test_a_csv_cell_that_excel_would_run_is_neutralised_but_numbers_are_not(render, value, cell):
    notes = Result("note", [Column("note", "备注")], [{"note": value}])

    _, out, _ = render(notes, format="csv")

    assert out == f"备注\r\n{cell}\r\n"


def test_xlsx_has_a_bold_frozen_header_ids_as_text_and_masked_buyers(render, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "merge.xlsx"
    used, out, err = render(result(), format="xlsx", output=str(path))

    assert used == "xlsx"
    assert out == ""
    assert lines(err) == [f"wrote 2 row(s) to {path}", "merge-shipping: 1 group"]
    sheet = load_workbook(path).active
    assert sheet.title == "可合并发货"
    assert [c.value for c in sheet[1]] == [c.zh for c in COLUMNS]
    assert all(c.font.bold for c in sheet[1]) and sheet.freeze_panes == "A2"
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        ["3912000000000000101", "林*", "139****0101", "浙江省 杭州市 西湖区 ****", 10, "否",
         datetime(2026, 11, 21, 9, 20), "'=1+1"],
        ["3912000000000000102", "欧***", "139****0102", "上海 上海市 浦东新区 ****", 8.5, "是",
         datetime(2026, 11, 21, 9, 5), "-5"],
    ]
    order, phone_cell, money, note = sheet["A2"], sheet["C2"], sheet["E2"], sheet["H2"]
    assert (order.data_type, order.number_format) == ("s", "@")  # never 3.912E+18 in Excel
    assert (phone_cell.data_type, phone_cell.number_format) == ("s", "@")
    assert money.number_format == "#,##0.00"
    assert note.data_type == "s"  # text, not a formula


def test_xlsx_without_an_output_file_is_a_usage_error(render, capsys):
    with pytest.raises(UsageError, match="--format xlsx needs --output FILE.xlsx"):
        output.render(result(), output.OutputOptions(format="xlsx"))
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(("name", "fmt"), [("out.csv", "csv"), ("out.xlsx", "xlsx"), ("out.json", "json"),
                                           ("out.txt", "csv")])
def test_an_output_file_takes_its_format_from_its_suffix(render, tmp_path, name, fmt):
    used, out, _ = render(result(), output=str(tmp_path / name))

    assert used == fmt and out == ""
    data = (tmp_path / name).read_bytes()
    if fmt == "json":
        assert json.loads(data)["rows"][0]["receiver"] == "林*"
    elif fmt == "csv":
        assert data.startswith("\ufeff订单编号,收货人".encode())  # a file for Excel keeps its BOM
    else:
        assert data.startswith(b"PK")


def test_notes_go_to_stderr_in_order_before_the_summary_line(render):
    res = result()
    res.info("read 2 orders from orders.csv")
    res.warn("1 order has no phone")
    res.notes.append(("error", "row 3 rejected"))

    _, out, err = render(res, format="json")

    assert lines(err) == ["read 2 orders from orders.csv", "warning: 1 order has no phone", "error: row 3 rejected",
                          "merge-shipping: 1 group"]
    assert json.loads(out)["command"] == "merge-shipping"  # stdout carries the data only


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_quiet_prints_no_rows_but_still_the_notes_and_the_summary(render, fmt):
    res = result()
    res.warn("1 order has no phone")

    _, out, err = render(res, format=fmt, quiet=True)

    assert out == ""
    assert lines(err) == ["warning: 1 order has no phone", "merge-shipping: 1 group"]


# --- issue #16 / reviewer notes ----------------------------------------------------------------

LIST_COLUMNS = [Column("order_id", "订单编号", "Order", K.ID), Column("order_ids", "相关订单", "Orders", K.LIST),
                Column("action", "处理", "Action", K.ID), Column("reason", "原因", "Reason", K.ID),
                Column("phone", "手机号", "Phone", K.PHONE), Column("tracking_no", "物流单号", "Tracking", K.ID),
                Column("next_attempt_at", "下次发送", "Next", K.TIME)]


def test_a_narrow_terminal_never_cuts_an_order_number(render, monkeypatch):
    ids = [oid(n) for n in (1, 2, 3)]
    row = {"order_id": ids[0], "order_ids": ids, "action": "would_send", "reason": "paid_other_order",
           "phone": phone(1), "tracking_no": "SF1400123456789", "next_attempt_at": "2026-11-21T10:00:00+08:00"}
    monkeypatch.setenv("COLUMNS", "80")
    _, out, _ = render(Result("remind-unpaid", LIST_COLUMNS, [row], title="t"), format="table")
    for value in [*ids, "SF1400123456789", "paid_other_order", "would_send"]:
        assert value in out, out
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_an_unknown_output_extension_is_a_usage_error_before_anything_is_written(render, shop_folder):
    with pytest.raises(UsageError, match="report.pdf"):
        render(result(), output=str(shop_folder / "report.pdf"))
    assert not (shop_folder / "report.pdf").exists()


def test_xlsx_without_output_says_so_and_nothing_else(render):
    noted = result()
    noted.info("a note that must not be printed before the usage error")
    with pytest.raises(UsageError, match="needs --output"):
        render(noted, format="xlsx")


def test_decimal_money_and_keys_without_a_column_render_as_json(render):
    from decimal import Decimal

    row = {"order_id": oid(1), "postage_fen": Decimal("850"), "extra_note": "call 13912345678", "ids": {"a", }}
    _, out, _ = render(Result("x", COLUMNS, [row]), format="json")
    doc = json.loads(out)["rows"][0]
    assert doc["postage_fen"] == 8.5 and doc["extra_note"] == "call 139****5678" and doc["ids"] == ["a"]


@pytest.mark.parametrize(("value", "expected"), [
    (["=HYPERLINK(\"http://x\")", "b"], "'=HYPERLINK(\"http://x\")、b"),
    (["a", "@x", "－1"], "a、'@x、'－1"),
    ([oid(1), oid(2)], f"{oid(1)}、{oid(2)}"),
])
def test_csv_list_cells_are_neutralised(value, expected):
    from shoptool.tables.writers import csv_cell

    assert csv_cell(Column("l", "l", "l", K.LIST), value) == expected


@pytest.mark.parametrize(("text", "safe"), [
    ("＝SUM(A1:A9)", "'＝SUM(A1:A9)"), ("＋1", "'＋1"), ("－cmd", "'－cmd"), ("＠x", "'＠x"),
    ("-5", "-5"), ("-1.50", "-1.50"), ("+8", "+8"), ("=1+1", "'=1+1"),
    ('="3712345678901200001"', '="3712345678901200001"'),
])
def test_formula_triggers_full_width_too_and_negative_numbers_untouched(text, safe):
    from shoptool.tables.writers import neutralise

    assert neutralise(text) == safe


@given(st.one_of(st.text(max_size=30), st.from_regex(r"[ +\-.]?[0-9][0-9,./:-]{0,22}", fullmatch=True),
                 st.integers(), st.floats(allow_nan=False)),
       st.sampled_from(["text", "id", "phone", "name", "address", "time"]), st.booleans())
def test_the_fast_csv_path_writes_exactly_what_csv_cell_writes(value, kind, excel):
    """Exports use a per-column writer (tables/writers._csv_writer_for) for speed: same cells."""
    from shoptool.tables import writers

    column = Column("k", "k", "k", kind)
    if kind == "time" and not isinstance(value, str):
        return
    assert writers._csv_writer_for(column, "zh", excel)(value) == writers.csv_cell(column, value, "zh", excel)
