"""Use cases: import needs or offers from a spreadsheet, export them to one.

An import reads the whole file, checks every row (cells, codes, the domain schema, duplicates in the
file and against the database, parent links) and raises :class:`ImportRejected` listing every problem
before it writes anything. Only then does it create the rows through the domain services, in the
caller's transaction; a failure while writing also raises, so the caller rolls everything back.
Nothing here commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.db.models import (
    OfferLine,
    Organisation,
    Requirement,
)
from nsatu.errors import NsatuError
from nsatu.needs import service as need_service
from nsatu.needs.schemas import RequirementCreate, RequirementFilter
from nsatu.offers import service as offer_service
from nsatu.offers.schemas import OfferCreate, OfferFilter, OfferRead
from nsatu.offers.sources import KIEL_CITATION, KIEL_SOURCE
from nsatu.reference import service as reference_service
from nsatu.transfer import sheets
from nsatu.transfer.columns import NEED_COLUMNS, OFFER_COLUMNS, Column
from nsatu.transfer.errors import ImportRejected
from nsatu.transfer.schemas import ExportResult, Format, ImportResult, RowError
from nsatu.transfer.validation import (
    CodeTables,
    ParsedRow,
    Problems,
    Progress,
    build,
    chunks,
    map_header,
    no_progress,
    parse_rows,
)

SCOPE_NOTE = (
    "Unclassified management information only: equipment by generic category and public name; "
    "nothing on performance, targeting or operations."
)

format_for = sheets.format_for

S = TypeVar("S")
T = TypeVar("T")


# --- import: offers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _PendingOffer:
    row: ParsedRow
    data: OfferCreate
    #: (Donor, reference) of a parent created earlier in the same file (its id is known only once
    #: written). References are unique per donor.
    parent_in_file: tuple[int, str] | None


def import_offers(
    session: Session,
    data: bytes,
    fmt: Format,
    *,
    dry_run: bool = False,
    progress: Progress = no_progress,
) -> ImportResult:
    """Create one offer line per row of the spreadsheet, all or none.

    Raises:
        UnreadableFile: the bytes are not a readable CSV/XLSX file.
        ImportRejected: a row is bad (every problem listed), or a write failed; the caller must roll
            back its transaction, which then holds no line of the file.
    """
    sheet = sheets.read(data, fmt)
    pending = _check_offers(session, sheet, progress)
    if not dry_run:
        created: dict[tuple[int, str], int] = {}
        for done, p in enumerate(pending, start=1):
            offer = p.data
            if p.parent_in_file is not None:
                offer = offer.model_copy(update={"parent_id": created[p.parent_in_file]})
            line = _write(
                p.row, OFFER_COLUMNS, len(sheet.rows), offer_service.create_offer, session, offer
            )
            created[line.donor_nation_id, line.reference] = line.id
            progress("writing", done, len(pending))
    return ImportResult(
        kind="offers", rows=len(pending), imported=0 if dry_run else len(pending), dry_run=dry_run
    )


def _check_offers(session: Session, sheet: sheets.Sheet, progress: Progress) -> list[_PendingOffer]:
    problems = Problems(OFFER_COLUMNS)
    index = map_header(sheet.header, OFFER_COLUMNS, problems)
    if problems:
        raise ImportRejected(problems.sorted(), rows=len(sheet.rows))
    codes = CodeTables(reference_service.code_tables(session))
    rows = parse_rows(sheet, index, codes, problems, progress)

    # References (and source references) are unique per donor: keys carry the donor.
    refs: dict[str, list[ParsedRow]] = {}
    for r in rows:
        if "reference" in r.values:
            refs.setdefault(r.values["reference"], []).append(r)
    parent_refs = {r.specials["parent_reference"] for r in rows if "parent_reference" in r.specials}
    in_db = _offers_by_reference(session, sorted(set(refs) | parent_refs))
    source_refs = sorted({r.values["source_ref"] for r in rows if "source_ref" in r.values})
    sources_in_db = _source_refs_in_db(session, source_refs)
    organisations = _organisations(session)

    first_ref_row: dict[tuple[int | None, str], int] = {}
    first_source_row: dict[tuple[int | None, str, str], int] = {}
    pending: list[_PendingOffer] = []
    for r in rows:
        donor = r.values.get("donor_nation_id")
        ref = r.values.get("reference")
        if ref is not None:
            first = first_ref_row.setdefault((donor, ref), r.row)
            if first != r.row:
                _bad(problems, r, "reference", f"reference {ref!r} is already used on row {first}")
            elif any(d == donor for _, d in in_db.get(ref, ())):
                _bad(
                    problems,
                    r,
                    "reference",
                    f"an offer of this donor with reference {ref!r} already exists",
                )
        source_ref = r.values.get("source_ref")
        if source_ref is not None:
            key = (donor, r.values.get("source", "manual"), source_ref)
            first = first_source_row.setdefault(key, r.row)
            if first != r.row:
                _bad(
                    problems,
                    r,
                    "source_ref",
                    f"{key[1]} {source_ref!r} is already used on row {first}",
                )
            elif key in sources_in_db:
                _bad(
                    problems,
                    r,
                    "source_ref",
                    f"{key[1]} {source_ref!r} is already stored for the donor",
                )
        _resolve_organisation(r, organisations, problems)
        parent_in_file = _resolve_parent(r, refs, in_db, problems)
        data = build(OfferCreate, r, OFFER_COLUMNS, problems)
        if data is not None:
            pending.append(_PendingOffer(row=r, data=data, parent_in_file=parent_in_file))
    if problems:
        raise ImportRejected(problems.sorted(), rows=len(sheet.rows))
    return pending


def _bad(problems: Problems, row: ParsedRow, column: str, message: str) -> None:
    problems.add(row.row, column, row.cells.get(column), message)
    row.bad.add(column)


def _resolve_organisation(
    row: ParsedRow, organisations: dict[tuple[int, str], list[int]], problems: Problems
) -> None:
    name = row.specials.get("donor_organisation")
    donor = row.values.get("donor_nation_id")
    if name is None or donor is None:  # an unknown donor is reported on its own column
        return
    ids = organisations.get((donor, name.casefold()), [])
    if len(ids) == 1:
        row.values["donor_organisation_id"] = ids[0]
    elif ids:
        _bad(
            problems,
            row,
            "donor_organisation",
            f"several organisations of the donor are named {name!r}",
        )
    elif any(n == name.casefold() for _, n in organisations):
        _bad(
            problems, row, "donor_organisation", f"organisation {name!r} belongs to another nation"
        )
    else:
        _bad(problems, row, "donor_organisation", f"the donor has no organisation named {name!r}")


def _resolve_parent(
    row: ParsedRow,
    in_file: dict[str, list[ParsedRow]],
    in_db: dict[str, list[tuple[int, int]]],
    problems: Problems,
) -> tuple[int, str] | None:
    """Point the row at its parent line, the donor's line with that reference; return the
    parent's (donor, reference) when it is in the file."""
    ref = row.specials.get("parent_reference")
    if ref is None:
        return None
    donor = row.values.get("donor_nation_id")
    if donor is None:  # an unknown donor is reported on its own column
        return None
    candidates = in_file.get(ref, [])
    parent_row = next((p for p in candidates if p.values.get("donor_nation_id") == donor), None)
    if parent_row is not None:
        if parent_row.row == row.row:
            _bad(problems, row, "parent_reference", "a line cannot be its own parent")
        elif parent_row.row > row.row:
            _bad(
                problems,
                row,
                "parent_reference",
                f"the parent is on a later row ({parent_row.row}); put parents above their children",
            )
        else:
            return donor, ref
        return None
    stored = in_db.get(ref, [])
    parent_id = next((id_ for id_, d in stored if d == donor), None)
    if parent_id is not None:
        row.values["parent_id"] = parent_id
    elif candidates or stored:
        _bad(problems, row, "parent_reference", "the parent line belongs to another donor")
    else:
        _bad(
            problems,
            row,
            "parent_reference",
            f"no offer {ref!r} in the database or on an earlier row",
        )
    return None


