"""The training pages over HTTP: the calendar across host nations (filters, the HTMX partial, the
statistics), a course's and an event's pages with their seat fill; bad filters are a 422 naming
the field; and their scoping (seat requests and participants only for those who may see them)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import Role
from nsatu.core.enums import ConsignmentKind, TrackingEventKind, TransportMode
from nsatu.core.lifecycles import ConsignmentStatus, SeatRequestStatus, TrainingEventStatus
from nsatu.db.models import (
    Allocation,
    Consignment,
    ConsignmentLeg,
    ConsignmentLine,
    SeatRequest,
    TrackingEvent,
    TrainingEvent,
)
from tests.training_world import (
    ReadinessWorld,
    TrainingWorld,
    build_readiness_world,
    build_training_world,
)

TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> TrainingWorld:
    with session_factory() as s:
        w = build_training_world(s, TODAY, tag="VT")
        s.commit()
    return w


def _month(day: dt.date) -> str:
    return day.isoformat()[:7]


def _events_on(html: str) -> set[int]:
    """The events drawn as bars on the calendar."""
    return {
        int(i) for i in re.findall(r'<a class="bar [a-z]+" href="/training/events/(\d+)"', html)
    }


def _fill(html: str) -> dict[str, int]:
    table = re.search(r'<table class="seat-fill".*?</table>', html, re.DOTALL)
    assert table is not None, "no seat-fill table"
    return {
        k: int(v)
        for k, v in re.findall(
            r'data-fill="(\w+)">\s*<th scope="row">[^<]*</th>\s*<td class="num" data-value="(\d+)"',
            table.group(0),
        )
    }


def _rows(html: str) -> dict[int, str]:
    """Event id → the host nation code of the calendar row it is drawn on."""
    return {
        int(i): host
        for host, row in re.findall(r'<tr data-host="(\w+)">(.*?)</tr>', html, re.DOTALL)
        for i in re.findall(r'href="/training/events/(\d+)"', row)
    }


def test_the_calendar_shows_each_months_events_on_their_host_nations_row(
    client: TestClient, world: TrainingWorld
) -> None:
    w = world
    hosts = {"e1": "A", "e2": "B", "e3": "B", "e4": "A", "e5": "B"}
    for key, event in w.events.items():
        r = client.get("/training", params={"month": _month(event.starts_on)})
        assert r.status_code == 200, r.text
        assert _rows(r.text).get(event.id) == w.nations[hosts[key]].code, key
        # Each bar links to the event's page; an event of another month is not drawn.
        later = [
            e for e in w.events.values() if e.starts_on > event.ends_on + dt.timedelta(days=62)
        ]
        assert not {e.id for e in later} & _events_on(r.text)


def test_the_default_span_is_this_month_and_the_next_two(
    client: TestClient, world: TrainingWorld
) -> None:
    r = client.get("/training")
    assert r.status_code == 200
    assert f"{TODAY.replace(day=1)} →" in r.text
    # e4 starts in 20 days, within the span; e5 (cancelled, in 10 days) is drawn struck through.
    assert {world.events["e4"].id, world.events["e5"].id} <= _events_on(r.text)
    assert f'class="bar cancelled" href="/training/events/{world.events["e5"].id}"' in r.text


def test_the_calendar_filters_by_capability_area_and_host(
    client: TestClient, world: TrainingWorld
) -> None:
    w = world
    month = _month(w.events["e3"].starts_on)
    every = _events_on(client.get("/training", params={"month": month}).text)
    air = _events_on(
        client.get("/training", params={"month": month, "area": w.areas["air"].id}).text
    )
    demining = _events_on(
        client.get("/training", params={"month": month, "area": w.areas["demining"].id}).text
    )
    host_b = _events_on(
        client.get("/training", params={"month": month, "host": w.nations["B"].id}).text
    )
    assert w.events["e3"].id in every and w.events["e3"].id in air
    assert w.events["e3"].id not in demining
    # e3 is offered by B though its course belongs to A: it is on B's row.
    assert w.events["e3"].id in host_b
    assert all(i not in host_b for i in (w.events["e1"].id, w.events["e4"].id))


def test_the_filters_answer_htmx_with_the_calendar_only(
    client: TestClient, world: TrainingWorld
) -> None:
    r = client.get(
        "/training",
        params={"month": _month(TODAY), "host": world.nations["A"].id},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    assert '<div id="training-calendar">' in r.text
    assert "<html" not in r.text and "training-statistics" not in r.text
    assert r.headers["Vary"] == "HX-Request"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"month": "2025-13"}, "month"),
        ({"month": "last"}, "month"),
        ({"area": "air"}, "area"),
        ({"host": "-1"}, "host"),
        ({"host": "99999999999999999999"}, "host"),
        ({"host": "\u00b2"}, "host"),
    ],
)
def test_a_bad_filter_is_a_422_naming_it(
    client: TestClient, world: TrainingWorld, params: dict[str, str], field: str
) -> None:
    r = client.get("/training", params=params)
    assert r.status_code == 422, r.text
    assert field in r.text


def test_the_statistics_chart_holds_people_trained_per_host_and_month(
    client: TestClient, world: TrainingWorld
) -> None:
    w = world
    r = client.get("/training")
    data = json.loads(
        re.search(r'<script type="application/json" id="training-chart">(.*?)</script>', r.text, re.DOTALL).group(1)  # type: ignore[union-attr]
    )  # fmt: skip
    trained = {
        d["label"]: dict(zip(data["labels"], d["data"], strict=True)) for d in data["datasets"]
    }
    a, b = w.nations["A"].code, w.nations["B"].code
    assert trained[a][_month(w.events["e1"].ends_on)] == 6
    # e2 (4) and e3 (2) are both B's; they may end in the same month.
    by_b = trained[b]
    assert (
        by_b[_month(w.events["e2"].ends_on)]
        + (
            by_b[_month(w.events["e3"].ends_on)]
            if _month(w.events["e3"].ends_on) != _month(w.events["e2"].ends_on)
            else 0
        )
        == 6
    )
    assert 'id="training-months"' in r.text and "Fill rate" in r.text


def test_the_event_page_shows_seat_fill_and_its_facts(
    client: TestClient, world: TrainingWorld
) -> None:
    w = world
    r = client.get(f"/training/events/{w.events['e1'].id}")
    assert r.status_code == 200, r.text
    # 10 offered; the request assigned holds 12 seats (its roster); 8 came, 6 passed.
    assert _fill(r.text) == {"offered": 10, "assigned": 12, "attended": 8, "completed": 6}
    assert "VT Hostland A" in r.text and "VT Hostland B" in r.text  # instructor nations
    assert 'id="funding">National' in r.text
    rows = dict(re.findall(r'data-status="(\w+)"><td>.*?</td><td class="num">(\d+)</td>', r.text))
    assert rows == {
        "nominated": "1",
        "accepted": "2",
        "attended": "1",
        "completed": "6",
        "failed": "1",
        "withdrawn": "1",
    }
    assert "VT-request-e1" in r.text
    # The specialised course names its prerequisite.
    r4 = client.get(f"/training/events/{w.events['e4'].id}")
    assert w.courses["c1"].code in re.search(r'id="prerequisites">.*?</dd>', r4.text).group(0)  # type: ignore[union-attr]
    assert _fill(r4.text) == {"offered": 12, "assigned": 3, "attended": 0, "completed": 0}


def test_the_course_page_lists_its_events_and_their_fill(
    client: TestClient, world: TrainingWorld
) -> None:
    w = world
    r = client.get(f"/training/courses/{w.courses['c1'].id}")
    assert r.status_code == 200, r.text
    events = {int(i) for i in re.findall(r'<tr data-event="(\d+)">', r.text)}
    assert events == {w.events["e1"].id, w.events["e3"].id}
    assert _fill(r.text) == {"offered": 15, "assigned": 12 + 5, "attended": 12, "completed": 8}
    # c3 needs c1 first: c1 leads to c3.
    assert w.courses["c3"].code in re.search(r'id="leads-to">.*?</dd>', r.text, re.DOTALL).group(0)  # type: ignore[union-attr]
    c2 = client.get(f"/training/courses/{w.courses['c2'].id}")
    assert "1 seat request (4 seats) not yet assigned" in c2.text


def test_a_missing_course_or_event_is_the_404_page(
    client: TestClient, world: TrainingWorld
) -> None:
    for path in ("/training/courses/999999999", "/training/events/999999999"):
        r = client.get(path)
        assert r.status_code == 404
        assert "text/html" in r.headers["content-type"]


MakeClient = Callable[[Role], TestClient]


def test_seat_requests_and_participants_only_for_those_who_may_see_them(
    as_role: MakeClient, world: TrainingWorld
) -> None:
    """A donor liaison (and the public) sees the event and its seats offered, and no request or
    participant; the recipient sees them all."""
    w = world
    path = f"/training/events/{w.events['e1'].id}"
    for role in (Role.DONOR_LIAISON, Role.PUBLIC, Role.HUB_OPERATOR):
        r = as_role(role).get(path)
        assert r.status_code == 200, (role, r.text)
        assert "VT-request-e1" not in r.text
        assert not re.search(r"VT\d+-e1-", r.text), "a participant's reference is shown"
        assert _fill(r.text) == {"offered": 10, "assigned": 0, "attended": 0, "completed": 0}
    r = as_role(Role.RECIPIENT_PLANNER).get(path)
    assert "VT-request-e1" in r.text and re.search(r"VT\d+-e1-", r.text)
    assert _fill(r.text)["completed"] == 6


# --- The readiness board -------------------------------------------------------------------------


@pytest.fixture
def ready_world(session_factory: sessionmaker[Session]) -> tuple[TrainingWorld, ReadinessWorld]:
    with session_factory() as s:
        w = build_training_world(s, TODAY, tag="VR")
        rw = build_readiness_world(s, w, tag="VR")
        s.commit()
    return w, rw


def _counts(html: str, area: str) -> dict[str, str]:
    row = re.search(rf'<tr data-area="{re.escape(area)}">.*?</tr>', html, re.DOTALL)
    assert row is not None, f"no row of {area}"
    return {
        key: re.sub(r"<[^>]+>", "", cell).strip()
        for key, cell in re.findall(r'data-count="(\w+)">(.*?)</td>', row.group(0), re.DOTALL)
    }


def test_the_readiness_board_counts_per_capability_area(
    client: TestClient, ready_world: tuple[TrainingWorld, ReadinessWorld]
) -> None:
    w, _ = ready_world
    r = client.get("/training/readiness")
    assert r.status_code == 200, r.text
    air, demining = w.areas["air"].code, w.areas["demining"].code
    assert _counts(r.text, air) == {
        "ready": "1",
        "waiting_for_equipment": "1",
        "waiting_for_training": "0",
    }
    assert _counts(r.text, demining) == {
        "ready": "0",
        "waiting_for_equipment": "0",
        "waiting_for_training": "1",
    }
    # Each count is a link down to its packages.
    assert f'href="/training/readiness?area={air}&amp;show=ready"' in r.text


def test_a_count_opens_its_packages_with_their_records_and_dates(
    client: TestClient, ready_world: tuple[TrainingWorld, ReadinessWorld]
) -> None:
    w, rw = ready_world
    air = w.areas["air"].code
    r = client.get("/training/readiness", params={"area": air, "show": "ready"})
    assert r.status_code == 200, r.text
    drill = re.search(r'<section id="readiness-drill".*?</section>', r.text, re.DOTALL)
    assert drill is not None
    html = drill.group(0)
    packages = re.findall(r'<tr data-package="([^"]+)">', html)
    assert packages == [rw.packages["ready"].code]
    assert f'href="/needs/{rw.needs["ready"].id}"' in html
    assert f'href="/consignments/{rw.consignments["ready"].id}"' in html
    assert f'href="/training/events/{w.events["e1"].id}"' in html
    assert f'data-seat-request="{w.requests["e1"].id}"' in html
    handed = (TODAY - dt.timedelta(days=10)).isoformat()
    assert f"handed over {handed}" in html
    assert f"trained {w.events['e1'].ends_on}" in html
    # The same URL asked by HTMX answers with the list only.
    partial = client.get(
        "/training/readiness",
        params={"area": air, "show": "waiting_for_equipment"},
        headers={"HX-Request": "true"},
    )
    assert partial.text.lstrip().startswith('<section id="readiness-drill"')
    assert re.findall(r'<tr data-package="([^"]+)">', partial.text) == [
        rw.packages["equipment"].code
    ]


def test_the_gaps_list_equipment_without_crews_and_crews_without_equipment(
    client: TestClient, ready_world: tuple[TrainingWorld, ReadinessWorld]
) -> None:
    w, rw = ready_world
    r = client.get("/training/readiness")

    def table(id_: str) -> str:
        found = re.search(rf'<table id="{id_}">.*?</table>', r.text, re.DOTALL)
        assert found is not None, id_
        return found.group(0)

    no_crews = table("equipment-without-crews")
    assert rw.packages["training"].code in no_crews
    assert (TODAY - dt.timedelta(days=10)).isoformat() in no_crews
    assert rw.packages["ready"].code not in no_crews
    no_equipment = table("crews-without-equipment")
    assert rw.packages["equipment"].code in no_equipment
    assert str(w.events["e3"].ends_on) in no_equipment
    assert f'href="/needs/{rw.needs["equipment"].id}"' in no_equipment


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"show": "everything"}, "show"),
        ({"area": "no-such-area"}, "area"),
        ({"area": "air\x00"}, "area"),
    ],
)
def test_a_bad_readiness_filter_is_a_422_naming_it(
    client: TestClient,
    ready_world: tuple[TrainingWorld, ReadinessWorld],
    params: dict[str, str],
    field: str,
) -> None:
    r = client.get("/training/readiness", params=params)
    assert r.status_code == 422, r.text
    assert field in r.text


def test_the_readiness_board_names_only_records_the_caller_may_see(
    as_role: MakeClient, ready_world: tuple[TrainingWorld, ReadinessWorld]
) -> None:
    """A donor liaison of another nation sees neither the (draft) needs nor the seat requests."""
    _, rw = ready_world
    r = as_role(Role.DONOR_LIAISON).get(
        "/training/readiness", params={"show": "waiting_for_equipment"}
    )
    assert r.status_code == 200, r.text
    for need in rw.needs.values():
        assert need.reference not in r.text
    assert "data-seat-request=" not in r.text


# --- The seat plan -------------------------------------------------------------------------------


def _figure(html: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert found is not None, name
    return found.group(1)


@pytest.fixture
def bookable(session_factory: sessionmaker[Session], world: TrainingWorld) -> int:
    """An open event of c2 in 30 days, in the open request's window."""
    with session_factory() as s:
        event = TrainingEvent(
            course_id=world.courses["c2"].id,
            host_nation_id=world.nations["B"].id,
            site_id=world.sites["B"].id,
            starts_on=TODAY + dt.timedelta(days=30),
            ends_on=TODAY + dt.timedelta(days=37),
            seats_offered=8,
            status=TrainingEventStatus.OPEN,
        )
        s.add(event)
        s.commit()
        return event.id


