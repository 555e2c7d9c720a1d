"""`import --inbox DIR`: the cron-friendly path. Every new file in name order; each moves to
DIR/done (with its rejects file) or, when nothing of it could be stored, to DIR/failed with the
error beside it. A single-instance lock keeps two cron runs from taking the same file.

A poisoned file must never stop the inbox: whatever goes wrong with one file (a refusal, an error
nobody foresaw) sends it to failed/ and the next file is imported. A file is moved to
DIR/.importing/ while it is read, so even a process that dies outright (killed, out of memory, a
library aborting) leaves it there, and the next run moves it to failed/ instead of dying on it
again.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from ..errors import InputError, UsageError
from ..locks import single_instance
from .run import FileReport, import_file

SKIPPED_SUFFIXES = (".rejects.csv", ".error.txt", ".tmp", ".part", ".crdownload")
WORKING = ".importing"
DIED = ("the import of this file did not finish: the process ended while reading it (killed, out of memory, "
        "or the file crashed the spreadsheet reader); move it back into the inbox to try it again")


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
        working = inbox / WORKING
        for left in sorted(working.iterdir()) if working.is_dir() else ():
            if left.is_file() and not left.name.endswith(SKIPPED_SUFFIXES):
                reports.append(_settle(inbox, left, FileReport(file=str(left), status="failed", message=DIED),
                                       announce))
        for path in pending_files(inbox):
            working.mkdir(exist_ok=True)
            taken = _move(path, working)
            try:
                report = import_file(db, taken, settings, **options)
            except InputError as exc:
                report = FileReport(file=str(taken), status="failed",
                                    message=f"{exc.message} ({exc.hint})" if exc.hint else exc.message)
            except (UsageError, KeyboardInterrupt, SystemExit):
                _move(taken, inbox)  # not the file's fault: it waits for the next run
                raise
            except Exception as exc:  # noqa: BLE001  one bad file never stops the others
                report = FileReport(file=str(taken), status="failed",
                                    message=f"could not be imported ({type(exc).__name__}); the other files go on")
            reports.append(_settle(inbox, taken, report, announce))
        if working.is_dir() and not any(working.iterdir()):
            working.rmdir()
    return reports


def _settle(inbox: Path, taken: Path, report: FileReport, announce) -> FileReport:
    destination = inbox / ("done" if report.stored_anything else "failed")
    destination.mkdir(exist_ok=True)
    moved = _move(taken, destination)
    if report.rejects_file and Path(report.rejects_file).exists() and report.status != "duplicate":
        report.rejects_file = str(_move(Path(report.rejects_file), destination))
    if not report.stored_anything:
        _write_owner_only(destination / (moved.name + ".error.txt"), report.message + "\n")
    report.file = str(moved)
    if announce:
        announce(report)
    return report


def _write_owner_only(path: Path, text: str) -> None:
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def _move(path: Path, destination: Path) -> Path:
    target = destination / path.name
    n = 1
    while target.exists():
        target = destination / f"{path.stem}.{n}{path.suffix}"
        n += 1
    shutil.move(str(path), target)
    return target
