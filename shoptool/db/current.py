"""One current state from many snapshots (PRODUCT §16): the SQL that merges an export's rows into
what the shop database already knows, whatever order the exports arrive in.

Every import is a snapshot taken at one moment (imports.snapshot_at), and an order only ever moves
forward along its life (unpaid → paid → partly shipped → shipped → signed → completed; closed is
final). So a row of an export is as new as (its status's place in that life, its snapshot): a row
that shows an order further along is newer whatever its file's time says, and of two rows at the
same place the later snapshot is the newer. Each stored row keeps the version its values are from
(`version` = "<rank>|<moment>"; NULL for a row untouched since the import that inserted it:
that import's snapshot and the row's status). When a row of a file meets a stored row:
- a **newer** row sets every value it has; a blank cell never erases one. At the same version,
  a file imported later wins (nothing else tells them apart), and within one file the row with
  the later event time (of two rows alike in both, the later in the file);
- an **older** row (`stale`) only fills values the shop does not know yet, so an order never moves
  back and paid time, tracking, address and notes are never blanked or reverted by it;
- some values travel as a group with a version of their own: the receiver (name, phones,
  address — a desensitised export's masked receiver never replaces a real one) and the seller's
  note and flag, whose version is a plain moment (`shoptool note` and merge-shipping write them
  at theirs);
- a few columns have a rule of their own: the first value stays (when an import first saw an
  order shipped), the larger (cash on delivery), the earlier (an opt-out's time).
Each value ends as the one of the newest row that has it, in whatever order the exports came.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..orders import STATUSES

BOOKKEEPING = ("updated_at", "import_id")
VERSION = "version"
STALE_FLAG = "_stale"  # set on waiting rows older than the stored ones


@dataclass(frozen=True)
class Group:
    """Columns that come from one row together, with a version column of their own."""

    columns: tuple[str, ...]
    version: str
    masked: str | None = None  # a row with masked = 1 never replaces one with masked = 0
    blank_keeps: bool = False  # a blank cell sets nothing (a note): else the group is taken whole
    by_time: bool = False  # the version is a moment only (others also write these values)


@dataclass(frozen=True)
class Rules:
    key: tuple[str, ...]
    status: str | None = None  # the life-cycle column
    events: tuple[str, ...] = ()  # event times: within one file, the row with the later one is newer
    keep_first: tuple[str, ...] = ()
    maximum: tuple[str, ...] = ()
    minimum: tuple[str, ...] = ()
    groups: tuple[Group, ...] = ()
    insert_only: tuple[str, ...] = ("first_seen_at",)
    json_merge: tuple[str, ...] = ("extra",)
    # (status, place) along the row's life when it is not an order's (a refund's: refunds.RULES)
    life: tuple[tuple[str, int], ...] | None = None

    def places(self) -> tuple[tuple[str, int], ...]:
        return self.life if self.life is not None else tuple((s, n) for n, s in enumerate(STATUSES))

    def data_columns(self, columns: Sequence[str]) -> list[str]:
        """The columns a file's rows carry that say something (not the key, not bookkeeping)."""
        skip = {*self.key, *self.insert_only, *BOOKKEEPING}
        return [c for c in columns if c not in skip]

    def groups_in(self, columns: Sequence[str]) -> list[Group]:
        return [g for g in self.groups if set(columns) & set(g.columns)]


def quote(text: str | None) -> str:
    return "NULL" if text is None else "'" + str(text).replace("'", "''") + "'"


def rank(rules: Rules, columns: Sequence[str], side: str, stored: str) -> str:
    """The place of `side`'s status in the order's life, as one digit; a file without the status
    column says nothing about it (the stored row's place)."""
    if not rules.status:
        return "'0'"
    source = side if rules.status in columns else stored
    whens = " ".join(f"WHEN '{status}' THEN '{n}'" for status, n in rules.places())
    return f"(CASE {source}.{rules.status} {whens} ELSE '0' END)"


def version_columns(rules: Rules, columns: Sequence[str]) -> list[tuple[str, Group | None]]:
    """The version columns a file with these columns carries: the row's, and its groups'."""
    return [(VERSION, None)] + [(g.version, g) for g in rules.groups_in(columns)]


def incoming_versions_sql(table: str, columns: Sequence[str], rules: Rules, source: str, snapshot: str) -> str:
    """Write each waiting row's versions into it (columns named like the table's version columns,
    so the merge reads them as excluded.<version>): '<rank>|<moment>', a plain moment for a group
    versioned by time, NULL for a group whose cells are all blank (it sets nothing)."""
    if rules.status and rules.status not in columns:  # the file says nothing of the status: the stored one's
        whens = " ".join(f"WHEN '{status}' THEN '{n}'" for status, n in rules.places())
        place = (f"COALESCE((SELECT CASE o.{rules.status} {whens} END FROM {table} o WHERE {_match(rules)}), '0')")
    else:
        place = rank(rules, columns, "p", "p")
    sets = []
    for column, group in version_columns(rules, columns):
        found = quote(snapshot) if group is not None and group.by_time else f"({place} || '|' || {quote(snapshot)})"
        if group is not None and group.blank_keeps:
            present = [c for c in group.columns if c in columns]
            found = f"CASE WHEN {' OR '.join(f'p.{c} IS NOT NULL' for c in present)} THEN {found} END"
        sets.append(f"{column} = {found}")
    return f"UPDATE {source} AS p SET {', '.join(sets)}"


