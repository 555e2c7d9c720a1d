"""Rows of a file converted in batches — in this process, or for big files in a forked reader.

A million-row export spends about as long being read and cleaned as being written to SQLite. On a
machine with two cores a forked child reads and converts while this process writes, so the two
halves overlap. The child never touches the database: it only reads the already-open file and
sends pickled batches through a pipe; the transaction stays in this process.
"""

from __future__ import annotations

import os
import pickle
import sys
from dataclasses import dataclass, field
from typing import Iterator

from ..errors import InputError
from .convert import Converter, RowRejected

BATCH_ROWS = 5_000
PARALLEL_MIN_BYTES = 16 * 1024**2


@dataclass
class Batch:
    rows: list[tuple]
    rejects: list[tuple[int, str, str, list]] = field(default_factory=list)
    rows_in: int = 0  # rows read so far, this batch included


def can_fork(file_size: int) -> bool:
    return (file_size >= PARALLEL_MIN_BYTES and sys.platform.startswith("linux")
            and (os.cpu_count() or 1) >= 2)


def batches(table, converter: Converter, *, parallel: bool = False) -> Iterator[Batch]:
    if parallel:
        yield from _forked(table, converter)
    else:
        yield from _serial(table, converter)


def _serial(table, converter: Converter) -> Iterator[Batch]:
    rows: list[tuple] = []
    rejects: list = []
    rows_in = 0
    convert = converter.convert
    for number, record in table.rows:
        rows_in += 1
        try:
            rows.extend(convert(record, number))
        except RowRejected as rejected:
            rejects.append((number, rejected.column, rejected.reason, record))
        except Exception as exc:
            # A cell no converter foresaw fails its file with the row named (as the forked reader
            # does), never the whole run: an inbox would otherwise crash on the same file forever.
            raise InputError(f"this row could not be converted ({type(exc).__name__}: {exc}); "
                             "a bug in shoptool, please report it with the file",
                             file=str(table.path), row=number) from None
        if len(rows) >= BATCH_ROWS or len(rejects) >= BATCH_ROWS:
            yield Batch(rows, rejects, rows_in)
            rows, rejects = [], []
    yield Batch(rows, rejects, rows_in)


def _forked(table, converter: Converter) -> Iterator[Batch]:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(table, converter, sender), daemon=True)
    child.start()
    sender.close()
    finished = False
    try:
        while True:
            try:
                tag, payload = pickle.loads(receiver.recv_bytes())
            except EOFError:
                raise InputError("the reading process stopped before the end of the file",
                                 file=str(table.path)) from None
            if tag == "batch":
                yield payload
            elif tag == "error":
                raise InputError(payload.pop("message"), **payload)
            else:
                finished = True
                return
    finally:
        receiver.close()
        if not finished and child.is_alive():
            child.terminate()
        child.join()


def _child(table, converter: Converter, sender) -> None:
    try:
        for batch in _serial(table, converter):
            sender.send_bytes(pickle.dumps(("batch", batch), protocol=pickle.HIGHEST_PROTOCOL))
        sender.send_bytes(pickle.dumps(("done", None)))
    except InputError as exc:
        details = {"message": exc.reason, "file": exc.file, "row": exc.row, "column": exc.column, "hint": exc.hint}
        _send_quietly(sender, ("error", details))
    except BrokenPipeError:
        pass  # the importing process is gone; nothing to tell it
    except Exception as exc:  # reported in the parent as an input error, never lost
        _send_quietly(sender, ("error", {"message": f"{type(exc).__name__}: {exc}", "file": str(table.path)}))
    finally:
        sender.close()


def _send_quietly(sender, message) -> None:
    try:
        sender.send_bytes(pickle.dumps(message))
    except OSError:
        pass
