"""Reports on the published Ukraine Support Tracker data: donors, monthly, burden sharing.

- ``donors`` (Release 7, item level): per donor, commitments by aid type = Σ package total ÷ the
  release's rate (units per 1 EUR) over the rows that carry a package total, so a package counts
  once; % of GDP with the release's GDP 2021 (€ bn); each EU member's share of the EU institutions'
  aid = EU budget key × (Commission and Council) + EPF key × EPF + EIB key × EIB.
- ``monthly`` (Release 29): allocations per month by aid type, and cumulative per donor.
- ``burden-sharing`` (Release 29): bilateral and total (with the EU share) % of GDP per EU member,
  beside NATO defence spending as % of GDP (latest year of the packaged NATO table).
- ``heavy-weapons`` (Release 29): heavy weapons committed per donor and category, number and value
  (€), with the totals per category and per donor.

The tracker data is public: every caller sees the same figures. The method, with formulas, is in
``docs/reports.md``.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from importlib.resources import files
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core import kiel as codes
from nsatu.core.access import Actor
from nsatu.db.models.kiel import (
    KielDonorGdp,
    KielEuKey,
    KielEuShare,
    KielMonth,
    KielR7Row,
    KielRelease,
    KielWeapon,
)
from nsatu.errors import InvalidInput, NotFound
from nsatu.reporting.kiel_import import releases
from nsatu.reporting.registry import report
from nsatu.reporting.table import Column, Report

BN = Decimal(10) ** 9
HUNDRED = Decimal(100)
AID_TYPES = tuple(codes.AidType)
NATO_FOLDER = "nato_defence_expenditure"
NATO_FILE = "nato_defexp_2025ed_table3_pct_real_gdp_long.csv"
NATO_CITATION = (
    "NATO (2025). Defence Expenditure of NATO Countries (2014-2025), Table 3 (share of real GDP, "
    "2021 prices). Brussels, 28 August 2025."
)
#: NATO's spellings that differ from the tracker's.
NATO_NAMES = {"Slovak Republic": "SVK", "Türkiye": "TUR"}
#: The defence-spending lines the burden-sharing report marks (% of GDP).
NATO_LINES = (Decimal(2), Decimal(3))


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _pct(amount: Decimal, gdp: Decimal | None) -> Decimal | None:
    return amount / gdp * HUNDRED if gdp else None


def _release(session: Session, params: Mapping[str, Any], *, item_level: bool) -> KielRelease:
    """The release a report reads: ``release`` (a number) or the newest one with its kind of rows."""
    command = "nsatu import kiel-r7" if item_level else "nsatu import kiel-r29"
    kind = "item-level rows" if item_level else "monthly rows"
    candidates = releases(session, item_level=item_level)
    if not candidates:
        raise NotFound(f"no tracker release with {kind} is imported yet; run `{command}`")
    wanted = params.get("release")
    if wanted in (None, ""):
        return candidates[0]
    try:
        number = int(wanted)
    except (TypeError, ValueError):
        raise InvalidInput(f"release: {wanted!r} is not a number", field="release") from None
    found = next((r for r in candidates if r.number == number), None)
    if found is None:
        numbers = ", ".join(str(r.number) for r in candidates)
        raise InvalidInput(
            f"release: {number} is not an imported release with {kind} ({numbers})",
            field="release",
        )
    return found


# --- donors --------------------------------------------------------------------------------------

DONOR_COLUMNS = (
    Column("donor", "Donor"),
    Column("iso3", "ISO3"),
    Column("financial_eur_bn", "Financial € bn", "eur_bn"),
    Column("humanitarian_eur_bn", "Humanitarian € bn", "eur_bn"),
    Column("military_eur_bn", "Military € bn", "eur_bn"),
    Column("total_eur_bn", "Total € bn", "eur_bn"),
    Column("total_pct_gdp", "Total % of GDP", "pct"),
    Column("eu_share_eur_bn", "EU share € bn", "eur_bn"),
    Column("total_with_eu_share_eur_bn", "Total with EU share € bn", "eur_bn"),
    Column("total_with_eu_share_pct_gdp", "Total with EU share % of GDP", "pct"),
)
GROUP_COLUMNS = (
    Column("group", "Group"),
    Column("donors", "Donors", "int"),
    *DONOR_COLUMNS[2:],
)


@dataclass
class _Donor:
    name: str
    iso3: str
    by_type: dict[codes.AidType, Decimal]
    gdp: Decimal | None
    eu_member: bool
    eu_share: Decimal | None = None

    @property
    def total(self) -> Decimal:
        return sum(self.by_type.values(), Decimal(0))

    @property
    def with_share(self) -> Decimal:
        return self.total + (self.eu_share or 0)


def _donor_row(d: _Donor) -> dict[str, Any]:
    return {
        "donor": d.name,
        "iso3": d.iso3,
        "financial_eur_bn": _f(d.by_type[codes.AidType.FINANCIAL] / BN),
        "humanitarian_eur_bn": _f(d.by_type[codes.AidType.HUMANITARIAN] / BN),
        "military_eur_bn": _f(d.by_type[codes.AidType.MILITARY] / BN),
        "total_eur_bn": _f(d.total / BN),
        "total_pct_gdp": _f(_pct(d.total / BN, d.gdp)),
        "eu_share_eur_bn": _f(None if d.eu_share is None else d.eu_share / BN),
        "total_with_eu_share_eur_bn": _f(d.with_share / BN),
        "total_with_eu_share_pct_gdp": _f(_pct(d.with_share / BN, d.gdp)),
    }


def _group_row(name: str, members: Sequence[_Donor]) -> dict[str, Any]:
    """A group's figures, each euro counted once.

    The EU share of a member is the EU institutions' aid, so where a group holds members with a
    share and the institutions, the institutions' own totals are not added again to the total with
    the EU share. % of GDP is over the GDP of the group's countries (the institutions' GDP row is the
    EU's, the members' GDP again); a group of institutions alone uses theirs.
    """
    by_type = {t: sum((d.by_type[t] for d in members), Decimal(0)) for t in AID_TYPES}
    total = sum(by_type.values(), Decimal(0))
    institutions = [d for d in members if d.name in codes.EU_INSTITUTIONS]
    countries = [d for d in members if d.name not in codes.EU_INSTITUTIONS]
    shares = [d.eu_share for d in countries if d.eu_share is not None]
    with_share = sum((d.with_share for d in countries), Decimal(0))
    if not shares:  # no member's share stands for the institutions' aid here: count it as theirs
        with_share += sum((d.total for d in institutions), Decimal(0))
    gdp = sum((d.gdp for d in (countries or institutions) if d.gdp is not None), Decimal(0)) or None
    return {
        "group": name,
        "donors": len(members),
        "financial_eur_bn": _f(by_type[codes.AidType.FINANCIAL] / BN),
        "humanitarian_eur_bn": _f(by_type[codes.AidType.HUMANITARIAN] / BN),
        "military_eur_bn": _f(by_type[codes.AidType.MILITARY] / BN),
        "total_eur_bn": _f(total / BN),
        "total_pct_gdp": _f(_pct(total / BN, gdp)),
        "eu_share_eur_bn": _f(sum(shares, Decimal(0)) / BN) if shares else None,
        "total_with_eu_share_eur_bn": _f(with_share / BN),
        "total_with_eu_share_pct_gdp": _f(_pct(with_share / BN, gdp)),
    }


def donor_figures(session: Session, release: KielRelease) -> list[_Donor]:
    """Every donor of an item-level release, in the release's order, with its EU share."""
    gdp = {
        g.donor: g
        for g in session.scalars(select(KielDonorGdp).where(KielDonorGdp.release_id == release.id))
    }
    keys = {
        k.country: k
        for k in session.scalars(select(KielEuKey).where(KielEuKey.release_id == release.id))
    }
    rows = session.execute(
        select(KielR7Row.donor, KielR7Row.iso3, KielR7Row.aid_type, KielR7Row.value_eur)
        .where(KielR7Row.release_id == release.id)
        .order_by(KielR7Row.row)
    ).all()
    donors: dict[str, _Donor] = {}
    for name, iso3, aid, value in rows:
        if name not in donors:
            g = gdp.get(name)
            donors[name] = _Donor(
                name=name,
                iso3=iso3,
                by_type=dict.fromkeys(AID_TYPES, Decimal(0)),
                gdp=g.gdp_eur_bn if g else None,
                eu_member=bool(g and g.eu_member),
            )
        if value is not None:
            donors[name].by_type[codes.AidType(aid)] += value
    for g in gdp.values():  # a donor in the GDP table with no row at all still shows, with zeros
        if g.donor not in donors:
            donors[g.donor] = _Donor(
                g.donor, g.iso3, dict.fromkeys(AID_TYPES, Decimal(0)), g.gdp_eur_bn, g.eu_member
            )

    def institution(name: str) -> Decimal:
        return donors[name].total if name in donors else Decimal(0)

    commission = institution(codes.EU_COMMISSION)
    epf = institution(codes.EU_PEACE_FACILITY)
    eib = institution(codes.EU_INVESTMENT_BANK)
    for d in donors.values():
        key = keys.get(d.name)
        if d.eu_member and key is not None:
            d.eu_share = key.budget_share * commission + key.epf_share * epf + key.eib_share * eib
    return list(donors.values())


