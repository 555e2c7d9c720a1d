"""Run a command as a child process and report its wall time and peak memory (max RSS)."""

from __future__ import annotations

import os
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


def run(cmd: list[str], *, cwd: Path | None = None, env: dict | None = None, stdin=None) -> Measured:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            stdin=stdin)
    stderr_chunks = []
    # read stderr while waiting so a chatty child can't block on a full pipe
    while True:
        chunk = proc.stderr.read(65536)
        if not chunk:
            break
        stderr_chunks.append(chunk)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measured(seconds, usage.ru_maxrss / 1024, proc.returncode, b"".join(stderr_chunks).decode(errors="replace"))


def best_of(times: int, cmd: list[str], **kw) -> Measured:
    """The fastest of several runs: the least disturbed by the rest of the machine."""
    runs = [run(cmd, **kw) for _ in range(times)]
    return min(runs, key=lambda m: m.seconds)
