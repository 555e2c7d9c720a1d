"""Generated cleaning code: one Python function per file, built from its header mapping.

A million-row import calls the cleaners of tables/cells.py some thirty million times. Generated
code inlines their fast paths and cleans repeating values once; every shortcut yields exactly
what the cleaner it stands for would (a cell that does not fit the shortcut goes to the cleaner).
The generated code only indexes the record `r` and calls the helpers put in its namespace.
"""

from __future__ import annotations

from collections.abc import Callable

from ..tables import cells

# How many distinct values of one column (or of the unknown columns together) are remembered.
SEEN_LIMIT = 4096


def _learn(seen: dict, cell: str, then: Callable | None = None) -> str | None:
    value = cell.strip() or None
    if then is not None:
        value = then(value)
    if len(seen) < SEEN_LIMIT:
        seen[cell] = value
    return value


def _remember(seen: dict, cell: str, clean: Callable, then: Callable | None = None):
    value = clean(cell)
    if then is not None:
        value = then(value)
    if len(seen) < SEEN_LIMIT:
        seen[cell] = value
    return value


_SIXTY = frozenset(f"{n:02d}" for n in range(60))
_HOURS_LIMIT = 1 << 16  # seven years of hours


def _moment(hours: set, cell: str, clean: cells.TimeCleaner) -> str | None:
    value = clean(cell)
    # Only a cell the cleaner turned into exactly this shape vouches for its date and hour.
    if (value is not None and len(cell) == 19 and len(hours) < _HOURS_LIMIT
            and value == cell[:10] + "T" + cell[11:] + clean.fixed_suffix):
        hours.add(cell[:13])
    return value


def _remember_text(seen: dict, cell, clean: Callable, then: Callable | None = None):
    """`_remember` for a workbook's cells: only text is remembered (as dict keys a workbook's
    TRUE, 1.0 and 1 are one key; no text equals a number, so looking any cell up is safe)."""
    value = clean(cell)
    if then is not None:
        value = then(value)
    if cell.__class__ is str and len(seen) < SEEN_LIMIT:
        seen[cell] = value
    return value


def _workbook_moment(hours: set, cell, clean: cells.TimeCleaner) -> str | None:
    return _moment(hours, cell, clean) if cell.__class__ is str else clean(cell)


def _workbook_expression(number: int, clean: Callable, cell: str, namespace: dict) -> str:
    """A workbook cell (text, float, bool, datetime or "" from calamine): an empty cell is None,
    a text cell takes the CSV shortcuts, anything else goes to the cleaner."""
    seen = f"_seen{number}"
    if clean in (cells.label, cells.money, cells.integer):
        namespace[seen] = {}
        return f"({seen}[x] if (x := {cell}) in {seen} else _remember_text({seen}, x, _c{number}, _then{number}))"
    if clean is cells.text:
        body = f"(x.strip() or None) if x.__class__ is str else _c{number}(x)"
    elif clean is cells.identifier:
        body = f"x if x.__class__ is str and x.isdigit() and x.isascii() else _c{number}(x)"
    elif clean is cells.phone:
        body = f"x if x.__class__ is str and len(x) == 11 and x.isdigit() and x.isascii() else _c{number}(x)"
    elif clean is cells.tracking:
        body = f"x if x.__class__ is str and x.isalnum() and x.isascii() and x.upper() == x else _c{number}(x)"
    elif isinstance(clean, cells.TimeCleaner) and clean.fixed_suffix:
        namespace[f"_hours{number}"] = set()
        namespace[f"_suffix{number}"] = clean.fixed_suffix
        body = (f"x[:10] + 'T' + x[11:] + _suffix{number} if x.__class__ is str and len(x) == 19 "
                f"and x[:13] in _hours{number} and x[13] == ':' and x[16] == ':' and x[14:16] in _sixty "
                f"and x[17:] in _sixty else _workbook_moment(_hours{number}, x, _c{number})")
    else:
        return f"_c{number}({cell})"
    # every cleaner above gives None for "" (flag does not come here)
    return f"(None if (x := {cell}) == '' or x is None else {body})"


