"""A tool's arguments: each a name, a JSON Schema and whether it is required. A few kinds cover
every option the jobs take; a tool's input schema is built from its list of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Param:
    name: str
    schema: dict = field(hash=False)
    required: bool = False


def text(name: str, description: str, *, required: bool = False, max_length: int = 1000) -> Param:
    schema = {"type": "string", "description": description, "maxLength": max_length}
    if required:
        schema["minLength"] = 1
    return Param(name, schema, required)


def flag(name: str, description: str) -> Param:
    return Param(name, {"type": "boolean", "default": False, "description": description})


def choice(name: str, values: Sequence[str], description: str, *, required: bool = False) -> Param:
    return Param(name, {"type": "string", "enum": list(values), "description": description}, required)


def choices(name: str, values: Sequence[str], description: str) -> Param:
    return Param(name, {"type": "array", "items": {"type": "string", "enum": list(values)}, "uniqueItems": True,
                        "description": description})


def number(name: str, description: str, *, minimum: int, maximum: int, default: int | None = None) -> Param:
    schema = {"type": "integer", "minimum": minimum, "maximum": maximum, "description": description}
    if default is not None:
        schema["default"] = default
    return Param(name, schema)


NOW = text("now", 'Pretend it is this moment, e.g. "2026-11-21 10:00" or 2026-11-21T10:00:00+08:00 (without an '
                  "offset it is shop time); default: the server's SHOPTOOL_NOW, else the real time.", max_length=40)
# Whoever asked for the write, as the notes log and the audit table record it. Never the
# config's [shop] staff: an agent acts for a person, and that person must be named.
STAFF = Param("staff", {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"\S",
                        "description": "Your staff id (客服工号) — who this is done for; recorded in the audit log. "
                                       "Required: the shop's default staff id is not used over MCP."}, True)


def input_schema(params: Sequence[Param]) -> dict:
    """The JSON Schema of a tool's arguments: an object of exactly these properties."""
    schema: dict = {"type": "object", "properties": {p.name: dict(p.schema) for p in params},
                    "additionalProperties": False}
    required = [p.name for p in params if p.required]
    if required:
        schema["required"] = required
    return schema
