"""Planner core tests: problem and plan formats, the independent checker (no database)."""