def _request_event(session_factory: sessionmaker[Session], request_id: int) -> int | None:
    with session_factory() as s:
        return s.scalar(select(SeatRequest.training_event_id).where(SeatRequest.id == request_id))


def test_the_seat_plan_page_is_for_coordinators_and_auditors(
    as_role: MakeClient, world: TrainingWorld
) -> None:
    for role in Role:
        r = as_role(role).get("/training/plan")
        if role in (Role.COORDINATOR, Role.AUDITOR):
            assert r.status_code == 200, (role, r.text)
            assert ('name="apply"' in r.text) == (role is Role.COORDINATOR)
        else:
            assert r.status_code == 404, role
        if role is not Role.PUBLIC:
            post = as_role(role).post("/training/plan", data={"time_limit_s": "5"})
            assert post.status_code in (
                (200,) if role in (Role.COORDINATOR, Role.AUDITOR) else (403, 404)
            ), role


def test_a_dry_run_explains_an_unmet_request_and_stores_nothing(
    client: TestClient, session_factory: sessionmaker[Session], world: TrainingWorld
) -> None:
    w = world
    r = client.post("/training/plan", data={"time_limit_s": "10"})
    assert r.status_code == 200, r.text
    unmet = re.search(rf'<tr data-request="{w.requests["open"].id}">.*?</tr>', r.text, re.DOTALL)
    assert unmet is not None, "the open request is not listed as unmet"
    # No event of c2 is still bookable: it says why.
    assert re.search(r'data-reason="[a-z_]+">[^<]+</li>', unmet.group(0))
    assert _figure(r.text, "gap").endswith("%")
    assert _request_event(session_factory, w.requests["open"].id) is None


