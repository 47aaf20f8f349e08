"""The public release as a folder of static files that opens from disk, offline.

``index.html`` is the same content as the ``/public`` page (``templates/public/_content.html``),
rendered without a request; every table is also written as CSV (formula guard applied, as every
export) and the whole release as ``release.json`` and ``release.xlsx``. The scripts and styles the
page needs are copied beside it (``assets/``) from the installed front-end packages and the app's
static files, with the packages' licences; the page refers to them by relative paths and fetches
nothing (the map's boundaries and every chart's figures are in the page).

Jinja2 is an entry point's library, so the rendering lives here; what is released is decided by
:mod:`nsatu.reporting.public`.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from nsatu.errors import InvalidInput
from nsatu.reporting import export, geo
from nsatu.reporting import public as public_release
from nsatu.reporting.table import Column, Report
from nsatu.web.views import report_charts
from nsatu.web.views.rendering import templates
from nsatu.web.views.reports import drawn

STATIC = Path(__file__).with_name("static")
ASSETS = "assets"
#: Each asset the page loads: where it comes from (an installed package, or the app's static
#: files) and its path there. The file keeps its name under ``assets/``.
ASSET_SOURCES = {
    "chart": ("vendor", "chart.js/dist/chart.umd.min.js"),
    "d3_array": ("vendor", "d3-array/dist/d3-array.min.js"),
    "d3_geo": ("vendor", "d3-geo/dist/d3-geo.min.js"),
    "topojson": ("vendor", "topojson-client/dist/topojson-client.min.js"),
    "pico": ("vendor", "@picocss/pico/css/pico.min.css"),
    "reports_js": ("static", "reports.js"),
    "reports_css": ("static", "reports.css"),
    "nsatu_css": ("static", "nsatu.css"),
}
#: The packages whose files are copied, for their licence files.
PACKAGES = ("chart.js", "d3-array", "d3-geo", "topojson-client", "@picocss/pico", "internmap")


@dataclass(frozen=True)
class StaticExport:
    directory: Path
    files: list[str]
    offers: int
    needs: int
    reports: list[str]


def release_tables(release: public_release.PublicRelease) -> list[Report]:
    """The release's own tables as reports (for CSV, JSON and XLSX)."""
    offers = Report(
        name="public-offers",
        title="Public pledge lines",
        columns=[
            Column("reference", "Reference"),
            Column("donor", "Donor"),
            Column("donor_code", "Donor ISO3"),
            Column("kind", "Kind"),
            Column("item", "Item"),
            Column("description", "Description"),
            Column("quantity", "Quantity", "number"),
            Column("value_eur", "Value (EUR)", "eur"),
            Column("stage", "Stage"),
            Column("announced_on", "Announced", "date"),
        ],
        rows=[vars(o) for o in release.offers],
        notes=[f"Donors who asked to stay anonymous are shown as {public_release.UNDISCLOSED}."],
    )
    needs = Report(
        name="public-needs",
        title="Published needs",
        columns=[
            Column("reference", "Reference"),
            Column("title", "Need"),
            Column("capability_area", "Capability area"),
            Column("priority", "Priority", "int"),
            Column("status", "Status"),
            Column("quantity_requested", "Quantity", "number"),
            Column("period", "Period"),
            Column("needed_by_on", "Needed by", "date"),
        ],
        rows=[vars(n) for n in release.needs],
    )
    donors = Report(
        name="public-donors",
        title="Public pledges by donor",
        columns=[
            Column("donor", "Donor"),
            Column("donor_code", "Donor ISO3"),
            Column("lines", "Lines", "int"),
            Column("value_eur", "Value (EUR)", "eur"),
        ],
        rows=[vars(d) for d in release.donors],
        notes=["Each pledge tree (a package and its items) counts once."],
    )
    return [donors, offers, needs]


def _copy_assets(out: Path, assets_dir: Path) -> dict[str, str]:
    missing = [
        str(assets_dir / path)
        for kind, path in ASSET_SOURCES.values()
        if kind == "vendor" and not (assets_dir / path).is_file()
    ]
    if missing:
        raise InvalidInput(
            f"assets: the front-end packages are not installed (npm ci): missing {missing[0]}",
            field="assets",
        )
    target = out / ASSETS
    (target / "licences").mkdir(parents=True, exist_ok=True)
    links = {}
    for key, (kind, path) in ASSET_SOURCES.items():
        source = (assets_dir if kind == "vendor" else STATIC) / path
        shutil.copyfile(source, target / source.name)
        links[key] = f"{ASSETS}/{source.name}"
    for package in PACKAGES:
        for name in ("LICENSE", "LICENSE.md", "LICENSE.txt"):
            licence = assets_dir / package / name
            if licence.is_file():
                shutil.copyfile(licence, target / "licences" / f"{package.replace('/', '-')}.txt")
                break
    return links


def write_public_release(session: Session, out: Path, *, assets_dir: Path) -> StaticExport:
    """Write the public release into the folder ``out`` (made if missing; files of the same
    names are replaced).

    Raises:
        InvalidInput: ``out`` is a file, or the front-end packages are not installed.
    """
    if out.exists() and not out.is_dir():
        raise InvalidInput(f"output: {out} is a file, not a folder", field="output")
    release = public_release.public_release(session)
    out.mkdir(parents=True, exist_ok=True)
    assets = _copy_assets(out, assets_dir)
    tables = release_tables(release)
    written: list[str] = []

    def write(name: str, data: bytes) -> None:
        (out / name).write_bytes(data)
        written.append(name)

    for report in [*tables, *release.reports]:
        write(f"{report.name}.csv", export.csv_bytes(report))
    everything: dict[str, Any] = {
        "generated_on": release.generated_on.isoformat(),
        "reports": [export.as_json(r) for r in [*tables, *release.reports]],
    }
    write("release.json", json.dumps(everything, ensure_ascii=False, indent=1).encode("utf-8"))
    write("release.xlsx", export.xlsx_bytes([*tables, *release.reports]))
    files = [(f"{n.removesuffix('.csv')} (CSV)", n) for n in written if n.endswith(".csv")]
    files += [("everything (JSON)", "release.json"), ("everything (XLSX)", "release.xlsx")]
    reports = [drawn(r, session, sites=False) for r in release.reports]
    context = {
        "release": release,
        "offers": release.offers,
        "with_map": any(r["map"] is not None for r in reports),
        "reports": reports,
        "assets": assets,
        "cell": report_charts.cell,
        "world_source": geo.WORLD_SOURCE,
        "files": files,
    }
    html = templates.env.get_template("public/release.html").render(context)
    write("index.html", html.encode("utf-8"))
    return StaticExport(
        directory=out,
        files=[
            *written,
            *(
                p.relative_to(out).as_posix()
                for p in sorted((out / ASSETS).rglob("*"))
                if p.is_file()
            ),
        ],
        offers=len(release.offers),
        needs=len(release.needs),
        reports=[r.name for r in release.reports],
    )
