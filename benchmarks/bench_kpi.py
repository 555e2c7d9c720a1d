"""`shoptool kpi` on a big shop's month (measured here, never in tests).

    python benchmarks/bench_kpi.py [N]        # N orders, default 200,000

Builds a shop database with N orders (one in twenty with an address address-check flags), a month
of the notes log written by 30 agents (N / 4 notes, so a big shop's busy month), reviews moved to
`revised`, and N / 10 unpaid reminders sent, a third of them paid within a day; then imports the
month's 客服数据汇总-日数据 (30 agents × 30 days, GBK CSV) and a 千牛 咨询接待分析 xlsx through the
real CLI and runs `kpi --month 2026-11` as a child process: wall time (interpreter start
included) and peak memory, beside `shoptool --help`.
"""

from __future__ import annotations

import csv
import json
import os
import random
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.measure import run as run_child  # noqa: E402

NOW = "2026-12-01 09:00"
TZ = timezone(timedelta(hours=8))
MONTH = datetime(2026, 11, 1, tzinfo=TZ)
AGENTS = [f"示例旗舰店:客服{n:02d}" for n in range(1, 31)]
GOOD, BAD = "浙江省 杭州市 西湖区 文三路 478号 华星时代广场A座", "浙江省 杭州市 朝阳区 文三路 478号 华星时代广场A座"


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def build(folder: Path, n: int) -> dict:
    from shoptool.db import open_db, write_transaction

    rng = random.Random(20261201)
    db = open_db(folder / "shoptool.db")
    minute = timedelta(minutes=1)
    with write_transaction(db):
        orders = []
        for i in range(n):
            created = MONTH + timedelta(minutes=rng.randrange(30 * 24 * 60))
            orders.append((f"5{i:018d}", "paid", f"tb_{i}", "林悦", f"139{i:08d}", BAD if i % 20 == 0 else GOOD,
                           _iso(created), _iso(created + minute), 9900, 9900, _iso(created), _iso(created)))
        db.conn.executemany(
            "INSERT INTO orders (order_id, status, buyer_nick, receiver_name, receiver_mobile, address, created_at, "
            "paid_at, total_fen, paid_fen, first_seen_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            orders)
        notes = []
        for _ in range(n // 4):
            at = MONTH + timedelta(seconds=rng.randrange(30 * 86400))
            notes.append(("order", f"5{rng.randrange(n):018d}", _iso(at), f"kf{rng.randrange(1, 31):02d}", "note",
                          "已电话确认", "note"))
        for r in range(n // 100):
            at = MONTH + timedelta(seconds=rng.randrange(30 * 86400))
            notes.append(("review", f"R{r}", _iso(at), f"kf{rng.randrange(1, 31):02d}", "status", None, "reviews"))
        db.conn.executemany("INSERT INTO notes (subject, subject_id, at, staff, action, new_note, source) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?)", notes)
        db.conn.execute("UPDATE notes SET old_status = 'contacted', new_status = 'revised' WHERE subject = 'review'")
        messages = []
        for m in range(n // 10):
            order = orders[rng.randrange(n)]
            sent = datetime.fromisoformat(order[7]) - timedelta(hours=rng.choice([1, 30, 50]))
            messages.append((f"u:{m}", "unpaid", "marketing", order[0], "sent", _iso(sent), _iso(sent), _iso(sent)))
        db.conn.executemany("INSERT INTO messages (dedupe_key, purpose, class, order_id, status, created_at, "
                            "updated_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", messages)
    db.conn.execute("ANALYZE")
    db.close()

    daily = folder / "客服数据汇总-日数据.csv"
    with daily.open("w", encoding="gbk", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["日期", "旺旺昵称", "接待人数", "询单人数", "询单->最终付款人数", "平均响应(秒)", "回复率",
                      "客户满意比"])
        for day in range(30):
            for nick in AGENTS:
                inquiries = rng.randrange(5, 120)
                out.writerow([(MONTH + timedelta(days=day)).date().isoformat(), nick, inquiries + 10, inquiries,
                              rng.randrange(inquiries + 1), f"{rng.uniform(10, 60):.1f}",
                              f"{rng.uniform(90, 100):.1f}%", f"{rng.uniform(85, 99):.1f}%"])
    (folder / "shoptool.toml").write_text(
        "[staff.nicks]\n" + "".join(f'"{nick}" = "kf{n:02d}"\n' for n, nick in enumerate(AGENTS, start=1)),
        encoding="utf-8")
    return {"orders": n, "notes": len(notes), "reminders": len(messages), "sheet_rows": 30 * len(AGENTS)}


def measure(args: list[str], folder: Path) -> dict:
    cmd = [sys.executable, "-m", "shoptool", *args]
    with tempfile.TemporaryFile() as out:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPTOOL_")}
        child = run_child(cmd, cwd=folder, env=env, stdout=out)
        out.seek(0)
        body = out.read()
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{child.stderr}")
    result = {"seconds": round(child.seconds, 2), "peak_mb": round(child.peak_mb, 1)}
    if body.startswith(b"{"):
        document = json.loads(body)
        result["rows"] = len(document["rows"])
        result["summary"] = {k: document["summary"].get(k) for k in ("agents", "notes", "addresses_confirmed",
                                                                     "remind_sent", "remind_recovered")}
    return result


def run(n: int = 200_000) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results = {"n": n, **build(folder, n), "help": measure(["--help"], folder)}
        results["import"] = measure(["import", "客服数据汇总-日数据.csv", "--now", NOW, "--format", "json"], folder)
        results["kpi"] = measure(["kpi", "--month", "2026-11", "--now", NOW, "--format", "json"], folder)
        results["kpi_xlsx"] = measure(["kpi", "--month", "2026-11", "--now", NOW, "-o", "kpi.xlsx"], folder)
    return results


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    print(json.dumps(run(n), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
