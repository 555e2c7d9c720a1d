"""Every benchmark in one run, printed as one table: each figure beside its reference measured in
the same run, peak memory, and the target of PRODUCT §14 / the issues.

    python benchmarks/run.py            # full sizes (about 10 minutes on 2 cores)
    python benchmarks/run.py --quick    # a tenth of the sizes, to check the harness

Data is generated in temporary folders and removed; nothing large is ever committed. The table
is also written to benchmarks/RESULTS.md with the date and the machine.
"""

from __future__ import annotations

import datetime
import os
import platform
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "?"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"{platform.system()} {platform.release()}; load average {load:.1f} at start")


def collect(scale: float) -> list[dict]:
    from benchmarks import (
        bench_address,
        bench_address_cli,
        bench_aftersale,
        bench_cron,
        bench_cs_lists,
        bench_customers,
        bench_help,
        bench_import,
        bench_kpi,
        bench_logistics,
        bench_merge,
        bench_stock,
    )

    n = lambda full: max(int(full * scale), 1000)  # noqa: E731
    rows: list[dict] = []

    csv_rows = bench_import.run_bench(n(1_000_000))
    first = csv_rows[0]
    rows.append(_row(first["benchmark"], first["seconds"], first["peak_mb"], first["reference"],
                     first["reference_seconds"], "≤ 2.5× and ≤ 200 MB",
                     first["ratio"] is not None and first["ratio"] <= 2.5 and first["peak_mb"] <= 200,
                     extra=f"{first['rows_per_s']:,.0f} rows/s"))
    again = csv_rows[1]
    rows.append(_row(again["benchmark"], again["seconds"], again["peak_mb"], "", None, "says so, no change", True))

    xlsx = bench_import.run_xlsx(n(200_000))
    rows.append(_row(xlsx["benchmark"], xlsx["seconds"], xlsx["peak_mb"], xlsx["reference"],
                     xlsx["reference_seconds"], "≤ 1.5×", xlsx["ratio"] <= 1.5))

    stock = bench_stock.run(n(100_000))
    rows.append(_row(stock["benchmark"], stock["seconds"], stock["peak_mb"], stock["reference"],
                     stock["reference_seconds"], "(report)", None, extra=f"{stock['skus_per_s']:,.0f} SKUs/s"))

    address = bench_address.run(n(100_000))
    rows.append(_row(f"address-check domain, {address['orders']:,} orders", address["orders"] / address["orders_per_s"],
                     address["peak_rss_mb"], "", None, "≥ 20,000 orders/s", address["orders_per_s"] >= 20_000,
                     extra=f"{address['orders_per_s']:,} orders/s"))
    cli = bench_address_cli.run(n(100_000))
    for key, label in (("address_check_db", "address-check from the database"),
                       ("address_check_file", "address-check --orders FILE")):
        run_ = cli[key]
        rows.append(_row(f"{label}, {cli['orders']:,} orders", run_["seconds"], run_.get("peak_mb"),
                         "raw csv.reader pass" if key.endswith("file") else "", cli["raw_csv_read"]["seconds"]
                         if key.endswith("file") else None, "≥ 20,000 orders/s", run_["orders_per_s"] >= 20_000,
                         extra=f"{run_['orders_per_s']:,} orders/s"))

    merge = bench_merge.run(n(1_000_000))
    report = merge["report"]
    rows.append(_row(f"merge-shipping, {merge['n']:,} orders", report["seconds"], report["peak_mb"],
                     "shoptool --help", merge["help"]["seconds"], "(report)", None))
    rows.append(_row("merge-shipping --apply again (writes nothing)", merge["apply_again"]["seconds"],
                     merge["apply_again"]["peak_mb"], "", None, "(report)", None))

    lists = bench_cs_lists.run(n(1_000_000))
    for command in bench_cs_lists.COMMANDS:
        run_ = lists[command]
        rows.append(_row(f"{command}, {lists['orders']:,} orders ({run_['rows']:,} listed)", run_["seconds"],
                         run_["peak_mb"], "shoptool --help", lists["help"]["seconds"], "(report)", None))

    after = bench_aftersale.run(n(1_000_000), n(100_000))
    for command in bench_aftersale.COMMANDS:
        run_ = after[command]
        target = "< 3 s and 300 MB" if command == "aftersale" else "(report)"
        met = run_["seconds"] < 3 and run_["peak_mb"] < 300 if command == "aftersale" else None
        rows.append(_row(f"{command}, {after['refunds']:,} refunds × {after['orders']:,} orders "
                         f"({run_['rows']:,} listed)", run_["seconds"], run_["peak_mb"], "shoptool --help",
                         after["help"]["seconds"], target, met))
    board = bench_kpi.run(n(200_000))
    for key, label in (("import", "import 客服数据汇总-日数据, 900 rows"),
                       ("kpi", f"kpi --month, {board['notes']:,} notes, {board['reminders']:,} reminders"),
                       ("kpi_xlsx", "kpi --month -o kpi.xlsx")):
        rows.append(_row(f"{label} ({board['orders']:,} orders)", board[key]["seconds"], board[key]["peak_mb"],
                         "shoptool --help", board["help"]["seconds"], "(report)", None))
    crm = bench_customers.run(n(1_000_000))
    for key in ("segments", "segments again", "customers list --limit 100"):
        run_ = crm[key]
        rows.append(_row(f"{key}, {crm['orders']:,} orders of {crm['buyers']:,} buyers", run_["seconds"],
                         run_["peak_mb"], "raw GROUP BY nick", crm["reference"],
                         "< 5 s, < 400 MB" if key.startswith("segments") else "(report)",
                         run_["seconds"] < 5 and run_["peak_mb"] < 400 if key.startswith("segments") else None))
    parcels = bench_logistics.run(n(200_000), 10)
    many, one = parcels["events_10"], parcels["events_1"]
    rows.append(_row(f"logistics-check, {parcels['parcels']:,} parcels × 10 events ({many['rows']:,} listed)",
                     many["seconds"], many["peak_mb"], "same parcels, 1 event each", one["seconds"],
                     "< 3 s; memory independent of events",
                     many["seconds"] < 3 and many["peak_mb"] <= one["peak_mb"] * 1.1))

    cron = bench_cron.run(n(1_000_000))
    help_ref = cron["reference"]["shoptool --help"]
    for command, run_ in cron["noop"].items():
        rows.append(_row(f"no-op {command} on {cron['orders']:,} orders", run_["seconds"], run_["peak_mb"],
                         "shoptool --help", help_ref["seconds"], "well under 1 s", run_["seconds"] < 0.6))

    help_ = bench_help.run()
    rows.append(_row(help_["benchmark"], help_["seconds"], help_["peak_mb"], help_["reference"],
                     help_["reference_seconds"], help_["target"], help_["met"]))
    return rows


