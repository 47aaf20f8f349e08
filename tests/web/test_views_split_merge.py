"""Splitting and merging from the consignment page over HTTP: the forms are shown to coordinators
for a delivery that has not departed; a refusal is shown next to the field it concerns and
changes nothing; a success leads to the consignment it made or kept."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import Role
from nsatu.core.lifecycles import ConsignmentStatus
from nsatu.db.models import Consignment, ConsignmentLine
from nsatu.logistics.generate import seed_consignments
from tests.conftest import sign_in


@pytest.fixture
def three(session_factory: sessionmaker[Session]) -> list[int]:
    """Three ready consignments of 10 units on one route (one line each)."""
    with session_factory() as s:
        routes = seed_consignments(s, 3, prefix="VSM", loaded=10)
        ids = [
            s.scalars(select(Consignment.id).where(Consignment.reference == r.reference)).one()
            for r in routes
        ]
        s.commit()
    return ids


def _state(factory: sessionmaker[Session]) -> list[tuple[Any, ...]]:
    with factory() as s:
        cs = s.execute(
            select(Consignment.id, Consignment.status, Consignment.version).order_by(Consignment.id)
        ).all()
        lines = s.execute(
            select(ConsignmentLine.id, ConsignmentLine.consignment_id, ConsignmentLine.quantity)
        ).all()
    return sorted(map(tuple, cs)) + sorted(map(tuple, lines))


def _line(factory: sessionmaker[Session], cid: int) -> int:
    with factory() as s:
        return s.scalars(
            select(ConsignmentLine.id).where(ConsignmentLine.consignment_id == cid)
        ).one()


def _error(html: str, name: str) -> str:
    m = re.search(rf'<small class="field-error" data-field="{name}">(.*?)</small>', html, re.S)
    assert m is not None, f"no error next to {name}"
    return m.group(1)


def test_the_forms_list_the_lines_and_the_consignments_on_the_same_route(
    client: TestClient, three: list[int]
) -> None:
    r = client.get(f"/consignments/{three[0]}")
    assert r.status_code == 200
    assert 'id="split-form"' in r.text and 'id="merge-form"' in r.text
    assert "VSM-000001" in r.text and "VSM-000002" in r.text  # the merge candidates


def test_a_split_moves_part_of_a_line(
    client: TestClient, session_factory: sessionmaker[Session], three: list[int]
) -> None:
    line = _line(session_factory, three[0])
    r = client.post(
        f"/consignments/{three[0]}/split",
        data={"version": "1", f"move_{line}": "4", "reference": "VSM-SPLIT"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    with session_factory() as s:
        new = s.scalars(select(Consignment).where(Consignment.reference == "VSM-SPLIT")).one()
        assert r.headers["location"] == f"/consignments/{new.id}"
        moved = s.scalars(
            select(ConsignmentLine.quantity).where(ConsignmentLine.consignment_id == new.id)
        ).one()
        left = s.scalars(select(ConsignmentLine.quantity).where(ConsignmentLine.id == line)).one()
    assert (moved, left) == (Decimal(4), Decimal(6))


@pytest.mark.parametrize(
    ("form", "field", "says"),
    [
        ({"move": "11"}, "move", "carries 10"),
        ({"move": "10"}, "lines", "leave something"),
        ({"move": "-2"}, "move", "greater than 0"),
        ({}, "lines", "at least one line"),
        ({"move": "3", "reference": "bad ref!"}, "reference", "pattern"),
        ({"move": "3", "reference": "VSM-000001"}, None, "already exists"),
        ({"move": "3", "version": "7"}, None, "changed by someone else"),
    ],
)
def test_a_refused_split_names_the_field_and_changes_nothing(
    client: TestClient,
    session_factory: sessionmaker[Session],
    three: list[int],
    form: dict[str, str],
    field: str | None,
    says: str,
) -> None:
    line = _line(session_factory, three[0])
    data = {"version": form.get("version", "1"), "reference": form.get("reference", "")}
    if "move" in form:
        data[f"move_{line}"] = form["move"]
    before = _state(session_factory)
    r = client.post(f"/consignments/{three[0]}/split", data=data, follow_redirects=False)
    assert r.status_code in (409, 422), r.text
    name = f"move_{line}" if field == "move" else field
    if name is None:
        box = re.search(r'<article class="error-box".*?</article>', r.text, re.S)
        assert box is not None and says in box.group(0)
    else:
        assert says in _error(r.text, name)
    assert _state(session_factory) == before


def test_a_merge_takes_in_the_other_and_cancels_it(
    client: TestClient, session_factory: sessionmaker[Session], three: list[int]
) -> None:
    kept, other = three[0], three[1]
    r = client.post(
        f"/consignments/{kept}/merge",
        data={"version": "1", "other": f"{other}@1"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/consignments/{kept}"
    with session_factory() as s:
        assert s.get(Consignment, other).status is ConsignmentStatus.CANCELLED  # type: ignore[union-attr]
        carried = s.scalars(
            select(ConsignmentLine.quantity).where(ConsignmentLine.consignment_id == kept)
        ).all()
    assert sum(carried) == 20


@pytest.mark.parametrize(
    ("other", "says"),
    [
        ("", "choose the consignment"),
        ("{other}@5", "changed by someone else"),
        ("{departed}@1", "only one that is"),
    ],
)
def test_a_refused_merge_is_shown_next_to_the_choice_and_changes_nothing(
    client: TestClient,
    session_factory: sessionmaker[Session],
    three: list[int],
    other: str,
    says: str,
) -> None:
    with session_factory() as s:
        s.execute(
            update(Consignment)
            .where(Consignment.id == three[2])
            .values(status=ConsignmentStatus.IN_TRANSIT)
        )
        s.commit()
    before = _state(session_factory)
    posted = other.format(other=three[1], departed=three[2])
    r = client.post(f"/consignments/{three[0]}/merge", data={"version": "1", "other": posted})
    assert r.status_code in (409, 422), r.text
    assert says in _error(r.text, "other")
    assert _state(session_factory) == before


def test_only_coordinators_are_offered_the_forms_and_others_are_refused(
    client: TestClient, session_factory: sessionmaker[Session], three: list[int]
) -> None:
    sign_in(client, session_factory, role=Role.AUDITOR)
    r = client.get(f"/consignments/{three[0]}")
    assert r.status_code == 200 and 'id="split-form"' not in r.text
    line = _line(session_factory, three[0])
    before = _state(session_factory)
    r = client.post(f"/consignments/{three[0]}/split", data={"version": "1", f"move_{line}": "2"})
    assert r.status_code == 403
    assert 'class="error-box"' in r.text
    assert _state(session_factory) == before


def test_a_departed_consignment_offers_no_forms(
    client: TestClient, session_factory: sessionmaker[Session], three: list[int]
) -> None:
    with session_factory() as s:
        s.execute(
            update(Consignment)
            .where(Consignment.id == three[0])
            .values(status=ConsignmentStatus.IN_TRANSIT)
        )
        s.commit()
    r = client.get(f"/consignments/{three[0]}")
    assert r.status_code == 200 and 'id="split-form"' not in r.text


def test_a_stale_version_of_this_consignment_is_shown_above_the_merge_form(
    client: TestClient, session_factory: sessionmaker[Session], three: list[int]
) -> None:
    before = _state(session_factory)
    r = client.post(
        f"/consignments/{three[0]}/merge", data={"version": "4", "other": f"{three[1]}@1"}
    )
    assert r.status_code == 409
    box = re.search(r'<article class="error-box".*?</article>', r.text, re.S)
    assert box is not None and "changed by someone else" in box.group(0)
    assert 'data-field="other"' not in r.text
    assert _state(session_factory) == before