def compile_fields(simple: list[tuple[str, int, Callable]], all_text: bool) -> Callable[[list], dict]:
    """Build `record → {field: clean value}` as one generated function: the cleaners' fast paths
    inlined run about twice as fast as a loop of calls, and this runs once per row of
    million-row files. The generated code only indexes the record and calls cleaners."""
    namespace: dict = {}
    items = cell_expressions(simple, all_text, {}, namespace)
    body = "return {" + ", ".join(f"{name!r}: {item}" for (name, _, _), item in zip(simple, items)) + "}"
    return define("fields", "r", [body], namespace)


def define(name: str, arguments: str, lines: list[str], namespace: dict) -> Callable:
    source = f"def {name}({arguments}):\n" + "".join(f"    {line}\n" for line in lines)
    exec(compile(source, f"<shoptool.imports.codegen.{name}>", "exec"), namespace)  # noqa: S102
    return namespace[name]


def cell_expressions(simple: list[tuple[str, int, Callable]], all_text: bool, after: dict[str, Callable],
                 namespace: dict) -> list[str]:
    """One Python expression per field, cleaning cell `r[index]`; helpers go into `namespace`."""
    namespace.update({"_identifier": cells.identifier, "_phone": cells.phone, "_learn": _learn,
                      "_remember": _remember, "_labels": ("No:", "NO:", "no:"), "_moment": _moment,
                      "_sixty": _SIXTY, "_remember_text": _remember_text, "_workbook_moment": _workbook_moment})
    items = []
    for number, (name, index, clean) in enumerate(simple):
        then = after.get(name)
        namespace[f"_c{number}"] = clean
        namespace[f"_then{number}"] = then
        cell = f"r[{index}]"
        seen = f"_seen{number}"
        if all_text and clean in (cells.label, cells.money, cells.integer):
            # a few distinct values, row after row: clean each once (`after` included)
            namespace[seen] = {}
            fallback = (f"_learn({seen}, x, _then{number})" if clean is cells.label
                        else f"_remember({seen}, x, _c{number}, _then{number})")
            expr = f"({seen}[x] if (x := {cell}) in {seen} else {fallback})"
            then = None
        elif all_text and clean is cells.text:
            expr = f"({cell}.strip() or None)"
        elif all_text and clean is cells.identifier:
            # digits, or digits in an ="…" wrapper (legacy exports); anything else the long way
            expr = (f"(None if not (x := {cell}) else x if x.isdigit() and x.isascii() else y if x[:2] == '=\"' "
                    f"and x[-1:] == '\"' and (y := x[2:-1]).isdigit() and y.isascii() else _identifier(x))")
        elif all_text and clean is cells.phone:
            # 11 digits, or 11 digits behind a ' (legacy exports): stored as they are, mobile or not
            expr = (f"(None if not (x := {cell}) else x if len(x) == 11 and x.isdigit() and x.isascii() "
                    f"else y if x[:1] == \"'\" and len(y := x[1:]) == 11 and y.isdigit() and y.isascii() "
                    f"else _phone(x))")
        elif all_text and isinstance(clean, cells.TimeCleaner) and clean.fixed_suffix:
            # "YYYY-MM-DD HH:MM:SS" whose date and hour were seen valid: minutes and seconds are
            # checked here, everything else goes through the cleaner (which teaches `hours`)
            namespace[f"_hours{number}"] = set()
            namespace[f"_suffix{number}"] = clean.fixed_suffix
            expr = (f"(x[:10] + 'T' + x[11:] + _suffix{number} if len(x := {cell}) == 19 and x[:13] in _hours{number} "
                    f"and x[13] == ':' and x[16] == ':' and x[14:16] in _sixty and x[17:] in _sixty "
                    f"else _moment(_hours{number}, x, _c{number}))")
        elif all_text and clean is cells.tracking:
            # already the shop's spelling (upper-case letters and digits), or that behind `No:`
            expr = (f"(x if (x := {cell}).isalnum() and x.isascii() and x.upper() == x else y if x[:3] in _labels "
                    f"and (y := x[3:]).isalnum() and y.isascii() and y.upper() == y else _c{number}(x))")
        elif not all_text:
            expr = _workbook_expression(number, clean, cell, namespace)
            if clean in (cells.label, cells.money, cells.integer):
                then = None  # remembered with the value
        else:
            expr = f"_c{number}({cell})"
        if then is not None:
            expr = f"_then{number}({expr})"
        items.append(expr)
    return items
