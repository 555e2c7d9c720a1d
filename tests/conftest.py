"""Every test runs in its own empty shop folder with no SHOPTOOL_* settings from the machine, so no
test can read or touch real data."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"


@pytest.fixture(autouse=True)
def shop_folder(tmp_path, monkeypatch) -> Path:
    for name in list(os.environ):
        if name.startswith("SHOPTOOL_") or name.startswith(("ALIBABA_CLOUD_", "TENCENTCLOUD_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)
    return tmp_path


class Run:
    """The CLI's result with its JSON document parsed on demand."""

    def __init__(self, result):
        self.result = result
        self.exit_code = result.exit_code
        self.stdout = result.stdout
        self.stderr = result.stderr

    @property
    def json(self) -> dict:
        return json.loads(self.stdout)

    @property
    def rows(self) -> list[dict]:
        return self.json["rows"]

    def __repr__(self) -> str:
        return f"<Run exit={self.exit_code} stdout={self.stdout[:300]!r} stderr={self.stderr[:500]!r}>"


@pytest.fixture
def cli():
    """cli("import", "orders.csv") → Run; stdout and stderr kept apart, like a pipe."""
    from shoptool.cli import app

    runner = CliRunner()

    def run(*args, env: dict | None = None, input: str | None = None) -> Run:
        result = runner.invoke(app, [str(a) for a in args], env=env, input=input, catch_exceptions=False)
        return Run(result)

    return run


@pytest.fixture
def sample(shop_folder):
    """Copy a file from samples/ into the test's shop folder and return its path."""

    def copy(name: str) -> Path:
        target = shop_folder / Path(name).name
        shutil.copyfile(SAMPLES / name, target)
        return target

    return copy


@pytest.fixture
def db(shop_folder):
    """Open the test shop's database (after the CLI created it) for reading it back."""
    from shoptool.db import open_db

    opened = []

    def open_(path: Path | None = None):
        handle = open_db(path or shop_folder / "shoptool.db")
        opened.append(handle)
        return handle

    yield open_
    for handle in opened:
        handle.close()