def test_a_run_assigns_the_request_and_stores_it_when_asked(
    client: TestClient,
    session_factory: sessionmaker[Session],
    world: TrainingWorld,
    bookable: int,
) -> None:
    w = world
    r = client.post("/training/plan", data={"time_limit_s": "10", "apply": "false"})
    assert r.status_code == 200, r.text
    row = re.search(rf'<tr data-request="{w.requests["open"].id}">.*?</tr>', r.text, re.DOTALL)
    assert row is not None and f'href="/training/events/{bookable}"' in row.group(0)
    assert float(_figure(r.text, "objective")) > 0
    assert _request_event(session_factory, w.requests["open"].id) is None
    stored = client.post("/training/plan", data={"time_limit_s": "10", "apply": "true"})
    assert stored.status_code == 200, stored.text
    assert 'id="plan-applied"' in stored.text
    assert _request_event(session_factory, w.requests["open"].id) == bookable


def test_a_bad_time_limit_is_named_and_nothing_runs(
    client: TestClient, session_factory: sessionmaker[Session], world: TrainingWorld, bookable: int
) -> None:
    for value in ("0", "500", "ten"):
        r = client.post("/training/plan", data={"time_limit_s": value, "apply": "true"})
        assert r.status_code == 422, value
        assert 'id="err-time_limit_s"' in r.text
        assert 'id="plan-result"' not in r.text
    assert _request_event(session_factory, world.requests["open"].id) is None


