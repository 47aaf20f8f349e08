"""The reports API: the list, a report as JSON, CSV and XLSX, scoped by the caller (every role,
expected rows computed from the policy's predicates), and clear errors."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import donor_disclosed, offer_visible
from nsatu.core.enums import Releasability
from nsatu.core.lifecycles import OfferStage
from tests.factories import (
    make_capability_area,
    make_item_type,
    make_nation,
    make_offer,
    make_site,
)
from tests.web.callers import CALLERS, sign_in_caller

D = Decimal


@pytest.fixture
def lines(session_factory: sessionmaker[Session]) -> dict[str, Any]:
    """One line per releasability of one donor, one anonymised public line of another, each with a
    value no sum of the others makes, so each seen total names exactly the lines seen."""
    with session_factory() as s:
        area = make_capability_area(s, code="API-REP", name="Api reports")
        item = make_item_type(s, capability_area=area)
        donor, other = make_nation(s, code="QRA"), make_nation(s, code="QRB")
        made = []
        for value, releasability, who, anonymous in (
            (1, Releasability.PUBLIC, donor, False),
            (2, Releasability.COALITION, donor, False),
            (4, Releasability.BILATERAL, donor, False),
            (8, Releasability.INTERNAL, donor, False),
            (16, Releasability.PUBLIC, other, True),
            (32, Releasability.COALITION, other, False),
        ):
            line = make_offer(s, donor=who, item_type_id=item.id, value_amount=D(value),
                              currency="EUR", eur_rate=D(1), stage=OfferStage.COMMITTED,
                              releasability=releasability, anonymise_donor=anonymous,
                              description="=HYPERLINK(\"http://x\")")  # fmt: skip
            made.append((line.donor_nation_id, releasability, anonymous, D(value)))
        s.commit()
        return {"donor": donor.id, "other": other.id, "made": made, "codes": {donor.id: "QRA", other.id: "QRB"}}  # fmt: skip


@pytest.mark.parametrize("caller", CALLERS)
def test_every_caller_gets_the_pipeline_of_what_it_may_see(
    client: TestClient,
    session_factory: sessionmaker[Session],
    lines: dict[str, Any],
    caller: str,
) -> None:
    with session_factory() as s:
        hub = make_site(s).id  # no consignment passes it: a hub operator sees by level
        s.commit()
    actor = sign_in_caller(client, session_factory, caller, donor=lines["donor"], hub=hub)
    expected: dict[str, Decimal] = {}
    for donor_id, releasability, anonymous, value in lines["made"]:
        if offer_visible(
            actor, donor_nation_id=donor_id, releasability=releasability, allocated=False
        ):
            key = (
                lines["codes"][donor_id]
                if donor_disclosed(actor, anonymise_donor=anonymous)
                else "undisclosed"
            )
            expected[key] = expected.get(key, D(0)) + value
    response = client.get("/api/reports/pipeline", params={"area": "API-REP"})
    assert response.status_code == 200, response.text
    got: dict[str, Decimal] = {}
    for row in response.json()["rows"]:
        key = row["iso3"] or row["donor"]
        got[key] = got.get(key, D(0)) + D(str(row["announced_eur"]))
    assert got == expected


def test_the_list_and_the_json_shape(client: TestClient, lines: dict[str, Any]) -> None:
    listed = client.get("/api/reports").json()
    assert {"pipeline", "dependence"} <= {r["name"] for r in listed}
    body = client.get("/api/reports/dependence").json()
    assert set(body) == {"name", "title", "columns", "rows", "notes", "sources", "extra"}
    assert {c["key"] for c in body["columns"]} >= {"capability_area", "top_share", "hhi"}
    assert body["notes"] and body["sources"]
    shares = client.get("/api/reports/dependence", params={"table": "shares"}).json()
    assert isinstance(shares, list) and {"donor", "share"} <= set(shares[0])


def test_csv_and_xlsx_by_suffix_and_by_format(client: TestClient, lines: dict[str, Any]) -> None:
    by_suffix = client.get("/api/reports/pipeline.csv", params={"area": "API-REP"})
    assert by_suffix.status_code == 200
    assert by_suffix.headers["content-type"].startswith("text/csv")
    by_query = client.get("/api/reports/pipeline", params={"area": "API-REP", "format": "csv"})
    assert by_query.content == by_suffix.content
    rows = list(csv.DictReader(io.StringIO(by_suffix.content.decode("utf-8-sig"))))
    assert {r["iso3"] for r in rows} == {"QRA", "QRB"}
    assert sum(D(r["announced_eur"]) for r in rows) == 63
    valuations = client.get("/api/reports/pipeline.csv", params={"table": "funnel"})
    assert valuations.content.decode("utf-8-sig").splitlines()[0] == "stage,lines,eur"
    xlsx = client.get("/api/reports/pipeline.xlsx", params={"area": "API-REP"})
    assert xlsx.status_code == 200
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames[0] == "pipeline"
    assert wb.sheetnames[-2:] == ["Sources", "Notes"]


def test_bad_requests_name_what_is_wrong(client: TestClient, lines: dict[str, Any]) -> None:
    missing = client.get("/api/reports/nothing")
    assert missing.status_code == 404 and "pipeline" in missing.json()["detail"]
    unknown = client.get("/api/reports/pipeline", params={"colour": "red"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "colour"
    table = client.get("/api/reports/pipeline", params={"table": "nope"})
    assert table.status_code == 422 and table.json()["field"] == "table"
    fmt = client.get("/api/reports/pipeline", params={"format": "pdf"})
    assert fmt.status_code == 422
    assert client.get("/api/reports/pipeline.csv", params={"donor": "ZZZ"}).status_code == 422
