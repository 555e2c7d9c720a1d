"""`shoptool --help` against the `--help` of a minimal Typer app (PRODUCT §14: at most 1.5×).

    python benchmarks/bench_help.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.measure import PYTHON, best_of  # noqa: E402

MINIMAL = '''
import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world") -> None:
    """Say hello."""
    print(f"hello {name}")


@app.command()
def bye() -> None:
    """Say bye."""


if __name__ == "__main__":
    app()
'''


def run(repeat: int = 7) -> dict:
    work = Path(tempfile.mkdtemp(prefix="shoptool-bench-help-"))
    script = work / "minimal.py"
    script.write_text(MINIMAL)
    reference = best_of(repeat, [PYTHON, str(script), "--help"], cwd=work)
    ours = best_of(repeat, [PYTHON, "-m", "shoptool", "--help"], cwd=work)
    shutil.rmtree(work, ignore_errors=True)
    return {
        "benchmark": "shoptool --help", "seconds": ours.seconds, "peak_mb": ours.peak_mb,
        "reference": "--help of a minimal Typer app", "reference_seconds": reference.seconds,
        "ratio": ours.seconds / reference.seconds, "target": "≤ 1.5×", "met": ours.seconds <= 1.5 * reference.seconds,
    }


if __name__ == "__main__":
    result = run()
    print(f"shoptool --help {result['seconds']:.3f}s vs minimal Typer app {result['reference_seconds']:.3f}s "
          f"= {result['ratio']:.2f}× ({result['peak_mb']:.0f} MB)")
