"""Hub operations, pure: throughput against capacity, backlog, dwell, lateness."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from nsatu.core import hub_ops as h
from nsatu.core.enums import TrackingEventKind as K
from nsatu.core.enums import TransportMode as M

D1 = dt.date(2025, 3, 1)
D2 = dt.date(2025, 3, 2)
D3 = dt.date(2025, 3, 3)


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


CAP = h.Capacity({M.ROAD: Decimal(10), M.RAIL: Decimal(20), M.AIR: None, M.SEA: None})


def test_capacity_total_is_the_sum_of_recorded_modes_or_none() -> None:
    assert CAP.total == Decimal(30)
    assert h.Capacity({M.ROAD: None}).total is None


def test_planned_and_actual_throughput_per_mode_and_day() -> None:
    legs = [
        h.LegLoad(1, 11, M.ROAD, True, D1, Decimal(6)),
        h.LegLoad(1, 12, M.RAIL, False, D2, Decimal(6)),
        h.LegLoad(2, 21, M.ROAD, True, D1, Decimal(7)),
        h.LegLoad(3, 31, M.RAIL, True, D2, None),
    ]
    scans = [
        h.HubScan(1, K.ARRIVED_HUB, at(D1, 9)),
        h.HubScan(2, K.ARRIVED_HUB, at(D1, 23)),
        h.HubScan(1, K.DEPARTED_HUB, at(D2, 21)),
    ]
    u = h.utilisation(legs, scans, CAP, start=D1, end=D3)
    d1, d2, d3 = u.days
    assert (d1.total.planned_in_t, d1.total.actual_in_t) == (Decimal(13), Decimal(13))
    assert d1.modes[M.ROAD].planned_in_t == Decimal(13)
    # Road arrivals (13 t) exceed road capacity (10 t) though the hub's total (30 t) is not reached.
    assert d1.over_capacity and d1.over_capacity_modes == [M.ROAD]
    assert not d1.total.over_capacity
    assert (d2.total.planned_out_t, d2.total.actual_out_t) == (Decimal(6), Decimal(6))
    assert d2.modes[M.RAIL].actual_out_t == Decimal(6) and not d2.over_capacity
    assert u.unweighed == 1
    assert d3.total == h.ModeDay(capacity_t=Decimal(30))


def test_total_over_capacity_without_a_mode_over() -> None:
    cap = h.Capacity({M.ROAD: Decimal(5), M.RAIL: None})
    legs = [h.LegLoad(1, 1, M.RAIL, True, D1, Decimal(8))]
    u = h.utilisation(legs, [h.HubScan(1, K.ARRIVED_HUB, at(D1, 1))], cap, start=D1, end=D1)
    assert u.days[0].total.over_capacity and u.over_capacity_days == u.days
    assert u.days[0].over_capacity_modes == []


def test_nothing_recorded_is_never_over_capacity() -> None:
    cap = h.Capacity({M.ROAD: None})
    legs = [h.LegLoad(1, 1, M.ROAD, True, D1, Decimal(800))]
    u = h.utilisation(legs, [h.HubScan(1, K.ARRIVED_HUB, at(D1, 1))], cap, start=D1, end=D1)
    assert not u.days[0].over_capacity and u.days[0].total.actual_in_t == Decimal(800)


def test_backlog_counts_what_arrived_and_has_not_left_by_the_end_of_the_day() -> None:
    legs = [
        h.LegLoad(1, 1, M.ROAD, True, None, Decimal(4)),
        h.LegLoad(2, 2, M.ROAD, True, None, Decimal(5)),
        h.LegLoad(3, 3, M.ROAD, True, None, Decimal(1)),
    ]
    scans = [
        # 1 arrived before the window and leaves on day 2; 2 arrives on day 1 and is lost on day 3;
        # 3 arrives on day 2 and is still there.
        h.HubScan(1, K.ARRIVED_HUB, at(D1, 0) - dt.timedelta(days=3)),
        h.HubScan(1, K.DEPARTED_HUB, at(D2, 10)),
        h.HubScan(2, K.ARRIVED_HUB, at(D1, 12)),
        h.HubScan(2, K.LOST, at(D3, 8)),
        h.HubScan(3, K.ARRIVED_HUB, at(D2, 12)),
    ]
    u = h.utilisation(legs, scans, CAP, start=D1, end=D3)
    assert [(d.backlog, d.backlog_t) for d in u.days] == [
        (2, Decimal(9)),
        (2, Decimal(6)),
        (1, Decimal(1)),
    ]
    # Arrivals before the window count in the backlog, not in the day's throughput.
    assert u.days[0].total.actual_in_t == Decimal(5)
    assert [v.consignment_id for v in u.visits] == [1, 2, 3]


def test_dwell_from_arrival_to_departure() -> None:
    scans = [
        h.HubScan(1, K.ARRIVED_HUB, at(D1, 6)),
        h.HubScan(1, K.DEPARTED_HUB, at(D2, 18)),
        h.HubScan(2, K.ARRIVED_HUB, at(D1, 10)),
        h.HubScan(2, K.DEPARTED_HUB, at(D2, 12)),
    ]
    u = h.utilisation([], scans, CAP, start=D1, end=D2)
    assert u.days[1].departures == 2
    assert sorted(u.days[1].dwell_hours) == [26.0, 36.0]
    assert u.days[1].mean_dwell_hours == 31.0
    assert u.days[0].mean_dwell_hours is None
    still = h.visits([h.HubScan(3, K.ARRIVED_HUB, at(D1, 0))], {})
    assert still[0].left_at is None and still[0].dwell_hours(at(D2, 0)) == 24.0


def test_a_departure_without_an_arrival_is_no_visit() -> None:
    assert h.visits([h.HubScan(1, K.DEPARTED_HUB, at(D1, 1))], {}) == []


def test_a_reversed_span_is_refused_naming_end() -> None:
    with pytest.raises(ValueError, match="end"):
        h.utilisation([], [], CAP, start=D2, end=D1)


ROUTE = [
    h.PlannedLeg(1, 100, 200, D1, D2),
    h.PlannedLeg(2, 200, 300, D2 + dt.timedelta(days=1), D3 + dt.timedelta(days=2)),
]


def test_lateness_is_measured_at_the_first_milestone_not_reached() -> None:
    # Nothing scanned: the departure planned on D1 is overdue.
    late = h.lateness(ROUTE, [], D1 + dt.timedelta(days=4))
    assert late == h.Lateness(1, "departure", 100, D1, 4)
    # Departed and arrived at the hub: the next milestone is the hub departure (planned D3).
    scans = [h.SiteScan(K.DEPARTED, 100, at(D1, 5)), h.SiteScan(K.ARRIVED_HUB, 200, at(D2, 5))]
    late = h.lateness(ROUTE, scans, D3 + dt.timedelta(days=2))
    assert late is not None and (late.leg_seq, late.milestone, late.days_late) == (
        2,
        "departure",
        2,
    )
    # On plan.
    assert h.lateness(ROUTE, scans, D3) is None


def test_a_later_milestone_reaches_the_earlier_ones() -> None:
    scans = [h.SiteScan(K.HANDED_OVER, 300, at(D3, 5))]
    assert h.lateness(ROUTE, scans, D3 + dt.timedelta(days=30)) is None


def test_undated_milestones_are_skipped() -> None:
    legs = [h.PlannedLeg(1, 1, 2, None, None), h.PlannedLeg(2, 2, 3, None, D1)]
    late = h.lateness(legs, [], D2)
    assert late is not None and (late.milestone, late.site_id, late.days_late) == ("arrival", 3, 1)
    assert h.lateness([h.PlannedLeg(1, 1, 2, None, None)], [], D3) is None


def test_map_projection_keeps_north_up_and_east_right_inside_the_box() -> None:
    from nsatu.core.geo import Box, project

    box = Box(400, 300, pad=20)
    # Leipzig, Rzeszów, Kyiv.
    pts = project([(51.34, 12.37), (50.04, 22.0), (50.45, 30.52)], box)
    (lx, ly), (rx, ry), (kx, ky) = pts
    assert lx < rx < kx and ly < ky < ry  # west to east; Leipzig is the most northern
    assert all(20 <= x <= 380 and 20 <= y <= 280 for x, y in pts)
    assert min(x for x, _ in pts) == 20 and max(x for x, _ in pts) == 380  # the wide side fills
    assert project([(50.0, 20.0)], box) == [(200, 150)]
    assert project([], box) == []
