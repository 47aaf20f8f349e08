"""Access to the public data files packaged under ``nsatu/data`` (each folder cites its source)."""

from __future__ import annotations

import csv
import io
from importlib.resources import files
from importlib.resources.abc import Traversable

#: Folders the demo reads; each must hold a ``SOURCE.md`` with the citation.
FOLDERS = (
    "kiel_ust_release7",
    "kiel_ust_release29",
    "nato_defence_expenditure",
    "memberships",
    "world_bank_gdp",
    "geo",
    "unlocode",
)


def data_root() -> Traversable:
    return files("nsatu") / "data"


def read_csv(folder: str, name: str) -> list[dict[str, str]]:
    """Every row of ``nsatu/data/<folder>/<name>`` as a dict keyed by the header."""
    text = (data_root() / folder / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))
