"""Typer wiring only: parse, call the domain, render."""

from .app import app

__all__ = ["app"]
