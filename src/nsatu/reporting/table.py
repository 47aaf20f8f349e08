"""What every report returns: a table of rows with typed columns, its notes and its sources.

The same object is printed by the CLI (table, JSON, CSV, XLSX), served by the API and drawn by the
pages, so a figure is computed once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

ColumnKind = Literal["text", "int", "number", "eur_bn", "eur", "pct", "share", "date", "month"]


@dataclass(frozen=True)
class Column:
    """A column: its key in every row, its heading, and how its values are shown."""

    key: str
    label: str
    kind: ColumnKind = "text"


@dataclass(frozen=True)
class Report:
    """A computed report.

    ``rows`` are plain dicts keyed by the columns' keys; their JSON is the report's JSON. ``notes``
    say where the published data is inconsistent or what a figure leaves out; ``sources`` cite the
    data. ``extra`` holds further tables that belong to the same report (for instance country-group
    aggregates), each as a list of rows.
    """

    name: str
    title: str
    columns: Sequence[Column]
    rows: Sequence[Mapping[str, Any]]
    notes: Sequence[str] = ()
    sources: Sequence[str] = ()
    extra: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)
