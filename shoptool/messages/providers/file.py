"""The file provider: sheets for the SMS console's bulk upload (群发助手 / 群发短信).

One sheet per template per run, as the consoles take one template per task: a 手机号码 column
(kept as text, so Excel shows 13800138000, not 1.38E+10) and one column per template variable,
headed by the variable's name, in template order.

Handing over happens in flush(), not send(): send() stages a row, flush() writes each sheet.
The outbox therefore commits `sent` for these messages only after flush() returns (the provider
says so with `hands_over_on_flush`). A crash before that leaves them `sending` → `unknown`, and
query() settles them from handover.jsonl: a message is handed over when its out-id is listed there
and the sheet it names exists. Order of writing, so a crash at any instant errs towards "not
handed over" and never towards a sheet nobody knows about: the sheet to a temporary name, then the
handover record (fsynced), then the rename.

The sheets hold full phone numbers (the console needs them): the folder is created 0700 and every
sheet 0600.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path

from .base import FAILED, NOT_FOUND, SENT, BaseProvider, OutgoingMessage, QueryResult, SendResult, check_phone

HANDOVER_LOG = "handover.jsonl"
PHONE_HEADER = "手机号码"


class FileProvider(BaseProvider):
    name = "file"
    hands_over_on_flush = True

    def __init__(self, out_dir: str | os.PathLike, *, fmt: str = "xlsx", now=None):
        if fmt not in ("xlsx", "csv"):
            from ...errors import ConfigError

            raise ConfigError(f"the file provider writes xlsx or csv, not {fmt!r}")
        self.out_dir = Path(out_dir)
        self.fmt = fmt
        self._now = now or (lambda: datetime.now().astimezone())
        # template code -> (sheet name, params order, staged rows, out-ids)
        self._staged: dict[str, tuple[str, tuple[str, ...], list[tuple], list[str]]] = {}
        self._written: list[tuple[str, list[str]]] = []  # (sheet, out-ids) of the last flush

    def __repr__(self) -> str:
        return f"<FileProvider {self.out_dir} {self.fmt}>"

    def send(self, message: OutgoingMessage) -> SendResult:
        refused = check_phone(message)
        if refused:
            return refused
        code = message.template_code
        if code not in self._staged:
            self._staged[code] = (self._sheet_name(code), tuple(message.params), [], [])
        sheet, order, rows, out_ids = self._staged[code]
        if tuple(message.params) != order:
            return SendResult(
                FAILED, code="params_mismatch",
                detail=f"template {code}: variables {list(message.params)} differ from this sheet's {list(order)}",
            )
        rows.append((message.phone, *map(str, message.params.values())))  # in the sheet's column order
        out_ids.append(message.out_id)
        provider_id, detail = row_ref(sheet, len(rows))
        return SendResult(SENT, provider_id=provider_id, code="staged", detail=detail)

    def stage_many(self, messages) -> dict[int, SendResult]:
        """send() for a batch, for an outbox that records the handover per sheet (handed_over()):
        {position: refusal} of the messages not staged; every other one is. A run's 80,000 texts
        make no SendResult each."""
        refused: dict[int, SendResult] = {}
        for n, message in enumerate(messages):
            refusal = check_phone(message)
            if refusal is None:
                code = message.template_code
                staged = self._staged.get(code)
                if staged is None:
                    staged = self._staged[code] = (self._sheet_name(code), tuple(message.params), [], [])
                params = message.params
                if tuple(params) == staged[1]:
                    staged[2].append((message.phone, *map(str, params.values())))
                    staged[3].append(message.out_id)
                    continue
                refusal = self.send(message)  # the variables differ from the sheet's: send() says how
            refused[n] = refusal
        return refused

    @staticmethod
    def row_ref(sheet: str, row: int) -> tuple[str, str]:
        """(provider id, detail) of a sheet's row: module row_ref(), for the send loop."""
        return row_ref(sheet, row)

    def handed_over(self) -> list[tuple[str, list[str]]]:
        """(sheet, out-ids in row order) of each sheet the last flush() wrote: row n of a sheet is
        provider id f"{sheet}#{n}", as send() says."""
        return list(self._written)

    def flush(self) -> list[Path]:
        """Write every staged sheet; return their paths. Sheets already written stay untouched."""
        from ...columns import Column
        from ...tables.writers import write_rows

        written: list[Path] = []
        self._written = []
        if not self._staged:
            return written
        self._ensure_dir()
        for code, (sheet, order, rows, out_ids) in list(self._staged.items()):
            final = self.out_dir / sheet
            temp = self.out_dir / f".{sheet}.partial.{self.fmt}"
            columns = [Column("phone", PHONE_HEADER, "phone", kind="id")] + [Column(p, p, p) for p in order]
            write_rows(temp, columns, rows, fmt=self.fmt, headers="zh", excel=False)  # read by the console
            os.chmod(temp, 0o600)
            self._record(sheet, code, out_ids)
            os.replace(temp, final)
            _fsync_dir(self.out_dir)
            written.append(final)
            self._written.append((sheet, out_ids))
            del self._staged[code]
        return written

    def close(self) -> None:
        # Staged rows not flushed were never handed over; their messages stay `sending` → unknown.
        self._staged.clear()

    def query(self, message, *, sent_at=None, provider_id=None, now=None) -> QueryResult:
        log = self.out_dir / HANDOVER_LOG
        if log.exists():
            with open(log, encoding="utf-8") as fh:
                for line in fh:
                    try:
                        record = json.loads(line)
                    except ValueError:
                        continue  # a torn last line from a crash mid-append
                    if message.out_id in record.get("out_ids", ()):
                        sheet = record.get("sheet", "")
                        if (self.out_dir / sheet).exists():
                            row = record["out_ids"].index(message.out_id) + 1
                            return QueryResult(SENT, provider_id=f"{sheet}#{row}", detail=f"in {sheet}")
        return QueryResult(NOT_FOUND, detail="in no sheet written for bulk upload")

    # ----------------------------------------------------------------------------------------
    def _sheet_name(self, code: str) -> str:
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", code).strip("._") or "template"
        stamp = self._now().strftime("%Y%m%d-%H%M%S")
        taken = {name for _, (name, *_rest) in self._staged.items()}
        n = 0
        while True:
            name = f"sms-{safe}-{stamp}{f'-{n}' if n else ''}.{self.fmt}"
            if name not in taken and not (self.out_dir / name).exists():
                return name
            n += 1

    def _ensure_dir(self) -> None:
        if not self.out_dir.exists():
            self.out_dir.mkdir(parents=True, mode=0o700)

    def _record(self, sheet: str, code: str, out_ids: list[str]) -> None:
        line = json.dumps(
            {"sheet": sheet, "template_code": code, "rows": len(out_ids), "out_ids": out_ids,
             "written_at": self._now().isoformat(timespec="seconds")},
            ensure_ascii=False,
        )
        path = self.out_dir / HANDOVER_LOG
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)


def row_ref(sheet: str, row: int) -> tuple[str, str]:
    """(provider id, detail) of a sheet's row, as the outbox records it (db/outbox.settle_handed_over
    writes the same in SQL)."""
    return f"{sheet}#{row}", f"row {row} of {sheet} (written on flush)"


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
