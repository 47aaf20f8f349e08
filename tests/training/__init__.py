"""Training domain tests (database)."""
