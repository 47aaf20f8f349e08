"""A live nsatu server for the browser tests: a fresh migrated SQLite file, a small seeded data set
(through the domain services), and uvicorn on 127.0.0.1 in a background thread.

Run it by hand to look at the pages or to refresh the README screenshot with the full demo data::

    .venv/bin/python -m tests.web.browser_server --demo --screenshot docs/screenshot.png
"""

from __future__ import annotations

import argparse
import datetime as dt
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import uvicorn
from sqlalchemy.orm import Session

from nsatu.core.access import Role
from nsatu.core.enums import OfferKind, Releasability, SiteKind, ValuationBasis
from nsatu.db.migrate import upgrade
from nsatu.db.models import NationGdp
from nsatu.db.session import make_engine, make_session_factory, transaction
from nsatu.needs import service as need_service
from nsatu.needs.schemas import RequirementCreate
from nsatu.offers import service as offer_service
from nsatu.offers.schemas import OfferCreate
from nsatu.reference import schemas as ref
from nsatu.reference.service import CAPABILITY_AREAS, ITEM_TYPES, NATIONS, SITES
from nsatu.settings import Settings
from nsatu.web.app import create_app
from tests.factories import make_user

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: The coordinator the browser tests sign in as, through the login page.
COORDINATOR = ("coordinator", "browser-test-password")


def seed(session: Session) -> dict[str, int]:
    """A small, varied data set; returns the ids the tests refer to by name."""
    ids: dict[str, int] = {}
    _seed_reference(session, ids)
    _seed_needs(session, ids)
    _seed_offers(session, ids)
    username, password = COORDINATOR
    ids["user:coordinator"] = make_user(
        session, role=Role.COORDINATOR, username=username, password=password,
        display_name="Test Coordinator",
    ).id  # fmt: skip
    session.flush()
    return ids


def _seed_reference(session: Session, ids: dict[str, int]) -> None:
    nations = [
        ref.NationCreate(
            code="DEU", name="Germany", is_donor=True, is_host=True, eu_member=True,
            nato_member=True, eu_accession_on=dt.date(1958, 1, 1),
            nato_accession_on=dt.date(1955, 5, 6),
        ),
        ref.NationCreate(
            code="POL", name="Poland", is_donor=True, is_host=True, eu_member=True,
            nato_member=True, eu_accession_on=dt.date(2004, 5, 1),
            nato_accession_on=dt.date(1999, 3, 12),
        ),
        ref.NationCreate(code="NOR", name="Norway", is_donor=True, nato_member=True),
        ref.NationCreate(
            code="DNK", name="Denmark", is_donor=True, eu_member=True, nato_member=True
        ),
        ref.NationCreate(code="USA", name="United States", is_donor=True, nato_member=True),
        ref.NationCreate(code="UKR", name="Ukraine", is_recipient=True),
    ]  # fmt: skip
    for data in nations:
        ids[data.code] = NATIONS.create(session, data).id
    gdp_bn = (3357, 3469, 3691, 3975, 3889, 3889, 4278, 4082, 4456)
    for year, bn in zip(range(2015, 2024), gdp_bn, strict=True):
        gdp = NationGdp(
            nation_id=ids["DEU"], year=year, gdp_usd=Decimal(bn) * 10**9, source="World Bank (seed)"
        )
        session.add(gdp)

    areas = {
        "demining": "Demining", "medical": "Medical", "winter": "Winter equipment",
        "power": "Power and shelter", "air": "Air defence",
    }  # fmt: skip
    for code, name in areas.items():
        area = CAPABILITY_AREAS.create(session, ref.CapabilityAreaCreate(code=code, name=name))
        ids[f"area:{code}"] = area.id
    items = [
        ("generator", "Generator set 100 kVA", "Power", "power"),
        ("ambulance", "Field ambulance", "Vehicles", "medical"),
        ("demining-kit", "Manual demining kit", "Demining equipment", "demining"),
        ("winter-set", "Winter clothing set", "Clothing", "winter"),
        ("ad-system", "Air defence system (generic)", "Air defence", "air"),
    ]
    for code, name, category, area_code in items:
        item = ref.ItemTypeCreate(
            code=code, public_name=name, category=category,
            capability_area_id=ids[f"area:{area_code}"], substitution_family=code,
        )  # fmt: skip
        ids[f"item:{code}"] = ITEM_TYPES.create(session, item).id

    hub_caps = {"road_capacity_per_day": 400, "rail_capacity_per_day": 250,
                "air_capacity_per_day": 40, "storage_capacity": 5000}  # fmt: skip
    depot_caps = {"road_capacity_per_day": 300, "rail_capacity_per_day": 200,
                  "sea_capacity_per_day": 900, "storage_capacity": 20000}  # fmt: skip
    sites = [
        ("HUB-RZE", "Logistics hub Rzeszów", SiteKind.HUB, "POL", "50.11", "22.019", "PLRZE",
         hub_caps),
        ("DEP-BRV", "Donor depot Bremerhaven", SiteKind.DEPOT, "DEU", "53.5396", "8.5809", "DEBRV",
         depot_caps),
        ("HOP-A", "Handover point A", SiteKind.HANDOVER_POINT, "UKR", "50.07", "23.9", None, {}),
        ("TRN-GRF", "Training area Grafenwöhr", SiteKind.TRAINING_CENTRE, "DEU", "49.7", "11.94",
         None, {}),
    ]  # fmt: skip
    for code, name, kind, nation, lat, lon, locode, caps in sites:
        site = ref.SiteCreate(
            code=code, name=name, kind=kind, nation_id=ids[nation], latitude=Decimal(lat),
            longitude=Decimal(lon), unlocode=locode, **caps,
        )  # fmt: skip
        ids[f"site:{code}"] = SITES.create(session, site).id


