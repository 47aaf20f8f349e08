"""Pure logic: lifecycles, money and unit maths, identifiers, and (later) the planner.

Imports only the standard library, numpy and solver libraries. Nothing here knows about a database,
a web framework or a CLI, so everything here is tested in milliseconds.
"""