def test_an_auditor_may_not_store_a_plan(
    as_role: MakeClient, session_factory: sessionmaker[Session], world: TrainingWorld, bookable: int
) -> None:
    r = as_role(Role.AUDITOR).post("/training/plan", data={"time_limit_s": "5", "apply": "true"})
    assert r.status_code == 403
    assert _request_event(session_factory, world.requests["open"].id) is None


def test_a_handover_that_slips_moves_the_readiness_date_and_invalidates_training(
    client: TestClient,
    session_factory: sessionmaker[Session],
    ready_world: tuple[TrainingWorld, ReadinessWorld],
) -> None:
    """The ``equipment`` package's need goes on a consignment planned to arrive in 5 days, and a
    collective event of c1 starting in 10 days holds seats for it: the board expects the
    equipment in 5 days. A delay scan moves the handover to 20 days: the expected date moves,
    and the collective event, now starting before the handover, is listed as invalidated."""
    w, rw = ready_world
    day = dt.timedelta(days=1)
    need = rw.needs["equipment"]
    with session_factory() as s:
        offer_line_id = s.scalar(
            select(Allocation.offer_line_id).where(Allocation.requirement_id == need.id)
        )
        assert offer_line_id is not None
        depot = s.scalar(select(Consignment.origin_site_id).limit(1))
        assert depot is not None
        consignment = Consignment(
            reference="VR-K-SLIP",
            origin_site_id=depot,
            destination_site_id=rw.handover.id,
            kind=ConsignmentKind.DELIVERY,
            status=ConsignmentStatus.IN_TRANSIT,
        )
        s.add(consignment)
        s.flush()
        s.add_all(
            [
                ConsignmentLine(
                    consignment_id=consignment.id, offer_line_id=offer_line_id, quantity=1
                ),
                ConsignmentLeg(
                    consignment_id=consignment.id,
                    seq=1,
                    from_site_id=depot,
                    to_site_id=rw.handover.id,
                    mode=TransportMode.ROAD,
                    planned_departure_on=TODAY - day,
                    planned_arrival_on=TODAY + 5 * day,
                ),
            ]
        )
        event = TrainingEvent(
            course_id=w.courses["c1"].id,
            host_nation_id=w.nations["A"].id,
            site_id=w.sites["A"].id,
            starts_on=TODAY + 10 * day,
            ends_on=TODAY + 19 * day,
            seats_offered=10,
            status=TrainingEventStatus.OPEN,
        )
        s.add(event)
        s.flush()
        s.add(
            SeatRequest(
                recipient_unit="VR Brigade slip",
                course_id=w.courses["c1"].id,
                training_event_id=event.id,
                requirement_id=need.id,
                seats=2,
                status=SeatRequestStatus.CONFIRMED,
            )
        )
        s.commit()
        ids = {"consignment": consignment.id, "event": event.id}

    def equipment_cell() -> tuple[str, str]:
        r = client.get(
            "/training/readiness",
            params={"area": w.areas["air"].code, "show": "waiting_for_equipment"},
        )
        assert r.status_code == 200, r.text
        row = re.search(
            rf'<tr data-package="{rw.packages["equipment"].code}">.*?</tr>', r.text, re.DOTALL
        )
        assert row is not None
        return row.group(0), r.text

    row, page = equipment_cell()
    assert f"expected {TODAY + 5 * day}" in row
    assert 'id="invalidated"' not in page

    with session_factory() as s:
        s.add(
            TrackingEvent(
                consignment_id=ids["consignment"],
                kind=TrackingEventKind.DELAYED,
                occurred_at=dt.datetime.now(dt.UTC),
                event_id="VR-K-SLIP-delay",
                new_eta=dt.datetime.combine(TODAY + 20 * day, dt.time(12), dt.UTC),
            )
        )
        s.commit()
    row, page = equipment_cell()
    assert f"expected {TODAY + 20 * day}" in row
    invalidated = re.search(r'<table id="invalidated">.*?</table>', page, re.DOTALL)
    assert invalidated is not None, "the collective event before the handover is not listed"
    assert f'href="/training/events/{ids["event"]}"' in invalidated.group(0)
    assert str(TODAY + 20 * day) in invalidated.group(0)
