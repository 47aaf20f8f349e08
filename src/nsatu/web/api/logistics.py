"""Tracking-event ingest over HTTP: a batch of scans in, counts and refusals out; refused events
listed and replayed. Scoped and permission-checked by the ingest itself (``nsatu.logistics``):
a hub operator records events at its own hub, a recipient planner proof of delivery, coordinators
anything; consignments outside the caller's scope are refused as not found."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from nsatu.logistics import ingest, rejections
from nsatu.logistics import schemas as s
from nsatu.shared.schemas import Page
from nsatu.web.crud_routes import page_of
from nsatu.web.deps import DbSession

router = APIRouter(tags=["tracking-events"])


def _report(result: ingest.IngestResult) -> dict[str, Any]:
    return {
        **result.counts(),
        "refusals": [vars(r) for r in result.refusals],
        "batch": result.batch,
    }


@router.post(
    "/tracking-events/batch",
    response_model=s.IngestReport,
    summary="Record a batch of tracking events (idempotent by event_id; late events replayed "
    "into place; impossible ones refused and kept with their reason)",
)
def ingest_batch(session: DbSession, data: Annotated[s.TrackingEventBatch, Body()]) -> Any:
    return _report(ingest.ingest(session, ingest.events_from_batch(data)))


@router.get(
    "/tracking-rejections",
    response_model=Page[s.RejectionRead],
    summary="Refused tracking events with their reasons (yours; all for coordinators, auditors)",
)
def list_rejections(session: DbSession, f: Annotated[s.RejectionFilter, Query()]) -> Any:
    return page_of(s.RejectionRead, rejections.list_rejections(session, f))


@router.post(
    "/tracking-rejections/replay",
    response_model=s.IngestReport,
    summary="Replay refused tracking events (the given ids, or every open one you see)",
)
def replay_rejections(session: DbSession, data: Annotated[s.ReplayRequest, Body()]) -> Any:
    return _report(rejections.replay(session, data.ids))
