"""A sheet of an export as rows below its header: what every reader returns, and how the header
row is found (by what it says, below any title rows)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

HEADER_SCAN_ROWS = 30


@dataclass
class Limits:
    max_file_size: int = 512 * 1024**2
    max_cell_length: int = 32767
    max_xlsx_expanded: int = 2 * 1024**3
    max_xlsx_ratio: int = 200
    # No export line is this long (44 columns of Excel's longest cells is 1.4 MB): a longer one is a
    # file that is not an export, refused before the line is held in memory.
    max_line_bytes: int = 16 * 1024**2
    # A sheet whose XML unpacks to more is read row by row (xlsx_stream.py) instead of by
    # calamine, which lays the whole sheet out in memory (about 2× its XML).
    xlsx_stream_from: int = 64 * 1024**2


@dataclass
class Table:
    path: Path
    format: str  # csv | xlsx | xls
    encoding: str | None
    sheet: str | None
    header: list[str]
    header_row: int  # 1-based, as Excel numbers rows
    rows: Iterator[tuple[int, list]]  # (row number, cells), blank rows skipped
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for closer in self._closers:
            closer()
        self._closers.clear()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def position(path, fmt, encoding, sheet, records, header_score, limits: Limits, *,
              explain: Callable[[Exception, int, list[str] | None], InputError | None] | None = None,
              measure: bool = True, on_header: Callable[[], None] | None = None) -> Table:
    """`records` yields (row number, cells). `explain` turns a reading error at a row into an
    InputError naming it; `measure=False` when the reader itself refuses over-long cells below
    the header, from when `on_header` is called (the rows scanned for the header are measured)."""
    buffered: list[tuple[int, list]] = []
    number = 0
    header: list[str] | None = None

    def failed(exc: Exception) -> Exception:
        return (explain(exc, number + 1, header) if explain else None) or exc

    try:
        for number, record in records:
            buffered.append((number, record))
            if len(buffered) >= HEADER_SCAN_ROWS:
                break
    except Exception as exc:
        raise failed(exc) from None
    best_index, best_score = -1, 0.0
    for index, (_, record) in enumerate(buffered):
        score = header_score([_header_text(c) for c in record])
        if score > best_score:
            best_index, best_score = index, score
    where = f" (sheet {sheet})" if sheet else ""
    if best_index < 0:
        raise InputError(
            f"no recognisable header row in the first {HEADER_SCAN_ROWS} rows{where}",
            file=str(path), hint="check the file is a platform/ERP export, or pass --as KIND",
        )
    header_number, header_cells = buffered[best_index]
    header = [_header_text(c) for c in header_cells]
    max_cell = limits.max_cell_length
    if on_header:
        on_header()

    def too_long(number: int, record: list) -> InputError:
        return long_cell(path, header, number, record, max_cell)

    def data_rows() -> Iterator[tuple[int, list]]:
        nonlocal number
        for number, record in buffered[best_index + 1:]:
            if any(record):
                if max(map(_length, record)) > max_cell:
                    raise too_long(number, record)
                yield number, record
        # This loop sees every row of a million-row file: only C calls (any, max/map) per row.
        try:
            if measure:
                for number, record in records:
                    if any(record):
                        if max(map(_length, record)) > max_cell:
                            raise too_long(number, record)
                        yield number, record
            else:
                for number, record in records:
                    if any(record):
                        yield number, record
        except InputError:
            raise
        except Exception as exc:
            raise failed(exc) from None

    return Table(path, fmt, encoding, sheet, header, header_number, data_rows())


def long_cell(path, header: list[str], number: int, record: list, max_cell: int) -> InputError:
    """The error for the first cell of `record` longer than `max_cell` characters."""
    position = next(i for i, cell in enumerate(record) if _length(cell) > max_cell)
    column = header[position] if position < len(header) and header[position] else f"#{position + 1}"
    return InputError(f"cell of {_length(record[position])} characters, more than the {max_cell} allowed",
                      file=str(path), row=number, column=column)


def _length(cell) -> int:
    return len(cell) if cell.__class__ is str else 0


def _header_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()
