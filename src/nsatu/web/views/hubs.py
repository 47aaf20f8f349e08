"""Execution pages: hubs with the alerts (``/hubs``) and their count for the layout's banner
(``/alerts/banner``), a hub's utilisation chart
(``/hubs/{id}``), its consignment board (``/hubs/{id}/board``) (both answer an HTMX request
for other days with their figures only), a consignment's event chain and
map (``/consignments/{id}``) and the scan-file import (``/events/import``).

Everything is read through :mod:`nsatu.logistics.hub_ops` and
:mod:`nsatu.logistics.tracking_view` (scoped: a hub operator sees its own hub only, a
consignment outside the caller's scope is the ordinary 404 page) and written through the ingest.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Request, UploadFile
from fastapi.params import File
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from nsatu.core.access import (
    Actor,
    Role,
    may_act_on_consignment,
    may_record_receipt,
    records_tracking_events,
)
from nsatu.core.geo import Box, project
from nsatu.delivery import receipts
from nsatu.errors import InvalidInput, PermissionDenied
from nsatu.logistics import hub_ops, ingest, scanfile, split_merge, tracking_view
from nsatu.logistics import split_schemas as ss
from nsatu.logistics.hub_schemas import AlertRead, UtilisationRead
from nsatu.web.auth import CurrentActor
from nsatu.web.deps import DbSession, PathId
from nsatu.web.views.forms import Failure, FormInvalid, PostedForm, RowId, submit
from nsatu.web.views.rendering import render, render_page_or_partial

router = APIRouter(tags=["pages"], include_in_schema=False)

#: Days shown by default: the last fortnight and the coming week.
BEFORE, AFTER = 13, 7
#: The largest scan file the page accepts (the CLI takes any size).
MAX_UPLOAD = 5 * 1024 * 1024
MAP = Box(560, 360, pad=28)


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _span(request: Request) -> tuple[dt.date, dt.date, dict[str, str]]:
    """``from``/``to`` of the query (defaults around today); a bad date is a 422 naming it."""
    params = {k: v for k, v in request.query_params.items() if k in ("from", "to") and v}
    today = _today()
    try:
        start = dt.date.fromisoformat(params["from"]) if "from" in params else None
        end = dt.date.fromisoformat(params["to"]) if "to" in params else None
    except ValueError as exc:
        raise InvalidInput("from/to: dates are YYYY-MM-DD", field="from") from exc
    span = dt.timedelta(days=BEFORE + AFTER)
    if start is None:
        start = end - span if end else today - dt.timedelta(days=BEFORE)
    if end is None:
        end = start + span
    return start, end, params


def _alerts(request: Request, session: Any) -> list[AlertRead]:
    settings = request.app.state.settings
    return [
        AlertRead.of(a)
        for a in hub_ops.alerts(
            session,
            today=_today(),
            late_after_days=settings.alert_late_after_days,
            window_days=settings.alert_window_days,
        )
    ]


@router.get("/hubs", name="hubs_list")
def hubs_list(request: Request, session: DbSession) -> Response:
    return render(
        request,
        "hubs/list.html",
        {"hubs": hub_ops.hubs(session), "alerts": _alerts(request, session)},
    )


@router.get("/alerts/banner", name="alert_banner")
def alert_banner(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    """The count of the alerts the caller may see, with a link to them (``/hubs``): the layout
    loads it lazily into every page of a signed-in user, so a page never waits for it."""
    found = _alerts(request, session) if actor.role is not Role.PUBLIC else []
    critical = sum(1 for a in found if a.severity == "critical")
    return render(request, "hubs/_alert_banner.html", {"count": len(found), "critical": critical})


@router.get("/hubs/{id}", name="hub_utilisation")
def hub_page(request: Request, session: DbSession, id: PathId) -> Response:
    start, end, params = _span(request)
    u = UtilisationRead.of(hub_ops.hub_utilisation(session, id, start=start, end=end))
    chart = {
        "labels": [d.on.isoformat() for d in u.days],
        "planned": [float(d.total.planned_in_t) for d in u.days],
        "actual": [float(d.total.actual_in_t) for d in u.days],
        "capacity": [
            None if d.total.capacity_t is None else float(d.total.capacity_t) for d in u.days
        ],
        "over": [d.over_capacity for d in u.days],
        "backlog": [d.backlog for d in u.days],
    }
    alerts = [a for a in _alerts(request, session) if a.hub_id == id]
    return render_page_or_partial(
        request,
        "hubs/utilisation.html",
        "hubs/_utilisation.html",
        {"u": u, "chart": chart, "params": params, "alerts": alerts, "today": _today()},
    )


@router.get("/hubs/{id}/board", name="hub_board")
def hub_board(request: Request, session: DbSession, id: PathId) -> Response:
    start, end, params = _span(request)
    if (end - start).days >= hub_ops.MAX_DAYS or end < start:
        raise InvalidInput(f"to: between from and {hub_ops.MAX_DAYS} days after it", field="to")
    b = tracking_view.board(session, id, start=start, end=end)
    width = len(b.days)

    def bar(first: dt.date, last: dt.date) -> dict[str, float]:
        lo = max((first - b.start).days, 0)
        hi = min((last - b.start).days + 1, width)
        return {"left": 100 * lo / width, "width": 100 * max(hi - lo, 0) / width}

    return render_page_or_partial(
        request,
        "hubs/board.html",
        "hubs/_board.html",
        {"b": b, "bar": bar, "params": params, "today": _today()},
    )


def _detail(
    request: Request,
    session: Session,
    actor: Actor,
    id: int,
    *,
    form: str = "",
    failure: Failure | None = None,
    values: dict[str, str] | None = None,
) -> dict[str, Any]:
    p = tracking_view.picture(session, id, today=_today())
    ids = sorted(p.sites)
    points = project([(float(p.sites[i].latitude), float(p.sites[i].longitude)) for i in ids], MAP)
    xy = dict(zip(ids, points, strict=True))
    # Proof of delivery is recorded once the goods are handed over (or confirmed received).
    pod = p.consignment.status in receipts.RECEIVABLE and may_record_receipt(actor)
    regroup = None
    if may_act_on_consignment(actor, "split") and split_merge.regroupable(p.consignment):
        lines = split_merge.lines_shown(session, id)
        regroup = {
            "lines": lines,
            "candidates": split_merge.merge_candidates(session, p.consignment),
            "form": form,
            "failure": failure,
            "errors": failure.errors if failure else {},
            "posted": values or {},
            # Shown next to their fields; anything else above the form.
            "fields": [f"move_{x.id}" for x in lines] + ["lines", "reference", "other"],
        }
    return {"p": p, "xy": xy, "map": MAP, "pod": pod, "regroup": regroup, "failure": failure}


@router.get("/consignments/{id}", name="consignment_detail")
def consignment_detail(
    request: Request, session: DbSession, actor: CurrentActor, id: PathId
) -> Response:
    return render(request, "consignments/detail.html", _detail(request, session, actor, id))


def _posted_int(form: PostedForm, name: str) -> int:
    raw = form.get(name)
    return int(raw) if isinstance(raw, str) and raw.strip().isdigit() else 0


def _split_request(form: PostedForm, lines: list[split_merge.LineShown]) -> ss.ConsignmentSplit:
    """The split form as the service's request: a line moves when its quantity is filled in."""
    moved: list[dict[str, Any]] = []
    names: list[str] = []
    for line in lines:
        raw = form.get(f"move_{line.id}")
        if isinstance(raw, str) and raw.strip() and raw.strip() != "0":
            moved.append({"line_id": line.id, "quantity": raw.strip()})
            names.append(f"move_{line.id}")
    if not moved:
        raise FormInvalid({"lines": "fill in the quantity to move for at least one line"})
    reference = form.get("reference")
    data = {
        "version": _posted_int(form, "version"),
        "lines": moved,
        "reference": reference.strip()
        if isinstance(reference, str) and reference.strip()
        else None,
    }
    try:
        return ss.ConsignmentSplit.model_validate(data)
    except ValidationError as exc:
        found: dict[str, str] = {}
        for err in exc.errors():
            loc = [str(x) for x in err.get("loc", ())]
            name = names[int(loc[1])] if len(loc) >= 2 and loc[0] == "lines" else loc[0]
            found.setdefault(name, str(err.get("msg", "invalid")))
        raise FormInvalid(found) from None