def _offers_by_reference(session: Session, refs: Sequence[str]) -> dict[str, list[tuple[int, int]]]:
    """Reference → [(id, donor id)] of the stored lines among ``refs`` that the actor sees
    (references are unique per donor, so several donors may use one)."""
    found: dict[str, list[tuple[int, int]]] = {}
    for part in chunks(refs):
        stmt = select(OfferLine.reference, OfferLine.id, OfferLine.donor_nation_id).where(
            OfferLine.reference.in_(part)
        )
        for ref, id_, donor in session.execute(stmt):
            found.setdefault(ref, []).append((id_, donor))
    return found


def _source_refs_in_db(
    session: Session, source_refs: Sequence[str]
) -> set[tuple[int | None, str, str]]:
    """(Donor id, source, source_ref) of the stored lines among ``source_refs``."""
    found: set[tuple[int | None, str, str]] = set()
    for part in chunks(source_refs):
        stmt = select(OfferLine.donor_nation_id, OfferLine.source, OfferLine.source_ref).where(
            OfferLine.source_ref.in_(part)
        )
        found.update((d, s, ref) for d, s, ref in session.execute(stmt) if ref is not None)
    return found


def _organisations(session: Session) -> dict[tuple[int, str], list[int]]:
    """(nation id, case-folded name) → organisation ids: names are unique only in practice."""
    result: dict[tuple[int, str], list[int]] = {}
    stmt = select(Organisation.id, Organisation.nation_id, Organisation.name)
    for id_, nation_id, name in session.execute(stmt):
        result.setdefault((nation_id, name.casefold()), []).append(id_)
    return result


