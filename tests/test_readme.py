"""The README cannot drift from the code: its examples are real output (cog) and every command
has help and is documented."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands():
    from typer.main import get_command

    from shoptool.cli import app

    def walk(command, prefix):
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield f"{prefix} {name}".strip(), sub
            yield from walk(sub, f"{prefix} {name}")

    return list(walk(get_command(app), ""))


def test_there_are_commands():
    names = [name for name, _ in _commands()]
    assert {"import", "daily", "stock-check", "address-check", "merge-shipping", "note", "notify-shipped",
            "remind-unpaid", "sms outbox", "sms opt-out", "sms reconcile", "reviews", "reviews update", "export",
            "init", "purge", "backup", "doctor"} <= set(names)


@pytest.mark.parametrize("name", [name for name, _ in _commands()])
def test_every_command_has_help_and_is_in_the_readme(cli, name):
    result = cli(*name.split(), "--help")
    assert result.exit_code == 0, result
    summary = result.stdout.split("Usage:", 1)[1].splitlines()[2:4]
    assert any(line.strip(" │") for line in summary), f"`shoptool {name}` has no help text"
    assert f"shoptool {name}" in README, f"`shoptool {name}` is missing from README.md"


def test_readme_examples_are_the_real_output():
    result = subprocess.run([sys.executable, "-m", "cogapp", "--check", "-I", str(ROOT), "README.md"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, (
        "README examples differ from what the commands print now; run `cog -r README.md`\n"
        + result.stdout[-2000:] + result.stderr[-2000:])


def test_the_python_example_runs_against_the_sample_shop(cli, sample, shop_folder, monkeypatch):
    """The Development section's example of calling a job without the command line."""
    block = README.split("## Development", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    import textwrap

    (shop_folder / "myshop").mkdir()
    for name in ("page_stock.csv", "warehouse_wangdiantong.xlsx"):
        sample(name).rename(shop_folder / "myshop" / name)
    assert cli("import", shop_folder / "myshop", "--db", shop_folder / "myshop" / "shoptool.db").exit_code == 0
    printed = []
    monkeypatch.setattr("builtins.print", lambda *a: printed.append(a))
    exec(textwrap.dedent(block), {})
    exit_code, oversold, skus = printed[0]
    assert exit_code == 1 and oversold == 3 and "HOOD-006" in skus