def _split_field(name: str, lines: list[split_merge.LineShown], moved: list[int]) -> str:
    """``lines.1.quantity`` from the service → the form's ``move_<line id>``."""
    parts = name.split(".")
    if (
        len(parts) == 3
        and parts[0] == "lines"
        and parts[1].isdigit()
        and int(parts[1]) < len(moved)
    ):
        return f"move_{moved[int(parts[1])]}"
    return name


@router.post("/consignments/{id}/split", name="consignment_split")
def consignment_split(
    request: Request, session: DbSession, actor: CurrentActor, id: RowId, form: PostedForm
) -> Response:
    lines = split_merge.lines_shown(session, id)
    moved = [x.id for x in lines if str(form.get(f"move_{x.id}") or "").strip() not in ("", "0")]

    def call() -> split_merge.Split:
        return split_merge.split_consignment(session, id, _split_request(form, lines))

    result = submit(session, call)
    if isinstance(result, Failure):
        result.errors = {_split_field(k, lines, moved): v for k, v in result.errors.items()}
        values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
        context = _detail(request, session, actor, id, form="split", failure=result, values=values)
        return render(request, "consignments/detail.html", context, status=result.status)
    return RedirectResponse(f"/consignments/{result.created.id}", status_code=303)


@router.post("/consignments/{id}/merge", name="consignment_merge")
def consignment_merge(
    request: Request, session: DbSession, actor: CurrentActor, id: RowId, form: PostedForm
) -> Response:
    other, _, other_version = str(form.get("other") or "").partition("@")

    def call() -> split_merge.Merge:
        if not other.isdigit():
            raise FormInvalid({"other": "choose the consignment to merge into this one"})
        data = ss.ConsignmentMerge.model_validate(
            {
                "consignments": [
                    {"id": id, "version": _posted_int(form, "version")},
                    {"id": int(other), "version": int(other_version or 0) or 1},
                ]
            }
        )
        return split_merge.merge_consignments(session, data)

    result = submit(session, call)
    if isinstance(result, Failure):
        # Whatever the service names about the other consignment is shown next to its choice.
        errors = {
            ("other" if k.startswith("consignments.1") else k): v for k, v in result.errors.items()
        }
        # A conflict (stale version, departed) names its field first: about the other one, it
        # goes next to the choice; about this consignment, above the form.
        named, sep, rest = (result.message or "").partition(": ")
        if sep and named.startswith("consignments.1."):
            errors["other"] = rest
            result.message = None
        result.errors = errors
        values = {"other": str(form.get("other") or "")}
        context = _detail(request, session, actor, id, form="merge", failure=result, values=values)
        return render(request, "consignments/detail.html", context, status=result.status)
    return RedirectResponse(f"/consignments/{result.merged.id}", status_code=303)


@router.get("/events/import", name="events_import")
def events_import_form(request: Request, actor: CurrentActor) -> Response:
    return render(
        request, "events/import.html", {"result": None, "may": records_tracking_events(actor)}
    )


@router.post("/events/import", name="events_import_post")
def events_import(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    file: Annotated[UploadFile, File()],
) -> Response:
    if not records_tracking_events(actor):
        raise PermissionDenied("only coordinators, hub operators and the recipient record events")
    raw = file.file.read(MAX_UPLOAD + 1)
    if len(raw) > MAX_UPLOAD:
        raise InvalidInput(f"file: larger than {MAX_UPLOAD // 1024 // 1024} MB", field="file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("file: not UTF-8 text", field="file") from exc
    try:
        events = scanfile.parse(text)
        result = ingest.ingest(session, events)
    except InvalidInput as exc:
        context = {"result": None, "error": exc.detail, "may": True, "name": file.filename}
        return render(request, "events/import.html", context, status=422)
    return render(
        request,
        "events/import.html",
        {"result": result, "may": True, "name": file.filename},
    )
