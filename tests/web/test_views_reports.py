"""The report pages over HTTP: the list of reports, a report's page (charts, map, table, notes,
sources, downloads), the scoping of a report page, and the public release page (only public
records; anonymised donors undisclosed). The chart and cell helpers are checked on their own."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import Role
from nsatu.core.enums import Releasability
from nsatu.reporting import registry
from nsatu.reporting.table import Column, Report
from nsatu.web.views import report_charts
from tests.factories import make_offer
from tests.reporting.fixture_reports import DONORS, LONG, LONG_ROWS, OFFERS, registered
from tests.reporting.test_public import seed_release
from tests.web.conftest import MakeClient


@pytest.fixture(autouse=True)
def fixture_reports() -> Iterator[None]:
    with registered():
        yield


def _charts(html: str) -> list[dict[str, object]]:
    found = re.findall(r'<script type="application/json" class="chart-config">(.*?)</script>', html)
    return [json.loads(c) for c in found]


def test_the_reports_page_lists_every_registered_report(anonymous_client: TestClient) -> None:
    r = anonymous_client.get("/reports")
    assert r.status_code == 200, r.text
    for name in registry.names():
        assert f'href="/reports/{name}"' in r.text
        assert f'href="/api/reports/{name}?format=csv"' in r.text
        assert f'href="/api/reports/{name}?format=xlsx"' in r.text


def test_a_report_page_shows_its_chart_map_table_notes_and_sources(
    anonymous_client: TestClient,
) -> None:
    r = anonymous_client.get(f"/reports/{DONORS}")
    assert r.status_code == 200, r.text
    html = r.text
    (stacked, scatter) = _charts(html)
    assert stacked["type"] == "bar"
    data = stacked["data"]
    assert isinstance(data, dict)
    # Largest total first; one stack per aid type, plus the attributed EU share.
    assert data["labels"][:2] == ["United States", "EU Institutions"]
    assert [d["label"] for d in data["datasets"]] == [
        "Military", "Financial", "Humanitarian", "EU institutions (attributed share)",
    ]  # fmt: skip
    assert data["datasets"][0]["data"][0] == pytest.approx(25.3)
    # % of GDP against GDP: GDP is the total over its share of GDP.
    assert scatter["type"] == "scatter"
    points = {p["label"]: p for p in scatter["data"]["datasets"][0]["data"]}  # type: ignore[index]
    assert set(points) == {"Germany", "Poland", "Norway", "United States"}
    assert points["Germany"]["x"] == pytest.approx(4.1 / 0.12 * 100)
    assert points["Germany"]["y"] == pytest.approx(0.12)
    # The map: the figures by ISO code; the world's boundaries are in the page.
    figures = json.loads(
        re.search(r'class="map-figures">(.*?)</script>', html).group(1)  # type: ignore[union-attr]
    )
    assert figures["values"] == {"DEU": 0.12, "POL": 0.38, "NOR": 0.31, "USA": 0.21}
    assert '"objects":{"land"' in html.replace(" ", "") or '"countries"' in html
    # Table cells by kind, notes, sources (links when they are addresses), downloads.
    assert "25.300" in html and "0.38 %" in html
    assert "A note on the fixture figures." in html
    assert '<a href="https://example.org/tracker" rel="noreferrer">' in html
    assert f'href="/api/reports/{DONORS}?format=csv"' in html
    assert f'href="/api/reports/{DONORS}?format=xlsx"' in html
    assert "EU members" in html  # the further table


def test_a_long_table_shows_its_first_rows_and_all_on_request(
    anonymous_client: TestClient,
) -> None:
    def rows(html: str) -> list[str]:
        table = re.search(r'<table class="report-table".*?</table>', html, re.DOTALL)
        assert table is not None
        return re.findall(r"<td>(row-\d+)</td>", table.group(0))

    first = anonymous_client.get(f"/reports/{LONG}", params={"scale": "2"})
    assert first.status_code == 200, first.text
    assert rows(first.text) == [f"row-{i:03d}" for i in range(100)]
    assert f"Showing the first 100 of {LONG_ROWS} rows" in first.text
    # The link keeps the report's parameters; the page's own is not passed to the report.
    link = re.search(r'href="([^"]+)" class="show-all"', first.text)
    assert link is not None and link.group(1).replace("&amp;", "&") == "?scale=2&show=all"
    every = anonymous_client.get(f"/reports/{LONG}?scale=2&show=all")
    assert every.status_code == 200, every.text
    assert len(rows(every.text)) == LONG_ROWS and "Showing the first" not in every.text
    assert '<td class="num">298</td>' in every.text  # the last row: 149 × 2


def test_a_bad_report_parameter_is_a_422_naming_it(anonymous_client: TestClient) -> None:
    r = anonymous_client.get(f"/reports/{LONG}", params={"colour": "red"})
    assert r.status_code == 422
    assert "colour" in r.text


def test_an_unknown_report_is_the_not_found_page(anonymous_client: TestClient) -> None:
    r = anonymous_client.get("/reports/no-such-report")
    assert r.status_code == 404
    assert "no-such-report" in r.text and "<html" in r.text


def test_a_report_page_shows_only_what_its_caller_may_see(
    session_factory: sessionmaker[Session], as_role: MakeClient
) -> None:
    with session_factory() as s:
        ids = seed_release(s)
        s.commit()
    coordinator = as_role(Role.COORDINATOR).get(f"/reports/{OFFERS}")
    public = as_role(Role.PUBLIC).get(f"/reports/{OFFERS}")
    assert coordinator.status_code == public.status_code == 200
    for ref, level in ids["levels"].items():
        assert ref in coordinator.text
        assert (ref in public.text) is (level is Releasability.PUBLIC), ref


def test_the_public_page_shows_public_records_only(
    session_factory: sessionmaker[Session], as_role: MakeClient
) -> None:
    with session_factory() as s:
        ids = seed_release(s)
        s.commit()
    for role in (Role.PUBLIC, Role.COORDINATOR):
        r = as_role(role).get("/public")
        assert r.status_code == 200, r.text
        for text, public in ids["texts"].items():
            assert (text in r.text) is public, (role, text)
        # The anonymised donor's line is there, its donor is not (the same for every caller).
        rows = re.findall(r"<tr>.*?</tr>", r.text, re.DOTALL)
        anon = [tr for tr in rows if ids["anonymous_ref"] in tr]
        assert len(anon) == 1 and "undisclosed" in anon[0]
        assert ids["anonymous_donor"] not in anon[0]


# --- The chart and cell helpers -------------------------------------------------------------


def _report(name: str, columns: list[Column], rows: list[dict[str, object]]) -> Report:
    return Report(name=name, title=name, columns=columns, rows=rows)


def test_monthly_allocations_are_summed_per_month_by_aid_type() -> None:
    report = _report(
        "monthly",
        [Column("donor", "Donor"), Column("month", "Month", "month"),
         Column("military_eur_bn", "Military", "eur_bn"),
         Column("financial_eur_bn", "Financial", "eur_bn"),
         Column("cumulative_eur_bn", "Cumulative", "eur_bn")],
        [{"donor": "A", "month": "2022-03", "military_eur_bn": 1, "financial_eur_bn": 2, "cumulative_eur_bn": 6},
         {"donor": "B", "month": "2022-03", "military_eur_bn": 0.5, "financial_eur_bn": None, "cumulative_eur_bn": 7.5},
         {"donor": "A", "month": "2022-02", "military_eur_bn": 4, "financial_eur_bn": 0, "cumulative_eur_bn": 4}],
    )  # fmt: skip
    bars, cumulative = report_charts.charts(report)
    data = bars["config"]["data"]
    assert data["labels"] == ["2022-02", "2022-03"]
    assert [d["label"] for d in data["datasets"]] == ["Military", "Financial"]
    assert data["datasets"][0]["data"] == [4, 1.5]
    assert data["datasets"][1]["data"] == [0, 2]
    # The running total as a line: each month's last figure.
    assert cumulative["config"]["type"] == "line"
    assert cumulative["config"]["data"]["datasets"][0]["data"] == [4, 7.5]


def test_the_stage_funnel_sums_each_stage() -> None:
    stages = ["announced", "committed", "delivered"]
    report = _report(
        "pipeline",
        [Column("donor", "Donor"), *(Column(f"{s}_eur", s, "eur") for s in stages)],
        [{"donor": "A", "announced_eur": 10, "committed_eur": 8, "delivered_eur": 2},
         {"donor": "B", "announced_eur": 5, "committed_eur": 5, "delivered_eur": Decimal("4.5")}],
    )  # fmt: skip
    (chart,) = report_charts.charts(report)
    assert chart["config"]["data"]["labels"] == ["Announced", "Committed", "Delivered"]
    assert chart["config"]["data"]["datasets"][0]["data"] == [15, 13, 6.5]
    assert chart["config"]["options"]["indexAxis"] == "y"


def test_burden_sharing_draws_the_two_and_three_percent_lines() -> None:
    report = _report(
        "burden-sharing",
        [Column("donor", "Donor"), Column("total_pct_gdp", "Aid", "pct"),
         Column("nato_defence_pct_gdp", "Defence", "pct")],
        [{"donor": "A", "total_pct_gdp": 0.5, "nato_defence_pct_gdp": 2.4},
         {"donor": "B", "total_pct_gdp": 0.9, "nato_defence_pct_gdp": 1.5}],
    )  # fmt: skip
    charts = report_charts.charts(report)
    bars = charts[0]["config"]["data"]
    assert bars["labels"] == ["B", "A"]  # by total % of GDP, largest first
    lines = [d for d in bars["datasets"] if d.get("type") == "line"]
    assert [d["data"] for d in lines] == [[2, 2], [3, 3]]


def test_dependence_shows_the_top_share_and_hhi_per_area() -> None:
    report = _report(
        "dependence",
        [Column("capability_area", "Area"), Column("donor", "Donor"),
         Column("top_donor_share", "Top donor", "share"), Column("hhi", "HHI", "number")],
        [{"capability_area": "Air", "donor": "A", "top_donor_share": 0.8, "hhi": 0.68},
         {"capability_area": "Air", "donor": "B", "top_donor_share": 0.8, "hhi": 0.68},
         {"capability_area": "Demining", "donor": "C", "top_donor_share": 0.5, "hhi": 0.5}],
    )  # fmt: skip
    (chart,) = report_charts.charts(report)
    assert chart["config"]["data"]["labels"] == ["Air", "Demining"]
    assert chart["config"]["data"]["datasets"][0]["data"] == [0.8, 0.5]


def test_a_report_without_its_own_chart_gets_bars_of_its_first_figure() -> None:
    report = _report(
        "something", [Column("name", "Name"), Column("n", "Count", "int")],
        [{"name": "x", "n": 3}, {"name": "y", "n": 1}],
    )  # fmt: skip
    (chart,) = report_charts.charts(report)
    assert chart["config"]["data"]["labels"] == ["x", "y"]
    assert chart["config"]["data"]["datasets"][0]["data"] == [3, 1]
    assert report_charts.charts(_report("empty", [Column("name", "Name")], [])) == []


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        (None, "eur_bn", "—"), (Decimal("1.23456"), "eur_bn", "1.235"), (0.384, "pct", "0.38 %"),
        (0.25, "share", "25.0 %"), (1234567, "int", "1,234,567"), ("x", "text", "x"),
        ("n/a", "pct", "n/a"),
    ],
)  # fmt: skip
def test_cells_are_shown_by_their_kind(value: object, kind: str, shown: str) -> None:
    assert report_charts.cell(value, kind) == shown


def test_public_text_is_escaped_on_the_public_page(
    session_factory: sessionmaker[Session], anonymous_client: TestClient
) -> None:
    with session_factory() as s:
        make_offer(
            s, reference="PUB-HOSTILE", description='<img src=x onerror="alert(1)">',
            releasability=Releasability.PUBLIC,
        )  # fmt: skip
        s.commit()
    r = anonymous_client.get("/public")
    assert r.status_code == 200
    assert "PUB-HOSTILE" in r.text
    assert "<img src=x" not in r.text and "&lt;img src=x" in r.text
