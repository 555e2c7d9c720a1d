"""shoptool.rows.Rows: tuples held, dicts read — what every consumer of a list of row dicts does."""

from shoptool import columns as K
from shoptool.rows import Rows


def test_rows_read_as_the_dicts_they_stand_for():
    dicts = [{"sku": "A", "finding": "oversell_risk", "n": 1}, {"sku": "B", "finding": "underlisted", "n": 2},
             {"sku": "C", "finding": "oversell_risk", "n": 3}]
    rows = Rows(("sku", "finding", "n"), [tuple(d.values()) for d in dicts])
    assert list(rows) == dicts and rows == dicts and len(rows) == 3 and rows
    assert rows[1] == dicts[1] and rows[-1] == dicts[-1] and rows[:2] == dicts[:2] and rows[5:] == []
    first, *_ = rows
    first["sku"] = "changed"  # a fresh dict each read: the held row is untouched
    assert rows[0]["sku"] == "A"
    assert rows.where("finding", ["oversell_risk"]) == [dicts[0], dicts[2]]
    assert rows.count_by("finding") == {"oversell_risk": 2, "underlisted": 1}
    rows.sort(key=lambda t: -t[2])
    assert [r["n"] for r in rows] == [3, 2, 1]
    assert not Rows(("sku",), [])


def test_rows_of_columns_keep_only_what_a_sheet_of_them_writes():
    columns = [K.Column("order_id", "订单编号", "Order", K.ID), K.Column("phone", "手机号", "Phone", K.PHONE)]
    rows = Rows.of(columns, [{"order_id": "1", "phone": "13800138000", "extra": "x"}, {"order_id": "2"}])
    assert list(rows) == [{"order_id": "1", "phone": "13800138000"}, {"order_id": "2", "phone": None}]
