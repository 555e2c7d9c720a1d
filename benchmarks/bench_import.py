"""CSV import vs the sqlite3 CLI's raw `.import` of the same file (PRODUCT §14, issue 2).

    python benchmarks/bench_import.py [ROWS]        (default 1,000,000; then xlsx at up to 200,000)
    python benchmarks/bench_import.py --xlsx [ROWS] [--one-core]   (xlsx only, default 200,000)
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import legacy_orders_csv, qianniu_orders_xlsx  # noqa: E402
from benchmarks.measure import PYTHON, SHOPTOOL, run  # noqa: E402

RAW_CALAMINE = """
import sys
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path(sys.argv[1])
rows = book.get_sheet_by_name(book.sheet_names[0]).to_python()
print(len(rows))
"""


ROUNDS = 3


def settle() -> None:
    """Start each timed run with no writes of the previous step still queued for the disk (the
    generated file, the other database): both sides then pay for their own I/O only."""
    if hasattr(os, "sync"):
        os.sync()


def run_bench(n: int = 1_000_000, workdir: Path | None = None) -> list[dict]:
    work = Path(workdir or tempfile.mkdtemp(prefix="shoptool-bench-"))
    csv_path = legacy_orders_csv(work / "orders.csv", n)
    size_mb = csv_path.stat().st_size / 1024**2
    rows = []
    # Both sides are timed ROUNDS times, alternately, each into a new database, and the fastest
    # run of each is compared (as timeit does): on a shared two-core machine one run of either
    # can be a second slower for reasons of its own.
    references, ours_runs = [], []
    for round_ in range(ROUNDS):
        if shutil.which("sqlite3"):
            settle()
            references.append(run(["sqlite3", str(work / f"raw{round_}.db"), ".mode csv",
                                   f".import {csv_path} orders_raw"]))
        settle()
        measured = run([*SHOPTOOL, "import", str(csv_path), "--db", str(work / f"shop{round_}.db"), "--format", "json"])
        if measured.returncode != 0:
            raise SystemExit(f"shoptool import failed: {measured.stderr[-2000:]}")
        ours_runs.append(measured)
        if round_ < ROUNDS - 1:
            for leftover in work.glob(f"*{round_}.db*"):
                leftover.unlink()
    reference = min(references, key=lambda m: m.seconds) if references else None
    ours = min(ours_runs, key=lambda m: m.seconds)
    ours.peak_mb = max(m.peak_mb for m in ours_runs)
    rows.append({
        "benchmark": f"CSV import, {n:,} legacy orders ({size_mb:.0f} MB GBK)",
        "seconds": ours.seconds, "peak_mb": ours.peak_mb,
        "reference": "sqlite3 .import" if reference else "sqlite3 CLI not installed",
        "reference_seconds": reference.seconds if reference else None,
        "ratio": ours.seconds / reference.seconds if reference else None,
        "target": "≤ 2.5× (≥ 40% of its throughput), ≤ 200 MB; best of 3 each",
        "rows_per_s": n / ours.seconds,
    })
    again = run([*SHOPTOOL, "import", str(csv_path), "--db", str(work / f"shop{ROUNDS - 1}.db"), "--format", "json"])
    rows.append({"benchmark": "re-import of the same file (no-op)", "seconds": again.seconds, "peak_mb": again.peak_mb,
                 "reference": "", "reference_seconds": None, "ratio": None, "target": "says so, changes nothing"})
    if workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def _timed(cmd: list[str]):
    """measure.run, with the CPU time (user + sys) of the command and every process it waited for."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    measured = run(cmd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    measured.cpu_seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return measured


def run_xlsx(n: int = 200_000, workdir: Path | None = None, *, one_core: bool = False) -> dict:
    """xlsx import vs a raw python-calamine read of the same file, both as fresh processes, timed
    ROUNDS times each, alternately (each import into a new database), the fastest of each compared.
    `one_core`: both pinned to the first core (`taskset -c 0`), so the import's forked reader
    cannot overlap its writing."""
    work = Path(workdir or tempfile.mkdtemp(prefix="shoptool-bench-"))
    path = qianniu_orders_xlsx(work / "orders.xlsx", n)
    size_line = path.stat().st_size
    pin = ["taskset", "-c", "0"] if one_core and shutil.which("taskset") else []
    raws, ours_runs = [], []
    for round_ in range(ROUNDS):
        settle()
        raws.append(_timed([*pin, PYTHON, "-c", RAW_CALAMINE, str(path)]))
        settle()
        measured = _timed([*pin, *SHOPTOOL, "import", str(path), "--db", str(work / f"shop{round_}.db"),
                           "--format", "json"])
        if measured.returncode != 0:
            raise SystemExit(f"shoptool import failed: {measured.stderr[-2000:]}")
        ours_runs.append(measured)
        for leftover in work.glob(f"shop{round_}.db*"):
            leftover.unlink()
    raw = min(raws, key=lambda m: m.seconds)
    ours = min(ours_runs, key=lambda m: m.seconds)
    ours.peak_mb = max(m.peak_mb for m in ours_runs)
    raw_cpu = min(m.cpu_seconds for m in raws)
    ours_cpu = min(m.cpu_seconds for m in ours_runs)
    if workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "benchmark": f"xlsx import, {n:,} 千牛 orders ({size_line / 1024**2:.0f} MB){', one core' if pin else ''}",
        "seconds": ours.seconds, "peak_mb": ours.peak_mb, "reference": "raw python-calamine read",
        "reference_seconds": raw.seconds, "ratio": ours.seconds / raw.seconds, "target": "≤ 1.5×, < 300 MB",
        "cpu_seconds": ours_cpu, "reference_cpu_seconds": raw_cpu, "cpu_ratio": ours_cpu / raw_cpu,
        "reference_peak_mb": max(m.peak_mb for m in raws),
    }


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] == "--xlsx":  # python benchmarks/bench_import.py --xlsx [ROWS] [--one-core]
        n = int(args[1]) if len(args) > 1 and args[1].isdigit() else 200_000
        rows = [run_xlsx(n, one_core="--one-core" in args)]
    else:
        n = int(args[0]) if args else 1_000_000
        rows = [*run_bench(n), run_xlsx(min(n, 200_000))]
    for row in rows:
        ratio = f"{row['ratio']:.2f}×" if row["ratio"] else "-"
        ref = f"{row['reference_seconds']:.2f}s" if row["reference_seconds"] else "-"
        print(f"{row['benchmark']:<55} {row['seconds']:7.2f}s  {row['peak_mb']:6.0f} MB  ref {ref:>7}  {ratio}")
        if "cpu_seconds" in row:
            print(f"{'  CPU (user + sys)':<55} {row['cpu_seconds']:7.2f}s  {'':6}     "
                  f"ref {row['reference_cpu_seconds']:6.2f}s  {row['cpu_ratio']:.2f}×  "
                  f"(reference peak {row['reference_peak_mb']:.0f} MB)")


if __name__ == "__main__":
    main()
