"""Integrity checks over the whole database (``nsatu check``): parent links, quantities, allocations
and valuations, however the rows got there (an import from another tool, a raw SQL fix, a need
cancelled after it was allocated).

Guarantees: every check is a read-only query (nothing is committed), reports how many rows break it
and a few of them by reference, and runs in a fixed order so that reports compare across runs.
"""
