"""The shop database: the only package that talks to SQLite."""

from .connect import open_db, write_transaction

__all__ = ["open_db", "write_transaction"]
