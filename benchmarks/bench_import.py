"""CSV import vs the sqlite3 CLI's raw `.import` of the same file (PRODUCT §14, issue 2).

    python benchmarks/bench_import.py [ROWS]        (default 1,000,000)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import legacy_orders_csv, qianniu_orders_xlsx  # noqa: E402
from benchmarks.measure import PYTHON, SHOPTOOL, best_of, run  # noqa: E402

RAW_CALAMINE = """
import sys
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path(sys.argv[1])
rows = book.get_sheet_by_name(book.sheet_names[0]).to_python()
print(len(rows))
"""


def run_bench(n: int = 1_000_000, workdir: Path | None = None) -> list[dict]:
    work = Path(workdir or tempfile.mkdtemp(prefix="shoptool-bench-"))
    csv_path = legacy_orders_csv(work / "orders.csv", n)
    size_mb = csv_path.stat().st_size / 1024**2
    rows = []
    reference = None
    if shutil.which("sqlite3"):
        reference = run(["sqlite3", str(work / "raw.db"), ".mode csv", f".import {csv_path} orders_raw"])
    ours = run([*SHOPTOOL, "import", str(csv_path), "--db", str(work / "shop.db"), "--format", "json"])
    if ours.returncode != 0:
        raise SystemExit(f"shoptool import failed: {ours.stderr[-2000:]}")
    rows.append({
        "benchmark": f"CSV import, {n:,} legacy orders ({size_mb:.0f} MB GBK)",
        "seconds": ours.seconds, "peak_mb": ours.peak_mb,
        "reference": "sqlite3 .import" if reference else "sqlite3 CLI not installed",
        "reference_seconds": reference.seconds if reference else None,
        "ratio": ours.seconds / reference.seconds if reference else None,
        "target": "≤ 2.5× (≥ 40% of its throughput), ≤ 200 MB",
        "rows_per_s": n / ours.seconds,
    })
    again = run([*SHOPTOOL, "import", str(csv_path), "--db", str(work / "shop.db"), "--format", "json"])
    rows.append({"benchmark": "re-import of the same file (no-op)", "seconds": again.seconds, "peak_mb": again.peak_mb,
                 "reference": "", "reference_seconds": None, "ratio": None, "target": "says so, changes nothing"})
    if workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def run_xlsx(n: int = 200_000, workdir: Path | None = None) -> dict:
    """xlsx import vs a raw python-calamine read of the same file, both as fresh processes."""
    work = Path(workdir or tempfile.mkdtemp(prefix="shoptool-bench-"))
    path = qianniu_orders_xlsx(work / "orders.xlsx", n)
    size_line = path.stat().st_size
    raw = best_of(3, [PYTHON, "-c", RAW_CALAMINE, str(path)])
    ours = run([*SHOPTOOL, "import", str(path), "--db", str(work / "shop.db"), "--format", "json"])
    if ours.returncode != 0:
        raise SystemExit(f"shoptool import failed: {ours.stderr[-2000:]}")
    if workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "benchmark": f"xlsx import, {n:,} 千牛 orders ({size_line / 1024**2:.0f} MB)",
        "seconds": ours.seconds, "peak_mb": ours.peak_mb, "reference": "raw python-calamine read",
        "reference_seconds": raw.seconds, "ratio": ours.seconds / raw.seconds, "target": "≤ 1.5×",
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    for row in [*run_bench(n), run_xlsx(min(n, 200_000))]:
        ratio = f"{row['ratio']:.2f}×" if row["ratio"] else "-"
        ref = f"{row['reference_seconds']:.2f}s" if row["reference_seconds"] else "-"
        print(f"{row['benchmark']:<55} {row['seconds']:7.2f}s  {row['peak_mb']:6.0f} MB  ref {ref:>7}  {ratio}")


if __name__ == "__main__":
    main()
