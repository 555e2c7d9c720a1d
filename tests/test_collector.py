"""The cyclic collector is paused for a big run's work and runs again after it (collector.py): the
pause nests, survives an error, and a sending run and the daily/report jobs plan with it paused."""

from __future__ import annotations

import gc

import pytest
from builders import LEGACY_ORDER_HEADER, UNPAID, legacy_order, write_csv

from shoptool import collector


@pytest.fixture(autouse=True)
def collecting():
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_paused_disables_and_restores_and_nests():
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause does not end the outer one
    assert gc.isenabled()


def test_paused_restores_after_an_error():
    with pytest.raises(RuntimeError):
        with collector.paused():
            raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_caller_that_disabled_the_collector_keeps_it_disabled():
    gc.disable()
    with collector.paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_a_sending_run_plans_with_the_collector_paused(cli, shop_folder, monkeypatch):
    from shoptool.messages import purposes

    write_csv(shop_folder / "orders.csv", LEGACY_ORDER_HEADER,
              [legacy_order(1, UNPAID, 订单创建时间="2026-11-21 09:20:00")], encoding="gbk")
    assert cli("import", "orders.csv", "--now", "2026-11-21 10:00").exit_code == 0
    seen = []
    plan = purposes.Unpaid.plan

    def watched(self, db, now):
        seen.append(gc.isenabled())
        return plan(self, db, now)

    monkeypatch.setattr(purposes.Unpaid, "plan", watched)
    run = cli("remind-unpaid", "--now", "2026-11-21 10:00", "--dry-run", "--format", "json")
    assert run.exit_code == 0, run
    assert [r["action"] for r in run.rows] == ["would_send"]
    assert seen == [False]
    assert gc.isenabled()


def test_daily_and_the_report_run_with_the_collector_paused(shop_folder, monkeypatch):
    from shoptool.jobs import Shop, daily, report

    seen = []
    stock = daily._stock

    def watched(shop):
        seen.append(gc.isenabled())
        return stock(shop)

    monkeypatch.setattr(daily, "CHECKS", [watched if c is stock else c for c in daily.CHECKS])
    with Shop(db=shop_folder / "shoptool.db", now="2026-11-21 10:00") as shop:
        daily.run(shop)
        assert gc.isenabled()
        report.run(shop)
    assert gc.isenabled()
    assert seen and not any(seen)
