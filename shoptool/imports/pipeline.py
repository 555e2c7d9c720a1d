"""Rows of a file converted in batches — in this process, or for big files in a forked reader.

A million-row export spends about as long being read and cleaned as being written to SQLite. On a
machine with two cores a forked child reads and converts while this process writes, so the two
halves overlap. The child never touches the database: it only reads the already-open file and
sends batches through a pipe; the transaction stays in this process.

Batches travel as `marshal` data: rows are tuples of str/int/None, both ends are the same
interpreter, and marshal packs such rows about twice as fast as pickle (which still carries any
batch marshal cannot). The child also runs
without the cyclic garbage collector: it allocates millions of short-lived tuples that reference
counting frees, and each collection pass would only walk them to find nothing.
"""

from __future__ import annotations

import gc
import marshal
import os
import pickle
import sys
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count, islice

from ..errors import InputError
from .convert import Converter, RowRejected

BATCH_ROWS = 5_000
PARENT_SHARE = 0  # CSV: the writing process converts no batch of its own (see _forked)
WORKBOOK_SHARE = 1  # reading a workbook costs more than writing it: this process converts every batch
INBOX_BYTES = 32 * 1024**2
PARALLEL_MIN_BYTES = 16 * 1024**2


@dataclass
class Batch:
    rows: list[tuple]
    rejects: list[tuple[int, str, str, list]] = field(default_factory=list)
    rows_in: int = 0  # rows read so far, this batch included


def can_fork(file_size: int, fmt: str = "csv") -> bool:
    """Whether the file is big enough to be read by a forked reader. A workbook is zipped (its
    XML about ten times its size) and costs more to read than CSV: one of an eighth the size."""
    minimum = PARALLEL_MIN_BYTES // 8 if fmt in ("xlsx", "xls") else PARALLEL_MIN_BYTES
    return file_size >= minimum and sys.platform.startswith("linux") and (os.cpu_count() or 1) >= 2


def batches(table, converter: Converter, *, parallel: bool = False) -> Iterator[Batch]:
    if parallel:
        yield from _forked(table, converter)
    else:
        yield from _serial(table, converter)


def _serial(table, converter: Converter) -> Iterator[Batch]:
    rows = iter(table.rows)
    rows_in = 0
    while (batch := _convert(islice(rows, BATCH_ROWS), converter, rows_in, table.path)).rows_in > rows_in:
        rows_in = batch.rows_in
        yield batch


def _convert(records, converter: Converter, rows_in: int, path) -> Batch:
    """Convert up to a batch of (row number, cells); `rows_in` counts the rows read before them.
    Rows are converted as they are read, while their cells are still in the CPU's cache."""
    rows: list[tuple] = []
    rejects: list = []
    convert = converter.convert
    add = rows.extend
    for number, record in records:
        rows_in += 1
        try:
            add(convert(record, number))
        except RowRejected as rejected:
            rejects.append((number, rejected.column, rejected.reason, record))
        except Exception as exc:
            # A cell no converter foresaw fails its file with the row named (as the forked reader
            # does), never the whole run: an inbox would otherwise crash on the same file forever.
            raise InputError(f"this row could not be converted ({type(exc).__name__}: {exc}); "
                             "a bug in shoptool, please report it with the file",
                             file=str(path), row=number) from None
    return Batch(rows, rejects, rows_in)


def _forked(table, converter: Converter) -> Iterator[Batch]:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    # Where writing is the lighter half, this process also converts every share-th batch itself,
    # sent raw, for a converter that keeps no state from row to row. For a workbook it is: reading
    # the sheet alone (calamine, a piece at a time) keeps the child busier than writing and
    # converting keep this process, so this process converts every batch (share 1: a 200k-row
    # 千牛 export waited ~1 s less than when it converted half; a workbook's cells are str, float
    # and bool, and a batch with a date cell in it travels by pickle). For CSV it no longer is: a
    # million legacy orders spend ~8 s in SQLite here and the child parses and converts them in
    # less, so every batch converted here made the import longer (17.1 → 15.0 s with none;
    # 5.7 → 4.8 s at 300k rows). PARENT_SHARE and WORKBOOK_SHARE stay knobs for the tests.
    share = (PARENT_SHARE if table.format == "csv" else WORKBOOK_SHARE) if converter.stateless else 0
    child = context.Process(target=_child, args=(table, converter, sender, share, receiver), daemon=True)
    child.start()
    sender.close()
    inbox = _Inbox(receiver)
    finished = False
    # This process, too, runs the loop without the cyclic collector (as the child does): the
    # batches it loads, converts and writes are millions of short-lived lists and tuples that
    # reference counting frees, and each full collection walked every one alive (a workbook's
    # import: ~750 collections, 0.84 s of a 200k-row 千牛 export's ~3 s here). A workbook only:
    # for a CSV's parent it measured no clear difference (1M rows, two pairs). It runs again when
    # the import's loop ends.
    collecting = gc.isenabled() and table.format != "csv"
    if collecting:
        gc.disable()
    try:
        while True:
            data = inbox.get()
            if data is None:
                raise InputError("the reading process stopped before the end of the file",
                                 file=str(table.path))
            tag, payload = _unpack(data)
            if tag == "batch":
                yield Batch(*payload)
            elif tag == "raw":
                chunk, rows_in = payload
                yield _convert(chunk, converter, rows_in - len(chunk), table.path)
            elif tag == "error":
                raise InputError(payload.pop("message"), **payload)
            else:
                finished = True
                return
    finally:
        if collecting:
            gc.enable()
        if not finished and child.is_alive():
            child.terminate()  # which also ends the inbox's wait for the pipe
        inbox.stop()
        child.join()
        receiver.close()


