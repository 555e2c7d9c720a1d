"""Importing one file: detect its kind, stream its rows through one transaction, log it.

One file = one transaction (PRODUCT §3): its good rows land together or not at all. Rejected rows
go to `<file>.rejects.csv` with row, column and reason. Importing the same bytes twice is a no-op
that says so. A file that stores nothing leaves no trace in the database.
"""

from __future__ import annotations

import contextlib
import csv
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from .. import clock
from ..db import store, write_transaction
from ..db.connect import loading_alone
from ..errors import InputError, UsageError
from ..tables.readers import Limits, Table, file_digest, open_table
from ..tables.writers import neutralise
from . import kinds, pipeline, snapshot
from .convert import REJECT_META
from .header import Mapping_, map_header, missing_columns, normalise_header


@dataclass
class FileReport:
    file: str
    kind: str | None = None
    rows_in: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0  # rows of an older snapshot than what was known (PRODUCT §16): kept in history
    rejected: int = 0
    rejects_file: str | None = None
    status: str = "stored"  # stored | partial | duplicate | refused | failed
    message: str = ""
    shape: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    import_id: int | None = None
    snapshot_at: str | None = None  # when the export was taken (imports/snapshot.py)
    snapshot_source: str | None = None  # file_name | newest_cell | import_time
    duplicates: int = 0  # keys given more than once in the file, with different content
    not_stored_columns: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)

    @property
    def stored_anything(self) -> bool:
        return self.status in ("stored", "partial", "duplicate")

    def as_row(self) -> dict:
        return asdict(self)


class _Refused(Exception):
    pass


def limits_from(settings) -> Limits:
    return Limits(
        max_file_size=settings.size("import.max_file_size"),
        max_cell_length=int(settings["import.max_cell_length"]),
        max_xlsx_expanded=settings.size("import.max_xlsx_expanded"),
        max_xlsx_ratio=int(settings["import.max_xlsx_ratio"]),
        xlsx_stream_from=settings.size("import.xlsx_stream_from"),
    )


def choose_kind(header: list[str], forced: str | None, path: Path) -> Mapping_:
    if forced:
        kind = kinds.get(forced)
        if kind is None:
            raise UsageError(f"unknown kind {forced!r}; kinds: {', '.join(kinds.NAMES)}")
        mapping = map_header(kind.header, header)
        if mapping is None:
            raise InputError(
                f"not {'an' if forced[0] in 'aeiou' else 'a'} {forced} sheet: "
                f"missing column {'; '.join(missing_columns(kind.header, header))}",
                file=str(path),
            )
        return mapping
    candidates = kinds.detect(header)
    if not candidates:
        for kind in kinds.lacking_evidence(header):
            raise InputError(
                f"cannot tell which export this is: its columns fit {kind.name}, but none says it is one "
                f"(one of {', '.join(kind.evidence[:6])}…)", file=str(path),
                hint=f"pass --as {kind.name} if it really is a {kind.label or kind.name}",
            )
        present = {normalise_header(h) for h in header}
        closest = max((k.header for k in kinds.REGISTRY.values()), key=lambda k: sum(
            1 for f in k.fields if any(normalise_header(a) in present for a in f.aliases)
        ))
        raise InputError(
            "cannot tell which export this is; closest is "
            f"{closest.name}, which needs column {'; '.join(missing_columns(closest, header))}",
            file=str(path), hint="pass --as KIND if the columns are right",
        )
    if len(candidates) > 1 and abs(candidates[0].score - candidates[1].score) < 0.5:
        tied = [c.kind.name for c in candidates if abs(candidates[0].score - c.score) < 0.5]
        raise InputError(
            f"these columns fit several kinds: {', '.join(tied)}", file=str(path),
            hint=f"pass --as {tied[0]} (or another of them)",
        )
    return candidates[0]


def header_scorer(forced: str | None) -> Callable[[list[str]], float]:
    kind = kinds.get(forced) if forced else None
    if kind is None:
        return kinds.header_score
    aliases = {normalise_header(a) for f in kind.header.fields for a in f.aliases}

    def score(header: list[str]) -> float:
        # Count recognised columns even when a required one is missing, so the error can name it.
        return float(sum(1 for cell in header if normalise_header(cell) in aliases))

    return score


def _owner_only(path: Path) -> int:
    """A new file readable by its owner only, whatever the umask; a leftover of a killed import
    (maybe 0644 from an older version) is replaced, not reused."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)
    return fd


def quiet_reason(reason: str) -> str:
    """A rejected row's reason for stderr and the import log: the cell's own text (a name, a
    phone, a street) is cut out; the rejects file keeps the row for the owner."""
    import re

    return re.sub(r"""(?:'(?:[^'\\]|\\.){0,400}'|"(?:[^"\\]|\\.){0,400}")""", "(the cell)", str(reason))


