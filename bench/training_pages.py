"""Training pages and API on the demo data (about 100 events, 300 seat requests, participants and
capability packages), in-process over HTTP as a coordinator.

Target: each page and API answer in under 1 s. Every figure is timed against the overview page
``/`` (a plain page with two small tables), interleaved in the same run, so the ratio (the
table's "vs" column) is what a training page costs beyond an ordinary page. The seat plan run
(``POST /api/training/seat-plan``, dry run) is timed on its own: it is a solve, not a page.

Run alone with ``.venv/bin/python bench/training_pages.py``, or through ``make bench``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from _harness import Figures, Line, measure_interleaved, print_table
from nsatu.db.migrate import upgrade
from nsatu.db.models import Course, Participant, TrainingEvent, User
from nsatu.db.session import make_engine, make_session_factory, transaction
from nsatu.identity import service as identity_service
from nsatu.identity.schemas import TokenCreate
from nsatu.settings import Settings
from nsatu.web.app import create_app

TARGET_MS = 1000.0
WARMUP = 2
REPEAT = 10


def _demo(folder: Path) -> tuple[str, str, dict[str, int]]:
    """A demo database, a coordinator's API token, and the busiest event and its course."""
    from nsatu.demo import execution, training
    from nsatu.demo.service import load_demo
    from nsatu.demo.users import ensure_demo_users

    url = f"sqlite:///{folder / 'demo.db'}"
    upgrade(url)
    engine = make_engine(url)
    today = dt.datetime.now(dt.UTC).date()
    with transaction(make_session_factory(engine)) as session:
        # As nsatu demo load does: the execution picture, then the training built on it.
        load_demo(session)
        execution.load_execution(session, today=today)
        training.load_training(session, today=today)
        logins = ensure_demo_users(session)
        coordinator = next(login for login in logins if login.role == "coordinator")
        user = session.scalars(select(User).where(User.username == coordinator.username)).one()
        token = identity_service.create_token(session, user.username, TokenCreate(name="bench"))
        busiest = session.execute(
            select(Participant.training_event_id, func.count())
            .group_by(Participant.training_event_id)
            .order_by(func.count().desc())
            .limit(1)
        ).one()[0]
        course = session.scalar(select(TrainingEvent.course_id).where(TrainingEvent.id == busiest))
        counts = {
            "events": session.scalar(select(func.count()).select_from(TrainingEvent)) or 0,
            "courses": session.scalar(select(func.count()).select_from(Course)) or 0,
            "participants": session.scalar(select(func.count()).select_from(Participant)) or 0,
        }
    engine.dispose()
    return url, token.token, {"event": busiest, "course": course or 0, **counts}


def run() -> Figures:
    figures: Figures = {}
    today = dt.datetime.now(dt.UTC).date()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        url, token, ids = _demo(Path(tmp))
        figures["demo_load_s"] = round(time.perf_counter() - started, 1)
        figures |= {
            f"demo_{k}": float(v)
            for k, v in ids.items()
            if k in ("events", "courses", "participants")
        }
        app = create_app(Settings(database_url=url))
        with TestClient(app) as client:
            client.headers["Authorization"] = f"Bearer {token}"
            #: figure → (key in results.json, path)
            paths = {
                "overview /": ("overview", "/"),
                "calendar /training": ("calendar", "/training"),
                "calendar, one month": ("calendar_month", f"/training?month={today:%Y-%m}"),
                "readiness board": ("readiness_board", "/training/readiness"),
                "readiness, a count opened": (
                    "readiness_drill",
                    "/training/readiness?show=waiting_for_training",
                ),
                "event page (busiest)": ("event_page", f"/training/events/{ids['event']}"),
                "course page": ("course_page", f"/training/courses/{ids['course']}"),
                "GET /api/training/readiness": ("api_readiness", "/api/training/readiness"),
                "GET /api/training/statistics": ("api_statistics", "/api/training/statistics"),
            }

            def call(path: str) -> None:
                r = client.get(path)
                assert r.status_code == 200, (path, r.status_code, r.text[:300])

            timings = measure_interleaved(
                {name: (lambda p=path: call(p)) for name, (_, path) in paths.items()},
                warmup=WARMUP,
                repeat=REPEAT,
            )
            base = timings["overview /"]
            lines = [
                Line(name, t, None if name == "overview /" else base, TARGET_MS)
                for name, t in timings.items()
            ]
            print_table("Training pages on the demo data (in-process HTTP, coordinator)", lines)
            for line in lines:
                key = paths[line.figure][0]
                figures[f"{key}.median_ms"] = round(line.timing.median_ms, 2)
                if line.ratio is not None:
                    figures[f"{key}.vs_overview"] = round(line.ratio, 2)

            started = time.perf_counter()
            r = client.post("/api/training/seat-plan", json={"time_limit_s": 60})
            assert r.status_code == 200, r.text[:300]
            plan = r.json()
            figures["seat_plan_request_s"] = round(time.perf_counter() - started, 2)
            figures["seat_plan_gap"] = plan["gap"]
            figures["seat_plan_gain"] = plan["gain"] if plan["gain"] is not None else "none"
            print(
                f"\nPOST /api/training/seat-plan (dry run): {figures['seat_plan_request_s']} s, "
                f"{plan['requests']} requests on {plan['events']} events, status {plan['status']}, "
                f"gap {plan['gap']:.4%}, gain over first come first served {plan['gain']}"
            )
    return figures


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
