"""Cost follows the work (issue #25): every command at 10k, 100k and 1M orders, each as a child
process (interpreter start included), its wall time, peak memory and growth per 10×.

    python benchmarks/bench_scale.py                    # 10k and 100k orders (a few minutes)
    python benchmarks/bench_scale.py --1m               # and 1M (about 15 minutes on 2 cores)
    python benchmarks/bench_scale.py --tiers 10000,100000 --out benchmarks/SCALE.md
    python benchmarks/bench_scale.py --1m --only remind-unpaid,stock-check   # re-time a few commands

The shop of each tier is benchmarks/scale_world.py's: 8% of the orders unpaid and due a reminder
(80,000 on a million-order shop: the cron run the no-op benchmark misses), the last days' parcels
due a notice, order lines, stock, reviews. Import is timed on a legacy CSV and a 千牛 xlsx of the
tier's size (benchmarks/generate.py). With --pandas DIR (a folder holding pandas, e.g. made by
`pip install --target DIR pandas`), `--help` and a no-op cron run are timed again with it
importable. Data is generated in temporary folders and removed; nothing large is committed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.measure import SHOPTOOL, run  # noqa: E402
from benchmarks.scale_world import NOW_ARG  # noqa: E402

TARGET_GROWTH = 12.0
TARGET_MB = 300.0
CRON_TARGET_S = 5.0

# (label, arguments, needs a fresh copy of the database because it writes)
COMMANDS = [
    ("remind-unpaid, cron run sending every due reminder", ["remind-unpaid", "--now", NOW_ARG, "--quiet"], True),
    ("remind-unpaid, the next cron run", ["remind-unpaid", "--now", NOW_ARG, "--quiet"], False),
    ("notify-shipped, cron run sending every due notice", ["notify-shipped", "--now", NOW_ARG, "--quiet"], False),
    ("notify-shipped, the next cron run", ["notify-shipped", "--now", NOW_ARG, "--quiet"], False),
    ("notify-shipped --dry-run", ["notify-shipped", "--now", NOW_ARG, "--dry-run", "--format", "json"], False),
    ("daily --format json", ["daily", "--now", NOW_ARG, "--format", "json"], False),
    ("report -o report.html", ["report", "--now", NOW_ARG, "-o", "report.html"], False),
    ("daily -o daily.xlsx (every check's rows)", ["daily", "--now", NOW_ARG, "-o", "out.xlsx"], False),
    ("address-check --format json", ["address-check", "--now", NOW_ARG, "--format", "json"], False),
    ("merge-shipping --format json", ["merge-shipping", "--now", NOW_ARG, "--format", "json"], False),
    ("stock-check --format json", ["stock-check", "--format", "json"], False),
    ("customers list --format json", ["customers", "list", "--now", NOW_ARG, "--format", "json"], False),
    # segments stores its counts (the next run's change column); no other row reads them
    ("segments --format json", ["segments", "--now", NOW_ARG, "--format", "json"], False),
    ("segments export 复购 -o out.csv", ["segments", "export", "复购", "--now", NOW_ARG, "-o", "out.csv"], False),
    ("reviews --format json", ["reviews", "--now", NOW_ARG, "--format", "json"], False),
    ("sms outbox --format json", ["sms", "outbox", "--format", "json"], False),
    ("export orders -o orders.csv", ["export", "orders", "-o", "out.csv"], False),
    ("export orders --format json", ["export", "orders", "--format", "json"], False),
    ("export orders -o orders.xlsx", ["export", "orders", "-o", "out.xlsx"], False),
    ("aftersale --format json", ["aftersale", "--now", NOW_ARG, "--format", "json"], False),
    ("ship-deadline --format json", ["ship-deadline", "--now", NOW_ARG, "--format", "json"], False),
    ("logistics-check --format json", ["logistics-check", "--now", NOW_ARG, "--format", "json"], False),
    ("cod-confirm --format json", ["cod-confirm", "--now", NOW_ARG, "--format", "json"], False),
    ("rate-buyers --format json", ["rate-buyers", "--now", NOW_ARG, "--format", "json"], False),
    ("invoices --format json", ["invoices", "--now", NOW_ARG, "--format", "json"], False),
]


def chosen(label: str, only: list[str], skip: list[str]) -> bool:
    """--only and --skip: parts of the labels (a round that changed a few commands re-times those)."""
    return (not only or any(o in label for o in only)) and not any(s in label for s in skip)


def tier(n: int, work: Path, *, with_imports: bool = True, only: list[str] = (), skip: list[str] = ()
         ) -> dict[str, tuple[float, float, int]]:
    """{label: (seconds, peak MB, exit code)} for one shop size."""
    from benchmarks import generate

    shop = work / f"shop-{n}"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "scale_world.py"), str(shop), str(n)], check=True)
    found: dict[str, tuple[float, float, int]] = {}
    for label, args, _ in COMMANDS:
        if not chosen(label, only, skip):
            continue
        measured = run([*SHOPTOOL, *args], cwd=shop)
        found[label] = (measured.seconds, measured.peak_mb, measured.returncode)
        print(f"  {n:>9,} {label:<55} {measured.seconds:7.2f} s {measured.peak_mb:6.0f} MB  exit {measured.returncode}",
              flush=True)
        for leftover in ("out.csv", "out.xlsx"):
            (shop / leftover).unlink(missing_ok=True)
    with_imports = with_imports and any(chosen(f"import {k} orders", only, skip) for k in ("legacy CSV", "千牛 xlsx"))
    if with_imports:
        imports = work / f"imports-{n}"
        imports.mkdir()
        csv_file = generate.legacy_orders_csv(imports / "orders.csv", n)
        xlsx_file = generate.qianniu_orders_xlsx(imports / "orders.xlsx", n)
        for label, path in (("import legacy CSV orders", csv_file), ("import 千牛 xlsx orders", xlsx_file)):
            if not chosen(label, only, skip):
                continue
            measured = run([*SHOPTOOL, "import", str(path), "--format", "json"], cwd=imports)
            found[label] = (measured.seconds, measured.peak_mb, measured.returncode)
            print(f"  {n:>9,} {label:<55} {measured.seconds:7.2f} s {measured.peak_mb:6.0f} MB  "
                  f"exit {measured.returncode}", flush=True)
        shutil.rmtree(imports, ignore_errors=True)
    shutil.rmtree(shop, ignore_errors=True)
    return found


def pandas_check(pandas_dir: str | None, work: Path) -> list[tuple[str, float, float, float, float]]:
    """--help and a no-op cron run, without and with pandas importable."""
    shop = work / "shop-pandas"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "scale_world.py"), str(shop), "10000"], check=True)
    run([*SHOPTOOL, "remind-unpaid", "--now", NOW_ARG, "--quiet"], cwd=shop)  # send what is due first
    env_with = {**os.environ, "PYTHONPATH": pandas_dir} if pandas_dir else None
    rows = []
    for label, args in (("shoptool --help", ["--help"]),
                        ("no-op remind-unpaid", ["remind-unpaid", "--now", NOW_ARG, "--quiet"])):
        without = min((run([*SHOPTOOL, *args], cwd=shop) for _ in range(5)), key=lambda m: m.seconds)
        if env_with:
            with_ = min((run([*SHOPTOOL, *args], cwd=shop, env=env_with) for _ in range(5)), key=lambda m: m.seconds)
            traced = subprocess.run([sys.executable, "-X", "importtime", "-m", "shoptool", *args], cwd=shop,
                                    env=env_with, capture_output=True, text=True)
            loaded = sorted({line.rsplit("|", 1)[-1].strip().split(".")[0] for line in traced.stderr.splitlines()
                             if "import time" in line} & {"pandas", "numpy"})
            label += f" (imports: {', '.join(loaded) or 'neither pandas nor numpy'})"
            rows.append((label, without.seconds, without.peak_mb, with_.seconds, with_.peak_mb))
        else:
            rows.append((label, without.seconds, without.peak_mb, float("nan"), float("nan")))
    shutil.rmtree(shop, ignore_errors=True)
    return rows


def table(tiers: list[int], results: dict[int, dict], pandas_rows) -> str:
    labels = list(results[tiers[0]])
    head = "| command | " + " | ".join(f"{n:,} orders" for n in tiers) + " | growth per 10× (last) | met |"
    lines = [head, "|---|" + "---:|" * len(tiers) + "---:|:---:|"]
    for label in labels:
        cells = []
        for n in tiers:
            seconds, mb, code = results[n][label]
            cells.append(f"{seconds:.2f} s, {mb:.0f} MB" + ("" if code in (0, 1) else f" (exit {code})"))
        growth = ""
        met = ""
        if len(tiers) >= 2:
            big, small = results[tiers[-1]][label][0], results[tiers[-2]][label][0]
            ratio = big / small if small else float("nan")
            growth = f"{ratio:.1f}×"
            ok = ratio <= TARGET_GROWTH and results[tiers[-1]][label][1] <= TARGET_MB
            if label.startswith("remind-unpaid, cron run sending") and tiers[-1] >= 1_000_000:
                ok = ok and results[tiers[-1]][label][0] <= CRON_TARGET_S
            met = "yes" if ok else "**no**"
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {growth} | {met} |")
    if pandas_rows:
        lines += ["", "| with pandas importable? | without | with |", "|---|---:|---:|"]
        for label, s0, m0, s1, m1 in pandas_rows:
            lines.append(f"| {label} | {s0:.2f} s, {m0:.0f} MB | {s1:.2f} s, {m1:.0f} MB |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiers", default="10000,100000")
    parser.add_argument("--1m", dest="million", action="store_true", help="add the 1,000,000-order tier")
    parser.add_argument("--no-imports", action="store_true", help="skip the import rows (the slowest to prepare)")
    parser.add_argument("--pandas", help="a folder holding pandas (pip install --target DIR pandas)")
    parser.add_argument("--out", help="also write the table to this Markdown file")
    parser.add_argument("--only", default="", help="time only the commands whose label holds one of these (a,b)")
    parser.add_argument("--skip", default="", help="leave out the commands whose label holds one of these")
    args = parser.parse_args()
    only, skip = ([p for p in text.split(",") if p] for text in (args.only, args.skip))
    tiers = [int(t) for t in args.tiers.split(",") if t]
    if args.million and 1_000_000 not in tiers:
        tiers.append(1_000_000)
    work = Path(tempfile.mkdtemp(prefix="shoptool-bench-scale-"))
    try:
        results = {n: tier(n, work, with_imports=not args.no_imports, only=only, skip=skip) for n in tiers}
        pandas_rows = pandas_check(args.pandas, work) if args.pandas else []
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = table(tiers, results, pandas_rows)
    print(text)
    if args.out:
        Path(args.out).write_text("# Scale benchmark (issue #25)\n\n" + text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
