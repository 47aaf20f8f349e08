"""Persistence: engine and session factory, the declarative base, ORM models and migrations.

Sessions never commit inside a service; :func:`nsatu.db.session.transaction` commits at the request,
command or job boundary.
"""
