"""The acceptance scenarios of need-to-know and anonymity, as explicit tests.

Signed in as the donor liaison of nation A: A's offers are listed, and B's bilateral or internal
ones are not, in the list, the search, the export and the counts; a ``GET`` of B's internal offer
is a 404; a ``PATCH`` (or a create) that gives a line to B is refused and changes nothing. Without a
login: only public records, with anonymised donors shown as undisclosed everywhere, and no way to
find an anonymised line by its donor. Plus the write rules of the other roles that the matrix
only sees as status codes: the messages and fields of the refusals.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import Actor, Role, offer_visible
from nsatu.core.lifecycles import OfferStage
from nsatu.db.models import Allocation, OfferLine
from nsatu.db.scoping import set_actor
from nsatu.offers import service as offer_service
from nsatu.offers.schemas import UNDISCLOSED_CODE, UNDISCLOSED_NAME, OfferFilter
from nsatu.settings import Settings
from nsatu.transfer import service as transfer_service
from nsatu.transfer import sheets
from nsatu.transfer.schemas import Format
from nsatu.web.app import create_app
from tests.security.signin import Caller
from tests.security.world import World, build_world


@dataclass
class Scene:
    world: World
    client: TestClient
    factory: sessionmaker[Session]

    def caller(self, role: Role) -> Caller:
        return self.world.caller(role)

    @property
    def liaison(self) -> Caller:
        return self.caller(Role.DONOR_LIAISON)

    @property
    def public(self) -> Caller:
        return self.caller(Role.PUBLIC)

    def offer(self, owner: str, level: str, *, allocated: bool = False) -> OfferLine:
        suffix = "anonymous" if level == "anonymous" else f"{level}-{int(allocated)}"
        with self.factory() as s:
            line = s.scalar(
                select(OfferLine).where(OfferLine.reference.like(f"SEC-O%-{owner}-{suffix}"))
            )
            assert line is not None
            return line

    def get(self, caller: Caller, url: str, **params: Any) -> Any:
        return self.client.get(url, params=params, headers=caller.headers)


@pytest.fixture(scope="module")
def app() -> FastAPI:
    """One app for the module (building its routes costs more than most tests); each test gives
    it its own rolled-back database session factory."""
    return create_app(Settings(database_url="sqlite://"))


@pytest.fixture
def scene(app: FastAPI, session_factory: sessionmaker[Session]) -> Iterator[Scene]:
    with session_factory() as s:
        world = build_world(s)
        s.commit()
    app.state.session_factory = session_factory
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Scene(world, client, session_factory)


def refs(response: Any) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["reference"] for item in response.json()["items"]}


# --- The donor liaison of A --------------------------------------------------------------------


def test_a_donor_liaison_lists_its_own_offers_but_not_others_bilateral_or_internal(
    scene: Scene,
) -> None:
    listed = refs(scene.get(scene.liaison, "/api/offers", size=500))
    for level in ("internal", "bilateral", "coalition", "public"):
        assert scene.offer("A", level).reference in listed
    assert scene.offer("B", "coalition").reference in listed
    assert scene.offer("B", "public").reference in listed
    for level in ("internal", "bilateral"):
        for allocated in (False, True):
            assert scene.offer("B", level, allocated=allocated).reference not in listed


def test_the_search_finds_nothing_out_of_scope(scene: Scene) -> None:
    hidden = scene.offer("B", "bilateral")
    by_text = refs(scene.get(scene.liaison, "/api/offers", q=hidden.description))
    by_ref = refs(scene.get(scene.liaison, "/api/offers", q=hidden.reference))
    assert by_text == by_ref == set()
    own = scene.offer("A", "internal")
    assert refs(scene.get(scene.liaison, "/api/offers", q=own.reference)) == {own.reference}
    # Filtering by B as donor shows only what B released to the coalition or the public.
    b_code = scene.world.nations["B"].code
    assert all(
        ref.split("-")[3] in ("coalition", "public", "anonymous")
        for ref in refs(scene.get(scene.liaison, "/api/offers", donor=b_code, size=500))
    )


def test_the_export_holds_only_what_the_actor_may_see(scene: Scene) -> None:
    with scene.factory() as s:
        set_actor(s, scene.liaison.actor)
        out = io.BytesIO()
        result = transfer_service.export_offers(s, out, Format.CSV, OfferFilter())
    sheet = sheets.read(out.getvalue(), Format.CSV)
    exported = {row[0] for _, row in sheet.rows}
    assert result.exported == len(exported)
    assert scene.offer("A", "internal").reference in exported
    assert scene.offer("B", "coalition").reference in exported
    assert scene.offer("B", "bilateral").reference not in exported
    assert scene.offer("B", "internal", allocated=True).reference not in exported


def test_counts_by_stage_count_only_what_the_actor_may_see(scene: Scene) -> None:
    for caller in scene.world.callers:
        with scene.factory() as s:
            expected = _visible_stages(s, caller.actor)
            set_actor(s, caller.actor)
            counts = offer_service.count_by_stage(s)
        assert {k: v for k, v in counts.items() if v} == expected, caller.name


def _visible_stages(session: Session, actor: Actor) -> Counter[OfferStage]:
    """Every stored line judged by the pure predicate (read without an actor)."""
    live = exists().where(
        Allocation.offer_line_id == OfferLine.id, Allocation.status.in_(["proposed", "accepted"])
    )
    stmt = select(OfferLine.stage, OfferLine.donor_nation_id, OfferLine.releasability, live)
    return Counter(
        stage
        for stage, donor, level, allocated in session.execute(stmt)
        if offer_visible(actor, donor_nation_id=donor, releasability=level, allocated=allocated)
    )


def test_another_donors_internal_offer_is_not_found(scene: Scene) -> None:
    hidden = scene.offer("B", "internal")
    r = scene.get(scene.liaison, f"/api/offers/{hidden.id}")
    assert r.status_code == 404
    assert r.json()["error"] == "offer_not_found"
    assert hidden.reference not in r.text  # the answer says nothing of the line
    # The same answer as for an id that does not exist at all.
    missing = scene.get(scene.liaison, "/api/offers/2000000000")
    assert missing.json()["detail"].replace("2000000000", str(hidden.id)) == r.json()["detail"]


def test_a_patch_giving_an_offer_to_another_donor_is_refused_and_changes_nothing(
    scene: Scene,
) -> None:
    own = scene.offer("A", "bilateral")
    b = scene.world.nations["B"].id
    r = scene.client.patch(
        f"/api/offers/{own.id}",
        json={"version": own.version, "donor_nation_id": b, "description": "now B's"},
        headers=scene.liaison.headers,
    )
    assert r.status_code == 403, r.text
    assert r.json()["field"] == "donor_nation_id"
    assert "own nation" in r.json()["detail"]
    after = scene.offer("A", "bilateral")
    assert (after.donor_nation_id, after.description, after.version) == (
        own.donor_nation_id,
        own.description,
        own.version,
    )
    # Naming its own nation is no move at all, and is allowed.
    same = scene.client.patch(
        f"/api/offers/{own.id}",
        json={"version": own.version, "donor_nation_id": own.donor_nation_id},
        headers=scene.liaison.headers,
    )
    assert same.status_code == 200, same.text


def test_a_donor_liaison_cannot_record_or_move_another_donors_offer(scene: Scene) -> None:
    b = scene.world.nations["B"]
    with scene.factory() as s:
        before = s.scalar(select(OfferLine.id).order_by(OfferLine.id.desc()).limit(1))
    created = scene.client.post(
        "/api/offers",
        json={"donor_nation_id": b.id, "kind": "in_kind_stock", "description": "for B"},
        headers=scene.liaison.headers,
    )
    assert created.status_code == 403, created.text
    assert created.json()["field"] == "donor_nation_id"
    with scene.factory() as s:
        assert s.scalar(select(OfferLine.id).order_by(OfferLine.id.desc()).limit(1)) == before
    visible = scene.offer("B", "coalition")  # seen, but not the liaison's to change
    for method, url in (
        ("PATCH", f"/api/offers/{visible.id}"),
        ("POST", f"/api/offers/{visible.id}/withdraw"),
    ):
        body = {"version": visible.version, "description": "mine now"}
        r = scene.client.request(
            method, url, json=body if method == "PATCH" else None, headers=scene.liaison.headers
        )
        assert r.status_code == 403, (url, r.text)
        assert "another donor" in r.json()["detail"]
    assert scene.offer("B", "coalition").version == visible.version


def test_a_coordinator_may_correct_a_donor_but_not_split_a_pledge_tree(scene: Scene) -> None:
    coordinator = scene.caller(Role.COORDINATOR)
    line, b = scene.offer("A", "public"), scene.world.nations["B"].id
    moved = scene.client.patch(
        f"/api/offers/{line.id}",
        json={"version": line.version, "donor_nation_id": b},
        headers=coordinator.headers,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["donor_nation_id"] == b
    child = scene.client.post(
        "/api/offers",
        json={
            "donor_nation_id": b,
            "kind": "in_kind_stock",
            "description": "refinement",
            "parent_id": line.id,
        },
        headers=coordinator.headers,
    )
    assert child.status_code == 201, child.text
    back = scene.client.patch(
        f"/api/offers/{line.id}",
        json={"version": moved.json()["version"], "donor_nation_id": line.donor_nation_id},
        headers=coordinator.headers,
    )
    assert back.status_code == 422
    assert back.json()["field"] == "donor_nation_id"


# --- Without a login ---------------------------------------------------------------------------


def test_the_public_sees_only_public_records(scene: Scene) -> None:
    offers = scene.get(scene.public, "/api/offers", size=500).json()["items"]
    assert offers
    assert {o["releasability"] for o in offers} == {"public"}
    needs = scene.get(scene.public, "/api/needs", size=500).json()["items"]
    assert needs
    assert {(n["releasability"], n["status"]) for n in needs} == {("public", "published")}
    assert scene.get(scene.public, "/api/seat-requests").json()["items"] == []


def test_the_public_sees_an_anonymised_donor_as_undisclosed(scene: Scene) -> None:
    line = scene.offer("A", "anonymous")
    undisclosed = {
        "donor_code": UNDISCLOSED_CODE,
        "donor_name": UNDISCLOSED_NAME,
        "donor_nation_id": None,
        "origin_site_id": None,
        "donor_disclosed": False,
    }
    detail = scene.get(scene.public, f"/api/offers/{line.id}").json()
    listed = {o["id"]: o for o in scene.get(scene.public, "/api/offers", size=500).json()["items"]}
    for shown in (detail, listed[line.id]):
        assert {k: shown[k] for k in undisclosed} == undisclosed
    # A line whose donor did not ask for anonymity keeps it.
    plain = listed[scene.offer("A", "public").id]
    assert plain["donor_code"] == scene.world.nations["A"].code
    # Signed-in roles that see the line see the real donor.
    for role in (Role.DONOR_LIAISON, Role.COORDINATOR, Role.HUB_OPERATOR, Role.AUDITOR):
        shown = scene.get(scene.caller(role), f"/api/offers/{line.id}").json()
        assert shown["donor_code"] == scene.world.nations["A"].code, role
        assert shown["donor_nation_id"] == line.donor_nation_id
        assert shown["origin_site_id"] == line.origin_site_id


def test_the_public_cannot_find_an_anonymised_line_by_its_donor(scene: Scene) -> None:
    line = scene.offer("A", "anonymous")
    a = scene.world.nations["A"]
    for params in ({"donor": a.code}, {"donor": a.code.lower()}, {"donor_nation_id": a.id}):
        found = refs(scene.get(scene.public, "/api/offers", size=500, **params))
        assert scene.offer("A", "public").reference in found  # the filter works...
        assert line.reference not in found  # ...but never reveals an anonymised line
        assert line.reference in refs(scene.get(scene.liaison, "/api/offers", size=500, **params))


def test_an_anonymised_refinement_does_not_lead_back_to_its_donor(scene: Scene) -> None:
    """A refinement has its parent's donor: for the public, neither the link nor a filter by the
    parent may point from an anonymised line to a named one."""
    parent = scene.offer("A", "public")
    child = scene.client.post(
        "/api/offers",
        json={
            "donor_nation_id": parent.donor_nation_id,
            "kind": "in_kind_stock",
            "description": "anonymous refinement",
            "parent_id": parent.id,
            "releasability": "public",
            "anonymise_donor": True,
        },
        headers=scene.caller(Role.COORDINATOR).headers,
    )
    assert child.status_code == 201, child.text
    shown = scene.get(scene.public, f"/api/offers/{child.json()['id']}").json()
    assert shown["parent_id"] is None
    assert child.json()["reference"] not in refs(
        scene.get(scene.public, "/api/offers", parent_id=parent.id)
    )
    assert child.json()["reference"] in refs(
        scene.get(scene.liaison, "/api/offers", parent_id=parent.id)
    )


def test_the_public_export_withholds_anonymised_donors(scene: Scene) -> None:
    line = scene.offer("B", "anonymous")
    for caller, donor in ((scene.public, UNDISCLOSED_CODE), (scene.liaison, None)):
        with scene.factory() as s:
            set_actor(s, caller.actor)
            out = io.BytesIO()
            transfer_service.export_offers(s, out, Format.CSV, OfferFilter())
        sheet = sheets.read(out.getvalue(), Format.CSV)
        header = [str(h) for h in sheet.header]
        rows = {row[0]: dict(zip(header, row, strict=False)) for _, row in sheet.rows}
        shown = rows[line.reference]
        # (A CSV cell starting with "-" carries the formula guard; the import takes it off.)
        assert sheets.unescape_text(shown["donor"]) == (donor or scene.world.nations["B"].code)
        assert (shown["origin_site"] in (None, "")) is (caller is scene.public)
        assert shown["anonymise_donor"] == "yes"
        if caller is scene.public:
            assert {r["releasability"] for r in rows.values()} == {"public"}


def test_the_public_pages_show_undisclosed_donors_and_hide_the_rest(scene: Scene) -> None:
    anonymous, hidden = scene.offer("A", "anonymous"), scene.offer("B", "bilateral")
    page = scene.get(scene.public, "/offers", size=500)
    assert page.status_code == 200
    assert anonymous.reference in page.text
    assert hidden.reference not in page.text
    detail = scene.get(scene.public, f"/offers/{anonymous.id}")
    assert detail.status_code == 200
    assert UNDISCLOSED_NAME in detail.text
    assert f"/nations/{anonymous.donor_nation_id}" not in detail.text
    assert f"/sites/{anonymous.origin_site_id}" not in detail.text
    assert scene.get(scene.public, f"/offers/{hidden.id}").status_code == 404


# --- The other roles' write rules: the refusals name the reason --------------------------------


def test_a_training_coordinator_cannot_hand_its_course_to_another_host(scene: Scene) -> None:
    trainer = scene.caller(Role.TRAINING_COORDINATOR)
    course = scene.world.refs["course"]["A"]
    r = scene.client.patch(
        f"/api/courses/{course.id}",
        json={"version": course.version, "host_nation_id": scene.world.nations["B"].id},
        headers=trainer.headers,
    )
    assert r.status_code == 403, r.text
    assert r.json()["field"] == "host_nation_id"
    ok = scene.client.patch(
        f"/api/courses/{course.id}",
        json={"version": course.version, "title": "Renamed"},
        headers=trainer.headers,
    )
    assert ok.status_code == 200, ok.text


def test_a_hub_operator_records_events_at_its_own_hub_only(scene: Scene) -> None:
    operator = scene.caller(Role.HUB_OPERATOR)
    consignment = scene.world.refs["consignment"]["A"]
    body = {"consignment_id": consignment.id, "kind": "note"}
    elsewhere = scene.client.post(
        "/api/tracking-events",
        json=body | {"site_id": scene.world.hubs["B"].id},
        headers=operator.headers,
    )
    assert elsewhere.status_code == 403, elsewhere.text
    assert elsewhere.json()["field"] == "site_id"
    here = scene.client.post(
        "/api/tracking-events",
        json=body | {"site_id": scene.world.hubs["A"].id},
        headers=operator.headers,
    )
    assert here.status_code == 201, here.text
    # A consignment that does not pass its hub is not found, even to write to.
    other = scene.world.refs["consignment"]["B"]
    unseen = scene.client.post(
        "/api/tracking-events",
        json={"consignment_id": other.id, "kind": "note", "site_id": scene.world.hubs["A"].id},
        headers=operator.headers,
    )
    assert unseen.status_code == 422
    assert unseen.json()["field"] == "consignment_id"


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.PUBLIC])
def test_auditors_and_the_public_change_nothing(scene: Scene, role: Role) -> None:
    caller, line = scene.caller(role), scene.offer("A", "public")
    r = scene.client.patch(
        f"/api/offers/{line.id}",
        json={"version": line.version, "description": "x"},
        headers=caller.headers,
    )
    assert r.status_code == 403, r.text
    assert "read-only" in r.json()["detail"]
