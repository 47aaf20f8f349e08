"""Serial accountability: loaded against handed over, end-use checks, the accountability report
with overdue checks, and the repair loop in one history."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core.enums import ConsignmentKind
from nsatu.db.models import Consignment
from nsatu.delivery import errors, serials
from nsatu.delivery import schemas as s
from nsatu.errors import Conflict, InvalidInput
from tests.delivery.world import RECORDER, as_actor, delivered


def check(sn: str, on: dt.date, outcome: str = "seen") -> s.EndUseCheckCreate:
    return s.EndUseCheckCreate(serial=sn, checked_on=on, outcome=outcome)  # type: ignore[arg-type]


def test_serials_loaded_but_not_handed_over_are_flagged(session: Session) -> None:
    d = delivered(session, "SNA", loaded=4, handed_over=3, serial_tracked=True)
    found = serials.mismatches(session, d.consignment_id)
    assert [(m.reference, m.loaded_not_handed_over, m.handed_over_not_loaded) for m in found] == [
        (d.route.reference, ["SNA-SN003"], [])
    ]
    full = delivered(session, "SNB", loaded=2, serial_tracked=True)
    assert serials.mismatches(session, full.consignment_id) == []


def test_the_accountability_report_and_overdue_checks(session: Session) -> None:
    d = delivered(session, "SNC", loaded=4, serial_tracked=True)  # handed over 2025-03-02
    as_actor(session, RECORDER)
    serials.record_check(session, check("SNC-SN000", dt.date(2025, 4, 10)))
    serials.record_check(session, check("SNC-SN001", dt.date(2025, 4, 11), "not_seen"))
    serials.record_check(session, check("SNC-SN002", dt.date(2025, 4, 12), "destroyed"))
    with pytest.raises(InvalidInput) as exc:
        serials.record_check(session, check("SNC-SN003", dt.date(2025, 2, 1)))
    assert exc.value.field == "checked_on"
    with pytest.raises(errors.SerialNotFound):
        serials.record_check(session, check("NOPE-1", dt.date(2025, 4, 1)))

    report = serials.accountability(
        session, as_of=dt.date(2025, 12, 31), interval_days=180, since="2025-04"
    )
    april = [r for r in report.rows if r.period == "2025-04" and r.item_type_id == d.item_type_id]
    assert [(r.serials, r.verified, r.share_verified) for r in april] == [(4, 2, 0.5)]
    # SN000 last seen 2025-04-10 (265 days), SN001 never accounted for since its handover,
    # SN002 destroyed (no further check), SN003 never checked.
    assert [x for x in report.overdue if x.startswith("SNC-")] == [
        "SNC-SN000",
        "SNC-SN001",
        "SNC-SN003",
    ]
    shorter = serials.accountability(session, as_of=dt.date(2025, 6, 30), interval_days=90)
    assert [x for x in shorter.overdue if x.startswith("SNC-")] == ["SNC-SN001", "SNC-SN003"]


def test_a_repair_keeps_the_history_one_chain(session: Session) -> None:
    d = delivered(session, "SND", loaded=2, serial_tracked=True)
    as_actor(session, RECORDER)
    serials.record_check(session, check("SND-SN000", dt.date(2025, 4, 1)))
    home = session.get(Consignment, d.consignment_id)
    assert home is not None
    out, back = (
        Consignment(
            reference=f"RPR-SND-{n}",
            kind=ConsignmentKind.REPAIR,
            origin_site_id=a,
            destination_site_id=b,
        )
        for n, (a, b) in enumerate(
            [
                (home.destination_site_id, home.origin_site_id),
                (home.origin_site_id, home.destination_site_id),
            ]
        )
    )
    session.add_all([out, back])
    session.flush()
    serials.link_repair(session, out.id, s.RepairSerialsIn(direction="out", serials=["SND-SN000"]))
    serials.link_repair(
        session, back.id, s.RepairSerialsIn(direction="back", serials=["SND-SN000"])
    )
    with pytest.raises(Conflict):
        serials.link_repair(
            session, out.id, s.RepairSerialsIn(direction="out", serials=["SND-SN000"])
        )
    with pytest.raises(InvalidInput) as exc:
        serials.link_repair(
            session, d.consignment_id, s.RepairSerialsIn(direction="out", serials=["SND-SN000"])
        )
    assert exc.value.field == "consignment_id"
    with pytest.raises(InvalidInput) as exc:
        serials.link_repair(session, out.id, s.RepairSerialsIn(direction="out", serials=["XX-1"]))
    assert exc.value.field == "serials[0]"

    h = serials.history(session, "SND-SN000")
    assert [e.what for e in h.entries] == [
        "departed",
        "handed_over",
        "end_use_check:seen",
        "repair_out",
        "repair_back",
    ]
    assert h.entries[0].consignment == d.route.reference
    assert [e.consignment for e in h.entries[3:]] == ["RPR-SND-0", "RPR-SND-1"]
    # A serial that merely shares a prefix is not in the history.
    assert "SND-SN00" not in {e.detail for e in h.entries}
    with pytest.raises(errors.SerialNotFound):
        serials.history(session, "SND-SN00")
    assert (
        session.scalars(select(Consignment.kind).where(Consignment.id == out.id)).one() == "repair"
    )
