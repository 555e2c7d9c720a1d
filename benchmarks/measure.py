"""Run a command as a child process and report its wall time and peak memory (max RSS)."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PYTHON = sys.executable
SHOPTOOL = [PYTHON, "-m", "shoptool"]


@dataclass
class Measured:
    seconds: float
    peak_mb: float
    returncode: int
    stderr: str = ""


def run(cmd: list[str], *, cwd: Path | None = None, env: dict | None = None, stdin=None,
        stdout=subprocess.DEVNULL) -> Measured:
    """Peak memory is measured from /proc, so a benchmark process that has grown does not lend its
    size to the commands it times (ru_maxrss survives exec). For a process alone it is its VmHWM;
    while it has children (the forked reader of a big import) the family's PSS is sampled too, so
    pages the two processes share are counted once."""
    import threading

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=stdout, stderr=subprocess.PIPE, stdin=stdin)
    stderr_chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: stderr_chunks.extend(iter(lambda: proc.stderr.read(65536), b"")))
    reader.start()
    peak_kb = 0
    next_family = 0.0
    while proc.poll() is None:
        # VmHWM is the kernel's own high-water mark, cheap to read often. The family's PSS is a
        # snapshot, and reading smaps_rollup walks the page tables under the process's memory
        # lock: read four times a second it costs the timed command next to nothing (at 200 Hz
        # it slowed a 14 s two-process import by a quarter on two cores).
        peak_kb = max(peak_kb, _hwm_kb(proc.pid))
        if time.perf_counter() >= next_family:
            peak_kb = max(peak_kb, _family_pss_kb(proc.pid))
            next_family = time.perf_counter() + 0.25
        time.sleep(0.01)
    seconds = time.perf_counter() - start
    reader.join()
    return Measured(seconds, peak_kb / 1024, proc.returncode, b"".join(stderr_chunks).decode(errors="replace"))


def _family_pss_kb(pid: int) -> int:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0
    if not children:
        return 0
    return sum(_field_kb(p, "smaps_rollup", "Pss:") for p in (pid, *map(int, children)))


def _field_kb(pid: int, name: str, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _hwm_kb(pid: int) -> int:
    return _field_kb(pid, "status", "VmHWM:")


def best_of(times: int, cmd: list[str], **kw) -> Measured:
    """The fastest of several runs: the least disturbed by the rest of the machine."""
    runs = [run(cmd, **kw) for _ in range(times)]
    return min(runs, key=lambda m: m.seconds)
