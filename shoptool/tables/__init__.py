"""Spreadsheet I/O: the only package that reads or writes CSV and Excel files."""
