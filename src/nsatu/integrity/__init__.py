"""Integrity checks over the whole database (``nsatu check``), for data that bypassed the services:
imports from other tools, raw SQL fixes, old rows.

Guarantees: every check is a read-only query (nothing is flushed or committed), reports a count and a
few examples, and passes on any database written only through the domain services.
"""
