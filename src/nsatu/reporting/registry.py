"""The reports by name. Each report module registers its builders here with :func:`report`; the
entry points look them up with :func:`get` and :func:`names`."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from nsatu.core.access import Actor
from nsatu.errors import NotFound
from nsatu.reporting.table import Report

Builder = Callable[[Session, Actor, Mapping[str, Any]], Report]

#: The modules that register reports; imported on first use.
MODULES = (
    "nsatu.reporting.kiel_reports",
    "nsatu.reporting.pipeline",
    "nsatu.reporting.training_reports",
)


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title: str
    summary: str
    build: Builder


_REPORTS: dict[str, ReportSpec] = {}


def report(name: str, title: str, summary: str) -> Callable[[Builder], Builder]:
    """Register ``build`` as the report ``name``."""

    def register(build: Builder) -> Builder:
        _REPORTS[name] = ReportSpec(name=name, title=title, summary=summary, build=build)
        return build

    return register


def _load() -> None:
    for module in MODULES:  # imported once; later calls find them in sys.modules
        importlib.import_module(module)


def names() -> list[str]:
    _load()
    return list(_REPORTS)


def get(name: str) -> ReportSpec:
    _load()
    try:
        return _REPORTS[name]
    except KeyError:
        raise NotFound(f"report {name!r} does not exist; reports: {', '.join(_REPORTS)}") from None