def _donor_notes(session: Session, release: KielRelease, donors: Sequence[_Donor]) -> list[str]:
    notes = [
        "Commitments = Σ over the rows that carry a package total of total ÷ the release's rate "
        "(units per 1 EUR); the item rows of a package carry no total and are not added again.",
        "EU share = EU budget key × (EU Commission and Council) + EPF key × European Peace "
        "Facility + EIB key × European Investment Bank, with the release's keys; members only.",
        "% of GDP uses the release's GDP 2021 in € bn (US$ GDP ÷ the release's USD rate). The "
        "European Peace Facility and the European Investment Bank have no GDP.",
    ]
    flagged = session.scalars(
        select(KielR7Row.notes)
        .where(KielR7Row.release_id == release.id, KielR7Row.notes.is_not(None))
        .order_by(KielR7Row.row)
    ).all()
    notes += [f"Published data: {n}" for n in flagged if n]
    twd = [d.name for d in donors if d.iso3 == "TWN"]
    if twd:
        notes.append(
            "Published data: the TWD rate is the ECB rate of 2020-10-30, not the 2022 average the "
            "other currencies use (as the release's rate table states)."
        )
    return notes


@report("donors", "Commitments per donor (Kiel tracker)",
        "Per donor: commitments by aid type (€ bn), % of GDP, EU share and totals with it.")  # fmt: skip