class _Rejects:
    """Streams rejected rows to a temp file beside the input; renamed into place at the end."""

    def __init__(self, source: Path, header: list[str]):
        self.target = source.with_name(source.name + ".rejects.csv")
        self.header = header
        self.count = 0
        self._fh = None
        self._tmp: Path | None = None
        self.first: tuple[int, str, str] | None = None

    def add(self, number: int, column: str, reason: str, record: list) -> None:
        if self._fh is None:
            directory = self.target.parent if os.access(self.target.parent, os.W_OK) else Path.cwd()
            self.target = directory / self.target.name
            self._tmp = directory / f".{self.target.name}.tmp"
            self._fh = open(_owner_only(self._tmp), "w", encoding="utf-8-sig", newline="", closefd=True)
            self._writer = csv.writer(self._fh)
            self._writer.writerow([neutralise(str(h)) for h in (*REJECT_META, *self.header)])
        if self.first is None:
            self.first = (number, column, reason)
        self.count += 1
        # The rows as they came, for staff to fix: owner-only from the first byte (names, phones,
        # addresses), and never a live formula when the sheet is opened in Excel or WPS.
        self._writer.writerow([number, neutralise(str(column)), neutralise(str(reason)),
                               *("" if c is None else neutralise(str(c)) for c in record)])

    def finish(self, keep: bool) -> str | None:
        if self._fh is None:
            if self.target.exists():
                self.target.unlink()  # a stale rejects file from an older version would mislead
            return None
        self._fh.close()
        if keep:
            os.replace(self._tmp, self.target)
            return str(self.target)
        self._tmp.unlink(missing_ok=True)
        return None

    def abort(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._tmp.unlink(missing_ok=True)


def import_file(
    db,
    path: str | os.PathLike,
    settings,
    *,
    kind: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    strict: bool = False,
    period: tuple | None = None,
    now: Callable[[], datetime] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> FileReport:
    """Import one file in one transaction. `now` is the clock (the shop's, or a pinned `--now`);
    `period` (first, last day) the days a sheet without a date column covers (`--period`)."""
    path = Path(path)
    report = FileReport(file=str(path))
    tz = settings.tz
    now = now or (lambda: clock.now(tz))
    now_iso = clock.to_iso(now(), tz)
    limits = limits_from(settings)
    sha, size = file_digest(path, limits.max_file_size)
    previous = store.previous_import(db, sha)
    if previous:
        report.kind = previous["kind"]
        report.status = "duplicate"
        report.message = (
            f"already imported on {previous['finished_at'] or previous['started_at']} "
            f"(import #{previous['id']}); nothing changed"
        )
        if previous["rejected"]:
            report.message += f"; {previous['rejected']} row(s) were rejected then"
            report.rejects_file = previous["rejects_file"]
        return report

    table: Table = open_table(path, sheet=sheet, encoding=encoding, header_score=header_scorer(kind),
                              limits=limits)
    rejects = None
    try:
        mapping = choose_kind(table.header, kind, path)
        kind_ = kinds.REGISTRY[mapping.kind.name]
        report.kind = kind_.name
        report.shape = kind_.shape_of(table.header)
        report.encoding, report.sheet = table.encoding, table.sheet
        report.not_stored_columns = [table.header[i] for i in mapping.discarded]
        rejects = _Rejects(path, table.header)
        alone = loading_alone(db) if store.first_load(db, size) else contextlib.nullcontext(False)
        try:
            with alone, write_transaction(db):
                import_id = store.start_import(
                    db, file=path.name, path=str(path.resolve()), sha256=sha, size=size, kind=report.kind,
                    shape=report.shape, encoding=table.encoding, sheet=table.sheet, started_at=now_iso,
                )
                converter = kind_.converter(mapping, table.header, tz, now_iso=now_iso, import_id=import_id,
                                            all_text=table.format == "csv", file_name=path.name, period=period)
                report.extra_columns = [name for _, name in converter.extra_columns]
                writer = kind_.writer(db, converter.columns, size)
                rules = getattr(writer, "rules", None)
                # the newest event cell dates a file whose name has no stamp (PRODUCT §16)
                stamped = snapshot.stamp_of(path.name, tz) is not None
                newest = snapshot.Newest(converter.columns, rules.events if rules and not stamped else ())
                for batch in pipeline.batches(table, converter, parallel=pipeline.can_fork(size, table.format)):
                    writer.write(batch.rows)
                    newest.add(batch.rows)
                    for number, column, reason, record in batch.rejects:
                        rejects.add(number, column, reason, record)
                    report.rows_in = batch.rows_in
                    if on_progress:
                        on_progress(report.rows_in)
                report.rejected = rejects.count
                if report.rows_in == 0:  # a header alone: say so rather than log an import of nothing
                    raise _Refused("no rows below the header; the previous stock snapshot is kept"
                                   if kind_.snapshot else "no rows below the header; nothing stored")
                if rejects.count and (strict or rejects.count == report.rows_in):
                    raise _Refused(
                        "--strict: nothing stored because rows were rejected" if strict
                        else "every row was rejected; nothing stored"
                    )
                report.snapshot_at, report.snapshot_source = snapshot.snapshot_of(path.name, newest.value, now(), tz)
                store.finish_import(db, import_id, snapshot_at=report.snapshot_at,
                                    snapshot_source=report.snapshot_source)
                counts = writer.finish(report.snapshot_at, import_id)
                report.inserted, report.updated, report.unchanged = counts.inserted, counts.updated, counts.unchanged
                report.stale, report.duplicates = counts.stale, counts.duplicates
                report.status = "partial" if rejects.count else "stored"
                report.rejects_file = rejects.finish(keep=True)
                report.import_id = import_id
                store.finish_import(
                    db, import_id, rows_in=report.rows_in, inserted=report.inserted, updated=report.updated,
                    unchanged=report.unchanged, rejected=report.rejected, rejects_file=report.rejects_file,
                    status=report.status, finished_at=clock.to_iso(now(), tz), stale=report.stale,
                    duplicates=report.duplicates,
                )
        except _Refused as refused:
            report.status = "refused" if strict or kind_.snapshot else "failed"
            report.message = str(refused)
            report.rejects_file = rejects.finish(keep=True) if rejects.count else rejects.finish(keep=False)
            report.inserted = report.updated = report.unchanged = report.stale = report.duplicates = 0
            return report
    except BaseException:
        if rejects is not None:
            rejects.abort()
        raise
    finally:
        table.close()
    if report.rejected:
        number, column, reason = rejects.first
        report.message = (f"{report.rejected} row(s) rejected, e.g. row {number}, column {column}: "
                          f"{quiet_reason(reason)}")
    return report
