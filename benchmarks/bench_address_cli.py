"""`shoptool address-check` end to end (PRODUCT §14 style: measured here, never in tests).

    python benchmarks/bench_address_cli.py [N] [--profile]      (default 100,000 orders)

In a temporary folder (removed afterwards) writes a legacy 订单报表 CSV (GB18030) of N paid orders
from `bench_address.make_orders` (varied addresses and phones with a share of bad ones), imports
it, then times as child processes, each the best of three runs with its peak memory (max RSS):

- `address-check --format json` over the database of N paid orders;
- `address-check --orders FILE --format json` over the same file, nothing stored;
- a raw `csv.reader` pass over the file, so the file run's ratio says what reading costs.

Then one in-process pass splits the database run into its stages (query, check, report, render)
and the file run into read and check. `--profile` adds cProfile's top functions of one database
run and one file run.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.measure import run as run_child  # noqa: E402  (one way to time a child, for every benchmark)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from bench_address import make_orders
from builders import LEGACY_ORDER_HEADER

PAID = "买家已付款，等待卖家发货"
SHOPTOOL = [sys.executable, "-m", "shoptool"]
RAW_READ = "import csv, sys\nwith open(sys.argv[1], encoding='gb18030', newline='') as fh:\n    sum(1 for _ in csv.reader(fh))\n"


def write_orders_csv(path: Path, n: int) -> None:
    """The generated orders in the legacy export's shape: ids wrapped as ="…", phones with a quote.

    One open order per buyer, except every 25th buyer who has a second one (to another address
    half of the time): a day's paid orders, not make_orders' three orders a buyer."""
    index = {name.strip(): i for i, name in enumerate(LEGACY_ORDER_HEADER)}
    blank = [""] * len(LEGACY_ORDER_HEADER)
    with path.open("w", encoding="gb18030", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(LEGACY_ORDER_HEADER)
        previous = None
        for i, order in enumerate(make_orders(n)):
            nick = f"buyer{i}"
            if i % 25 == 1 and previous is not None:
                nick = previous["nick"]
                if i % 50 == 1:
                    order = order | {k: previous[k] for k in ("address", "receiver_name", "receiver_mobile")}
            previous = order | {"nick": nick}
            row = list(blank)
            for header, value in (
                ("订单编号", f'="{order["order_id"]}"'), ("买家会员名", nick), ("订单状态", PAID),
                ("收货人姓名", order["receiver_name"] or ""), ("收货地址", order["address"]),
                ("联系手机", f"'{order['receiver_mobile']}" if order["receiver_mobile"] else ""),
                ("联系电话", order["receiver_tel"] or ""), ("订单创建时间", "2026-11-21 07:55:00"),
                ("订单付款时间", "2026-11-21 08:00:00"), ("买家应付货款", "99.00"), ("买家应付邮费", "0.00"),
                ("总金额", "99.00"), ("运送方式", "快递"), ("订单关闭原因", "订单未关闭"),
            ):
                row[index[header]] = value
            writer.writerow(row)


def measure(cmd: list[str], cwd: Path, runs: int = 3) -> dict:
    """Best wall time of `runs` child runs, and the peak memory of that child."""
    best = None
    for _ in range(runs):
        child = run_child(cmd, cwd=cwd)
        if best is None or child.seconds < best["seconds"]:
            best = {"seconds": round(child.seconds, 2), "peak_mb": round(child.peak_mb, 1), "exit": child.returncode}
    return best


def stages(shop: Path, orders_csv: Path) -> dict:
    """Where the time goes, in process, stage by stage (the command's own calls)."""
    from shoptool import address
    from shoptool import address as report
    from shoptool.address import CHANGE_FIELDS, find_multiple_addresses
    from shoptool.config import load_settings
    from shoptool.db import address as queries
    from shoptool.db import open_db
    from shoptool.imports.orders_file import read_orders
    from shoptool.jobs.address_check import COLUMNS
    from shoptool.result import Result, json_document, masked_rows

    settings = load_settings(None, shop / "shoptool.db")
    rules = address.AddressRules.from_settings(settings.section("address"))
    address.check_order({"address": "浙江省杭州市西湖区文三路1号", "receiver_mobile": "13800138000"})  # warm up
    timings = {}
    clock = time.perf_counter()

    def lap(name):
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    db = open_db(shop / "shoptool.db")
    opened = report.OPEN_STATUSES
    elsewhere = find_multiple_addresses(queries.open_order_buyers(db, opened), open_statuses=None)
    lap("db_multiple_addresses_s")
    history = queries.order_changes(db, opened, sorted(CHANGE_FIELDS))
    lap("db_history_s")
    orders = list(queries.open_orders(db, opened))
    lap("db_query_orders_s")
    checked = report.check_all(orders, rules, elsewhere=elsewhere, history=history)
    lap("db_check_s")
    summary = report.summarize(checked.rows, checked.checked)
    document = json_document(Result("address-check", COLUMNS, checked.rows, summary),
                             masked_rows(COLUMNS, checked.rows, False))
    json.dumps(document, ensure_ascii=False, indent=2)
    lap("db_render_json_s")
    db.close()
    found = read_orders(orders_csv, settings, now_iso="2026-11-21T10:00:00+08:00", statuses=opened,
                        columns=queries.ORDER_COLUMNS)
    lap("file_read_s")
    elsewhere = find_multiple_addresses(found.rows, open_statuses=None)
    report.check_all(found.rows, rules, elsewhere=elsewhere, history={})
    lap("file_check_s")
    timings["check_orders_per_s"] = round(len(orders) / timings["db_check_s"])
    timings["rows_listed"] = len(checked.rows)
    return timings


def profile(shop: Path, orders_csv: Path, top: int = 12) -> dict:
    import cProfile
    import pstats

    from typer.testing import CliRunner

    # imported before profiling: start-up is not the question here
    from shoptool.cli import app

    found = {}
    for name, args in (("db", ["--db", str(shop / "shoptool.db")]), ("file", ["--orders", str(orders_csv)])):
        profiler = cProfile.Profile()
        profiler.enable()
        CliRunner().invoke(app, ["address-check", "-f", "json", *args])
        profiler.disable()
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(top)
        found[name] = [line for line in text.getvalue().splitlines() if line.strip()][-top:]
    return found


def run(n: int = 100_000, with_profile: bool = False) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="bench_address_cli_"))
    try:
        orders_csv = folder / "orders.csv"
        started = time.perf_counter()
        write_orders_csv(orders_csv, n)
        generate_s = time.perf_counter() - started
        shop = folder / "shop"
        shop.mkdir()
        imported = measure([*SHOPTOOL, "import", str(orders_csv), "--db", str(shop / "shoptool.db"), "-f", "json"],
                           shop, runs=1)
        db_run = measure([*SHOPTOOL, "address-check", "--db", str(shop / "shoptool.db"), "-f", "json"], shop)
        elsewhere = folder / "empty"
        elsewhere.mkdir()
        file_run = measure([*SHOPTOOL, "address-check", "--orders", str(orders_csv), "-f", "json"], elsewhere)
        raw = measure([sys.executable, "-c", RAW_READ, str(orders_csv)], folder)
        result = {
            "orders": n,
            "file_mb": round(orders_csv.stat().st_size / 1024**2, 1),
            "generate_s": round(generate_s, 1),
            "import": imported,
            "address_check_db": db_run | {"orders_per_s": round(n / db_run["seconds"])},
            "address_check_file": file_run | {"orders_per_s": round(n / file_run["seconds"])},
            "raw_csv_read": raw,
            "file_vs_raw_read": round(file_run["seconds"] / raw["seconds"], 1),
            "stages": stages(shop, orders_csv),
        }
        if with_profile:
            result["profile"] = profile(shop, orders_csv)
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    print(json.dumps(run(int(args[0]) if args else 100_000, "--profile" in sys.argv), indent=2, ensure_ascii=False))