def _row(name, seconds, peak_mb, reference, reference_seconds, target, met, extra="") -> dict:
    ratio = seconds / reference_seconds if reference_seconds else None
    return {"benchmark": name, "seconds": seconds, "peak_mb": peak_mb, "reference": reference,
            "reference_seconds": reference_seconds, "ratio": ratio, "target": target, "met": met, "extra": extra}


def markdown(rows: list[dict], machine: str) -> str:
    lines = [f"Measured {datetime.date.today().isoformat()} on {machine}.", "",
             "| benchmark | time | peak memory | reference (same run) | ratio | target | met |",
             "|---|---:|---:|---|---:|---|:---:|"]
    for r in rows:
        ref = f"{r['reference']} {r['reference_seconds']:.2f} s" if r["reference_seconds"] else r["reference"]
        ratio = f"{r['ratio']:.2f}×" if r["ratio"] else ""
        met = {True: "yes", False: "**no**", None: ""}[r["met"]]
        time_ = f"{r['seconds']:.2f} s" + (f" ({r['extra']})" if r["extra"] else "")
        peak = f"{r['peak_mb']:.0f} MB" if r["peak_mb"] else ""
        lines.append(f"| {r['benchmark']} | {time_} | {peak} | {ref} | {ratio} | {r['target']} | {met} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    quick = "--quick" in sys.argv
    machine = _machine()
    rows = collect(0.1 if quick else 1.0)
    table = markdown(rows, machine)
    print(table)
    if not quick:
        (ROOT / "benchmarks" / "RESULTS.md").write_text("# Benchmark results\n\n" + table, encoding="utf-8")


if __name__ == "__main__":
    main()
