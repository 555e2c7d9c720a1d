"""Rows of one shape held as tuples and read as dicts (issue #25: memory at a million orders).

A check that must hold every finding until it can sort them (stock-check: one per SKU code of a
100,000-SKU shop) keeps each as a tuple of its values — about a third of a dict's memory — and
hands out a fresh dict per row when read, so every consumer (the writers, daily, the report,
tests) sees the same dicts as before. Plain data; no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

__all__ = ["Rows"]


class Rows(Sequence):
    """A read-only sequence of dicts with the keys `keys`, stored as tuples in that order."""

    __slots__ = ("keys", "tuples")

    def __init__(self, keys: Sequence[str], tuples: Iterable[tuple] = ()):
        self.keys = tuple(keys)
        self.tuples = tuples if isinstance(tuples, list) else list(tuples)

    @classmethod
    def of(cls, columns: Sequence, rows: Iterable) -> Rows:
        """`rows` (mappings) cut to the keys of `columns`, in their order: what a sheet of those
        columns writes, without the other keys."""
        keys = tuple(c.key for c in columns)
        return cls(keys, [tuple(row.get(k) for k in keys) for row in rows])

    def __len__(self) -> int:
        return len(self.tuples)

    def __getitem__(self, index):
        if isinstance(index, slice):
            keys = self.keys
            return [dict(zip(keys, values)) for values in self.tuples[index]]
        return dict(zip(self.keys, self.tuples[index]))

    def __iter__(self) -> Iterator[dict]:
        keys = self.keys
        for values in self.tuples:
            yield dict(zip(keys, values))

    def __eq__(self, other) -> bool:
        if isinstance(other, Rows):
            return self.keys == other.keys and self.tuples == other.tuples
        if isinstance(other, list):
            return list(self) == other
        return NotImplemented

    __hash__ = None  # mutable contents, like a list

    def __repr__(self) -> str:
        return f"Rows({len(self.tuples)} × {self.keys[:3]}…)"

    def index_of(self, key: str) -> int:
        return self.keys.index(key)

    def where(self, key: str, values: Iterable) -> Rows:
        """The rows whose `key` is one of `values`, in order; the tuples are shared, not copied."""
        at, wanted = self.keys.index(key), frozenset(values)
        return Rows(self.keys, [t for t in self.tuples if t[at] in wanted])

    def count_by(self, key: str) -> dict:
        """{value of `key`: rows}, in first-seen order."""
        at = self.keys.index(key)
        counts: dict = {}
        for values in self.tuples:
            counts[values[at]] = counts.get(values[at], 0) + 1
        return counts

    def sort(self, key: Callable[[tuple], object]) -> None:
        """Sort in place by a function of the stored tuple (stable, like list.sort)."""
        self.tuples.sort(key=key)