def _seed_needs(session: Session, ids: dict[str, int]) -> None:
    needs = [
        # key, title, capability area, item type, quantity, priority, lifecycle moves, synthetic
        ("gen", "Generator sets for hospitals", "power", "generator", 120, 1, "", True),
        ("winter", "Winter clothing for new brigades", "winter", "winter-set", 20000, 2,
         "submit", False),
        ("amb", "Field ambulances", "medical", "ambulance", 60, 1,
         "submit,validate,approve", False),
        ("demine", "Manual demining kits", "demining", "demining-kit", 800, 3, "", False),
        ("tents", "Heated tents", "power", None, 300, 2, "submit,validate", True),
        ("ad", "Air defence system (generic)", "air", "ad-system", 2, 1,
         "submit,validate,approve,publish", False),
        ("edit", "Water purification units", "medical", None, 40, 2, "", False),
        ("life", "Mobile kitchens", "power", None, 25, 3, "", False),
    ]  # fmt: skip
    for key, title, area, item, qty, prio, moves, synthetic in needs:
        data = RequirementCreate(
            reference=f"REQ-{key.upper()}", title=title, capability_area_id=ids[f"area:{area}"],
            item_type_id=ids[f"item:{item}"] if item else None, quantity_requested=Decimal(qty),
            priority=prio, period="2025-03",
            needed_by_on=dt.date(2025, 4, 1) + dt.timedelta(days=prio * 7),
            destination_site_id=ids["site:HOP-A"], is_synthetic=synthetic,
            justification="Generated for the browser tests." if synthetic else None,
        )  # fmt: skip
        need = need_service.create_requirement(session, data)
        for action in filter(None, moves.split(",")):
            need_service.act_on_requirement(session, need.id, action)
        ids[f"need:{key}"] = need.id


