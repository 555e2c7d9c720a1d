"""cod-confirm, rate-buyers and invoices on a large shop database (measured here, never in tests).

    python benchmarks/bench_cs_lists.py [N]        # N orders, default 1,000,000

Builds merge-shipping's benchmark shop (bench_merge.build: most orders completed over the last
half year, about 3% paid and waiting, some of those COD), then gives every completed order the
确认收货时间 an export with that column has (a week after it was placed) and 2% of paid and
completed orders an invoice request, and runs the real CLI as a child process: wall time
(interpreter start included) and peak memory of each list, beside `shoptool --help`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.bench_merge import NOW, build  # noqa: E402
from benchmarks.measure import run as run_child  # noqa: E402

COMMANDS = {
    "cod-confirm": ["cod-confirm", "--now", NOW, "--format", "json"],
    "rate-buyers": ["rate-buyers", "--now", NOW, "--format", "json"],
    "invoices": ["invoices", "--now", NOW, "--format", "json"],
}


def measure(args: list[str], db: Path) -> dict:
    """Wall time and peak memory of `shoptool ARGS --db DB`; exit 1 (findings) is a normal run."""
    cmd = [sys.executable, "-m", "shoptool", *args] + (["--db", str(db)] if args != ["--help"] else [])
    with tempfile.TemporaryFile() as out:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPTOOL_")}
        child = run_child(cmd, cwd=db.parent, env=env, stdout=out)
        out.seek(0)
        body = out.read()
    if child.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed:\n{child.stderr}")
    result = {"seconds": round(child.seconds, 2), "peak_mb": round(child.peak_mb, 1)}
    if body.startswith(b"{"):
        document = json.loads(body)
        result["summary"], result["rows"] = document["summary"], len(document["rows"])
    return result


def prepare(path: Path, n: int) -> dict:
    from shoptool.db import open_db, write_transaction

    data = build(path, n)
    db = open_db(path)
    with write_transaction(db):
        db.conn.execute("UPDATE orders SET finished_at = strftime('%Y-%m-%dT%H:%M:%S+08:00', created_at, '+7 days') "
                        "WHERE status = 'completed'")
        db.conn.execute("UPDATE orders SET invoice_title = '杭州某某科技有限公司' "
                        "WHERE status IN ('paid', 'completed') AND rowid % 50 = 0")
    data["cod"] = db.conn.execute("SELECT count(*) FROM orders WHERE is_cod = 1").fetchone()[0]
    db.conn.execute("ANALYZE")
    db.close()
    return data


def run(n: int = 1_000_000) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "shop.db"
        built = subprocess.run([sys.executable, __file__, "--build", str(full), str(n)], check=True,
                               capture_output=True, text=True)
        results = {"n": n, **json.loads(built.stdout), "help": measure(["--help"], full)}
        measure(COMMANDS["cod-confirm"], full)  # warm the file cache, so each list pays for its own queries
        for name, args in COMMANDS.items():
            results[name] = measure(args, full)
    return results


def main() -> None:
    if sys.argv[1:2] == ["--build"]:
        print(json.dumps(prepare(Path(sys.argv[2]), int(sys.argv[3]))))
        return
    n = int(sys.argv[1].replace("_", "")) if len(sys.argv) > 1 else 1_000_000
    r = run(n)
    print(f"CS lists on {r['orders']:,} orders ({r['cod']:,} COD; database built in {r['build_s']} s)")
    print(f"  {'run':<36}{'seconds':>9}{'peak MB':>10}  summary")
    print(f"  {'shoptool --help (reference)':<36}{r['help']['seconds']:>9.2f}{r['help']['peak_mb']:>10.1f}")
    for name in COMMANDS:
        m = r[name]
        print(f"  {name:<36}{m['seconds']:>9.2f}{m['peak_mb']:>10.1f}  {m.get('summary')}")


if __name__ == "__main__":
    main()
