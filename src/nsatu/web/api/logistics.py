"""Tracking-event ingest over HTTP: a batch of scans in, counts and refusals out; refused events
listed and replayed. Scoped and permission-checked by the ingest itself (``nsatu.logistics``):
a hub operator records events at its own hub, a recipient planner proof of delivery, coordinators
anything; consignments outside the caller's scope are refused as not found. Also splitting and
merging consignments that have not departed (coordinators; ``logistics/split_merge.py``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from nsatu.logistics import ingest, rejections, split_merge
from nsatu.logistics import schemas as s
from nsatu.logistics import split_schemas as ss
from nsatu.shared.schemas import Page
from nsatu.web.crud_routes import page_of
from nsatu.web.deps import DbSession, PathId

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


@router.post(
    "/consignments/{id}/split",
    response_model=ss.SplitRead,
    status_code=201,
    summary="Split a consignment that has not departed: move lines (or part of a line) into a "
    "new consignment on the same route, with its legs copied (coordinators)",
)
def split_consignment(
    session: DbSession, id: PathId, data: Annotated[ss.ConsignmentSplit, Body()]
) -> Any:
    out = split_merge.split_consignment(session, id, data)
    return ss.SplitRead(
        source=s.ConsignmentRead.model_validate(out.source),
        created=s.ConsignmentRead.model_validate(out.created),
    )


@router.post(
    "/consignments/merge",
    response_model=ss.MergeRead,
    summary="Merge consignments that have not departed, on the same route, into the first one "
    "named (lines summed per offer line; the others cancelled) (coordinators)",
)
def merge_consignments(session: DbSession, data: Annotated[ss.ConsignmentMerge, Body()]) -> Any:
    out = split_merge.merge_consignments(session, data)
    return ss.MergeRead(
        merged=s.ConsignmentRead.model_validate(out.merged),
        cancelled=[s.ConsignmentRead.model_validate(x) for x in out.cancelled],
    )
