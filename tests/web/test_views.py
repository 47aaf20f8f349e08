"""The server-rendered pages through HTTP, on every backend: rendering, HTMX partials, filters,
forms with field errors, optimistic concurrency and lifecycle buttons."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.enums import OfferKind, SiteKind
from nsatu.core.lifecycles import OfferStage, RequirementStatus
from nsatu.db.models import NationGdp, OfferLine, Requirement
from nsatu.settings import Settings
from nsatu.web.app import create_app
from tests.conftest import as_coordinator
from tests.factories import (
    make_capability_area,
    make_nation,
    make_offer,
    make_requirement,
    make_site,
)

M = TypeVar("M", Requirement, OfferLine)
ROOT = Path(__file__).resolve().parents[2]
FOOTER = "Pledge data: Kiel Institute, Ukraine Support Tracker (release 7)"


def row_ids(html: str) -> list[int]:
    """The ids of the table rows, in page order."""
    return [int(i) for i in re.findall(r'<tr data-id="(\d+)"', html)]


def field_error(html: str, name: str) -> str | None:
    """The message shown right below the form field ``name`` (``None`` when there is none)."""
    m = re.search(rf'<small id="err-{name}" class="field-error">([^<]*)</small>', html)
    return m.group(1) if m else None


def control(html: str, name: str) -> str:
    """The opening tag of the form control ``name``."""
    m = re.search(rf'<(input|select|textarea) id="f-{name}"[^>]*>', html)
    assert m, f"no control {name}"
    return m.group(0)


def fresh(session: Session, model: type[M], id_: int) -> M:
    """The row as the database holds it now (past what this session cached)."""
    session.expire_all()
    obj = session.get(model, id_)
    assert obj is not None
    return obj


@pytest.fixture
def need(session: Session) -> Requirement:
    area = make_capability_area(session, name="Demining")
    req = make_requirement(
        session,
        title="Mine clearance kits",
        capability_area=area,
        quantity_requested=Decimal(40),
        is_synthetic=True,
    )
    session.commit()
    return req


# --- rendering ------------------------------------------------------------------------------------


def test_every_page_renders_with_layout_and_content(client: TestClient, session: Session) -> None:
    donor = make_nation(session, code="DNK", name="Denmark", eu_member=True, nato_member=True)
    session.add(NationGdp(nation_id=donor.id, year=2022, gdp_usd=Decimal("400e9"), source="WB"))
    session.add(NationGdp(nation_id=donor.id, year=2023, gdp_usd=Decimal("410e9"), source="WB"))
    hub = make_site(
        session, nation=donor, name="Hub Aarhus", unlocode="DKAAR", road_capacity_per_day=120
    )
    area = make_capability_area(session, name="Medical")
    req = make_requirement(
        session, title="Field ambulances", capability_area=area, is_synthetic=True
    )
    parent = make_offer(
        session,
        donor=donor,
        description="Medical package",
        currency="DKK",
        value_amount=Decimal("1000"),
        eur_rate=Decimal("7.4368"),
    )
    child = make_offer(session, donor=donor, description="Ambulances", parent_id=parent.id)
    session.commit()

    pages = {
        "/": ["Needs by status", 'href="/needs?status=draft"'],
        "/needs": ["Field ambulances", "SYNTHETIC", "Medical"],
        f"/needs/{req.id}": ["Field ambulances", "SYNTHETIC", "Medical", 'data-action="submit"'],
        "/needs/new": ['name="title"', 'name="capability_area_id"'],
        f"/needs/{req.id}/edit": ['value="Field ambulances"', 'name="version" value="1"'],
        "/offers": ["Medical package", "DNK", "1,000.00 DKK", "134.47"],
        f"/offers/{parent.id}": ["134.47 EUR", "Ambulances", f'href="/offers/{child.id}"'],
        f"/offers/{child.id}": ['id="parent-link"', f'href="/offers/{parent.id}"'],
        "/offers/new": ['name="donor_nation_id"', "Denmark (DNK)"],
        f"/offers/{parent.id}/edit": ['value="Medical package"'],
        "/nations": ["Denmark", "donor"],
        f"/nations/{donor.id}": ["<svg", "410.0 bn USD", "Member", "Hub Aarhus"],
        "/sites": ["Hub Aarhus", "DKAAR"],
        f"/sites/{hub.id}": ["DKAAR", "50.1000", "22.0000", "120", "Denmark"],
    }
    for path, expected in pages.items():
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:500])
        assert r.headers["content-type"].startswith("text/html")
        assert FOOTER in r.text, path
        assert 'href="/api/docs"' in r.text
        for text in expected:
            assert text in r.text, (path, text)


def test_assets_are_served_locally(session_factory: sessionmaker[Session]) -> None:
    settings = Settings(database_url="sqlite://", assets_dir=ROOT / "node_modules")
    with as_coordinator(
        TestClient(create_app(settings, session_factory=session_factory)), session_factory
    ) as client:
        page = client.get("/needs").text
        for src in re.findall(r'(?:src|href)="(/(?:vendor|static)/[^"]+)"', page):
            assert client.get(src).status_code == 200, src
        assert "/vendor/htmx.org/dist/htmx.min.js" in page
        assert "/vendor/@picocss/pico/css/pico.min.css" in page
        assert not re.search(r'(?:src|href)="https?://', page), "no CDN"


def test_user_text_is_escaped(client: TestClient, session: Session) -> None:
    req = make_requirement(session, title="<script>alert(1)</script>")
    session.commit()
    html = client.get(f"/needs/{req.id}").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_home_counts_link_to_filtered_lists(client: TestClient, session: Session) -> None:
    before = client.get("/").text
    make_requirement(session, status=RequirementStatus.VALIDATED)
    session.commit()
    after = client.get("/").text

    def count(html: str) -> int:
        m = re.search(r'href="/needs\?status=validated">([\d,]+)</a>', html)
        assert m
        return int(m.group(1).replace(",", ""))

    assert count(after) == count(before) + 1
    assert 'href="/offers?stage=committed"' in after


# --- HTMX partials, filters, sorting, paging ------------------------------------------------------


def test_hx_request_returns_only_the_table_partial(client: TestClient, need: Requirement) -> None:
    full = client.get("/needs")
    assert "<html" in full.text and 'id="needs-filter"' in full.text
    assert full.headers["vary"] == "HX-Request"

    partial = client.get("/needs", headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.text and 'id="needs-filter"' not in partial.text
    assert partial.text.lstrip().startswith('<div id="needs-table"')
    assert need.reference in partial.text

    # A history restore after a cache miss needs the whole page again.
    restore = client.get(
        "/needs", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.text

    for path, table in [
        ("/offers", "offers-table"),
        ("/nations", "nations-table"),
        ("/sites", "sites-table"),
    ]:
        r = client.get(path, headers={"HX-Request": "true"})
        assert r.text.lstrip().startswith(f'<div id="{table}"'), path


def test_needs_filters(client: TestClient, session: Session) -> None:
    area, other_area = make_capability_area(session), make_capability_area(session)
    a = make_requirement(session, title="Zfilt generators", capability_area=area, priority=1)
    b = make_requirement(
        session,
        title="Zfilt tents",
        capability_area=other_area,
        priority=2,
        period="2025-02",
        status=RequirementStatus.SUBMITTED,
    )
    c = make_requirement(session, title="Zfilt stoves", capability_area=area, priority=3)
    session.commit()

    def ids(**params: str) -> set[int]:
        r = client.get("/needs", params={"q": "zfilt", **params})
        assert r.status_code == 200, r.text
        return set(row_ids(r.text))

    assert ids() == {a.id, b.id, c.id}
    assert ids(q="zfilt tents") == {b.id}
    assert ids(status="submitted") == {b.id}
    assert ids(priority="3") == {c.id}
    assert ids(period="2025-02") == {b.id}
    assert ids(capability_area_id=str(area.id)) == {a.id, c.id}
    # Empty form fields mean "any".
    assert ids(status="", priority="", period="", capability_area_id="") == {a.id, b.id, c.id}


def test_needs_sort_and_pagination(client: TestClient, session: Session) -> None:
    made = [
        make_requirement(
            session, title=f"Zsort {p}", priority=p, needed_by_on=dt.date(2025, 1, 10 - p)
        )
        for p in (2, 3, 1)
    ]
    session.commit()
    by_priority = [made[2].id, made[0].id, made[1].id]

    r = client.get("/needs", params={"q": "zsort", "sort": "priority"})
    assert row_ids(r.text) == by_priority
    assert 'aria-sort="ascending"' in r.text
    # The header now links to the descending order, keeping the filter.
    assert 'href="/needs?q=zsort&amp;sort=-priority"' in r.text
    r = client.get("/needs", params={"q": "zsort", "sort": "-priority"})
    assert row_ids(r.text) == by_priority[::-1]
    assert 'aria-sort="descending"' in r.text

    page1 = client.get("/needs", params={"q": "zsort", "sort": "priority", "size": "2"})
    assert row_ids(page1.text) == by_priority[:2]
    assert "page 1 of 2" in page1.text
    assert 'href="/needs?q=zsort&amp;sort=priority&amp;size=2&amp;page=2"' in page1.text
    page2 = client.get(
        "/needs",
        params={"q": "zsort", "sort": "priority", "size": "2", "page": "2"},
        headers={"HX-Request": "true"},
    )
    assert row_ids(page2.text) == by_priority[2:]
    assert "page 2 of 2" in page2.text and 'rel="prev"' in page2.text


def test_invalid_filter_shows_the_problem(client: TestClient) -> None:
    r = client.get("/needs", params={"period": "2025-13"})
    assert r.status_code == 422
    assert 'id="filter-errors"' in r.text and "Period" in r.text
    bad_sort = client.get("/needs", params={"sort": "colour"})
    assert bad_sort.status_code == 422
    assert "cannot sort by" in bad_sort.text and "<html" in bad_sort.text


def test_offers_filters_and_sort(client: TestClient, session: Session) -> None:
    dnk, nor = make_nation(session, code="DNK"), make_nation(session, code="NOR")
    a = make_offer(session, donor=dnk, description="Zoff trucks", quantity=5)
    b = make_offer(
        session,
        donor=nor,
        description="Zoff fuel",
        kind=OfferKind.CASH_POOLED,
        quantity=50,
        stage=OfferStage.COMMITTED,
    )
    c = make_offer(session, donor=dnk, description="Zoff boots", quantity=20)
    session.commit()

    def ids(**params: str) -> list[int]:
        r = client.get("/offers", params={"q": "zoff", **params})
        assert r.status_code == 200, r.text
        return row_ids(r.text)

    assert set(ids(donor="DNK")) == {a.id, c.id}
    assert ids(stage="committed") == [b.id]
    assert ids(kind="cash_pooled") == [b.id]
    assert ids(sort="quantity") == [a.id, c.id, b.id]
    assert ids(sort="-quantity") == [b.id, c.id, a.id]


# --- forms ----------------------------------------------------------------------------------------


def _need_form(need: Requirement, **changes: str) -> dict[str, str]:
    form = {
        "version": str(need.version),
        "title": need.title,
        "capability_area_id": str(need.capability_area_id),
        "item_type_id": "",
        "quantity_requested": "40",
        "quantity_approved": "",
        "priority": str(need.priority),
        "rank": "",
        "period": need.period,
        "needed_by_on": need.needed_by_on.isoformat(),
        "destination_site_id": "",
        "justification": "",
        "releasability": "coalition",
    }
    return form | changes


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"quantity_approved": "41"}, "quantity_approved", "cannot exceed quantity_requested"),
        ({"priority": "7"}, "priority", "less than or equal to 3"),
        ({"period": "2025-13"}, "period", "should match pattern"),
        ({"title": "  "}, "title", "required"),
        ({"needed_by_on": "soon"}, "needed_by_on", "valid date"),
        ({"capability_area_id": "999999"}, "capability_area_id", "no capability area"),
    ],
)
def test_edit_error_is_shown_next_to_its_field_and_changes_nothing(
    client: TestClient,
    session: Session,
    need: Requirement,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    r = client.post(
        f"/needs/{need.id}/edit", data=_need_form(need, **changes), follow_redirects=False
    )
    assert r.status_code == 422
    shown = field_error(r.text, field)
    assert shown is not None and message in shown, r.text
    assert 'aria-invalid="true"' in control(r.text, field)
    # Only that field is marked, and what the user typed is kept.
    assert field_error(r.text, "justification") is None
    for name, value in changes.items():
        if value.strip():
            assert f'value="{value}"' in control(r.text, name) or "select" in control(r.text, name)
    after = fresh(session, Requirement, need.id)
    assert after.version == 1 and after.title == "Mine clearance kits"
    assert after.quantity_approved is None and after.priority == 1


def test_edit_saves_and_redirects(client: TestClient, session: Session, need: Requirement) -> None:
    r = client.post(
        f"/needs/{need.id}/edit",
        data=_need_form(need, title="Mine clearance kits, large", quantity_approved="30"),
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/needs/{need.id}"
    after = fresh(session, Requirement, need.id)
    assert after.title == "Mine clearance kits, large"
    assert after.quantity_approved == Decimal(30) and after.version == 2
    assert "Mine clearance kits, large" in client.get(f"/needs/{need.id}").text


def test_stale_version_shows_a_conflict_and_changes_nothing(
    client: TestClient, session: Session, need: Requirement
) -> None:
    first = client.post(f"/needs/{need.id}/edit", data=_need_form(need, title="First writer"))
    assert first.status_code == 200  # followed the redirect
    stale = client.post(
        f"/needs/{need.id}/edit",
        data=_need_form(need, title="Second writer"),
        follow_redirects=False,
    )
    assert stale.status_code == 409
    assert 'id="form-problems"' in stale.text
    assert "changed by someone else" in stale.text
    assert f'href="/needs/{need.id}/edit">Reload the current version' in stale.text
    after = fresh(session, Requirement, need.id)
    assert after.title == "First writer" and after.version == 2


def test_new_need_form_creates_or_explains(client: TestClient, session: Session) -> None:
    area = make_capability_area(session)
    session.commit()
    form = {
        "reference": "",
        "title": "Zcreate water purification units",
        "capability_area_id": str(area.id),
        "quantity_requested": "12",
        "priority": "2",
        "period": "2025-04",
        "needed_by_on": "2025-05-01",
        "releasability": "coalition",
    }
    count = session.scalar(select(func.count()).select_from(Requirement))

    bad = client.post("/needs", data=form | {"title": "", "quantity_requested": "-1"})
    assert bad.status_code == 422
    assert field_error(bad.text, "title") is not None
    assert "greater than 0" in (field_error(bad.text, "quantity_requested") or "")
    assert session.scalar(select(func.count()).select_from(Requirement)) == count

    ok = client.post("/needs", data=form, follow_redirects=False)
    assert ok.status_code == 303
    new_id = int(ok.headers["location"].rsplit("/", 1)[1])
    created = fresh(session, Requirement, new_id)
    assert created.title == "Zcreate water purification units"
    assert created.status == RequirementStatus.DRAFT and not created.is_synthetic
    assert created.reference.startswith("REQ-2025-04-")


def test_a_database_conflict_is_explained_and_rolled_back(
    client: TestClient, session: Session, need: Requirement
) -> None:
    """A unique-constraint violation surfaces at the flush; the page explains it, and the
    request's transaction still commits cleanly (nothing half-written, no 500)."""
    form = {
        "reference": need.reference,
        "title": "Zdup duplicate",
        "capability_area_id": str(need.capability_area_id),
        "quantity_requested": "1",
        "priority": "1",
        "period": "2025-04",
        "needed_by_on": "2025-05-01",
        "releasability": "coalition",
    }
    r = client.post("/needs", data=form)
    assert r.status_code == 409, r.text
    assert "conflicts with existing data" in r.text
    assert 'value="Zdup duplicate"' in r.text
    session.expire_all()
    assert session.scalar(select(func.count()).where(Requirement.title == "Zdup duplicate")) == 0
    # The next request on the same app works normally.
    assert client.get(f"/needs/{need.id}").status_code == 200