def _write(
    row: ParsedRow,
    columns: Sequence[Column],
    rows: int,
    create: Callable[[Session, S], T],
    session: Session,
    data: S,
) -> T:
    """Run one domain create; a business error becomes a rejection naming the row."""
    try:
        return create(session, data)
    except NsatuError as exc:
        to_column = {c.field: c.name for c in columns}
        column = to_column.get(exc.field or "", exc.field or "")
        error = RowError(
            row=row.row,
            column=column,
            value=sheets.display(row.cells.get(column)),
            message=f"{exc.detail} (nothing was imported)",
        )
        raise ImportRejected([error], rows=rows) from exc


# --- import: needs -----------------------------------------------------------------------------


def import_needs(
    session: Session,
    data: bytes,
    fmt: Format,
    *,
    dry_run: bool = False,
    progress: Progress = no_progress,
) -> ImportResult:
    """Create one requirement per row of the spreadsheet, all or none (see :func:`import_offers`)."""
    sheet = sheets.read(data, fmt)
    pending = _check_needs(session, sheet, progress)
    if not dry_run:
        for done, (row, need) in enumerate(pending, start=1):
            _write(
                row, NEED_COLUMNS, len(sheet.rows), need_service.create_requirement, session, need
            )
            progress("writing", done, len(pending))
    return ImportResult(
        kind="needs", rows=len(pending), imported=0 if dry_run else len(pending), dry_run=dry_run
    )


def _check_needs(
    session: Session, sheet: sheets.Sheet, progress: Progress
) -> list[tuple[ParsedRow, RequirementCreate]]:
    problems = Problems(NEED_COLUMNS)
    index = map_header(sheet.header, NEED_COLUMNS, problems)
    if problems:
        raise ImportRejected(problems.sorted(), rows=len(sheet.rows))
    codes = CodeTables(reference_service.code_tables(session))
    rows = parse_rows(sheet, index, codes, problems, progress)
    first_ref_row: dict[str, int] = {}
    for r in rows:
        if "reference" in r.values:
            first_ref_row.setdefault(r.values["reference"], r.row)
    in_db: set[str] = set()
    for part in chunks(sorted(first_ref_row)):
        in_db.update(
            session.scalars(select(Requirement.reference).where(Requirement.reference.in_(part)))
        )

    pending: list[tuple[ParsedRow, RequirementCreate]] = []
    for r in rows:
        ref = r.values.get("reference")
        if ref is not None:
            if first_ref_row[ref] != r.row:
                _bad(
                    problems,
                    r,
                    "reference",
                    f"reference {ref!r} is already used on row {first_ref_row[ref]}",
                )
            elif ref in in_db:
                _bad(problems, r, "reference", f"a need with reference {ref!r} already exists")
        data = build(RequirementCreate, r, NEED_COLUMNS, problems)
        if data is not None:
            pending.append((r, data))
    if problems:
        raise ImportRejected(problems.sorted(), rows=len(sheet.rows))
    return pending


# --- export ------------------------------------------------------------------------------------


def _names(session: Session) -> dict[str, dict[int, str]]:
    """Id → code for every code table (the inverse of the import's lookups)."""
    return {
        table: {id_: code for code, id_ in codes.items()}
        for table, codes in reference_service.code_tables(session).items()
    }


def _enum(value: Any) -> str | None:
    return None if value is None else str(value.value)


def _filters(f: Any, names: Iterable[str]) -> str:
    """The filters given, as ``donor=DEU, stage=committed``."""
    given = []
    for name in names:
        value = getattr(f, name)
        if value is not None:
            given.append(f"{name}={getattr(value, 'value', value)}")
    return ", ".join(given) or "none (every row)"


def _about(what: str, command: str, count: int, filters: str) -> list[tuple[str, str]]:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    return [
        ("Contents", f"{count} {what} exported from nsatu on {now}"),
        ("Filters", filters),
        ("Scope", SCOPE_NOTE),
        (
            "Re-import",
            f"`nsatu import {command} FILE` reads the first sheet only; this sheet is "
            "ignored. Codes refer to the reference data (nations, sites, capability areas, catalogue).",
        ),
    ]


