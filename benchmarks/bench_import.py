"""CSV import vs the sqlite3 CLI's raw `.import` of the same file (PRODUCT §14, issue 2).

    python benchmarks/bench_import.py [ROWS]        (default 1,000,000)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import legacy_orders_csv  # noqa: E402
from benchmarks.measure import SHOPTOOL, run  # noqa: E402


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


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    for row in run_bench(n):
        ratio = f"{row['ratio']:.2f}×" if row["ratio"] else "-"
        ref = f"{row['reference_seconds']:.2f}s" if row["reference_seconds"] else "-"
        print(f"{row['benchmark']:<55} {row['seconds']:7.2f}s  {row['peak_mb']:6.0f} MB  ref {ref:>7}  {ratio}")


if __name__ == "__main__":
    main()
