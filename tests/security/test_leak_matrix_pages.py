"""The leak matrix of the server-rendered pages: every page GET route × every role.

The pages come from the app's route table (every ``GET`` outside ``/api``, and every mount). Each is
classified by its shape: the overview (``/``), a collection's list (``/needs``), its new form
(``/needs/new``), a record's page (``/needs/{id}``) and its edit form (``/needs/{id}/edit``), a page
only some roles may open at all (the audit trail, plan runs), or a page with no record content (the allowlist
``NO_RECORDS``, each with its reason). A page the matrix cannot classify fails
:func:`test_the_page_matrix_covers_every_page`: a new page cannot escape it. The collections, who
sees what, and the population are those of the API's matrix (:mod:`tests.security.test_leak_matrix`,
:mod:`tests.security.world`); what a caller may see is computed from the pure predicates of
:mod:`nsatu.core.access`, never from the code under test.

For every caller, every page it is served (lists with search, filter, sort and paging query strings,
the HTMX partials, detail pages, forms, exports, and the error pages it gets instead) must not show
the distinctive text (reference, title, description, note) of any record, of any collection, that
the caller may not see; a record's page and edit form answer an unseen record exactly as a missing
one (404 for the page). So that the check cannot pass by showing nothing, the lists and pages show
every record the caller may see, and the overview's counts are the counts of what it may see.
The public, which sees anonymised lines, never sees their donor on any list or on their pages.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine, String, Text, select, update
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import Role
from nsatu.core.lifecycles import OfferStage, PlanRunStatus, RequirementStatus
from nsatu.db import models
from nsatu.planning import runs
from nsatu.planning.schemas import PlanRunCreate
from nsatu.reporting import registry
from nsatu.settings import Settings
from nsatu.web.app import create_app
from tests.reporting import fixture_reports
from tests.security.signin import Caller
from tests.security.test_leak_matrix import COLLECTIONS, Matrix
from tests.security.world import build_world

#: Pages that show no record at all, and why they are outside the matrix. (The parameterless ones
#: are still fetched as every caller and searched, which costs nothing.)
NO_RECORDS = {
    "/login": "the sign-in form: a username and password field, no records",
    "/docs/oauth2-redirect": "Swagger UI's OAuth2 redirect helper: a fixed script, no records",
    "/static": "the stylesheet mount: files shipped with the package, no records",
    "/vendor": "the front-end packages mount (node_modules, when installed): files, no records",
    "/events/import": "the scan-file upload form (its answer to a POST lists what was sent)",
    "/alerts/banner": "the layout's alert banner: the count of the alerts the caller may see and a "
    "link to /hubs, no record's text (the alerts themselves: the hub pages below)",
    "/accountability": "counts of serials by item type and month; the serials and consignment "
    "references it names are those of consignments in the caller's scope, searched like any "
    "page's (every role: tests/web/test_api_delivery.py on the same service)",
    "/reports": "the list of reports: their names, titles and summaries, no records",
}

#: A report's page (``/reports/{name}``), run for every registered report and for a report that
#: lists the offer lines its caller may see (tests.reporting.fixture_reports), which must show
#: each of them and no other.
REPORT_PAGES = frozenset({"/reports/{name}"})
#: The public release: whoever asks, it shows nothing the public may not see.
PUBLIC_PAGES = frozenset({"/public"})

#: A record's sub-page answered like its page: 200 with the record for a caller who sees it,
#: 404 otherwise (the proof of delivery of a consignment).
SUB_PAGES = {"/consignments/{id}/receipt": "consignments"}

#: A hub's pages (and the hubs with their alerts): every caller sees every hub but a hub operator,
#: who sees its own only (another is a 404, as a missing one). Their figures, boards and alerts are
#: made of the consignments the caller may see, whose texts are searched like any page's.
HUB_PAGES = frozenset({"/hubs", "/hubs/{id}", "/hubs/{id}/board"})
#: The days the world's legs are planned on (set by the fixture), and the days the pages show.
LEG_DAYS = (dt.date(2025, 3, 1), dt.date(2025, 3, 2))
HUB_SPAN = {"from": "2025-02-25", "to": "2025-03-10"}

#: The training pages. Courses and events are visible to all; the calendar's seat fill and an
#: event's page are made of the seat requests and participants the caller may see, whose texts are
#: searched like any page's. A course's page is a record's page like any other. The readiness
#: board names the needs, consignments, events and seat requests of the packages the caller may
#: see (every need of the world is a component of its package).
TRAINING_PAGES = {
    "/training": "training-events",
    "/training/events/{id}": "training-events",
    "/training/readiness": "needs",
}
#: The counts of the readiness board a caller may open.
READINESS_SHOWN = ("ready", "waiting_for_equipment", "waiting_for_training")
#: The month of the world's training events, and the calendar's filters run in it.
TRAINING_MONTH = "2026-03"


#: Pages only some roles may open; every other caller gets 404, as for no page. Their content is
#: searched like any other page's (the readers may see every record, so nothing is unseen).
AUDIT_READERS = frozenset({Role.COORDINATOR, Role.AUDITOR})
#: Plan runs (their snapshot holds every open need and offer line): ``plan_run_visible``.
PLAN_READERS = frozenset({Role.COORDINATOR, Role.AUDITOR})
GATED = {
    "/audit": AUDIT_READERS,
    "/audit/export": AUDIT_READERS,
    "/audit/{seq}": AUDIT_READERS,
    "/plans": PLAN_READERS,
    "/plans/{id}": PLAN_READERS,
    "/plans/{id}/progress": PLAN_READERS,
    # The seat plan reads every open seat request and bookable event, like a plan run.
    "/training/plan": PLAN_READERS,
}

#: The columns whose values identify a record on a page. Reference data (nations, sites …) is
#: visible to all; for the scoped collections, every record with one of these columns gets a value
#: of its own in the world.
TEXT_COLUMNS = ("reference", "title", "description", "note", "notes", "code", "name", "public_name")
#: Scoped collections without any text column of their own, and why that is fine: a page showing
#: one names it through its consignment, whose reference and notes are searched.
NO_TEXT = {
    "consignment-lines": "quantity and ids only; shown through its consignment",
    "consignment-legs": "sites, mode and dates only; shown through its consignment",
    "package-components": "its role in the package (launchers, radar …) and ids only; a page "
    "names it through its need, whose reference is searched",
}
#: A row id that no record has.
MISSING_ID = 999_999_999

#: Query strings every list page is served with: plain, every record on one page, a search,
#: a later page (and each sort it offers, see ``_SORT_KEY``). ``q=SEC-`` matches every scoped
#: record's reference; the search box echoes the query, so the query itself is never a record's
#: text.
COMMON_QUERIES: tuple[dict[str, str], ...] = (
    {},
    {"size": "500"},
    {"q": "SEC-", "size": "500"},
    {"page": "2", "size": "3"},
)
#: The sort keys a list offers are the ``data-sort`` of its column headers; each is run descending.
_SORT_KEY = re.compile(r'data-sort="([^"]+)"')


def _extra_queries(collection: str, m: Matrix) -> list[dict[str, str]]:
    """The filters of each list, aimed at records some callers may not see."""
    w = m.world
    match collection:
        case "needs":
            return [
                *({"status": str(s), "size": "500"} for s in RequirementStatus),
                {"priority": "1", "period": "2025-02", "size": "500"},
                {"q": "Need draft", "size": "500"},
            ]
        case "offers":
            return [
                *({"donor": n.code, "size": "500"} for n in w.nations.values()),
                {"stage": str(OfferStage.COMMITTED), "kind": "in_kind_stock", "size": "500"},
                *({"q": f"Offer {owner}", "size": "500"} for owner in w.nations),
            ]
        case "audit":
            return [
                {"entity": "offer_line", "size": "500"},
                {"entity": "requirement", "action": "create", "size": "500"},
            ]
        case "audit/export":
            return [{"format": "csv"}, {"format": "json"}, {"entity": "allocation"}]
        case "plans":
            return [{"status": "finished"}, {"page": "2", "size": "1"}]
    return []


# --- The route table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    path: str
    kind: str  # home | list | form | detail | edit | gated | hubs | reports | public | no-records
    collection: str = ""

    def __str__(self) -> str:
        return self.path


@functools.cache
def page_routes() -> frozenset[str]:
    """Every path the app serves outside ``/api`` with ``GET`` (and every mount), from its route
    table, routers included in routers too and routes left out of the OpenAPI schema."""
    # Any existing directory as the assets: the /vendor mount is then always in the table, whether
    # or not node_modules is installed.
    assets = Path(__file__).resolve().parent
    app = create_app(Settings(database_url="sqlite://", assets_dir=assets))
    return frozenset(
        route.path
        for route in iter_route_contexts(app.routes)
        if route.path is not None and route.path != "/api" and not route.path.startswith("/api/")
        if not route.methods or "GET" in route.methods
    )


#: The pages classified by their path alone: path → (kind, collection).
BY_PATH: dict[str, tuple[str, str]] = {
    **dict.fromkeys(HUB_PAGES, ("hubs", "consignments")),
    **dict.fromkeys(REPORT_PAGES, ("reports", "offers")),
    **dict.fromkeys(PUBLIC_PAGES, ("public", "offers")),
    **{path: ("detail", collection) for path, collection in SUB_PAGES.items()},
    **{path: ("training", collection) for path, collection in TRAINING_PAGES.items()},
    "/training/courses/{id}": ("detail", "courses"),
}


def classify(path: str) -> Page | None:
    """The matrix case of a page, or ``None`` when the matrix does not know how to run it."""
    if path in NO_RECORDS:
        return Page(path, "no-records")
    if path in GATED:
        return Page(path, "gated", path.removeprefix("/").split("/")[0])
    if path in BY_PATH:
        return Page(path, *BY_PATH[path])
    if path == "/":
        return Page(path, "home")
    parts = path.removeprefix("/").split("/")
    if parts[0] not in COLLECTIONS:
        return None
    match parts[1:]:
        case []:
            return Page(path, "list", parts[0])
        case ["new"]:
            return Page(path, "form", parts[0])
        case [param] if param.startswith("{"):
            return Page(path, "detail", parts[0])
        case [param, "edit"] if param.startswith("{"):
            return Page(path, "edit", parts[0])
    return None


PAGES = sorted((p for path in page_routes() if (p := classify(path)) is not None), key=str)


def test_the_page_matrix_covers_every_page() -> None:
    uncovered = sorted(path for path in page_routes() if classify(path) is None)
    assert not uncovered, (
        "these pages are not in the page leak matrix; give their collection a shape that "
        "classify() knows (or, if they show no record, add them to NO_RECORDS with the reason): "
        f"{uncovered}"
    )
    stale = sorted(path for path in (*NO_RECORDS, *GATED) if path not in page_routes())
    assert not stale, f"NO_RECORDS or GATED names pages that no longer exist: {stale}"


# --- Fixtures: one world per backend, shared by every page -------------------------------------


@dataclass
class Pages:
    m: Matrix
    #: The distinctive texts of every record, by (collection, id).
    texts: dict[tuple[str, int], tuple[str, ...]]
    #: The audit entries' numbers (first and last).
    seqs: tuple[int, int]
    #: The plan runs: one finished, one queued.
    plan_runs: tuple[int, int]

    def unseen(self, caller: Caller) -> dict[str, str]:
        """Text → label of every record ``caller`` may not see."""
        return {
            text: rec.label
            for name, coll in COLLECTIONS.items()
            for rec in self.m.world.records[name]
            if not coll.visible(caller.actor, rec.facts)
            for text in self.texts[name, rec.id]
        }

    def seen(self, caller: Caller, collection: str) -> dict[int, tuple[str, ...]]:
        """Id → texts of every record of ``collection`` that ``caller`` may see."""
        coll = COLLECTIONS[collection]
        return {
            rec.id: self.texts[collection, rec.id]
            for rec in self.m.world.records[collection]
            if coll.visible(caller.actor, rec.facts)
        }


def _texts(m: Matrix) -> dict[tuple[str, int], tuple[str, ...]]:
    texts = {}
    for name, coll in COLLECTIONS.items():
        table = coll.model.__table__
        columns = [
            c.name
            for c in table.columns
            if c.name in TEXT_COLUMNS and isinstance(c.type, String | Text)
        ]
        for rec in m.world.records[name]:
            row = m.row(coll.model, rec.id)
            assert row is not None, rec.label
            texts[name, rec.id] = tuple(
                str(row[c]) for c in columns if row[c] is not None and len(str(row[c])) >= 5
            )
    return texts


@pytest.fixture(scope="module")
def pages(engine: Engine) -> Iterator[Pages]:
    conn = engine.connect()
    outer = conn.begin()
    factory = sessionmaker(
        bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    with factory() as session:
        world = build_world(session)
        # Planned in the past and never scanned: every consignment is on its hub's board and
        # behind its plan, so the hub pages show every consignment the caller may see.
        session.execute(
            update(models.ConsignmentLeg).values(
                planned_departure_on=LEG_DAYS[0], planned_arrival_on=LEG_DAYS[1]
            )
        )
        session.commit()
    plan_runs = _plan_runs(factory)
    app = create_app(Settings(database_url="sqlite://"), session_factory=factory)
    with TestClient(app, raise_server_exceptions=False) as client:
        m = Matrix(world, client, conn)
        entries = list(conn.scalars(select(models.AuditEntry.seq).order_by(models.AuditEntry.seq)))
        assert entries, "building the world wrote no audit entry"
        yield Pages(m, _texts(m), (entries[0], entries[-1]), plan_runs)
    outer.rollback()
    conn.close()


def _plan_runs(factory: sessionmaker[Session]) -> tuple[int, int]:
    """A finished plan run of the world (its summary names the world's needs) and a queued one
    (its page shows the progress), started and solved in-process."""
    ids = []
    for _ in range(2):
        with factory() as session:
            run = runs.start_run(session, None, PlanRunCreate(horizon_days=30, time_limit_s=10))
            session.commit()
            ids.append(run.id)
    assert runs.execute_run(factory, ids[0]).status is PlanRunStatus.FINISHED
    return ids[0], ids[1]


# --- The checks --------------------------------------------------------------------------------


def _get(
    p: Pages, caller: Caller, path: str, params: dict[str, str] | None = None, **headers: str
) -> Any:
    return p.m.client.get(
        path, params=params, headers=caller.headers | headers, follow_redirects=False
    )


def _outcome(r: Any) -> str:
    """The status, with a redirect named by where it leads (the public is sent to sign in)."""
    if r.is_redirect:
        return f"{r.status_code} to {r.headers['location'].split('?')[0]}"
    return str(r.status_code)


#: What a page may answer a caller who may not use it at all: refused, or (the public) sent to
#: sign in.
REFUSED = {"403", "303 to /login"}


def _leaks(p: Pages, caller: Caller, where: str, response: Any) -> list[str]:
    """A problem for each unseen record whose text the response shows."""
    body = response.text
    return [
        f"{caller.name}: {where} ({response.status_code}) shows {label!r}: {text!r}"
        for text, label in p.unseen(caller).items()
        if text in body
    ]


def _check_home(p: Pages, page: Page, caller: Caller) -> list[str]:
    r = _get(p, caller, page.path)
    if r.status_code != 200:
        return [f"{caller.name}: answered {r.status_code}"]
    problems = _leaks(p, caller, page.path, r)
    # The counts are what the caller may see: an aggregate must not reveal unseen records either.
    for table, collection, field in (
        ("need-counts", "needs", "status"),
        ("offer-counts", "offers", "stage"),
    ):
        shown = _counts(r.text, table)
        if shown is None:
            problems.append(f"{caller.name}: the overview has no table #{table}")
            continue
        coll, records = COLLECTIONS[collection], p.m.world.records[collection]
        expected: dict[str, int] = {}
        for rec in records:
            if coll.visible(caller.actor, rec.facts):
                value = str(p.m.row(coll.model, rec.id)[field])  # type: ignore[index]
                expected[value] = expected.get(value, 0) + 1
        if {k: v for k, v in shown.items() if v} != expected:
            problems.append(f"{caller.name}: #{table} counts {shown}, may see {expected}")
    return problems


_COUNT_ROW = re.compile(r'href="/\w+\?(?:status|stage)=(\w+)">([\d,]+)</a>')


def _counts(html: str, table_id: str) -> dict[str, int] | None:
    """The per-state numbers of the overview's table ``table_id``."""
    m = re.search(rf'id="{table_id}".*?</table>', html, re.DOTALL)
    if m is None:
        return None
    return {state: int(n.replace(",", "")) for state, n in _COUNT_ROW.findall(m.group(0))}


def _check_list(p: Pages, page: Page, caller: Caller) -> list[str]:
    problems = []
    keys = sorted(set(_SORT_KEY.findall(_get(p, caller, page.path).text)))
    sorts = [{"sort": f"-{key}", "size": "500"} for key in keys]
    queries = [*COMMON_QUERIES, *sorts, *_extra_queries(page.collection, p.m)]
    for params in queries:
        for partial in (False, True):
            headers = {"HX-Request": "true"} if partial else {}
            r = _get(p, caller, page.path, params, **headers)
            where = f"{page.path}?{params}{' (partial)' if partial else ''}"
            if r.status_code != 200:
                problems.append(f"{caller.name}: {where} answered {r.status_code} {r.text[:200]}")
            problems += _leaks(p, caller, where, r)
    # Not empty by accident: with every record on one page, every record the caller may see is on
    # it.
    r = _get(p, caller, page.path, {"size": "500"})
    for texts in p.seen(caller, page.collection).values():
        if texts and not any(t in r.text for t in texts):
            problems.append(f"{caller.name}: {page.path} omits {texts[0]!r}, which it may see")
    return problems


def _check_form(p: Pages, page: Page, caller: Caller) -> list[str]:
    r = _get(p, caller, page.path)
    problems = _leaks(p, caller, page.path, r)
    if _outcome(r) not in {"200", *REFUSED}:
        problems.append(f"{caller.name}: answered {_outcome(r)}, not 200 or a refusal")
    return problems


def _check_detail(p: Pages, page: Page, caller: Caller) -> list[str]:
    coll = COLLECTIONS[page.collection]
    missing = _get(p, caller, _with_id(page.path, MISSING_ID))
    problems = _leaks(p, caller, f"{page.path} of no record", missing)
    if missing.status_code != 404:
        problems.append(f"{caller.name}: no record answered {missing.status_code}, not 404")
    for rec in p.m.world.records[page.collection]:
        path = _with_id(page.path, rec.id)
        r = _get(p, caller, path)
        problems += _leaks(p, caller, path, r)
        texts = p.texts[page.collection, rec.id]
        if not coll.visible(caller.actor, rec.facts):
            if r.status_code != 404:
                problems.append(f"{caller.name}: {rec.label} answered {r.status_code}, not 404")
        elif r.status_code != 200:
            problems.append(f"{caller.name}: {rec.label} answered {r.status_code}, not 200")
        elif texts and not any(t in r.text for t in texts):
            problems.append(f"{caller.name}: the page of {rec.label} does not show {texts[0]!r}")
    return problems


def _check_edit(p: Pages, page: Page, caller: Caller) -> list[str]:
    """An unseen record's edit form answers as a missing record's does (404, or a refusal when the
    caller may edit nothing of the kind), and shows nothing of it."""
    coll = COLLECTIONS[page.collection]
    missing = _get(p, caller, _with_id(page.path, MISSING_ID))
    problems = _leaks(p, caller, f"{page.path} of no record", missing)
    if _outcome(missing) not in {"404", *REFUSED}:
        problems.append(f"{caller.name}: no record answered {_outcome(missing)}")
    for rec in p.m.world.records[page.collection]:
        path = _with_id(page.path, rec.id)
        r = _get(p, caller, path)
        problems += _leaks(p, caller, path, r)
        if not coll.visible(caller.actor, rec.facts):
            if _outcome(r) != _outcome(missing):
                problems.append(
                    f"{caller.name}: {rec.label} answered {_outcome(r)}, unlike a missing "
                    f"record ({_outcome(missing)})"
                )
        elif coll.may_change(caller.actor, rec.facts, "update") and r.status_code != 200:
            problems.append(f"{caller.name}: the editor of {rec.label} got {_outcome(r)}")
        elif _outcome(r) not in {"200", *REFUSED}:
            problems.append(f"{caller.name}: {rec.label} answered {_outcome(r)}")
    return problems


def _check_gated(p: Pages, page: Page, caller: Caller) -> list[str]:
    expected = 200 if caller.actor.role in GATED[page.path] else 404
    if "{" in page.path:
        ids = p.plan_runs if page.collection == "plans" else p.seqs
        cases = [(_with_id(page.path, i), None) for i in ids]
    else:
        cases = [(page.path, q) for q in ({}, *_extra_queries(page.path.strip("/"), p.m))]
    problems = []
    for path, params in cases:
        r = _get(p, caller, path, params)
        problems += _leaks(p, caller, f"{path}?{params or ''}", r)
        if r.status_code != expected:
            problems.append(f"{caller.name}: {path}?{params or ''} answered {r.status_code}")
    return problems


def _check_hubs(p: Pages, page: Page, caller: Caller) -> list[str]:
    w, coll = p.m.world, COLLECTIONS["consignments"]
    actor = caller.actor
    cases: list[tuple[str, int | None, int]] = []
    if page.path == "/hubs":
        cases.append(("/hubs", None, 200))
    else:
        cases.append((_with_id(page.path, MISSING_ID), None, 404))
        for hub in w.hubs.values():
            own = actor.role is not Role.HUB_OPERATOR or actor.site_id == hub.id
            cases.append((_with_id(page.path, hub.id), hub.id, 200 if own else 404))
    problems = []
    for path, hub_id, expected in cases:
        if page.path != "/hubs":  # the figures alone, as the span form's HTMX request gets them
            partial = _get(p, caller, path, HUB_SPAN, **{"HX-Request": "true"})
            problems += _leaks(p, caller, f"{path} (partial)", partial)
            if partial.status_code != expected:
                problems.append(f"{caller.name}: {path} (partial) answered {partial.status_code}")
        r = _get(p, caller, path, HUB_SPAN)
        problems += _leaks(p, caller, path, r)
        if r.status_code != expected:
            problems.append(f"{caller.name}: {path} answered {r.status_code}, not {expected}")
        if r.status_code != 200 or page.path == "/hubs/{id}":
            continue
        # Not empty by accident: the alerts (every consignment is late) and each board name every
        # consignment the caller may see (through that hub).
        for rec in w.records["consignments"]:
            through = hub_id is None or hub_id in rec.facts["site_ids"]
            texts = p.texts["consignments", rec.id]
            if through and coll.visible(actor, rec.facts) and not any(t in r.text for t in texts):
                problems.append(f"{caller.name}: {path} omits {rec.label}, which it may see")
    return problems


def _check_training(p: Pages, page: Page, caller: Caller) -> list[str]:
    w = p.m.world
    if page.path == "/training/events/{id}":
        problems = _check_detail(p, page, caller)
        # Not empty by accident: an event's page lists the seat requests on it the caller may see.
        for rec in w.records["seat-requests"]:
            row = p.m.row(models.SeatRequest, rec.id)
            assert row is not None
            texts = p.texts["seat-requests", rec.id]
            if row["training_event_id"] is None or rec.id not in p.seen(caller, "seat-requests"):
                continue
            r = _get(p, caller, _with_id(page.path, row["training_event_id"]))
            if texts and not any(t in r.text for t in texts):
                problems.append(f"{caller.name}: the event's page omits {rec.label}")
        return problems
    if page.path == "/training/readiness":
        return _check_readiness(p, page, caller)
    problems = []
    month = {"month": TRAINING_MONTH}
    hosts = [{**month, "host": str(n.id)} for n in w.nations.values()]
    for params in ({}, month, *hosts, {**month, "area": str(w.area_id)}):
        for partial in (False, True):
            headers = {"HX-Request": "true"} if partial else {}
            r = _get(p, caller, page.path, params, **headers)
            where = f"{page.path}?{params}{' (partial)' if partial else ''}"
            if r.status_code != 200:
                problems.append(f"{caller.name}: {where} answered {r.status_code}")
            problems += _leaks(p, caller, where, r)
    # Not empty by accident: the month's calendar draws every course's event.
    r = _get(p, caller, page.path, month)
    for texts in p.seen(caller, "courses").values():
        if texts and not any(t in r.text for t in texts):
            problems.append(f"{caller.name}: the calendar omits the event of {texts[0]!r}")
    return problems


def _check_reports(p: Pages, page: Page, caller: Caller) -> list[str]:
    problems = []
    with fixture_reports.registered():
        for name in registry.names():
            path = _with_id(page.path, 0).replace("/0", f"/{name}")
            r = _get(p, caller, path)
            problems += _leaks(p, caller, path, r)
            # A tracker report answers 404 until its release is imported; nothing else.
            if r.status_code not in (200, 404) or (
                name == fixture_reports.OFFERS and r.status_code != 200
            ):
                problems.append(f"{caller.name}: {path} answered {r.status_code}")
            if name != fixture_reports.OFFERS:
                continue
            for texts in p.seen(caller, "offers").values():
                if texts and not any(t in r.text for t in texts):
                    problems.append(f"{caller.name}: {path} omits {texts[0]!r}, which it may see")
    return problems


def _check_public(p: Pages, page: Page, caller: Caller) -> list[str]:
    """Whoever asks, the public release shows only what the public may see, and all of it."""
    public = p.m.world.caller(Role.PUBLIC)
    r = _get(p, caller, page.path)
    if r.status_code != 200:
        return [f"{caller.name}: {page.path} answered {r.status_code}"]
    problems = _leaks(p, public, f"{page.path} as {caller.name}", r)
    for collection in ("offers", "needs"):
        for texts in p.seen(public, collection).values():
            if texts and not any(t in r.text for t in texts):
                problems.append(f"{caller.name}: {page.path} omits {texts[0]!r}, which is public")
    return problems


def _check_readiness(p: Pages, page: Page, caller: Caller) -> list[str]:
    area = p.m.row(models.CapabilityArea, p.m.world.area_id)
    assert area is not None
    problems = []
    shown = [{"show": s} for s in READINESS_SHOWN]
    for params in (
        {},
        {"area": area["code"]},
        *shown,
        *({"area": area["code"]} | s for s in shown),
    ):
        for partial in (False, True):
            headers = {"HX-Request": "true"} if partial else {}
            r = _get(p, caller, page.path, params, **headers)
            where = f"{page.path}?{params}{' (partial)' if partial else ''}"
            if r.status_code != 200:
                problems.append(f"{caller.name}: {where} answered {r.status_code}")
            problems += _leaks(p, caller, where, r)
    # Not empty by accident: nothing is allocated, so the package waits for equipment, and the
    # count opened lists every need the caller may see.
    r = _get(p, caller, page.path, {"show": "waiting_for_equipment"})
    for texts in p.seen(caller, "needs").values():
        if texts and not any(t in r.text for t in texts):
            problems.append(f"{caller.name}: the readiness board omits the need {texts[0]!r}")
    return problems


def _check_no_records(p: Pages, page: Page, caller: Caller) -> list[str]:
    if "{" in page.path or page.path in ("/static", "/vendor"):
        return []
    return _leaks(p, caller, page.path, _get(p, caller, page.path))


def _with_id(path: str, id_: int) -> str:
    return re.sub(r"\{[^}]+\}", str(id_), path)


CHECKS = {
    "home": _check_home,
    "list": _check_list,
    "form": _check_form,
    "detail": _check_detail,
    "edit": _check_edit,
    "gated": _check_gated,
    "hubs": _check_hubs,
    "training": _check_training,
    "reports": _check_reports,
    "public": _check_public,
    "no-records": _check_no_records,
}


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_no_page_leaks(pages: Pages, page: Page) -> None:
    problems = [
        problem
        for caller in pages.m.world.callers
        for problem in CHECKS[page.kind](pages, page, caller)
    ]
    assert not problems, f"{page}: {len(problems)} problems:\n" + "\n".join(problems[:40])


def test_the_page_matrix_is_sound(pages: Pages) -> None:
    """Every role is a caller; every kind of page is run; every record that some caller may not
    see (but those with no text column) has a text of its own, which no other record's text
    contains, so that finding it on a page means that record is shown; and every caller but the
    audit readers has records it may not see."""
    w = pages.m.world
    assert {c.actor.role for c in w.callers} == set(Role)
    assert {p.kind for p in PAGES} == set(CHECKS)
    every = [t for texts in pages.texts.values() for t in texts]
    twice = sorted(t for t, n in Counter(every).items() if n > 1)
    assert not twice, f"texts of more than one record: {twice}"
    for name in COLLECTIONS:
        for rec in w.records[name]:
            texts = pages.texts[name, rec.id]
            hidden = any(not COLLECTIONS[name].visible(c.actor, rec.facts) for c in w.callers)
            assert texts or name in NO_TEXT or not hidden, f"{rec.label} has no text to look for"
            for t in texts:
                others = [o for o in every if t in o and o != t]
                assert not others, f"{rec.label}: {t!r} is part of {others}"
    for caller in w.callers:
        if caller.actor.role not in AUDIT_READERS:
            assert pages.unseen(caller), f"{caller.name} may see everything: nothing to test"


_ROW = re.compile(r"<tr\b.*?</tr>", re.DOTALL)


def test_no_page_discloses_an_anonymised_donor_to_the_public(pages: Pages) -> None:
    """The public sees an anonymised line (the world has one of each donor), never who gave it:
    neither the donor's name nor a link to it or to the line's origin site is in the line's row
    of any list, nor anywhere on the line's own page."""
    w, public = pages.m.world, pages.m.world.caller(Role.PUBLIC)
    anonymous = [
        rec
        for rec in w.records["offers"]
        if (row := pages.m.row(models.OfferLine, rec.id)) and row["anonymise_donor"]
    ]
    assert len(anonymous) == len(w.nations)
    problems = []
    for rec in anonymous:
        row = pages.m.row(models.OfferLine, rec.id)
        assert row is not None
        owner = next(o for o, n in w.nations.items() if n.id == row["donor_nation_id"])
        donor = (w.nations[owner].name, f'"/nations/{row["donor_nation_id"]}"')
        origin = f'"/sites/{row["origin_site_id"]}"'
        secrets = (*donor, origin)
        detail = _get(pages, public, f"/offers/{rec.id}")
        if detail.status_code != 200 or row["reference"] not in detail.text:
            problems.append(f"the public cannot see {rec.label} ({detail.status_code})")
        problems += [f"/offers/{rec.id} shows {s}" for s in secrets if s in detail.text]
        for page in PAGES:
            if page.kind not in ("home", "list"):
                continue
            for params in (*COMMON_QUERIES, *_extra_queries(page.collection, pages.m)):
                html = _get(pages, public, page.path, params).text
                for tr in _ROW.findall(html):
                    if row["reference"] in tr:
                        problems += [
                            f"{page.path}?{params}: the row of {rec.label} shows {s}"
                            for s in secrets
                            if s in tr
                        ]
        shown = _get(pages, public, "/offers", {"size": "500"}).text
        if not any(row["reference"] in tr for tr in _ROW.findall(shown)):
            problems.append(f"/offers lists no row of {rec.label}: nothing was checked")
    assert not problems, "\n".join(problems)
