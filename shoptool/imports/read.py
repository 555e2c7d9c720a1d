"""An export opened for reading, nothing stored: checks that take a file (`stock-check --page`,
`address-check --orders`) see exactly the rows `import` would store, through the same reader,
kind check and converter."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..tables.readers import Table, open_table
from . import kinds
from .convert import Converter
from .run import choose_kind, header_scorer, limits_from


def open_export(path: str | Path, kind: str, settings, *, now_iso: str, sheet: str | None = None,
                encoding: str | None = None, given_as: str | None = None) -> tuple[Table, Converter]:
    """The table (positioned below its header; close it when done) and a converter for `kind`.
    A file that is plainly another kind of export is refused, naming the option it was given with."""
    path = Path(path)
    table = open_table(path, sheet=sheet, encoding=encoding, header_score=header_scorer(kind),
                       limits=limits_from(settings))
    try:
        mapping = choose_kind(table.header, kind, path)
        best = kinds.detect(table.header)
        if best and best[0].kind.name != kind and best[0].score > mapping.score:
            where = f" ({given_as})" if given_as else ""
            raise InputError(f"this looks like an export of {best[0].kind.name}, not of {kind}{where}", file=str(path))
        converter = kinds.REGISTRY[kind].converter(mapping, table.header, settings.tz, now_iso=now_iso, import_id=None,
                                     all_text=table.format == "csv")
    except BaseException:
        table.close()
        raise
    return table, converter
