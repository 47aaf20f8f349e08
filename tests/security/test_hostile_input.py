"""Hostile input, on every backend: SQL-injection, script and template payloads
in every free-text field of the API.

- A create (and an update) with a payload in every text field is a 201 (200) and reads back
  verbatim; a field with a pattern refuses it with a 422 that names the field. Nothing else in the
  database moves: every table is still there and only the created row is added.
- The longest text each field allows is stored and read back whole; one character more is a 422.
- The search filter ``q`` with SQL payloads and LIKE wildcards answers normally and finds exactly
  the rows that contain the text literally.
- Every page that shows the payloads (lists, details, edit forms of needs and offers, nations,
  sites, the audit trail, form errors, reflected query strings) shows them escaped: as text, never
  as markup.
- The offer and need exports disarm formulas: a CSV cell that starts with ``= + - @`` gets a
  leading apostrophe; an XLSX cell holding such text is a string cell, never a formula.

The browser counterpart, which checks that no payload runs in Chromium, is
``tests/web/test_browser_hostile.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pydantic import BaseModel
from sqlalchemy import func, inspect, select, table
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.enums import SiteKind
from nsatu.core.lifecycles import OfferStage, RequirementStatus
from nsatu.db.base import Base
from nsatu.db.models import Consignment, Course, TrainingEvent
from nsatu.logistics.service import CONSIGNMENTS, TRACKING_EVENTS
from nsatu.needs.schemas import RequirementCreate, RequirementFilter
from nsatu.offers.schemas import OfferCreate, OfferFilter
from nsatu.planning.service import ALLOCATIONS
from nsatu.reference.service import CAPABILITY_AREAS, ITEM_TYPES, NATIONS, ORGANISATIONS, SITES
from nsatu.settings import Settings
from nsatu.training.service import COURSES, SEAT_REQUESTS
from nsatu.transfer import service as transfer_service
from nsatu.transfer.schemas import Format
from nsatu.web.app import create_app
from tests.conftest import as_coordinator
from tests.factories import (
    make_capability_area,
    make_item_type,
    make_nation,
    make_offer,
    make_requirement,
    make_site,
)

Payload = dict[str, Any]
_seq = itertools.count(1)

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '"><img src=x onerror="window.__pwned=1">'
SVG = "'><svg/onload=window.__pwned=1>"

#: name → text. None has leading or trailing white space (input is trimmed, so it would not
#: read back verbatim).
PAYLOADS = {
    "script": SCRIPT,
    "img-onerror": IMG,
    "svg-onload": SVG,
    "sql-or": "' OR '1'='1",
    "sql-drop": "'; DROP TABLE offer_line; --",
    "sql-union": '" UNION SELECT username, password_hash FROM app_user --',
    "template": "{{7*7}} ${7*7} <%= 7*7 %> #{7*7} {% raw %}",
    "unicode": "\u202egnp.exe\u202c zero\u200bwidth \u2066isolate\u2069 Ünïcødé 漢字 👍🏽 ﷽",
    "like-wildcards": "100% of _all_ back\\slash [a-z]",
}
#: The same texts shifted by one, for updates (every field gets a different payload than before).
UPDATES = dict(zip(PAYLOADS, [*list(PAYLOADS.values())[1:], SCRIPT], strict=True))

#: Markup that must never reach a page unescaped.
RAW_MARKUP = ("<script>window.__pwned", "<img src=x", "<svg/onload", 'onerror="window')
ESCAPED_SCRIPT = "&lt;script&gt;window.__pwned=1&lt;/script&gt;"


def fit(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (and trimmed, as the schemas trim)."""
    return text[:limit].strip()


# --- What to post: every entity with free text ---------------------------------------------------


