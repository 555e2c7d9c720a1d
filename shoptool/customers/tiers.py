"""Member tiers by spend OR frequency (the platform CRM's model): `[crm.tiers]` lists tiers in
ascending order, each reached by paying at least `spend` yuan or at least `orders` paid orders
within `crm.window` (default 365 days)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import ConfigError


@dataclass(frozen=True)
class Tier:
    name: str
    spend_fen: int | None  # None: not reachable by spend
    orders: int | None  # None: not reachable by frequency


def parse_tiers(table: Mapping) -> list[Tier]:
    """`{"普通会员": {"orders": 1}, "高级会员": {"spend": 1000, "orders": 3}, …}` → tiers, lowest
    first; thresholds must not go down from one tier to the next."""
    if not isinstance(table, Mapping) or not table:
        raise ConfigError("crm.tiers: expected a table of tiers, e.g. 高级会员 = {spend = 1000, orders = 3}")
    tiers: list[Tier] = []
    for name, rule in table.items():
        if not isinstance(rule, Mapping) or not ({"spend", "orders"} & set(rule)):
            raise ConfigError(f"crm.tiers.{name}: give spend (yuan) and/or orders, e.g. {{spend = 1000, orders = 3}}")
        unknown = set(rule) - {"spend", "orders"}
        if unknown:
            raise ConfigError(f"crm.tiers.{name}: unknown key(s) {', '.join(sorted(unknown))} (spend, orders)")
        try:
            spend = None if rule.get("spend") is None else round(float(rule["spend"]) * 100)
            orders = None if rule.get("orders") is None else int(rule["orders"])
        except (TypeError, ValueError):
            raise ConfigError(f"crm.tiers.{name}: spend and orders must be numbers") from None
        if (spend is not None and spend < 0) or (orders is not None and orders < 1):
            raise ConfigError(f"crm.tiers.{name}: spend must be ≥ 0 and orders ≥ 1")
        tiers.append(Tier(str(name), spend, orders))
    for lower, higher in zip(tiers, tiers[1:]):
        for attr in ("spend_fen", "orders"):
            a, b = getattr(lower, attr), getattr(higher, attr)
            if a is not None and b is not None and b < a:
                raise ConfigError(f"crm.tiers: {higher.name} needs less {attr.split('_')[0]} than {lower.name}; "
                                  "list tiers from lowest to highest")
    return tiers


def tier_of(tiers: list[Tier], *, orders: int, spend_fen: int) -> str | None:
    """The highest tier reached by spend or by paid orders (None: no paid order in the window)."""
    found = None
    for tier in tiers:
        if ((tier.orders is not None and orders >= tier.orders)
                or (tier.spend_fen is not None and spend_fen >= tier.spend_fen and orders > 0)):
            found = tier.name
    return found