class _Inbox:
    """Receives the child's messages on a thread, so the child never waits for this process to
    finish a batch (a pipe holds less than one). Reading a pipe releases the GIL. Messages wait
    here up to INBOX_BYTES (at least one), so memory stays bounded however wide the rows are.
    Whatever ends the thread, `get` then returns None rather than waiting forever."""

    def __init__(self, receiver):
        self._receiver = receiver
        self._queue: deque = deque()
        self._bytes = 0
        self._ended = False
        self._stopped = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._pump, name="shoptool-import-inbox", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        try:
            while True:
                data = self._receiver.recv_bytes()
                with self._changed:
                    while self._queue and self._bytes + len(data) > INBOX_BYTES and not self._stopped:
                        self._changed.wait()
                    if self._stopped:
                        return
                    self._queue.append(data)
                    self._bytes += len(data)
                    self._changed.notify_all()
        except BaseException:  # EOF when the child is done or gone, or anything else: the end
            pass
        finally:
            with self._changed:
                self._ended = True
                self._changed.notify_all()

    def get(self) -> bytes | None:
        with self._changed:
            while not self._queue and not self._ended:
                self._changed.wait()
            if not self._queue:
                return None
            data = self._queue.popleft()
            self._bytes -= len(data)
            self._changed.notify_all()
            return data

    def stop(self) -> None:
        with self._changed:
            self._stopped = True
            self._changed.notify_all()
        self._thread.join()


def _child(table, converter: Converter, sender, share: int, receiver) -> None:
    # The child's copy of the reading end would keep the pipe open if the parent died: the child
    # would then wait to send forever instead of failing with a broken pipe.
    receiver.close()
    gc.disable()
    try:
        rows = iter(table.rows)
        rows_in = 0
        for number in count(1):
            if share and number % share == 0:
                chunk = list(islice(rows, BATCH_ROWS))
                if not chunk:
                    break
                rows_in += len(chunk)
                message = ("raw", (chunk, rows_in))
            else:
                batch = _convert(islice(rows, BATCH_ROWS), converter, rows_in, table.path)
                if batch.rows_in == rows_in:
                    break
                rows_in = batch.rows_in
                message = ("batch", (batch.rows, [_plain(r) for r in batch.rejects], batch.rows_in))
            sender.send_bytes(_pack(message))
        sender.send_bytes(_pack(("done", None)))
    except InputError as exc:
        details = {"message": exc.reason, "file": exc.file, "row": exc.row, "column": exc.column, "hint": exc.hint}
        _send_quietly(sender, ("error", details))
    except BrokenPipeError:
        pass  # the importing process is gone; nothing to tell it
    except Exception as exc:  # reported in the parent as an input error, never lost
        _send_quietly(sender, ("error", {"message": f"{type(exc).__name__}: {exc}", "file": str(table.path)}))
    finally:
        sender.close()


def _plain(reject: tuple) -> tuple:
    """A rejected row's cells as marshal can send them (a workbook cell may be a datetime)."""
    number, column, reason, record = reject
    return number, column, reason, [c if c is None or c.__class__ in (str, int, float, bool) else str(c)
                                    for c in record]


def _send_quietly(sender, message) -> None:
    try:
        sender.send_bytes(_pack(message))
    except OSError:
        pass


def _pack(message) -> bytes:
    """marshal for rows of plain values (fast); pickle for anything else a converter returns."""
    try:
        return b"M" + marshal.dumps(message)
    except ValueError:
        return b"P" + pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


def _unpack(data: bytes):
    body = memoryview(data)[1:]
    return marshal.loads(body) if data[:1] == b"M" else pickle.loads(body)
