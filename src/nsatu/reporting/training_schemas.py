"""Read schemas of the ``training`` report as the API serves it (:mod:`nsatu.reporting.training_reports`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from nsatu.reporting.table import Report


class StatisticsRowRead(BaseModel):
    """One month (``YYYY-MM``), host nation (code) and course type; the rates are shares (0–1),
    ``null`` when their denominator is 0 (see ``notes``)."""

    month: str
    host_nation: str
    course_type: str
    events: int
    seats_offered: int
    attended: int
    trained: int
    failed: int
    no_shows: int
    fill_rate: float | None
    no_show_rate: float | None
    failure_rate: float | None


class MonthRead(BaseModel):
    month: str
    events: int
    seats_offered: int
    attended: int
    trained: int
    failed: int
    no_shows: int
    fill_rate: float | None
    no_show_rate: float | None
    failure_rate: float | None


class TrainedRead(BaseModel):
    month: str
    host_nation: str
    trained: int


class TotalRead(BaseModel):
    events: int
    seats_offered: int
    attended: int
    trained: int
    failed: int
    no_shows: int
    fill_rate: float | None
    no_show_rate: float | None
    failure_rate: float | None


class StatisticsRead(BaseModel):
    """The ``training`` report: people trained per month by host nation and course type, with
    the fill, no-show and failure rates, totals per month and overall, and how each is defined."""

    rows: list[StatisticsRowRead]
    months: list[MonthRead]
    trained_by_host_nation: list[TrainedRead]
    total: TotalRead
    notes: list[str]

    @classmethod
    def of(cls, report: Report) -> StatisticsRead:
        def rows(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
            return [dict(i) for i in items]

        return cls(
            rows=[StatisticsRowRead(**x) for x in rows(report.rows)],
            months=[MonthRead(**x) for x in rows(report.extra.get("months", []))],
            trained_by_host_nation=[
                TrainedRead(**x) for x in rows(report.extra.get("trained_by_host_nation", []))
            ],
            total=TotalRead(**rows(report.extra["total"])[0]),
            notes=list(report.notes),
        )
