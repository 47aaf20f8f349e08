"""Readiness per capability package: equipment dates from consignments, training dates from
completed and planned seats, the three states, the gap lists, and the slip rule."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from nsatu.core.access import PUBLIC
from nsatu.core.enums import TrackingEventKind
from nsatu.core.lifecycles import TrainingEventStatus
from nsatu.db.actor import set_actor
from nsatu.db.models import TrackingEvent
from nsatu.errors import InvalidInput
from nsatu.training import readiness as rd
from tests.training.readiness_world import TODAY, build, event, seats

D = dt.timedelta
DONE = TrainingEventStatus.COMPLETED


def _package(session: Session, w: object) -> rd.PackageReadiness:
    board = rd.readiness(session, area=w.area_code, today=TODAY)  # type: ignore[attr-defined]
    (pkg,) = board.packages
    return pkg


def test_training_needs_are_units_times_crew_per_unit(session: Session) -> None:
    w = build(session, launchers_on=TODAY - D(5), launchers_handed_over=True)
    needs = rd.training_needs(session, requirement_ids=[w.launchers.id, w.ammo.id])
    # 2 launchers × 2 operators on each course; the ammunition needs no crews.
    assert sorted((n.course_id, n.seats) for n in needs) == [(w.ind.id, 4), (w.col.id, 4)]
    assert {n.allocation_id for n in needs} == {w.allocations["launchers"].id}


def test_ready_when_delivered_and_trained_with_traceable_ids(session: Session) -> None:
    w = build(session, launchers_on=TODAY - D(5), launchers_handed_over=True)
    e1 = event(session, w, w.ind, TODAY - D(60), status=DONE)
    e2 = event(session, w, w.col, TODAY - D(30), status=DONE)
    r1 = seats(session, w, e1, 5, completed=4)
    r2 = seats(session, w, e2, 4, completed=4, by_allocation=True)
    pkg = _package(session, w)
    assert pkg.status is rd.PackageStatus.READY
    assert pkg.equipment_on == TODAY - D(5)
    assert pkg.trained_on == e2.ends_on
    assert pkg.readiness_on == TODAY - D(5)
    assert pkg.need_ids == sorted([w.launchers.id, w.ammo.id])
    assert pkg.consignment_ids == sorted(c.id for c in w.consignments.values())
    assert pkg.event_ids == sorted([e1.id, e2.id])
    assert pkg.seat_request_ids == sorted([r1.id, r2.id])
    board = rd.readiness(session, area=w.area_code, today=TODAY)
    (area,) = board.areas
    assert [p.package_id for p in area.ready] == [w.package.id]
    assert area.waiting_for_equipment == () and area.waiting_for_training == ()
    assert area.ready[0].consignment_ids == tuple(pkg.consignment_ids)


def test_crews_trained_with_the_equipment_not_there(session: Session) -> None:
    w = build(session, launchers_on=TODAY + D(20), launchers_handed_over=False)
    seats(session, w, event(session, w, w.ind, TODAY - D(60), status=DONE), 4, completed=4)
    seats(session, w, event(session, w, w.col, TODAY - D(30), status=DONE), 4, completed=4)
    board = rd.readiness(session, area=w.area_code, today=TODAY)
    (pkg,) = board.packages
    assert pkg.status is rd.PackageStatus.WAITING_FOR_EQUIPMENT
    assert pkg.readiness_on == TODAY + D(20)
    (gap,) = board.crews_without_equipment
    assert (gap.package_id, gap.there_on, gap.expected_on) == (
        w.package.id,
        TODAY - D(30) + D(9),
        TODAY + D(20),
    )
    assert board.equipment_without_crews == ()
    assert [p.package_id for p in board.areas[0].waiting_for_equipment] == [w.package.id]


def test_equipment_delivered_with_its_crews_not_trained(session: Session) -> None:
    w = build(session, launchers_on=TODAY - D(5), launchers_handed_over=True)
    e1 = event(session, w, w.ind, TODAY + D(10))
    e2 = event(session, w, w.col, TODAY + D(30))
    seats(session, w, e1, 4)
    pkg = _package(session, w)
    # The collective course has no seats yet: no training date.
    assert pkg.status is rd.PackageStatus.WAITING_FOR_TRAINING
    assert pkg.training_on is None and pkg.readiness_on is None
    seats(session, w, e2, 4)
    board = rd.readiness(session, area=w.area_code, today=TODAY)
    (pkg,) = board.packages
    assert pkg.training_on == e2.ends_on == pkg.readiness_on
    (gap,) = board.equipment_without_crews
    assert (gap.there_on, gap.expected_on) == (TODAY - D(5), e2.ends_on)
    assert set(gap.event_ids) == {e1.id, e2.id}


def test_a_package_waiting_for_both_is_counted_under_each(session: Session) -> None:
    w = build(session, launchers_on=TODAY + D(20), launchers_handed_over=False)
    board = rd.readiness(session, area=w.area_code, today=TODAY)
    (area,) = board.areas
    assert board.packages[0].status is rd.PackageStatus.WAITING_FOR_BOTH
    assert [p.package_id for p in area.waiting_for_equipment] == [w.package.id]
    assert [p.package_id for p in area.waiting_for_training] == [w.package.id]
    assert area.ready == ()


def test_a_need_not_fully_consigned_has_no_equipment_date(session: Session) -> None:
    w = build(session, launchers_on=TODAY - D(5), launchers_handed_over=True)
    w.allocations["launchers"].quantity = 3  # one more than its consignment carries
    session.flush()
    pkg = _package(session, w)
    launchers = next(c for c in pkg.components if c.requirement_id == w.launchers.id)
    assert launchers.equipment_on is None and launchers.reason == "not fully consigned"
    assert pkg.equipment_on is None and not pkg.equipment_delivered


def test_handover_slip_moves_readiness_and_invalidates_training(session: Session) -> None:
    w = build(session, launchers_on=TODAY + D(10), launchers_handed_over=False)
    ind = event(session, w, w.ind, TODAY + D(1))
    col = event(session, w, w.col, TODAY + D(15))  # after the handover on day 10: fine
    seats(session, w, ind, 4)
    r_col = seats(session, w, col, 4)
    before = rd.readiness(session, area=w.area_code, today=TODAY)
    assert before.invalidated == ()
    assert before.packages[0].equipment_on == TODAY + D(10)
    assert before.packages[0].readiness_on == col.ends_on

    # The launchers' handover slips by 20 days: past the collective course's start.
    w.legs["launchers"].planned_arrival_on = TODAY + D(30)
    session.flush()
    after = rd.readiness(session, area=w.area_code, today=TODAY)
    (pkg,) = after.packages
    assert pkg.equipment_on == TODAY + D(30)
    (flag,) = after.invalidated
    assert (flag.rule, flag.training_event_id, flag.seat_request_ids) == (
        "collective_before_handover",
        col.id,
        (r_col.id,),
    )
    assert flag.handover_on == TODAY + D(30) and "before" in flag.detail
    # The invalidated seats no longer count: the collective course has no date, nor the package.
    assert pkg.training_on is None and pkg.readiness_on is None

    # A collective event after the new handover date restores a readiness date.
    later = event(session, w, w.col, TODAY + D(35))
    seats(session, w, later, 4)
    (pkg,) = rd.readiness(session, area=w.area_code, today=TODAY).packages
    assert pkg.readiness_on == later.ends_on


def test_a_delay_scan_moves_the_planned_handover(session: Session) -> None:
    w = build(session, launchers_on=TODAY + D(10), launchers_handed_over=False)
    session.add(
        TrackingEvent(
            consignment_id=w.consignments["launchers"].id,
            kind=TrackingEventKind.DELAYED,
            occurred_at=dt.datetime(2026, 5, 30, 9, tzinfo=dt.UTC),
            new_eta=dt.datetime.combine(TODAY + D(25), dt.time(12), tzinfo=dt.UTC),
            event_id="delay-1",
        )
    )
    session.flush()
    assert _package(session, w).equipment_on == TODAY + D(25)


def test_training_long_before_the_handover_needs_a_refresher(session: Session) -> None:
    w = build(session, launchers_on=TODAY + D(10), launchers_handed_over=False)
    ind = event(session, w, w.ind, TODAY - D(40), status=DONE)
    seats(session, w, ind, 4, completed=4)
    assert _package(session, w).invalidated == ()
    w.legs["launchers"].planned_arrival_on = TODAY + D(200)  # ends 169 + 200 days before
    session.flush()
    pkg = _package(session, w)
    assert [(i.rule, i.training_event_id) for i in pkg.invalidated] == [("currency", ind.id)]
    ind_need = next(t for t in pkg.training if t.course_id == w.ind.id)
    assert ind_need.seats_completed == 0 and ind_need.trained_on is None


def test_an_unknown_area_names_the_field(session: Session) -> None:
    with pytest.raises(InvalidInput) as err:
        rd.readiness(session, area="no-such-area", today=TODAY)
    assert err.value.field == "area"


def test_as_dict_has_the_counts_and_ids_per_area(session: Session) -> None:
    w = build(session, launchers_on=TODAY + D(20), launchers_handed_over=False)
    data = rd.as_dict(rd.readiness(session, area=w.area_code, today=TODAY))
    area = data["areas"][w.area_code]  # type: ignore[index]
    assert area["ready"]["count"] == 0
    assert area["waiting_for_equipment"]["count"] == 1
    assert area["waiting_for_training"]["package_ids"] == [w.package.id]
    listed = area["waiting_for_equipment"]["packages"][0]
    assert set(listed) == {
        "id", "code", "need_ids", "consignment_ids", "event_ids", "seat_request_ids"
    }  # fmt: skip
    assert listed["need_ids"] == sorted([w.launchers.id, w.ammo.id])


def test_readiness_reads_through_the_callers_scope(session: Session) -> None:
    """The public sees the package (name and area) but none of its unpublished needs, their
    consignments or their seat requests: no figure reveals a record it may not see."""
    w = build(session, launchers_on=TODAY - D(5), launchers_handed_over=True)
    e = event(session, w, w.ind, TODAY - D(40), status=DONE)
    seats(session, w, e, 4, completed=4)
    set_actor(session, PUBLIC)
    try:
        board = rd.readiness(session, area=w.area_code, today=TODAY)
    finally:
        set_actor(session, None)
    (pkg,) = board.packages
    assert pkg.components == () and pkg.training == ()
    assert (pkg.need_ids, pkg.consignment_ids, pkg.seat_request_ids) == ([], [], [])
    assert pkg.status is rd.PackageStatus.WAITING_FOR_EQUIPMENT
    # Unscoped (in-process code), the same package has both needs.
    assert _package(session, w).need_ids == sorted([w.launchers.id, w.ammo.id])
