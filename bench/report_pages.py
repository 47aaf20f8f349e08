"""Report pages in Chromium on the demo data: each registered report's page, from navigation until
every chart (and, on the donors' page, both maps) is drawn; and the public release page.

Target: each report renders in under 1 s on the demo data, with charts, in Chromium. Every page is
timed against the overview page ``/`` (a plain page with two small tables), loaded in the same run
and the same signed-in tab, so the ratio is what a report page costs beyond an ordinary page
(building the report, its chart configurations, Chart.js, and for donors the map: the boundaries
inlined in the page, projected and drawn by d3-geo).

Run alone with ``.venv/bin/python bench/report_pages.py``, or through ``make bench``.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import uvicorn

from _harness import Figures, Line, measure_interleaved, print_table
from nsatu.db.migrate import upgrade
from nsatu.db.session import make_engine, make_session_factory, transaction
from nsatu.reporting import registry
from nsatu.settings import Settings
from nsatu.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TARGET_MS = 1000.0
WARMUP = 2
REPEAT = 8
#: Done when every chart says it is drawn and every map too (a page without them: at once).
DRAWN = """() => [...document.querySelectorAll("article.report-chart, svg.map")]
  .every((el) => el.dataset.drawn === "true")"""


def _demo_database(folder: Path) -> tuple[str, tuple[str, str]]:
    from nsatu.demo.service import load_demo
    from nsatu.demo.users import ensure_demo_users

    url = f"sqlite:///{folder / 'demo.db'}"
    upgrade(url)
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        load_demo(session)
        logins = ensure_demo_users(session)
    engine.dispose()
    coordinator = next(login for login in logins if login.role == "coordinator")
    return url, (coordinator.username, coordinator.password)


def _serve(url: str) -> tuple[uvicorn.Server, str]:
    settings = Settings(database_url=url, assets_dir=ROOT / "node_modules")
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=0, log_level="warning", lifespan="off",
        access_log=False, ws="none",
    )  # fmt: skip
    server = uvicorn.Server(config)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return server, base


def run(only: Sequence[str] = ()) -> Figures:
    """Time every report page (or only the reports named in ``only``) and ``/public``."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        print(f"report_pages: skipped, no Chromium at {CHROMIUM}")
        return {"skipped": f"no Chromium at {CHROMIUM}"}
    figures: Figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        url, (username, password) = _demo_database(Path(tmp))
        server, base = _serve(url)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(base_url=base, viewport={"width": 1280, "height": 900})
                page.goto("/login?next=/")
                page.locator("#f-username").fill(username)
                page.locator("#f-password").fill(password)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url("**/")
                errors: list[str] = []
                page.on("pageerror", lambda exc: errors.append(str(exc)))

                def visit(path: str) -> Callable[[], None]:
                    def go() -> None:
                        response = page.goto(path)
                        if response is None or response.status != 200:
                            raise RuntimeError(f"{path}: {response and response.status}")
                        page.wait_for_function(DRAWN, timeout=30_000)

                    return go

                names = [n for n in registry.names() if not only or n in only]
                paths = {"/": "/"} | {n: f"/reports/{n}" for n in names}
                paths["public"] = "/public"
                timings = measure_interleaved(
                    {name: visit(path) for name, path in paths.items()},
                    warmup=WARMUP,
                    repeat=REPEAT,
                )
                browser.close()
                if errors:
                    raise RuntimeError(f"JavaScript errors: {errors}")
        finally:
            server.should_exit = True
    baseline = timings.pop("/")
    lines = [Line("overview / (baseline)", baseline)]
    figures["baseline_ms"] = round(baseline.median_ms, 1)
    for name, timing in timings.items():
        target = TARGET_MS if name != "public" else None
        lines.append(Line(f"/reports/{name}" if name != "public" else "/public", timing, baseline,
                          target))  # fmt: skip
        key = name.replace("-", "_")
        figures[f"{key}_ms"] = round(timing.median_ms, 1)
        figures[f"{key}_p95_ms"] = round(timing.p95_ms, 1)
        figures[f"{key}_ratio"] = round(timing.median_ms / baseline.median_ms, 2)
        if target is not None:
            figures[f"{key}_met"] = timing.median_ms <= target
    print_table("Report pages in Chromium, demo data (navigation to drawn)", lines)
    print("(the 'vs raw SQL' column is the ratio to the overview page / in the same run)")
    return figures


if __name__ == "__main__":
    import sys

    for key, value in run(sys.argv[1:]).items():
        print(f"{key}: {value}")