def donors_report(session: Session, actor: Actor, params: Mapping[str, Any]) -> Report:
    release = _release(session, params, item_level=True)
    donors = donor_figures(session, release)
    members = [d for d in donors if d.eu_member]
    institutions = [d for d in donors if d.name in codes.EU_INSTITUTIONS]
    others = [d for d in donors if not d.eu_member and d.name not in codes.EU_INSTITUTIONS]
    groups = [
        _group_row("EU members", members),
        _group_row("EU institutions", institutions),
        _group_row("EU members and institutions", members + institutions),
        _group_row("Other donors", others),
        _group_row("All donors", donors),
    ]
    return Report(
        name="donors",
        title=f"Commitments per donor — {release.label}",
        columns=DONOR_COLUMNS,
        rows=[_donor_row(d) for d in donors],
        notes=_donor_notes(session, release, donors),
        sources=[release.citation, release.source_url],
        extra={"groups": groups},
    )


# --- monthly -------------------------------------------------------------------------------------

MONTH_COLUMNS = (
    Column("month", "Month", "month"),
    Column("financial_eur_bn", "Financial € bn", "eur_bn"),
    Column("humanitarian_eur_bn", "Humanitarian € bn", "eur_bn"),
    Column("military_eur_bn", "Military € bn", "eur_bn"),
    Column("total_eur_bn", "Allocations € bn", "eur_bn"),
    Column("cumulative_eur_bn", "Cumulative € bn", "eur_bn"),
    Column("commitments_eur_bn", "Commitments € bn", "eur_bn"),
    Column("to_be_allocated_eur_bn", "To be allocated € bn", "eur_bn"),
)
CUMULATIVE_COLUMNS = (
    Column("donor", "Donor"),
    Column("iso", "ISO"),
    Column("financial_eur_bn", "Financial € bn", "eur_bn"),
    Column("humanitarian_eur_bn", "Humanitarian € bn", "eur_bn"),
    Column("military_eur_bn", "Military € bn", "eur_bn"),
    Column("total_eur_bn", "Allocations € bn", "eur_bn"),
    Column("commitments_eur_bn", "Commitments € bn", "eur_bn"),
    Column("to_be_allocated_eur_bn", "To be allocated € bn", "eur_bn"),
    Column("gdp_eur_bn", "GDP 2021 € bn", "eur_bn"),
    Column("pct_gdp", "Allocations % of GDP", "pct"),
)
_SUMMED = ("financial", "humanitarian", "military", "total", "commitments", "to_be_allocated")