class _Sql:
    def __init__(self, table: str, rules: Rules, columns: Sequence[str], snapshot: str, import_id: int):
        self.table, self.rules, self.columns = table, rules, list(columns)
        self.snapshot, self.import_id = snapshot, int(import_id)
        self.sets: list[str] = []
        self.changes: list[str] = []

    def later_event(self) -> str:
        """Within one file, at the same version: the row whose events are not older wins, so of two
        rows alike in status and times the later in the file does (as `address-check --orders`
        reads a file)."""
        present = [e for e in self.rules.events if e in self.columns]
        if not present:
            return "1"

        def latest(side: str) -> str:
            parts = [f"coalesce({side}.{e}, '')" for e in present]
            return parts[0] if len(parts) == 1 else f"max({', '.join(parts)})"

        return f"({latest('excluded')} >= {latest(self.table)})"

    def newer(self, group: Group | None = None) -> str:
        """The incoming row's values replace the stored ones."""
        stored = f"{self.table}.{group.version if group else VERSION}"
        mine = f"excluded.{group.version if group else VERSION}"
        return (f"({mine} > {stored} OR {stored} IS NULL OR ({mine} = {stored} AND "
                f"({self.table}.import_id IS NOT {self.import_id} OR {self.later_event()})))")

    def put(self, column: str, expr: str, *, counts: bool = True) -> None:
        self.sets.append(f"{column} = {expr}")
        if counts:
            self.changes.append(f"{self.table}.{column} IS NOT {expr}")


def upsert_sql(table: str, columns: Sequence[str], rules: Rules, snapshot: str, import_id: int, source: str,
               where: str = "true") -> str:
    """INSERT the rows of `source` (a table with `columns`; those matching `where`, in rowid order)
    into `table`, merging each one that meets a stored row by the rules above. Stored versions
    must be written out first (`fill_versions_sql`), and the incoming ones into `source`
    (`incoming_versions_sql`)."""
    sql = _Sql(table, rules, columns, snapshot, import_id)
    t = table
    newer = sql.newer()
    grouped = {c for g in rules.groups for c in g.columns}
    for column in rules.data_columns(columns):
        if column in grouped:
            continue
        if column in rules.keep_first:
            expr = f"COALESCE({t}.{column}, excluded.{column})"
        elif column in rules.maximum:
            expr = f"MAX({t}.{column}, excluded.{column})"
        elif column in rules.minimum:
            expr = (f"CASE WHEN excluded.{column} IS NULL THEN {t}.{column} WHEN {t}.{column} IS NULL "
                    f"THEN excluded.{column} ELSE MIN({t}.{column}, excluded.{column}) END")
        elif column in rules.json_merge:
            expr = (f"CASE WHEN {newer} THEN json_patch({t}.{column}, excluded.{column}) "
                    f"ELSE json_patch(excluded.{column}, {t}.{column}) END")
        else:
            expr = (f"CASE WHEN {newer} THEN COALESCE(excluded.{column}, {t}.{column}) "
                    f"ELSE COALESCE({t}.{column}, excluded.{column}) END")
        sql.put(column, expr)
    sql.put(VERSION, f"CASE WHEN {newer} THEN excluded.{VERSION} ELSE {t}.{VERSION} END")
    for group in rules.groups_in(columns):
        present = [c for c in group.columns if c in columns]
        take = sql.newer(group)
        if group.masked and group.masked in columns:
            m = group.masked
            take = (f"(CASE WHEN excluded.{m} = 1 AND {t}.{m} = 0 THEN 0 WHEN excluded.{m} = 0 AND {t}.{m} = 1 "
                    f"THEN 1 ELSE {take} END)")
        for column in present:
            if group.blank_keeps:
                expr = (f"CASE WHEN {take} THEN COALESCE(excluded.{column}, {t}.{column}) "
                        f"ELSE COALESCE({t}.{column}, excluded.{column}) END")
            else:
                expr = f"CASE WHEN {take} THEN excluded.{column} ELSE {t}.{column} END"
            sql.put(column, expr)
        moved = take
        if group.blank_keeps:  # only a value that was set moves the group's version
            moved = f"({take} AND ({' OR '.join(f'excluded.{c} IS NOT NULL' for c in present)}))"
        sql.put(group.version, f"CASE WHEN {moved} THEN excluded.{group.version} ELSE {t}.{group.version} END")
    for column in BOOKKEEPING:
        if column in columns:
            sql.put(column, f"excluded.{column}", counts=False)
    names = ", ".join([*columns, *(v for v, _ in version_columns(rules, columns))])
    return (f"INSERT INTO {t} ({names}) SELECT {names} FROM {source} WHERE {where} ORDER BY rowid "
            f"ON CONFLICT({', '.join(rules.key)}) DO UPDATE SET {', '.join(sql.sets)} "
            f"WHERE {' OR '.join(sql.changes) or '0'}")