# --- lifecycle buttons ----------------------------------------------------------------------------


def test_buttons_follow_the_transition_table_and_move_the_need(
    client: TestClient, session: Session, need: Requirement
) -> None:
    page = client.get(f"/needs/{need.id}").text
    assert re.findall(r'data-action="(\w+)"', page) == ["submit", "cancel"]

    r = client.post(
        f"/needs/{need.id}/actions/submit", data={"version": "1"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == f"/needs/{need.id}"
    assert fresh(session, Requirement, need.id).status == RequirementStatus.SUBMITTED
    page = client.get(f"/needs/{need.id}").text
    assert re.findall(r'data-action="(\w+)"', page) == ["validate", "return", "reject", "cancel"]
    assert "state-submitted" in page


def test_illegal_move_shows_the_allowed_states(
    client: TestClient, session: Session, need: Requirement
) -> None:
    r = client.post(f"/needs/{need.id}/actions/publish", data={"version": "1"})
    assert r.status_code == 409
    assert 'id="action-error"' in r.text
    assert "not allowed from draft" in r.text
    box = r.text[r.text.index('id="action-error"') :]
    box = box[: box.index("</article>")]
    assert "state-submitted" in box and "state-cancelled" in box
    assert fresh(session, Requirement, need.id).status == RequirementStatus.DRAFT


def test_button_with_a_stale_version_is_a_conflict(
    client: TestClient, session: Session, need: Requirement
) -> None:
    client.post(f"/needs/{need.id}/actions/submit", data={"version": "1"})
    r = client.post(f"/needs/{need.id}/actions/cancel", data={"version": "1"})
    assert r.status_code == 409
    assert "changed by someone else" in r.text
    assert fresh(session, Requirement, need.id).status == RequirementStatus.SUBMITTED


def test_offer_stage_buttons_edit_and_conflicts(client: TestClient, session: Session) -> None:
    line = make_offer(session, description="Zstage generators")
    session.commit()
    page = client.get(f"/offers/{line.id}").text
    assert re.findall(r'data-action="(\w+)"', page) == ["commit", "withdraw"]
    client.post(f"/offers/{line.id}/actions/commit", data={"version": "1"})
    assert fresh(session, OfferLine, line.id).stage == OfferStage.COMMITTED

    illegal = client.post(f"/offers/{line.id}/actions/deliver", data={"version": "2"})
    assert illegal.status_code == 409 and "state-allocated" in illegal.text

    form = {
        "version": "2",
        "description": "Zstage generators",
        "kind": "in_kind_stock",
        "channel": "bilateral",
        "releasability": "coalition",
        "value_amount": "500",
        "currency": "",
    }
    bad = client.post(f"/offers/{line.id}/edit", data=form)
    assert bad.status_code == 422
    assert "required when value_amount is given" in (field_error(bad.text, "currency") or "")
    ok = client.post(
        f"/offers/{line.id}/edit", data=form | {"currency": "eur"}, follow_redirects=False
    )
    assert ok.status_code == 303
    saved = fresh(session, OfferLine, line.id)
    assert saved.currency == "EUR" and saved.value_amount == Decimal(500) and saved.version == 3
    stale = client.post(f"/offers/{line.id}/edit", data=form | {"currency": "USD"})
    assert stale.status_code == 409 and "changed by someone else" in stale.text
    assert fresh(session, OfferLine, line.id).currency == "EUR"


# --- error pages ----------------------------------------------------------------------------------


def test_html_routes_get_error_pages_and_the_api_keeps_json(client: TestClient) -> None:
    page = client.get("/needs/999999")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "requirement 999999 does not exist" in page.text and FOOTER in page.text

    fragment = client.get("/needs/999999", headers={"HX-Request": "true"})
    assert fragment.status_code == 404 and "<html" not in fragment.text
    assert fragment.headers["HX-Retarget"] == "#main"

    nowhere = client.get("/no-such-page")
    assert nowhere.status_code == 404 and "<html" in nowhere.text
    assert client.get("/needs/abc").headers["content-type"].startswith("text/html")
    too_big = client.get("/needs/9223372036854775808")
    assert too_big.status_code == 422 and "<html" in too_big.text

    api = client.get("/api/needs/999999")
    assert api.status_code == 404
    assert api.json() == {
        "error": "requirement_not_found",
        "detail": "requirement 999999 does not exist",
    }
    assert client.get("/api/no-such-thing").json() == {"error": "not_found", "detail": "Not Found"}
    assert client.get("/static/missing.css").status_code == 404


def test_site_kind_filter(client: TestClient, session: Session) -> None:
    nation = make_nation(session)
    hub = make_site(session, nation=nation, name="Zsite hub", kind=SiteKind.HUB)
    depot = make_site(session, nation=nation, name="Zsite depot", kind=SiteKind.DEPOT)
    session.commit()
    r = client.get("/sites", params={"q": "zsite", "kind": "depot"})
    assert row_ids(r.text) == [depot.id]
    r = client.get("/sites", params={"q": "zsite", "sort": "name"})
    assert row_ids(r.text) == [depot.id, hub.id]
