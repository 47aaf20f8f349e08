"""Spreadsheets in and out: needs and offers as CSV or XLSX, with human, code-based columns.

Guarantees: an import validates every row before it writes any, reports every problem by spreadsheet
row and column, and then creates all rows through the domain services or none (the caller's
transaction rolls back when it raises); an export re-imports cleanly into an empty database.
"""