@dataclass(frozen=True)
class _Month:
    """One donor-month as the reports use it: the published cells, summed exactly."""

    country: str
    iso: str
    year: int
    month: int
    gdp: Decimal
    values: dict[str, Decimal]


def _months(session: Session, release: KielRelease, donor: str | None) -> list[_Month]:
    query = select(
        KielMonth.country, KielMonth.iso, KielMonth.year, KielMonth.month, KielMonth.raw
    ).where(KielMonth.release_id == release.id)
    if donor:
        query = query.where(KielMonth.iso == donor.upper())
    # The published cells themselves (SQLite keeps the parsed columns as doubles).
    return [
        _Month(country, iso, year, month, Decimal(str(raw["gdp"])),
               {k: Decimal(str(raw[k])) for k in _SUMMED})
        for country, iso, year, month, raw in session.execute(query.order_by(KielMonth.row))
    ]  # fmt: skip


@dataclass
class _DonorSums:
    country: str
    gdp: Decimal
    sums: dict[str, Decimal]


def donor_sums(months: Sequence[_Month]) -> dict[str, _DonorSums]:
    """Per donor ISO (in the release's order): the sums of its months and its GDP."""
    out: dict[str, _DonorSums] = {}
    for m in months:
        d = out.setdefault(m.iso, _DonorSums(m.country, m.gdp, dict.fromkeys(_SUMMED, Decimal(0))))
        for k in _SUMMED:
            d.sums[k] += m.values[k]
    return out


def cumulative_by_donor(months: Sequence[_Month]) -> list[dict[str, Any]]:
    """Per donor: the sums of its months, and allocations % of GDP (null where GDP is 0)."""
    return [
        {
            "donor": d.country,
            "iso": iso,
            **{f"{k}_eur_bn": float(v) for k, v in d.sums.items()},
            "gdp_eur_bn": float(d.gdp),
            "pct_gdp": _f(_pct(d.sums["total"], d.gdp)),
        }
        for iso, d in donor_sums(months).items()
    ]


def _monthly_notes(months: Sequence[_Month]) -> list[str]:
    notes = [
        "Allocations (total) = financial + humanitarian + military; commitments = allocations + "
        "to be allocated, per donor and month, as the release publishes them.",
        "A month is listed when the release has a row for some donor in it.",
        "Sums and cumulative figures add the published six-decimal monthly figures; a total the "
        "release computes from its unrounded workbook can differ in the sixth decimal.",
    ]
    no_gdp = sorted({m.country for m in months if not m.gdp})
    if no_gdp:
        notes.append(
            f"Published data: GDP is 0 for {', '.join(no_gdp)}; its % of GDP is not defined (null "
            "here; the release writes 0)."
        )
    negative = [m for m in months if m.values["to_be_allocated"] < 0]
    if negative:
        notes.append(
            f"'To be allocated' is a monthly flow: it is negative in {len(negative)} donor-months, "
            "where commitments of earlier months were allocated."
        )
    over = sorted(d.country for d in donor_sums(months).values() if d.sums["to_be_allocated"] < 0)
    if over:
        notes.append(
            "Published data: allocations to date exceed commitments to date (cumulative 'to be "
            f"allocated' below 0) for {', '.join(over)}."
        )
    return notes


@report("monthly", "Allocations per month (Kiel tracker)",
        "Allocations per month by aid type (€ bn) and cumulative per donor.")  # fmt: skip
