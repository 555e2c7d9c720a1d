"""`--fail-on`: which findings of a check make it exit 1 (PRODUCT §12), read the same way by every
check that takes it (repeatable, comma separated, unknown codes a usage error)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..errors import UsageError


def parse(values: Iterable[str] | None, allowed: Sequence[str], default: Sequence[str], *,
          noun: str = "code") -> tuple[str, ...]:
    """The findings named by `--fail-on a,b --fail-on c` in the order given, or `default` when the
    option is absent."""
    if values is None:
        return tuple(default)
    picked = [part.strip() for value in values for part in str(value).split(",") if part.strip()]
    unknown = [p for p in picked if p not in allowed]
    if unknown:
        raise UsageError(f"--fail-on: unknown {noun} {unknown[0]!r} (use {', '.join(allowed)})")
    return tuple(dict.fromkeys(picked))