def _letters(n: int) -> str:
    a = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "X" + a[(n // 26) % 26] + a[n % 26]


def _base_need(session: Session) -> Payload:
    return {
        "capability_area_id": make_capability_area(session).id,
        "quantity_requested": "5",
        "priority": 1,
        "period": "2025-03",
        "needed_by_on": "2025-04-01",
    }


def _base_offer(session: Session) -> Payload:
    return {"donor_nation_id": make_nation(session).id, "kind": "in_kind_stock", "quantity": "3"}


def _base_nation(session: Session) -> Payload:
    return {"code": _letters(next(_seq)), "is_donor": True}


def _base_organisation(session: Session) -> Payload:
    return {"kind": "ministry", "nation_id": make_nation(session).id}


def _base_site(session: Session) -> Payload:
    return {
        "kind": "hub",
        "nation_id": make_nation(session).id,
        "latitude": "50.1",
        "longitude": "22.0",
    }


def _base_item_type(session: Session) -> Payload:
    return {"capability_area_id": make_capability_area(session).id}


def _site_pair(session: Session) -> tuple[int, int]:
    return make_site(session, kind=SiteKind.DEPOT).id, make_site(session, kind=SiteKind.HUB).id


def _base_consignment(session: Session) -> Payload:
    origin, destination = _site_pair(session)
    return {"origin_site_id": origin, "destination_site_id": destination}


def _base_tracking_event(session: Session) -> Payload:
    origin, destination = _site_pair(session)
    consignment = Consignment(
        reference=f"CSG-H{next(_seq)}", origin_site_id=origin, destination_site_id=destination
    )
    session.add(consignment)
    session.flush()
    return {"consignment_id": consignment.id, "kind": "note"}


def _base_course(session: Session) -> Payload:
    return {
        "capability_area_id": make_capability_area(session).id,
        "host_nation_id": make_nation(session, is_host=True).id,
        "duration_days": 5,
        "seats_per_event": 10,
    }


def _base_seat_request(session: Session) -> Payload:
    n = next(_seq)
    course = Course(
        code=f"CRS-H{n}", title=f"Course {n}", capability_area_id=make_capability_area(session).id,
        host_nation_id=make_nation(session, is_host=True).id, duration_days=5, seats_per_event=10,
    )  # fmt: skip
    session.add(course)
    session.flush()
    event = TrainingEvent(
        course_id=course.id, starts_on=dt.date(2025, 6, 2), ends_on=dt.date(2025, 6, 6),
        seats_offered=10,
    )  # fmt: skip
    session.add(event)
    session.flush()
    return {"training_event_id": event.id, "seats": 2}


def _base_allocation(session: Session) -> Payload:
    area = make_capability_area(session)
    item = make_item_type(session, capability_area=area)
    need = make_requirement(
        session, capability_area=area, item_type_id=item.id, status=RequirementStatus.PUBLISHED
    )
    offer = make_offer(session, quantity=100, item_type_id=item.id, stage=OfferStage.COMMITTED)
    return {"offer_line_id": offer.id, "requirement_id": need.id, "quantity": "5"}


@dataclass(frozen=True)
class Target:
    """An API collection with free text: its create schema, how to build the rest of a valid
    create, its text fields, which of them the update accepts, the text fields with a pattern (a
    payload there is a 422), and the fields the ``q`` search looks in."""

    endpoint: str
    table: str
    schema: type[BaseModel]
    build: Callable[[Session], Payload]
    texts: tuple[str, ...]
    updatable: tuple[str, ...] = ()
    patterned: tuple[str, ...] = ()
    searched: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.endpoint.removeprefix("/api/")

    def limit(self, name: str) -> int:
        """The longest text the API promises to accept (the schema's ``maxLength``)."""
        prop = self.schema.model_json_schema()["properties"][name]
        lengths = [p["maxLength"] for p in [prop, *prop.get("anyOf", [])] if "maxLength" in p]
        assert lengths, f"{self}.{name} has no maximum length"
        return int(lengths[0])

    def width(self, name: str) -> int | None:
        """The width of the column (``None``: unbounded text)."""
        length = Base.metadata.tables[self.table].c[name].type.length  # type: ignore[attr-defined]
        return int(length) if length is not None else None

    def room(self, name: str) -> int:
        """What both the schema and the column hold: the payload tests stay within it, so that
        they test content; the length itself is the subject of the length tests."""
        width = self.width(name)
        return min(self.limit(name), width if width is not None else self.limit(name))


TARGETS = [
    Target(
        "/api/needs", "requirement", RequirementCreate, _base_need, ("title", "justification"),
        updatable=("title", "justification"), patterned=("reference",),
        searched=("title", "reference"),
    ),
    Target(
        "/api/offers", "offer_line", OfferCreate, _base_offer,
        ("description", "earmark", "notes", "source", "source_ref"),
        updatable=("description", "earmark", "notes"), patterned=("reference", "currency"),
        searched=("description", "reference"),
    ),
    Target(
        "/api/nations", "nation", NATIONS.create_schema, _base_nation, ("name",),
        updatable=("name",), patterned=("code",), searched=("name", "code"),
    ),
    Target(
        "/api/organisations", "organisation", ORGANISATIONS.create_schema, _base_organisation,
        ("name",), updatable=("name",), searched=("name",),
    ),
    Target(
        "/api/sites", "site", SITES.create_schema, _base_site, ("code", "name", "notes"),
        updatable=("code", "name", "notes"), patterned=("unlocode",), searched=("name", "code"),
    ),
    Target(
        "/api/capability-areas", "capability_area", CAPABILITY_AREAS.create_schema,
        lambda s: {}, ("code", "name", "coalition", "description"),
        updatable=("code", "name", "coalition", "description"), searched=("name", "code"),
    ),
    Target(
        "/api/item-types", "item_type", ITEM_TYPES.create_schema, _base_item_type,
        ("code", "public_name", "category", "unit_of_measure", "reference_value_source",
         "substitution_family"),
        updatable=("code", "public_name", "category", "unit_of_measure",
                   "reference_value_source", "substitution_family"),
        patterned=("nsn", "reference_value_currency"), searched=("public_name", "code"),
    ),
    Target(
        "/api/consignments", "consignment", CONSIGNMENTS.create_schema, _base_consignment,
        ("notes",), updatable=("notes",), patterned=("reference",), searched=("reference",),
    ),
    Target(
        "/api/tracking-events", "tracking_event", TRACKING_EVENTS.create_schema,
        _base_tracking_event, ("note",),
    ),
    Target(
        "/api/courses", "course", COURSES.create_schema, _base_course, ("code", "title"),
        updatable=("code", "title"), searched=("title", "code"),
    ),
    Target(
        "/api/seat-requests", "seat_request", SEAT_REQUESTS.create_schema, _base_seat_request,
        ("note",), updatable=("note",),
    ),
    Target(
        "/api/allocations", "allocation", ALLOCATIONS.create_schema, _base_allocation, ("note",),
        updatable=("note",),
    ),
]  # fmt: skip
SEARCHABLE = [t for t in TARGETS if t.searched]
PATTERNED = [(t, name) for t in TARGETS for name in t.patterned]


# --- Fixtures and helpers -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(Settings(database_url="sqlite://"))


@pytest.fixture
def client(app: FastAPI, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    """The shared ``client`` (a coordinator with a bearer token), with one app for the module."""
    app.state.session_factory = session_factory
    with TestClient(app, raise_server_exceptions=False) as c:
        yield as_coordinator(c, session_factory)


#: Tables whose rows move as a side effect of any request (the audit trail, token use).
BOOKKEEPING = frozenset(
    {"audit_entry", "audit_head", "api_token", "web_session", "alembic_version"}
)


def row_counts(session: Session) -> dict[str, int]:
    """Every table of the schema → its row count (a dropped table would be missing here)."""
    names = inspect(session.connection()).get_table_names()
    return {
        name: session.scalar(select(func.count()).select_from(table(name))) or 0
        for name in sorted(set(names) - BOOKKEEPING)
    }


def body_of(target: Target, session: Session, texts: Payload) -> Payload:
    """A valid create body with ``texts``; the other text fields hold plain, unique text."""
    plain = {name: f"plain {next(_seq)}" for name in target.texts}
    body = target.build(session) | plain | texts
    session.commit()
    return body


def assert_same_text(got: Payload, sent: Payload) -> None:
    for name, text in sent.items():
        assert got[name] == text, f"{name} changed: {got[name]!r} != {text!r}"


def assert_created(client: TestClient, session: Session, target: Target, texts: Payload) -> Payload:
    """Post ``texts`` with the rest of a valid body; check the 201, the read-back and that only
    one row was added. Returns the created record."""
    body = body_of(target, session, texts)
    before = row_counts(session)
    r = client.post(target.endpoint, json=body)
    assert r.status_code == 201, r.text
    assert_same_text(r.json(), texts)
    stored = client.get(f"{target.endpoint}/{r.json()['id']}")
    assert stored.status_code == 200, stored.text
    assert_same_text(stored.json(), texts)
    assert row_counts(session) == before | {target.table: before[target.table] + 1}
    return dict(stored.json())


# --- Create, read and update with payloads ------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS, ids=str)
@pytest.mark.parametrize("target", TARGETS, ids=str)
def test_payloads_are_stored_and_read_back_verbatim(
    client: TestClient, session: Session, target: Target, payload: str
) -> None:
    texts = {name: fit(PAYLOADS[payload], target.room(name)) for name in target.texts}
    record = assert_created(client, session, target, texts)

    if not target.updatable:
        return
    changes = {name: fit(UPDATES[payload], target.room(name)) for name in target.updatable}
    before = row_counts(session)
    r = client.patch(
        f"{target.endpoint}/{record['id']}", json={"version": record["version"], **changes}
    )
    assert r.status_code == 200, r.text
    assert_same_text(r.json(), changes)
    assert_same_text(client.get(f"{target.endpoint}/{record['id']}").json(), changes)
    assert row_counts(session) == before


@pytest.mark.parametrize("payload", ["script", "sql-or", "sql-drop", "unicode"])
@pytest.mark.parametrize(("target", "name"), PATTERNED, ids=str)
def test_a_payload_in_a_patterned_field_is_a_422_naming_it(
    client: TestClient, session: Session, target: Target, name: str, payload: str
) -> None:
    body = body_of(target, session, {name: fit(PAYLOADS[payload], 40)})
    before = row_counts(session)
    r = client.post(target.endpoint, json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == name, r.json()
    assert row_counts(session) == before


def longest(limit: int, *, shift: int = 0) -> str:
    """``limit`` characters of markup, quotes, SQL and LIKE wildcards (no white space to trim);
    another ``shift`` gives another text (unique columns)."""
    unit = "<svg/onload=alert(1)>'\";--%_\\{{7*7}}é漢"
    unit = unit[shift:] + unit[:shift]
    return (unit * (limit // len(unit) + 1))[:limit]


TEXT_FIELDS = [(t, name) for t in TARGETS for name in t.texts]


@pytest.mark.parametrize(("target", "name"), TEXT_FIELDS, ids=str)
def test_the_longest_allowed_text_is_stored_whole(
    client: TestClient, session: Session, target: Target, name: str
) -> None:
    assert_created(client, session, target, {name: longest(target.limit(name))})
    if name in target.updatable:
        # And an update to the longest text, from a record that held a short one.
        record = assert_created(client, session, target, {name: "short"})
        text = longest(target.limit(name), shift=1)
        r = client.patch(
            f"{target.endpoint}/{record['id']}", json={"version": record["version"], name: text}
        )
        assert r.status_code == 200, r.text
        assert r.json()[name] == text


@pytest.mark.parametrize(("target", "name"), TEXT_FIELDS, ids=str)
def test_one_character_too_many_is_a_422_naming_the_field(
    client: TestClient, session: Session, target: Target, name: str
) -> None:
    body = body_of(target, session, {name: longest(target.limit(name) + 1)})
    before = row_counts(session)
    r = client.post(target.endpoint, json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == name, r.json()
    assert row_counts(session) == before


# --- Search ------------------------------------------------------------------------------------

#: Searches: SQL payloads that are also stored (each finds its rows), and ones that are not.
SEARCHES = [
    "' OR '1'='1",
    "'; DROP TABLE offer_line; --",
    '" UNION SELECT',
    "%",
    "_",
    "\\",
    "[a-z]",
    "%' OR '%'='",
    "') OR 1=1 --",
    "*",
]
STORED_SEARCHES = frozenset(SEARCHES[:7])


@pytest.mark.parametrize("target", SEARCHABLE, ids=str)
def test_search_with_sql_payloads_finds_exactly_the_literal_matches(
    client: TestClient, session: Session, target: Target
) -> None:
    # Plain rows and one row per payload, each payload in every searched text field.
    for text in ["plain one", "plain two", *PAYLOADS.values()]:
        texts = {n: fit(text, target.room(n)) for n in target.texts if n in target.searched}
        body = body_of(target, session, texts)
        assert client.post(target.endpoint, json=body).status_code == 201
    everything = client.get(target.endpoint, params={"size": 500})
    assert everything.status_code == 200
    rows = everything.json()["items"]
    counts = row_counts(session)

    for q in SEARCHES:
        r = client.get(target.endpoint, params={"q": q, "size": 500})
        assert r.status_code == 200, (q, r.text)
        expected = {
            row["id"]
            for row in rows
            if any(q.lower() in str(row[name]).lower() for name in target.searched)
        }
        found = {row["id"] for row in r.json()["items"]}
        assert found == expected, q
        assert r.json()["total"] == len(expected)
        if q in STORED_SEARCHES and set(target.texts) & set(target.searched):
            assert 0 < len(expected) < len(rows), q
    assert row_counts(session) == counts

    too_long = client.get(target.endpoint, params={"q": "'" * 101})
    assert too_long.status_code == 422
    assert too_long.json()["field"] == "q"


# --- Pages ---------------------------------------------------------------------------------------


class Page(HTMLParser):
    """The parts of a page that matter here: every start tag with its attributes (unescaped), the
    text (unescaped) and the bodies of inline scripts."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)

    def control(self, tag: str, id_: str) -> dict[str, str | None]:
        return next(attrs for t, attrs in self.tags if t == tag and attrs.get("id") == id_)


def assert_inert(html: str) -> Page:
    """No payload became markup: no raw payload tags, no event-handler attribute, no inline script
    and no ``img``/``svg`` element the app does not draw itself."""
    for raw in RAW_MARKUP:
        assert raw not in html, f"unescaped {raw!r} in the page"
    page = Page(html)
    for tag, attrs in page.tags:
        handlers = [a for a in attrs if a.startswith("on")]
        assert not handlers, f"<{tag}> has event handlers {handlers}"
        assert not (tag == "script" and not attrs.get("src")), "an inline <script>"
        assert tag != "img", "an <img> element"
        assert not (tag == "svg" and "bar-chart" not in (attrs.get("class") or "")), "an <svg>"
    assert not any("__pwned" in s for s in page.scripts)
    return page


def textarea_text(html: str, id_: str) -> str:
    m = re.search(rf'<textarea id="{id_}"[^>]*>(.*?)</textarea>', html, re.S)
    assert m, f"no textarea {id_}"
    return "".join(Page(f"<p>{m.group(1)}</p>").text)


@dataclass
class HostileWorld:
    need: Payload
    offer: Payload
    nation: Payload
    site: Payload
    area: Payload
    item: Payload
    organisation: Payload


def post(client: TestClient, endpoint: str, body: Payload) -> Payload:
    r = client.post(endpoint, json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.fixture
def hostile(client: TestClient) -> HostileWorld:
    """Reference data, a need and an offer whose every text is a payload, all made through the
    API."""
    nation = post(client, "/api/nations", {"code": "XSS", "name": SCRIPT, "is_donor": True})
    area = post(client, "/api/capability-areas", {"code": fit(IMG, 32), "name": SCRIPT, "coalition": SVG,
                                                  "description": IMG})  # fmt: skip
    item = post(client, "/api/item-types", {
        "code": SVG, "public_name": IMG, "category": SCRIPT, "capability_area_id": area["id"],
        "substitution_family": SCRIPT, "unit_of_measure": fit(IMG, 32),
    })  # fmt: skip
    site = post(client, "/api/sites", {
        "code": fit(SCRIPT, 32), "name": SCRIPT, "notes": IMG, "kind": "depot",
        "nation_id": nation["id"], "latitude": "50", "longitude": "20",
    })  # fmt: skip
    organisation = post(
        client, "/api/organisations", {"name": IMG, "kind": "ministry", "nation_id": nation["id"]}
    )
    need = post(client, "/api/needs", {
        "title": SCRIPT, "justification": f"{IMG}\n{SVG}\n{PAYLOADS['template']}",
        "capability_area_id": area["id"], "item_type_id": item["id"],
        "destination_site_id": site["id"], "quantity_requested": "4", "priority": 1,
        "period": "2025-03", "needed_by_on": "2025-04-01",
    })  # fmt: skip
    offer = post(client, "/api/offers", {
        "description": SCRIPT, "earmark": IMG, "notes": f"{SVG}\n{PAYLOADS['sql-drop']}",
        "source": SVG, "source_ref": PAYLOADS["sql-union"], "donor_nation_id": nation["id"],
        "donor_organisation_id": organisation["id"], "origin_site_id": site["id"],
        "earmark_capability_area_id": area["id"], "item_type_id": item["id"],
        "kind": "in_kind_stock", "quantity": "2",
    })  # fmt: skip
    return HostileWorld(need, offer, nation, site, area, item, organisation)


def get_page(client: TestClient, url: str, status: int = 200) -> tuple[str, Page]:
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code)
    assert r.headers["content-type"].startswith("text/html")
    return r.text, assert_inert(r.text)


def test_need_pages_show_every_payload_as_text(client: TestClient, hostile: HostileWorld) -> None:
    need = hostile.need
    html, page = get_page(client, "/needs")
    assert ESCAPED_SCRIPT in html
    assert SCRIPT in page.all_text  # the title, and the capability area's name in its column

    html, page = get_page(client, f"/needs/{need['id']}")
    assert ESCAPED_SCRIPT in html
    for text in (need["title"], need["justification"], hostile.item["public_name"],
                 hostile.item["category"], hostile.site["name"], hostile.area["name"]):  # fmt: skip
        assert text in page.all_text

    for url in (f"/needs/{need['id']}/edit", "/needs/new"):
        html, page = get_page(client, url)
        # The select boxes name the area, the item type and the site.
        assert SCRIPT in page.all_text
        assert f"{SCRIPT} — {IMG}" in page.all_text  # "category — public_name"
    assert page.control("input", "f-title")["value"] in ("", None)  # /needs/new is empty

    html, page = get_page(client, f"/needs/{need['id']}/edit")
    assert page.control("input", "f-title")["value"] == SCRIPT
    assert textarea_text(html, "f-justification") == need["justification"]


def test_offer_pages_show_every_payload_as_text(client: TestClient, hostile: HostileWorld) -> None:
    offer = hostile.offer
    html, page = get_page(client, "/offers")
    assert ESCAPED_SCRIPT in html
    assert SCRIPT in page.all_text
    # The donor's name is also a title attribute of its code, and a label of the donor filter.
    assert any(attrs.get("title") == SCRIPT for _, attrs in page.tags)

    html, page = get_page(client, f"/offers/{offer['id']}")
    assert ESCAPED_SCRIPT in html
    for text in (offer["description"], offer["earmark"], offer["notes"], offer["source"],
                 offer["source_ref"], hostile.nation["name"], hostile.organisation["name"],
                 hostile.site["name"], hostile.area["name"], hostile.item["public_name"]):  # fmt: skip
        assert text in page.all_text

    html, page = get_page(client, f"/offers/{offer['id']}/edit")
    assert page.control("input", "f-description")["value"] == SCRIPT
    assert page.control("input", "f-earmark")["value"] == IMG
    assert textarea_text(html, "f-notes") == offer["notes"]
    get_page(client, "/offers/new")


def test_nation_and_site_pages_show_every_payload_as_text(
    client: TestClient, hostile: HostileWorld
) -> None:
    for url in ("/nations", f"/nations/{hostile.nation['id']}"):
        html, page = get_page(client, url)
        assert ESCAPED_SCRIPT in html
        assert SCRIPT in page.all_text
    for url in ("/sites", f"/sites/{hostile.site['id']}"):
        html, page = get_page(client, url)
        assert ESCAPED_SCRIPT in html
        assert hostile.site["code"] in page.all_text
    assert IMG in page.all_text  # the site's notes
    get_page(client, "/")


def test_the_audit_pages_show_recorded_payloads_as_text(
    client: TestClient, hostile: HostileWorld
) -> None:
    get_page(client, "/audit")
    get_page(client, "/audit?entity=offer_line")
    entries = client.get(
        "/api/audit", params={"entity": "offer_line", "entity_id": hostile.offer["id"]}
    ).json()["items"]
    assert entries
    html, page = get_page(client, f"/audit/{entries[0]['seq']}")
    assert ESCAPED_SCRIPT in html
    assert hostile.offer["notes"] in page.all_text


@pytest.mark.parametrize("path", ["/needs", "/offers", "/nations", "/sites", "/audit"])
@pytest.mark.parametrize("payload", ["script", "img-onerror", "svg-onload", "sql-or"])
def test_a_reflected_query_string_is_escaped(
    client: TestClient, hostile: HostileWorld, path: str, payload: str
) -> None:
    text = PAYLOADS[payload]
    name = "user" if path == "/audit" else "q"
    for headers in ({}, {"HX-Request": "true"}):
        r = client.get(path, params={name: text, "sort": text}, headers=headers)
        # An unknown sort key is refused in place of the table; either way the page is inert.
        assert r.status_code in (200, 422), r.text
        assert_inert(r.text)
    r = client.get(path, params={name: text})
    assert r.status_code == 200
    page = assert_inert(r.text)
    assert any(attrs.get("name") == name and attrs.get("value") == text for _, attrs in page.tags)


def test_sql_search_on_the_pages_lists_the_same_rows_as_the_api(
    client: TestClient, hostile: HostileWorld
) -> None:
    for path, q in itertools.product(("needs", "offers", "nations", "sites"), SEARCHES):
        api = client.get(f"/api/{path}", params={"q": q, "size": 500})
        assert api.status_code == 200
        r = client.get(f"/{path}", params={"q": q, "size": 500})
        assert r.status_code == 200, (path, q)
        assert_inert(r.text)
        ids = [int(i) for i in re.findall(r'<tr data-id="(\d+)"', r.text)]
        assert sorted(ids) == sorted(row["id"] for row in api.json()["items"]), (path, q)


def test_hostile_paths_and_login_targets_are_escaped(client: TestClient) -> None:
    for url, status in [
        ("/nothing-here/%3Cscript%3Ewindow.__pwned=1%3C/script%3E", 404),
        ("/needs/%3Cscript%3Ewindow.__pwned=1", 422),
        ("/offers?donor=%3Cscript%3E", 422),
        ("/login?next=%22%3E%3Cscript%3Ewindow.__pwned=1%3C/script%3E", 200),
        ("/login?next=javascript:window.__pwned=1", 200),
    ]:
        html, page = get_page(client, url, status)
        assert "javascript:" not in html
        for _, attrs in page.tags:
            assert "__pwned" not in (attrs.get("value") or "").replace("%", ""), url


def test_a_refused_form_shows_the_posted_payloads_escaped(
    client: TestClient, session: Session, hostile: HostileWorld
) -> None:
    """A form post that fails validation shows the form again with what was typed: escaped. (A
    bearer-authenticated post needs no CSRF token.)"""
    before = row_counts(session)
    r = client.post("/needs", data={
        "reference": SCRIPT, "title": IMG, "capability_area_id": str(hostile.area["id"]),
        "quantity_requested": SVG, "priority": "1", "period": SCRIPT, "needed_by_on": "2025-04-01",
        "releasability": "coalition", "justification": f"</textarea>{SCRIPT}",
    })  # fmt: skip
    assert r.status_code == 422
    page = assert_inert(r.text)
    assert page.control("input", "f-reference")["value"] == SCRIPT
    assert page.control("input", "f-title")["value"] == IMG
    assert page.control("input", "f-period")["value"] == SCRIPT
    assert textarea_text(r.text, "f-justification") == f"</textarea>{SCRIPT}"
    assert row_counts(session) == before

    offer = hostile.offer
    r = client.post(f"/offers/{offer['id']}/edit", data={
        "version": str(offer["version"]), "description": SVG, "kind": "in_kind_stock",
        "channel": "bilateral", "releasability": "coalition", "currency": SCRIPT, "notes": IMG,
    })  # fmt: skip
    assert r.status_code == 422
    page = assert_inert(r.text)
    assert page.control("input", "f-description")["value"] == SVG
    assert page.control("input", "f-currency")["value"] == SCRIPT
    assert textarea_text(r.text, "f-notes") == IMG
    assert client.get(f"/api/offers/{offer['id']}").json()["description"] == SCRIPT


# --- Exports: formula injection ------------------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "=cmd|' /C calc'!A0",
]


def export(session: Session, what: str, fmt: Format) -> bytes:
    out = io.BytesIO()
    session.expire_all()
    if what == "offers":
        transfer_service.export_offers(session, out, fmt, OfferFilter())
    else:
        transfer_service.export_needs(session, out, fmt, RequirementFilter())
    return out.getvalue()


@pytest.fixture
def formula_rows(client: TestClient, session: Session) -> dict[str, dict[str, dict[str, str]]]:
    """Offers and needs (made through the API) whose texts are formulas: what → reference →
    column → text."""
    area = make_capability_area(session)
    donor = make_nation(session)
    session.commit()
    rows: dict[str, dict[str, dict[str, str]]] = {"offers": {}, "needs": {}}
    for i, text in enumerate(FORMULAS):
        offer_texts = {"description": text, "earmark": text, "notes": text, "source_ref": text}
        offer = post(client, "/api/offers", {
            "reference": f"FRM-O{i}", "donor_nation_id": donor.id, "kind": "in_kind_stock",
            **offer_texts,
        })  # fmt: skip
        rows["offers"][offer["reference"]] = offer_texts
        need_texts = {"title": text, "justification": text}
        need = post(client, "/api/needs", {
            "reference": f"FRM-N{i}", "capability_area_id": area.id, "quantity_requested": "1",
            "priority": 2, "period": "2025-05", "needed_by_on": "2025-06-01", **need_texts,
        })  # fmt: skip
        rows["needs"][need["reference"]] = need_texts
    return rows


@pytest.mark.parametrize("what", ["offers", "needs"])
def test_csv_exports_put_an_apostrophe_before_formulas(
    session: Session, formula_rows: dict[str, dict[str, dict[str, str]]], what: str
) -> None:
    text = export(session, what, Format.CSV).decode("utf-8-sig")
    records = list(csv.DictReader(io.StringIO(text, newline="")))
    by_ref = {r["reference"]: r for r in records}
    assert by_ref.keys() >= formula_rows[what].keys()
    for reference, texts in formula_rows[what].items():
        for column, value in texts.items():
            assert by_ref[reference][column] == "'" + value, (reference, column)
    for record in records:
        for column, cell in record.items():
            assert not cell.startswith(("=", "+", "-", "@")), (column, cell)


@pytest.mark.parametrize("what", ["offers", "needs"])
def test_xlsx_exports_hold_formulas_as_text_cells(
    session: Session, formula_rows: dict[str, dict[str, dict[str, str]]], what: str
) -> None:
    data = export(session, what, Format.XLSX)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    header = [c.value for c in sheet[1]]
    by_ref = {
        row[0].value: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)
    }
    assert by_ref.keys() >= formula_rows[what].keys()
    for reference, texts in formula_rows[what].items():
        for column, value in texts.items():
            cell = by_ref[reference][column]
            assert (cell.data_type, cell.value) == ("s", value), (reference, column)
    # No cell of any sheet is stored as a formula.
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        for name in book.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<(\w+:)?f[ >]", book.read(name)), name
