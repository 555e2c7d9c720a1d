"""The `shoptool` script builds only the command it is asked for (cli/commands.for_argv): a cron
run does not import every other command's module; help and errors still see every command."""

from __future__ import annotations

import subprocess
import sys

from typer.main import get_command

from shoptool.cli import commands


def _names(app) -> list[str]:
    return list(get_command(app).commands)


def test_the_whole_app_has_every_command_in_the_table_s_order():
    assert _names(commands.every()) == [name for name, _, _ in commands.COMMANDS + commands.GROUPS]


def test_a_command_line_naming_a_command_builds_that_one_only():
    assert _names(commands.for_argv(["remind-unpaid", "--now", "2026-11-21 10:00"])) == ["remind-unpaid"]
    assert _names(commands.for_argv(["sms", "outbox"])) == ["sms"]
    for args in ([], ["--help"], ["--version"], ["nosuch"], ["-h", "daily"]):
        assert _names(commands.for_argv(args)) == _names(commands.every()), args


def _run(*args: str, cwd, code: str = "") -> subprocess.CompletedProcess:
    script = ("import sys, runpy; sys.argv = ['shoptool', *sys.argv[1:]]\n"
              "try:\n    runpy.run_module('shoptool', run_name='__main__')\n"
              "finally:\n    " + (code or "pass"))
    return subprocess.run([sys.executable, "-c", script, *args], cwd=cwd, capture_output=True, text=True)


def test_a_cron_run_imports_no_other_command_module(shop_folder):
    show = ("print(sorted(m for m in sys.modules if m.startswith('shoptool.cli.') and m.endswith('_cmd')),"
            " file=sys.stderr)")
    run = _run("remind-unpaid", "--now", "2026-11-21 10:00", "--dry-run", "--quiet", cwd=shop_folder, code=show)
    assert run.returncode == 0, run.stderr
    assert run.stderr.strip().splitlines()[-1] == "['shoptool.cli.sending_cmd']"
    assert "would send 0" in run.stderr


def test_a_cron_run_does_not_import_pydantic(shop_folder):
    """typer 0.29 builds a pydantic adapter for every option when a command starts (pydantic on
    every cron run: 0.37 → 0.55 s, 33 → 42 MB); pyproject keeps typer below it. A typer or any
    other dependency that brings it back shows here."""
    show = "print('pydantic' in sys.modules, file=sys.stderr)"
    run = _run("remind-unpaid", "--now", "2026-11-21 10:00", "--dry-run", "--quiet", cwd=shop_folder, code=show)
    assert run.returncode == 0, run.stderr
    assert run.stderr.strip().splitlines()[-1] == "False"


def test_the_script_still_answers_help_version_and_unknown_commands(shop_folder):
    helped = _run("--help", cwd=shop_folder)
    assert helped.returncode == 0 and "remind-unpaid" in helped.stdout and "logistics-check" in helped.stdout
    version = _run("--version", cwd=shop_folder)
    assert version.returncode == 0 and version.stdout.startswith("shoptool ")
    unknown = _run("nosuch", cwd=shop_folder)
    assert unknown.returncode == 2 and "No such command 'nosuch'" in unknown.stderr
    wrong = _run("remind-unpaid", "--nosuch", cwd=shop_folder)
    assert wrong.returncode == 2 and "--nosuch" in wrong.stderr
