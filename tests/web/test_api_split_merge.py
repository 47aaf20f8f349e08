"""Splitting and merging consignments over HTTP, as every role: a consignment out of the caller's
scope is a 404, in scope a 403 for all but coordinators, and a refusal writes nothing. Expectations
come from ``core.access`` (``consignment_visible``, ``may_act_on_consignment``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import consignment_visible, may_act_on_consignment
from nsatu.core.enums import Releasability
from nsatu.core.lifecycles import ConsignmentStatus
from nsatu.db.models import Consignment, ConsignmentLeg, ConsignmentLine, Nation, Site
from nsatu.logistics.generate import SYNTHETIC_DONOR, seed_consignments
from tests.web.callers import CALLERS, sign_in_caller


@dataclass
class World:
    ids: list[int]
    lines: list[int]
    sites: set[int]
    hub: int
    donor: int


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    with session_factory() as session:
        routes = seed_consignments(session, 3, prefix="APISM", loaded=10)
        refs = [r.reference for r in routes]
        cs = list(
            session.scalars(
                select(Consignment)
                .where(Consignment.reference.in_(refs))
                .order_by(Consignment.reference)
            )
        )
        lines = [
            session.scalars(
                select(ConsignmentLine.id).where(ConsignmentLine.consignment_id == c.id)
            ).one()
            for c in cs
        ]
        codes = [routes[0].origin, routes[0].hub, routes[0].destination]
        sites = dict(session.execute(select(Site.code, Site.id).where(Site.code.in_(codes))).all())
        donor = session.scalar(select(Nation.id).where(Nation.code == SYNTHETIC_DONOR))
        assert donor is not None
        w = World([c.id for c in cs], lines, set(sites.values()), sites[routes[0].hub], donor)
        session.commit()
    return w


def _state(factory: sessionmaker[Session]) -> list[tuple[Any, ...]]:
    with factory() as session:
        cs = session.execute(
            select(Consignment.id, Consignment.status, Consignment.version).order_by(Consignment.id)
        ).all()
        lines = session.execute(
            select(
                ConsignmentLine.id, ConsignmentLine.consignment_id, ConsignmentLine.quantity
            ).order_by(ConsignmentLine.id)
        ).all()
        legs = session.execute(select(ConsignmentLeg.id).order_by(ConsignmentLeg.id)).all()
        return [tuple(x) for x in (*cs, *lines, *legs)]


@pytest.mark.parametrize("caller", CALLERS)
def test_split_and_merge_as_every_role(
    client: TestClient, session_factory: sessionmaker[Session], world: World, caller: str
) -> None:
    w = world
    actor = sign_in_caller(client, session_factory, caller, donor=w.donor, hub=w.hub)
    visible = consignment_visible(
        actor,
        releasability=Releasability.BILATERAL,
        site_ids=w.sites,
        donor_nation_ids={w.donor},
    )
    allowed = may_act_on_consignment(actor, "split")
    before = _state(session_factory)

    split = client.post(
        f"/api/consignments/{w.ids[0]}/split",
        json={"version": 1, "lines": [{"line_id": w.lines[0], "quantity": "4"}]},
    )
    merge = client.post(
        "/api/consignments/merge",
        json={"consignments": [{"id": w.ids[1], "version": 1}, {"id": w.ids[2], "version": 1}]},
    )
    if not visible:
        assert (split.status_code, merge.status_code) == (404, 404), (split.json(), merge.json())
    elif not allowed:
        assert (split.status_code, merge.status_code) == (403, 403), (split.json(), merge.json())
    else:
        assert split.status_code == 201, split.json()
        body = split.json()
        assert body["source"]["id"] == w.ids[0] and body["created"]["status"] == "ready"
        assert merge.status_code == 200, merge.json()
        body = merge.json()
        assert body["merged"]["id"] == w.ids[1]
        assert [x["status"] for x in body["cancelled"]] == ["cancelled"]
        return
    assert _state(session_factory) == before


def test_refusals_over_http_name_the_field_and_write_nothing(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    w = world
    before = _state(session_factory)
    cases = [
        (
            f"/api/consignments/{w.ids[0]}/split",
            {"version": 1, "lines": [{"line_id": w.lines[0], "quantity": "11"}]},
            422,
            "lines.0.quantity",
        ),
        (
            f"/api/consignments/{w.ids[0]}/split",
            {"version": 1, "lines": [{"line_id": w.lines[1], "quantity": "1"}]},
            422,
            "lines.0.line_id",
        ),
        (
            f"/api/consignments/{w.ids[0]}/split",
            {"version": 2, "lines": [{"line_id": w.lines[0], "quantity": "1"}]},
            409,
            "version",
        ),
        (
            "/api/consignments/merge",
            {"consignments": [{"id": w.ids[1], "version": 1}, {"id": w.ids[1], "version": 1}]},
            422,
            "consignments.1.id",
        ),
        (
            "/api/consignments/merge",
            {"consignments": [{"id": w.ids[1], "version": 1}, {"id": w.ids[2], "version": 3}]},
            409,
            "consignments.1.version",
        ),
    ]
    for url, body, status, field in cases:
        got = client.post(url, json=body)
        assert got.status_code == status, (url, body, got.json())
        assert got.json()["field"] == field, got.json()
    assert _state(session_factory) == before
    # A departed consignment is a conflict.
    with session_factory() as session:
        c = session.get(Consignment, w.ids[2])
        assert c is not None
        c.status = ConsignmentStatus.IN_TRANSIT
        session.commit()
    assert _state(session_factory) != before
    before = _state(session_factory)
    got = client.post(
        "/api/consignments/merge",
        json={"consignments": [{"id": w.ids[1], "version": 1}, {"id": w.ids[2], "version": 2}]},
    )
    assert got.status_code == 409 and got.json()["error"] == "consignment_not_editable"
    assert _state(session_factory) == before


def test_a_failed_commit_is_an_error_and_stores_nothing(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    """A split (the new consignment, its lines and legs, the source's rewrite) and a merge are
    each one transaction."""
    w = world

    def boom(_session: Session) -> None:
        raise RuntimeError("disk full")

    before = _state(session_factory)
    event.listen(session_factory, "before_commit", boom)
    try:
        split = client.post(
            f"/api/consignments/{w.ids[0]}/split",
            json={"version": 1, "lines": [{"line_id": w.lines[0], "quantity": "4"}]},
        )
        merge = client.post(
            "/api/consignments/merge",
            json={"consignments": [{"id": w.ids[1], "version": 1}, {"id": w.ids[2], "version": 1}]},
        )
    finally:
        event.remove(session_factory, "before_commit", boom)
    for r in (split, merge):
        assert r.status_code == 500 and "request id" in r.json()["detail"]
    assert _state(session_factory) == before