def monthly_report(session: Session, actor: Actor, params: Mapping[str, Any]) -> Report:
    release = _release(session, params, item_level=False)
    donor = params.get("donor") or None
    months = _months(session, release, str(donor) if donor else None)
    if donor and not months:
        known = sorted(
            set(session.scalars(select(KielMonth.iso).where(KielMonth.release_id == release.id)))
        )
        raise InvalidInput(
            f"donor: {donor!r} is not a donor of release {release.number}; "
            f"donors (ISO codes): {', '.join(known)}",
            field="donor",
        )
    per_month: dict[str, dict[str, Decimal]] = defaultdict(
        lambda: dict.fromkeys(_SUMMED, Decimal(0))
    )
    for m in months:
        s = per_month[f"{m.year:04d}-{m.month:02d}"]
        for k in _SUMMED:
            s[k] += m.values[k]
    rows = []
    running = Decimal(0)
    for month in sorted(per_month):
        s = per_month[month]
        running += s["total"]
        rows.append(
            {
                "month": month,
                "financial_eur_bn": float(s["financial"]),
                "humanitarian_eur_bn": float(s["humanitarian"]),
                "military_eur_bn": float(s["military"]),
                "total_eur_bn": float(s["total"]),
                "cumulative_eur_bn": float(running),
                "commitments_eur_bn": float(s["commitments"]),
                "to_be_allocated_eur_bn": float(s["to_be_allocated"]),
            }
        )
    return Report(
        name="monthly",
        title=f"Allocations per month — {release.label}" + (f" — {donor}" if donor else ""),
        columns=MONTH_COLUMNS,
        rows=rows,
        notes=_monthly_notes(months),
        sources=[release.citation, release.source_url],
        extra={"cumulative_by_donor": cumulative_by_donor(months)},
    )


# --- burden sharing ------------------------------------------------------------------------------

BURDEN_COLUMNS = (
    Column("donor", "EU member"),
    Column("iso", "ISO"),
    Column("bilateral_eur_bn", "Bilateral € bn", "eur_bn"),
    Column("eu_share_eur_bn", "EU share € bn", "eur_bn"),
    Column("total_eur_bn", "Total with EU share € bn", "eur_bn"),
    Column("gdp_eur_bn", "GDP 2021 € bn", "eur_bn"),
    Column("bilateral_pct_gdp", "Bilateral % of GDP", "pct"),
    Column("total_pct_gdp", "Total with EU share % of GDP", "pct"),
    Column("nato_defence_pct_gdp", "NATO defence spending % of GDP", "pct"),
    Column("nato_year", "NATO year"),
)


@dataclass(frozen=True)
class NatoFigure:
    year: str  # "2024e" for an estimate
    pct_gdp: Decimal


def nato_defence_latest() -> dict[str, NatoFigure]:
    """Per ISO3: defence expenditure % of real GDP in the latest year of the packaged NATO table."""
    text = (files("nsatu") / "data" / NATO_FOLDER / NATO_FILE).read_text(encoding="utf-8")
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["is_aggregate"] != "True"]
    latest = max(int(r["year"]) for r in rows)
    out = {}
    for r in rows:
        iso = NATO_NAMES.get(r["Country"]) or codes.DONOR_ISO3.get(r["Country"])
        if iso is not None and int(r["year"]) == latest and r["pct_gdp"]:
            label = f"{latest}e" if r["estimate"] == "True" else str(latest)
            out[iso] = NatoFigure(label, Decimal(r["pct_gdp"]))
    return out


@report("burden-sharing", "Burden sharing: % of GDP (Kiel tracker, NATO)",
        "Per EU member: bilateral and total (with EU share) % of GDP beside NATO defence "
        "spending % of GDP, with the 2% and 3% lines.")  # fmt: skip
