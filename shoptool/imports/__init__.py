"""Importing exports into the shop database (PRODUCT §3)."""