def _seed_offers(session: Session, ids: dict[str, int]) -> None:
    eur, usd = ("EUR", Decimal(1)), ("USD", Decimal("1.0813"))
    nok, pln = ("NOK", Decimal("11.6495")), ("PLN", Decimal("4.3395"))
    k = OfferKind
    offers = [
        # key, donor, description, kind, item type, quantity, value, (currency, rate per EUR),
        # stage moves, parent
        ("deu-pkg", "DEU", "Winter support package", k.NEW_PROCUREMENT, None, None,
         120_000_000, eur, "commit", None),
        ("deu-gen", "DEU", "Generator sets 100 kVA", k.IN_KIND_STOCK, "generator", 80,
         4_800_000, eur, "commit,allocate", "deu-pkg"),
        ("deu-win", "DEU", "Winter clothing sets", k.NEW_PROCUREMENT, "winter-set", 15000,
         9_000_000, eur, "commit", "deu-pkg"),
        ("pol-amb", "POL", "Field ambulances", k.IN_KIND_STOCK, "ambulance", 24,
         38_000_000, pln, "commit,allocate,ship", None),
        ("pol-tents", "POL", "Heated tents", k.IN_KIND_STOCK, None, 150,
         2_500_000, pln, "", None),
        ("nor-cash", "NOR", "Contribution to the demining coalition fund", k.CASH_POOLED, None,
         None, 250_000_000, nok, "commit", None),
        ("nor-kits", "NOR", "Manual demining kits", k.NEW_PROCUREMENT, "demining-kit", 400,
         18_000_000, nok, "", None),
        ("dnk-amb", "DNK", "Field ambulances (refurbished)", k.IN_KIND_STOCK, "ambulance", 12,
         2_100_000, eur, "commit,allocate,contract,ship,deliver", None),
        ("usa-ad", "USA", "Air defence system (generic)", k.NEW_PROCUREMENT, "ad-system", 1,
         1_000_000_000, usd, "commit", None),
        ("usa-gen", "USA", "Generator sets", k.IN_KIND_STOCK, "generator", 200,
         12_000_000, usd, "withdraw", None),
        ("dnk-train", "DNK", "Medic training courses", k.TRAINING, None, None,
         1_500_000, eur, "", None),
        ("life", "DEU", "Mobile kitchens", k.IN_KIND_STOCK, None, 30, None, eur, "", None),
    ]  # fmt: skip
    for i, row in enumerate(offers):
        key, donor, description, kind, item, qty, amount, (currency, rate), moves, parent = row
        valued = amount is not None
        data = OfferCreate(
            reference=f"OFR-{key.upper()}", donor_nation_id=ids[donor], kind=kind,
            item_type_id=ids[f"item:{item}"] if item else None, description=description,
            quantity=Decimal(qty) if qty is not None else None,
            announced_on=dt.date(2024, 1, 15) + dt.timedelta(days=23 * i),
            currency=currency if valued else None,
            value_amount=Decimal(amount) if amount is not None else None,
            eur_rate=rate if valued else None,
            eur_rate_on=dt.date(2024, 6, 28) if valued else None,
            valuation_basis=ValuationBasis.DONOR_DECLARED if valued else None,
            parent_id=ids[f"offer:{parent}"] if parent else None,
            releasability=Releasability.COALITION,
            origin_site_id=ids["site:DEP-BRV"] if donor == "DEU" else None,
        )  # fmt: skip
        line = offer_service.create_offer(session, data)
        for action in filter(None, moves.split(",")):
            offer_service.act_on_offer(session, line.id, action)
        ids[f"offer:{key}"] = line.id


def log_in(page: Page, username: str, password: str, *, path: str = "/") -> None:
    """Sign in through the login page, as a person would, and land on ``path``."""
    page.goto(f"/login?next={path}")
    page.locator("#f-username").fill(username)
    page.locator("#f-password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{path}")


def prepare_database(path: Path, *, demo: bool = False) -> tuple[str, dict[str, int]]:
    """Migrate a fresh SQLite file and fill it; returns its URL and the seeded ids."""
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        if demo:
            from nsatu.demo.service import load_demo
            from nsatu.demo.users import ensure_demo_users

            load_demo(session)
            for login in ensure_demo_users(session):
                print(f"demo login: {login.username} / {login.password} ({login.role})")
            ids: dict[str, int] = {}
        else:
            ids = seed(session)
    engine.dispose()
    return url, ids


@dataclass
class LiveServer:
    """uvicorn serving the app on 127.0.0.1, on a free port, in a daemon thread."""

    database_url: str
    ids: dict[str, int] = field(default_factory=dict)
    base_url: str = ""
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    def start(self, timeout: float = 15.0) -> LiveServer:
        settings = Settings(database_url=self.database_url, assets_dir=ROOT / "node_modules")
        config = uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=0,
            log_level="warning",
            ws="none",
            lifespan="off",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True, name="nsatu-live"
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the live server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--demo", action="store_true", help="load the full demo data set")
    parser.add_argument("--screenshot", type=Path, help="save the offers list to this PNG and exit")
    parser.add_argument("--path", default="/offers?sort=-value_amount", help="page to screenshot")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url, _ = prepare_database(Path(tmp) / "nsatu.db", demo=args.demo)
        with LiveServer(url) as server:
            if args.screenshot is None:
                print(f"serving at {server.base_url} (Ctrl-C to stop)")
                if not args.demo:
                    print(f"sign in as {COORDINATOR[0]} / {COORDINATOR[1]}")
                while True:
                    time.sleep(3600)
            from playwright.sync_api import sync_playwright

            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
                )
                page = browser.new_page(viewport={"width": 1280, "height": 860})
                page.goto(server.base_url + args.path)
                page.screenshot(path=str(args.screenshot))
                browser.close()
            print(f"saved {args.screenshot}")


if __name__ == "__main__":
    main()
