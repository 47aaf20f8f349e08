"""The public release: only offer lines and needs released as public (needs once published),
whoever asks; an anonymised donor shown as undisclosed, in the lines and the totals; each pledge
tree counted once in the totals; the published tracker reports as their builders make them for
the public."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from nsatu.core.access import PUBLIC, Actor
from nsatu.core.enums import Releasability
from nsatu.core.lifecycles import OfferStage, RequirementStatus
from nsatu.reporting import public, registry
from nsatu.reporting.table import Column, Report
from tests.factories import make_nation, make_offer, make_requirement

R = Releasability


def seed_release(session: Session) -> dict[str, Any]:
    """Offer lines at every releasability, a public package with public items, a public line of
    an anonymised donor, and needs public or not, published or not. Returns the distinctive
    texts (→ whether the release shows them), the releasability of each line by reference, and
    the anonymised line's reference and donor."""
    pub, other, shy = (
        make_nation(session, name="Publica", is_donor=True),
        make_nation(session, name="Otherland", is_donor=True),
        make_nation(session, name="Shyland", is_donor=True),
    )
    eur = {"currency": "EUR", "eur_rate": Decimal(1), "eur_rate_on": dt.date(2025, 1, 1)}
    texts: dict[str, bool] = {}
    levels: dict[str, Releasability] = {}

    def offer(ref: str, level: Releasability, **kw: Any) -> Any:
        line = make_offer(
            session, reference=ref, description=f"Line {ref} text", releasability=level, **kw
        )
        texts[f"Line {ref} text"] = level is R.PUBLIC
        levels[ref] = level
        return line

    offer("PUB-1", R.PUBLIC, donor=pub, value_amount=Decimal(5_000_000), **eur)
    pkg = offer("PUB-PKG", R.PUBLIC, donor=pub, value_amount=Decimal(20_000_000), **eur)
    offer("PUB-PKG-A", R.PUBLIC, donor=pub, value_amount=Decimal(12_000_000), parent_id=pkg.id,
          **eur)  # fmt: skip
    offer("PUB-NOK", R.PUBLIC, donor=other, value_amount=Decimal(110_000_000),
          currency="NOK", eur_rate=Decimal(11), eur_rate_on=dt.date(2025, 1, 1))  # fmt: skip
    offer("PUB-ANON", R.PUBLIC, donor=shy, anonymise_donor=True,
          value_amount=Decimal(3_000_000), **eur)  # fmt: skip
    offer("COA-1", R.COALITION, donor=pub, value_amount=Decimal(7_000_000), **eur)
    offer("BIL-1", R.BILATERAL, donor=other, value_amount=Decimal(9_000_000), **eur)
    offer("INT-1", R.INTERNAL, donor=shy, value_amount=Decimal(11_000_000), **eur)
    for title, level, status, shown in (
        ("Need public published", R.PUBLIC, RequirementStatus.PUBLISHED, True),
        ("Need public covered", R.PUBLIC, RequirementStatus.COVERED, True),
        ("Need public draft", R.PUBLIC, RequirementStatus.DRAFT, False),
        ("Need coalition published", R.COALITION, RequirementStatus.PUBLISHED, False),
        ("Need internal published", R.INTERNAL, RequirementStatus.PUBLISHED, False),
    ):
        make_requirement(session, title=title, releasability=level, status=status)
        texts[title] = shown
    session.flush()
    return {
        "texts": texts,
        "levels": levels,
        "anonymous_ref": "PUB-ANON",
        "anonymous_donor": "Shyland",
    }


def test_only_public_lines_and_published_public_needs(session: Session) -> None:
    ids = seed_release(session)
    release = public.public_release(session, today=dt.date(2025, 6, 1))
    shown = {o.reference for o in release.offers}
    assert shown == {ref for ref, level in ids["levels"].items() if level is R.PUBLIC}
    assert {n.title for n in release.needs} == {
        t for t, s in ids["texts"].items() if s and t.startswith("Need")
    }
    assert release.generated_on == dt.date(2025, 6, 1)


def test_an_anonymised_donor_is_undisclosed_in_lines_and_totals(session: Session) -> None:
    seed_release(session)
    release = public.public_release(session)
    (anon,) = [o for o in release.offers if o.reference == "PUB-ANON"]
    assert anon.donor == public.UNDISCLOSED and anon.donor_code is None
    assert "Shyland" not in {d.donor for d in release.donors}
    (undisclosed,) = [d for d in release.donors if d.donor == public.UNDISCLOSED]
    assert (undisclosed.lines, undisclosed.value_eur) == (1, Decimal(3_000_000))


def test_totals_count_each_pledge_tree_once_in_eur(session: Session) -> None:
    seed_release(session)
    totals = {d.donor: d for d in public.public_release(session).donors}
    # The package (20 m) counts, not its item (12 m) as well; the coalition line not at all.
    assert totals["Publica"].value_eur == Decimal(25_000_000)
    assert totals["Publica"].lines == 3
    # 110 m NOK at 11 NOK per EUR.
    assert totals["Otherland"].value_eur == Decimal(10_000_000)
    # Largest first.
    assert next(d.donor for d in public.public_release(session).donors) == "Publica"


def test_the_release_is_the_same_whoever_asks(session: Session) -> None:
    """The export runs as the command line's coordinator: it must still hold public records only
    (the selection filters by releasability, not by the caller's scope)."""
    seed_release(session)
    release = public.public_release(session)
    assert {o.reference for o in release.offers} == {"PUB-1", "PUB-PKG", "PUB-PKG-A", "PUB-NOK",
                                                     "PUB-ANON"}  # fmt: skip
    assert {s for s, _ in release.stages} == {str(OfferStage.ANNOUNCED)}


@pytest.fixture
def tracker_report() -> Iterator[list[Actor]]:
    """A stand-in for a published tracker report, recording who it was built for."""
    callers: list[Actor] = []

    def build(session: Session, actor: Actor, params: object) -> Report:
        callers.append(actor)
        return Report(name="monthly", title="Monthly", columns=[Column("m", "M")], rows=[])

    registry.names()
    saved = registry._REPORTS.get("monthly")
    registry.report("monthly", "Monthly", "stand-in")(build)
    try:
        yield callers
    finally:
        if saved is None:
            registry._REPORTS.pop("monthly", None)
        else:
            registry._REPORTS["monthly"] = saved


def test_the_published_reports_are_built_for_the_public(
    session: Session, tracker_report: list[Actor]
) -> None:
    reports = public.public_reports(session)
    assert "monthly" in [r.name for r in reports]
    assert tracker_report == [PUBLIC]
    assert all(r.name in public.PUBLIC_REPORTS for r in reports)
