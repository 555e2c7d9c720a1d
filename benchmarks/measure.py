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
    """Peak memory is the child's VmHWM, polled from /proc: unlike ru_maxrss it starts afresh at
    exec, so a benchmark process that has grown does not lend its size to the commands it times.
    The children of the child (the forked reader of a big import) are added while they live."""
    import threading

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=stdout, stderr=subprocess.PIPE, stdin=stdin)
    stderr_chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: stderr_chunks.extend(iter(lambda: proc.stderr.read(65536), b"")))
    reader.start()
    peak_kb = 0
    while proc.poll() is None:
        peak_kb = max(peak_kb, _family_hwm_kb(proc.pid))
        time.sleep(0.005)
    seconds = time.perf_counter() - start
    reader.join()
    return Measured(seconds, peak_kb / 1024, proc.returncode, b"".join(stderr_chunks).decode(errors="replace"))


def _family_hwm_kb(pid: int) -> int:
    total = _hwm_kb(pid)
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return total + sum(_hwm_kb(int(child)) for child in children)


def _hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def best_of(times: int, cmd: list[str], **kw) -> Measured:
    """The fastest of several runs: the least disturbed by the rest of the machine."""
    runs = [run(cmd, **kw) for _ in range(times)]
    return min(runs, key=lambda m: m.seconds)