class _Linked(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def parent_id(self) -> int | None: ...


L = TypeVar("L", bound=_Linked)


def parents_first(lines: Sequence[L]) -> list[L]:
    """Lines in id order, except that every child comes after its parent (and under it).

    Lines whose parent is not exported count as roots; lines caught in a parent cycle (a broken
    database, see ``nsatu check``) come last, in id order.
    """
    by_id = {line.id: line for line in lines}
    children: dict[int, list[L]] = {}
    roots: list[L] = []
    for line in sorted(lines, key=lambda x: x.id):
        if line.parent_id is not None and line.parent_id in by_id:
            children.setdefault(line.parent_id, []).append(line)
        else:
            roots.append(line)
    ordered: list[L] = []
    placed: set[int] = set()
    stack = list(reversed(roots))
    while stack:
        line = stack.pop()
        ordered.append(line)
        placed.add(line.id)
        stack.extend(reversed(children.get(line.id, [])))
    ordered.extend(line for line in sorted(lines, key=lambda x: x.id) if line.id not in placed)
    return ordered


def export_offers(session: Session, out: BinaryIO, fmt: Format, f: OfferFilter) -> ExportResult:
    """Write the offer lines matching ``f`` with the import's columns, parents above children.

    Only the lines in the session actor's scope are written, each as :class:`OfferRead` shows it
    (an anonymous donor is withheld from the public).

    Raises:
        NationNotFound: ``f.donor`` names no nation.
    """
    if f.donor:
        reference_service.nation_by_code(session, f.donor)
    # Ordered by the links as shown, so a withheld parent does not show by the order either.
    shown = parents_first(
        [OfferRead.model_validate(x) for x in offer_service.iter_offers(session, f)]
    )
    names = _names(session)
    orgs = dict(session.execute(select(Organisation.id, Organisation.name)).all())
    refs = {line.id: line.reference for line in shown}
    outside = sorted({line.parent_id for line in shown if line.parent_id is not None} - set(refs))
    for part in chunks(outside):
        stmt = select(OfferLine.id, OfferLine.reference).where(OfferLine.id.in_(part))
        refs.update((id_, ref) for id_, ref in session.execute(stmt))

    def code(table: str, id_: int | None) -> str | None:
        return None if id_ is None else names[table][id_]

    rows = [
        [
            line.reference,
            line.donor_code,
            None if line.donor_organisation_id is None else orgs[line.donor_organisation_id],
            _enum(line.channel),
            _enum(line.kind),
            code("item_type", line.item_type_id),
            line.description,
            line.quantity,
            line.quantity_delivered,
            line.announced_on,
            line.available_from_on,
            code("site", line.origin_site_id),
            line.currency,
            line.value_amount,
            line.eur_rate,
            line.eur_rate_on,
            _enum(line.valuation_basis),
            code("capability_area", line.earmark_capability_area_id),
            line.earmark,
            # A parent outside the actor's scope is not named.
            None if line.parent_id is None else refs.get(line.parent_id),
            _enum(line.releasability),
            line.anonymise_donor,
            line.source,
            line.source_ref,
            line.notes,
        ]
        for line in shown
    ]
    about = _about("offer / pledge lines", "offers", len(rows), _filters(f, ("donor", "stage")))
    kiel = sum(1 for line in shown if line.source == KIEL_SOURCE)
    if kiel:
        about += [
            (
                "Source",
                f"{kiel} of these lines (source = {KIEL_SOURCE}) are public pledges recorded by the "
                "Kiel Institute for the World Economy's Ukraine Support Tracker, 7th release "
                "(announcements of 24 January to 3 October 2022); source_ref is Kiel's row ID.",
            ),
            ("Citation", KIEL_CITATION),
        ]
    sheets.write(
        out, fmt, title="Offers", header=[c.name for c in OFFER_COLUMNS], rows=rows, about=about
    )
    return ExportResult(kind="offers", exported=len(rows), format=fmt)


def export_needs(
    session: Session, out: BinaryIO, fmt: Format, f: RequirementFilter
) -> ExportResult:
    """Write the requirements matching ``f`` with the import's columns."""
    needs = need_service.iter_requirements(session, f)
    names = _names(session)

    def code(table: str, id_: int | None) -> str | None:
        return None if id_ is None else names[table][id_]

    rows = [
        [
            need.reference,
            need.title,
            code("capability_area", need.capability_area_id),
            code("item_type", need.item_type_id),
            need.quantity_requested,
            need.quantity_approved,
            need.priority,
            need.rank,
            need.period,
            need.needed_by_on,
            code("site", need.destination_site_id),
            need.justification,
            _enum(need.releasability),
            need.is_synthetic,
        ]
        for need in needs
    ]
    about = _about("needs", "needs", len(rows), _filters(f, ("status", "period")))
    synthetic = sum(1 for need in needs if need.is_synthetic)
    if synthetic:
        about.append(
            (
                "SYNTHETIC",
                f"{synthetic} of these {len(rows)} needs are SYNTHETIC (column synthetic = yes): "
                "generated for demonstration, they are not real requirements of Ukraine and must "
                "not be quoted as such.",
            )
        )
    sheets.write(
        out, fmt, title="Needs", header=[c.name for c in NEED_COLUMNS], rows=rows, about=about
    )
    return ExportResult(kind="needs", exported=len(rows), format=fmt)
