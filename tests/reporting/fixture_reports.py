"""Reports registered by the tests (and removed after them): one shaped like the tracker's
``donors`` report, with fixed figures, and one that lists the offer lines its caller may see, so
that the pages' scoping can be checked."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core.access import Actor
from nsatu.db.models import Nation, OfferLine
from nsatu.errors import InvalidInput
from nsatu.reporting import registry
from nsatu.reporting.table import Column, Report

DONORS = "fixture-donors"
OFFERS = "fixture-offers"
LONG = "fixture-long"
#: Rows of the long report: more than a page shows by default.
LONG_ROWS = 150

#: donor, iso3, military, financial, humanitarian, % of GDP, EU share (€ bn)
DONOR_ROWS = (
    ("Germany", "DEU", "2.1", "1.4", "0.6", "0.12", "1.1"),
    ("Poland", "POL", "1.8", "0.2", "0.3", "0.38", "0.2"),
    ("Norway", "NOR", "0.9", "0.5", "0.4", "0.31", None),
    ("United States", "USA", "25.3", "15.1", "2.9", "0.21", None),
    ("EU Institutions", None, "2.5", "16.2", "1.4", None, None),
)


def build_donors(session: Session, actor: Actor, params: Mapping[str, Any]) -> Report:
    rows = []
    for donor, iso3, mil, fin, hum, pct, share in DONOR_ROWS:
        total = Decimal(mil) + Decimal(fin) + Decimal(hum)
        rows.append({
            "donor": donor, "iso3": iso3, "military_eur_bn": Decimal(mil),
            "financial_eur_bn": Decimal(fin), "humanitarian_eur_bn": Decimal(hum),
            "total_eur_bn": total, "total_pct_gdp": Decimal(pct) if pct else None,
            "eu_share_eur_bn": Decimal(share) if share else None,
        })  # fmt: skip
    columns = [
        Column("donor", "Donor"), Column("iso3", "ISO3"),
        Column("military_eur_bn", "Military (€ bn)", "eur_bn"),
        Column("financial_eur_bn", "Financial (€ bn)", "eur_bn"),
        Column("humanitarian_eur_bn", "Humanitarian (€ bn)", "eur_bn"),
        Column("total_eur_bn", "Total (€ bn)", "eur_bn"),
        Column("total_pct_gdp", "Total (% of GDP)", "pct"),
        Column("eu_share_eur_bn", "EU share (€ bn)", "eur_bn"),
    ]  # fmt: skip
    return Report(
        name=DONORS,
        title="Fixture donors",
        columns=columns,
        rows=rows,
        notes=["A note on the fixture figures."],
        sources=["Fixture source", "https://example.org/tracker"],
        extra={"country_groups": [{"group": "EU members", "total_eur_bn": 6.4}]},
    )


def build_offers(session: Session, actor: Actor, params: Mapping[str, Any]) -> Report:
    """The offer lines the session's actor may see (the session is scoped by the entry point)."""
    lines = session.execute(
        select(OfferLine.reference, Nation.code, OfferLine.value_amount, OfferLine.stage)
        .join(Nation, OfferLine.donor_nation_id == Nation.id)
        .order_by(OfferLine.reference)
    ).all()
    return Report(
        name=OFFERS,
        title="Fixture offer lines",
        columns=[
            Column("reference", "Reference"),
            Column("donor", "Donor"),
            Column("value", "Value", "eur"),
            Column("stage", "Stage"),
        ],
        rows=[
            {"reference": ref, "donor": code, "value": value, "stage": str(stage)}
            for ref, code, value, stage in lines
        ],
    )


def build_long(session: Session, actor: Actor, params: Mapping[str, Any]) -> Report:
    """Many rows; refuses a parameter it does not know, as the real reports do."""
    if set(params) - {"scale"}:
        raise InvalidInput(f"{sorted(params)[0]}: not a parameter of this report", field="params")
    scale = int(params.get("scale", 1))
    return Report(
        name=LONG,
        title="Fixture long",
        columns=[Column("name", "Name"), Column("n", "Count", "int")],
        rows=[{"name": f"row-{i:03d}", "n": i * scale} for i in range(LONG_ROWS)],
    )


@contextmanager
def registered() -> Iterator[None]:
    """The fixture reports in the registry for the duration."""
    registry.names()  # the real reports first, so the fixtures never replace one
    registry.report(DONORS, "Fixture donors", "Donors by aid type (test figures).")(build_donors)
    registry.report(OFFERS, "Fixture offer lines", "Offer lines in scope.")(build_offers)
    registry.report(LONG, "Fixture long", "Many rows.")(build_long)
    try:
        yield
    finally:
        for name in (DONORS, OFFERS, LONG):
            registry._REPORTS.pop(name, None)
