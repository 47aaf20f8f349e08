"""Seat-plan core tests: rules on hand-checked instances, properties (no database)."""
