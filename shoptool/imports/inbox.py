"""`import --inbox DIR`: the cron-friendly path. Every new file in name order; each moves to
DIR/done (with its rejects file) or, when nothing of it could be stored, to DIR/failed with the
error beside it. A single-instance lock keeps two cron runs from taking the same file."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from ..errors import InputError, UsageError
from ..locks import single_instance
from .run import FileReport, import_file

SKIPPED_SUFFIXES = (".rejects.csv", ".error.txt", ".tmp", ".part", ".crdownload")


def pending_files(inbox: Path) -> list[Path]:
    return sorted(
        p for p in inbox.iterdir()
        if p.is_file() and not p.name.startswith((".", "~$")) and not p.name.endswith(SKIPPED_SUFFIXES)
    )


def import_inbox(db, inbox: Path, settings, *, announce: Callable[[FileReport], None] | None = None,
                 **options) -> list[FileReport]:
    if not inbox.is_dir():
        raise UsageError(f"--inbox {inbox}: not a folder")
    reports = []
    with single_instance(settings.db_path, "import-inbox"):
        for path in pending_files(inbox):
            try:
                report = import_file(db, path, settings, **options)
            except InputError as exc:
                report = FileReport(file=str(path), status="failed",
                                    message=f"{exc.message} ({exc.hint})" if exc.hint else exc.message)
            destination = inbox / ("done" if report.stored_anything else "failed")
            destination.mkdir(exist_ok=True)
            moved = _move(path, destination)
            if report.rejects_file and Path(report.rejects_file).exists() and report.status != "duplicate":
                report.rejects_file = str(_move(Path(report.rejects_file), destination))
            if not report.stored_anything:
                (destination / (moved.name + ".error.txt")).write_text(report.message + "\n", encoding="utf-8")
            report.file = str(moved)
            if announce:
                announce(report)
            reports.append(report)
    return reports


def _move(path: Path, destination: Path) -> Path:
    target = destination / path.name
    n = 1
    while target.exists():
        target = destination / f"{path.stem}.{n}{path.suffix}"
        n += 1
    shutil.move(str(path), target)
    return target
