"""Hub operations and alerts over HTTP, read-only and scoped like every read: the figures are made
of the consignments the caller may see, and a hub operator is answered for its own hub only."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from nsatu.logistics import hub_ops
from nsatu.logistics.hub_schemas import AlertRead, UtilisationRead
from nsatu.web.deps import DbSession, PathId

router = APIRouter(tags=["hubs"])

Day = Annotated[dt.date | None, Query(description="a day (ISO 8601); default: today (UTC)")]


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@router.get(
    "/alerts",
    response_model=list[AlertRead],
    summary="Alerts: hubs over capacity (actual, or planned on coming days) and consignments "
    "behind their plan by more than NSATU_ALERT_LATE_AFTER_DAYS (a hub operator: its hub's)",
)
def list_alerts(request: Request, session: DbSession, on: Day = None) -> Any:
    settings = request.app.state.settings
    found = hub_ops.alerts(
        session,
        today=on or today(),
        late_after_days=settings.alert_late_after_days,
        window_days=settings.alert_window_days,
    )
    return [AlertRead.of(a) for a in found]


@router.get(
    "/hubs/{id}/utilisation",
    response_model=UtilisationRead,
    summary="A hub's throughput per day and mode (planned and actual) against its capacity, "
    "with backlog and dwell time (at most 366 days)",
)
def hub_utilisation(
    session: DbSession,
    id: PathId,
    start: Annotated[
        dt.date | None, Query(alias="from", description="first day; default: today − 13")
    ] = None,
    end: Annotated[
        dt.date | None, Query(alias="to", description="last day; default: today")
    ] = None,
) -> Any:
    last = end or today()
    first = start or last - dt.timedelta(days=13)
    return UtilisationRead.of(hub_ops.hub_utilisation(session, id, start=first, end=last))