def _match(rules: Rules, stored: str = "o", waiting: str = "p") -> str:
    return " AND ".join(f"{waiting}.{k} = {stored}.{k}" for k in rules.key)


def fill_versions_sql(table: str, columns: Sequence[str], rules: Rules, source: str) -> str:
    """Stored rows the waiting ones meet get their versions written out (NULL is the version of
    the import that wrote the row, with the row's status), so the merge compares plain columns.
    Every group's, not only those of this file: the merge moves the row's import_id."""
    versions = [(VERSION, None)] + [(g.version, g) for g in rules.groups]

    def stored_version(group: Group | None) -> str:
        found = "i.snapshot_at" if group is not None and group.by_time else (
            f"({rank(rules, (), table, table)} || '|' || i.snapshot_at)")
        if group is not None and group.blank_keeps:  # values never set have no version yet
            found = f"CASE WHEN {' OR '.join(f'{table}.{c} IS NOT NULL' for c in group.columns)} THEN {found} END"
        return found

    sets = ", ".join(f"{v} = COALESCE({table}.{v}, {stored_version(g)})" for v, g in versions)
    nulls = " OR ".join(f"{table}.{v} IS NULL" for v, g in versions if not (g and g.blank_keeps)) or "0"
    keys = ", ".join(rules.key)
    # driven by the waiting rows' keys: each finds its stored row by the primary key
    return (f"UPDATE {table} SET {sets} FROM (SELECT DISTINCT {keys} FROM {source}) AS p, imports AS i "
            f"WHERE {_match(rules, table)} AND i.id = {table}.import_id AND ({nulls})")


def mark_stale_sql(table: str, rules: Rules, source: str) -> str:
    """Flag the waiting rows that are older than the stored row they meet."""
    return (f"UPDATE {source} AS p SET {STALE_FLAG} = 1 WHERE EXISTS (SELECT 1 FROM {table} o "
            f"WHERE {_match(rules)} AND o.{VERSION} > p.{VERSION})")


def keep_stale_sql(table: str, columns: Sequence[str], rules: Rules, source: str, snapshot: str,
                   import_id: int) -> str:
    """Older rows are kept in history (`stale_rows`), not applied over newer data."""
    key = " || '|' || ".join(f"p.{k}" for k in rules.key)
    data = ", ".join(f"'{c}', p.{c}" for c in rules.data_columns(columns))
    known = f"substr(o.{VERSION}, instr(o.{VERSION}, '|') + 1)"
    return (f"INSERT INTO stale_rows (import_id, table_name, row_key, snapshot_at, known_at, data) "
            f"SELECT {int(import_id)}, '{table}', {key}, {quote(snapshot)}, {known}, json_object({data}) "
            f"FROM {source} p JOIN {table} o ON {_match(rules)} WHERE p.{STALE_FLAG} = 1 ORDER BY p.rowid")


def duplicates_sql(table: str, columns: Sequence[str], rules: Rules, source: str, import_id: int) -> str:
    """How many keys the file gives more than once with different content (rows waiting in
    `source`, and rows of this import already stored)."""
    data = rules.data_columns(columns)
    signature = f"json_array({', '.join(f'p.{c}' for c in data)})" if data else "''"
    key = ", ".join(f"p.{k}" for k in rules.key)
    bare = ", ".join(rules.key)
    differs = " OR ".join(f"o.{c} IS NOT p.{c}" for c in data) or "0"
    # only keys given twice are compared whole (most files give each key once)
    return f"""
        WITH repeated AS (SELECT {bare} FROM {source} GROUP BY {bare} HAVING count(*) > 1)
        SELECT count(*) FROM (
          SELECT {key} FROM repeated r JOIN {source} p ON {_match(rules, 'r')} GROUP BY {key}
            HAVING count(DISTINCT {signature}) > 1
          UNION
          SELECT {key} FROM {source} p JOIN {table} o ON {_match(rules)}
            WHERE o.import_id = {int(import_id)} AND ({differs})
        )"""


def counter_trigger_sql(table: str, columns: Sequence[str], rules: Rules, import_id: int, function: str) -> str:
    """A temporary trigger calling `function()` once for each row whose data this import changed:
    the `updated` count."""
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in rules.data_columns(columns)) or "0"
    return (f"CREATE TEMP TRIGGER _count_{table} AFTER UPDATE ON main.{table} "
            f"WHEN new.import_id = {int(import_id)} AND ({changed}) BEGIN SELECT {function}(); END")