def burden_sharing_report(session: Session, actor: Actor, params: Mapping[str, Any]) -> Report:
    release = _release(session, params, item_level=False)
    sums = donor_sums(_months(session, release, None))
    shares = list(session.scalars(select(KielEuShare).where(KielEuShare.release_id == release.id)))
    nato = nato_defence_latest()
    rows: list[dict[str, Any]] = []
    for share in shares:
        d = sums.get(share.iso)
        bilateral = d.sums["total"] if d else Decimal(0)
        gdp = d.gdp if d else None
        eu_share = Decimal(str(share.raw["eu_share_bn"]))  # the published cell
        total = bilateral + eu_share
        defence = nato.get(share.iso)
        rows.append(
            {
                "donor": d.country if d else share.country,
                "iso": share.iso,
                "bilateral_eur_bn": float(bilateral),
                "eu_share_eur_bn": float(eu_share),
                "total_eur_bn": float(total),
                "gdp_eur_bn": _f(gdp),
                "bilateral_pct_gdp": _f(_pct(bilateral, gdp)),
                "total_pct_gdp": _f(_pct(total, gdp)),
                "nato_defence_pct_gdp": _f(defence.pct_gdp if defence else None),
                "nato_year": defence.year if defence else None,
            }
        )
    rows.sort(key=lambda r: -float(r["total_pct_gdp"] or 0))
    year = next(iter(nato.values())).year if nato else None
    attributed = sum((Decimal(str(s.raw["eu_share_bn"])) for s in shares), Decimal(0))
    institutions = sums.get("EU")
    return Report(
        name="burden-sharing",
        title=f"Burden sharing — {release.label}",
        columns=BURDEN_COLUMNS,
        rows=rows,
        notes=[
            "Bilateral = Σ of the member's monthly allocations (total) in the release; total = "
            "bilateral + the EU share the release attributes to it; % of GDP = ÷ the release's "
            "GDP 2021 (€ bn) × 100.",
            f"NATO defence spending is % of real GDP (2021 prices), {year}, from Table 3 of the "
            "2025 edition; it is a different GDP from the tracker's and an annual figure, not a "
            "sum since 2022. Members that are not NATO Allies (Austria, Cyprus, Ireland, Malta) "
            "have none.",
            "Lines: 2% of GDP (the NATO guideline since 2014) and 3% of GDP.",
            *(
                [
                    f"The members' EU shares add up to {attributed} € bn, the allocations of "
                    f"{institutions.country} in the release to rounding "
                    f"({institutions.sums['total']} € bn); the keys behind them are not "
                    "published with the release."
                ]
                if institutions
                else []
            ),
        ],
        sources=[release.citation, release.source_url, NATO_CITATION],
        extra={
            "lines": [{"line": f"{v}% of GDP", "pct_gdp": float(v)} for v in NATO_LINES],
        },
    )


# --- heavy weapons -------------------------------------------------------------------------------

WEAPON_COLUMNS = (
    Column("donor", "Donor"),
    Column("category", "Category"),
    Column("number", "Number", "int"),
    Column("value_eur", "Value €", "eur"),
    Column("weapons_list", "Systems (public names)"),
)


def _weapon_totals(rows: Sequence[KielWeapon], key: str) -> list[dict[str, Any]]:
    number: dict[str, int] = defaultdict(int)
    value: dict[str, Decimal] = defaultdict(Decimal)
    for w in rows:
        k = getattr(w, key)
        number[k] += w.number
        value[k] += w.value_eur
    return [
        {key: k, "number": number[k], "value_eur": float(value[k])}
        for k in sorted(value, key=lambda k: (-value[k], k))
    ]


@report("heavy-weapons", "Heavy weapons per donor (Kiel tracker)",
        "Heavy weapons committed per donor and category: number and value (€).")  # fmt: skip
def heavy_weapons_report(session: Session, actor: Actor, params: Mapping[str, Any]) -> Report:
    release = _release(session, params, item_level=False)
    weapons = list(
        session.scalars(
            select(KielWeapon)
            .where(KielWeapon.release_id == release.id)
            .order_by(KielWeapon.donor, KielWeapon.category)
        )
    )
    if not weapons:
        raise InvalidInput(
            f"release: release {release.number} has no heavy-weapons table", field="release"
        )
    rows = [
        {
            "donor": w.donor,
            "category": w.category,
            "number": w.number,
            "value_eur": float(w.value_eur),
            "weapons_list": w.weapons_list,
        }
        for w in weapons
    ]
    return Report(
        name="heavy-weapons",
        title=f"Heavy weapons per donor — {release.label}",
        columns=WEAPON_COLUMNS,
        rows=rows,
        notes=[
            "As published: the number of heavy weapons a donor committed in each category, and "
            "their value in € as the release estimates it; the systems by their public names.",
            f"{sum(w.number for w in weapons)} weapons from {len({w.donor for w in weapons})} "
            f"donors, valued at {sum((w.value_eur for w in weapons), Decimal(0)) / BN:.3f} € bn.",
        ],
        sources=[release.citation, release.source_url],
        extra={
            "by_category": _weapon_totals(weapons, "category"),
            "by_donor": _weapon_totals(weapons, "donor"),
        },
    )
