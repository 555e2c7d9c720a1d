"""Importing one file: detect its kind, stream its rows through one transaction, log it.

One file = one transaction (PRODUCT §3): its good rows land together or not at all. Rejected rows
go to `<file>.rejects.csv` with row, column and reason. Importing the same bytes twice is a no-op
that says so. A file that stores nothing leaves no trace in the database.
"""

from __future__ import annotations

import csv
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from .. import clock
from ..db import store, write_transaction
from ..errors import InputError, UsageError
from ..tables import kinds as K
from ..tables.readers import Limits, Table, file_digest, open_table
from . import pipeline
from .convert import CONVERTERS, PERSONAL_ORDER_COLUMNS, REJECT_META
SNAPSHOT_KINDS = {"page-stock": "page_stock", "warehouse-stock": "warehouse_stock"}


@dataclass
class FileReport:
    file: str
    kind: str | None = None
    rows_in: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects_file: str | None = None
    status: str = "stored"  # stored | partial | duplicate | refused | failed
    message: str = ""
    shape: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    import_id: int | None = None
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
    )


def choose_kind(header: list[str], forced: str | None, path: Path) -> K.Mapping_:
    if forced:
        kind = K.KINDS.get(forced)
        if kind is None:
            raise UsageError(f"unknown kind {forced!r}; kinds: {', '.join(K.KINDS)}")
        mapping = K.map_header(kind, header)
        if mapping is None:
            raise InputError(
                f"not a {forced} sheet: missing column {'; '.join(K.missing_columns(kind, header))}",
                file=str(path),
            )
        return mapping
    candidates = K.detect(header)
    if not candidates:
        closest = max(K.KINDS.values(), key=lambda k: sum(
            1 for f in k.fields if any(K.normalise_header(a) in {K.normalise_header(h) for h in header} for a in f.aliases)
        ))
        raise InputError(
            "cannot tell which export this is; closest is "
            f"{closest.name}, which needs column {'; '.join(K.missing_columns(closest, header))}",
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
    if not forced or forced not in K.KINDS:
        return K.header_score
    kind = K.KINDS[forced]

    aliases = {K.normalise_header(a) for f in kind.fields for a in f.aliases}

    def score(header: list[str]) -> float:
        # Count recognised columns even when a required one is missing, so the error can name it.
        return float(sum(1 for cell in header if K.normalise_header(cell) in aliases))

    return score


def shape_of(kind: str, header: list[str]) -> str:
    names = {K.normalise_header(h) for h in header}
    has = lambda *cols: any(K.normalise_header(c) in names for c in cols)  # noqa: E731
    if kind == "orders":
        return "taobao-legacy" if has("买家会员名", "联系手机", "收货人姓名") else "qianniu"
    if kind == "items":
        return "qianniu" if has("子订单编号") else "taobao-legacy"
    if kind == "warehouse-stock":
        if has("可发库存", "货品编号", "实际可发库存"):
            return "wangdiantong"
        if has("公有可用数", "订单占有数", "仓库待发数", "主仓实际库存数"):
            return "jushuitan"
        return "generic"
    return "generic"


def _writer(db, kind: str, columns: tuple[str, ...], file_size: int = 0):
    if kind in SNAPSHOT_KINDS:
        return store.Snapshot(db, SNAPSHOT_KINDS[kind], ["sku_code", *([c for c in ("item_id", "sku_id") if c in columns])], columns)
    if kind == "orders":
        return store.Upsert(
            db, "orders", ["order_id"], columns, coalesce=("shipped_seen_at",), maximum=("is_cod",),
            # notes and flags are also set here (`shoptool note`): an export's blank cell keeps them
            keep_when_blank=("seller_note", "flag"),
            keep_when_masked=[c for c in PERSONAL_ORDER_COLUMNS if c in columns], history_table="order_history",
            bulk=_is_bulk(db, "orders", file_size),
        )
    if kind == "items":
        return store.Upsert(db, "order_items", ["line_id"], columns, bulk=_is_bulk(db, "order_items", file_size))
    if kind == "shipments":
        return store.Upsert(db, "shipments", ["order_id", "tracking_no"], columns)
    if kind == "reviews":
        return store.Upsert(db, "reviews", ["review_id"], columns)
    if kind == "opt-outs":
        return store.Upsert(db, "opt_outs", ["phone"], columns, coalesce=("opted_out_at",))
    raise AssertionError(kind)


def _is_bulk(db, table: str, file_size: int) -> bool:
    """More rows coming than the table holds (an export row is a few hundred bytes)."""
    if file_size < 8 * 1024**2:
        return False
    return file_size // 300 > store.row_count(db, table)


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
            self._fh = self._tmp.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._fh)
            self._writer.writerow([*REJECT_META, *self.header])
        if self.first is None:
            self.first = (number, column, reason)
        self.count += 1
        self._writer.writerow([number, column, reason, *("" if c is None else c for c in record)])

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
    now: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> FileReport:
    path = Path(path)
    report = FileReport(file=str(path))
    tz = settings.tz
    now_iso = clock.to_iso(clock.now(tz, now), tz)
    sha, size = file_digest(path)
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
                              limits=limits_from(settings))
    rejects = None
    try:
        mapping = choose_kind(table.header, kind, path)
        report.kind = mapping.kind.name
        report.shape = shape_of(report.kind, table.header)
        report.encoding, report.sheet = table.encoding, table.sheet
        report.not_stored_columns = [table.header[i] for i in mapping.discarded]
        rejects = _Rejects(path, table.header)
        try:
            with write_transaction(db):
                import_id = store.start_import(
                    db, file=path.name, path=str(path.resolve()), sha256=sha, size=size, kind=report.kind,
                    shape=report.shape, encoding=table.encoding, sheet=table.sheet, started_at=now_iso,
                )
                converter = CONVERTERS[report.kind](mapping, table.header, tz, now_iso=now_iso, import_id=import_id,
                                                    all_text=table.format == "csv")
                report.extra_columns = [name for _, name in converter.extra_columns]
                writer = _writer(db, report.kind, converter.columns, size)
                for batch in pipeline.batches(table, converter, parallel=pipeline.can_fork(size)):
                    writer.write(batch.rows)
                    for number, column, reason, record in batch.rejects:
                        rejects.add(number, column, reason, record)
                    report.rows_in = batch.rows_in
                    if on_progress:
                        on_progress(report.rows_in)
                report.rejected = rejects.count
                if report.rows_in == 0:  # a header alone: say so rather than log an import of nothing
                    raise _Refused("no rows below the header; the previous stock snapshot is kept"
                                   if report.kind in SNAPSHOT_KINDS else "no rows below the header; nothing stored")
                if rejects.count and (strict or rejects.count == report.rows_in):
                    raise _Refused(
                        "--strict: nothing stored because rows were rejected" if strict
                        else "every row was rejected; nothing stored"
                    )
                counts = writer.counts()
                report.inserted, report.updated, report.unchanged = counts.inserted, counts.updated, counts.unchanged
                report.status = "partial" if rejects.count else "stored"
                report.rejects_file = rejects.finish(keep=True)
                report.import_id = import_id
                store.finish_import(
                    db, import_id, rows_in=report.rows_in, inserted=report.inserted, updated=report.updated,
                    unchanged=report.unchanged, rejected=report.rejected, rejects_file=report.rejects_file,
                    status=report.status, finished_at=clock.to_iso(clock.now(tz, now), tz),
                )
        except _Refused as refused:
            report.status = "refused" if strict or report.kind in SNAPSHOT_KINDS else "failed"
            report.message = str(refused)
            report.rejects_file = rejects.finish(keep=True) if rejects.count else rejects.finish(keep=False)
            report.inserted = report.updated = report.unchanged = 0
            return report
    except BaseException:
        if rejects is not None:
            rejects.abort()
        raise
    finally:
        table.close()
    if report.rejected:
        number, column, reason = rejects.first
        report.message = f"{report.rejected} row(s) rejected, e.g. row {number}, column {column}: {reason}"
    return report
