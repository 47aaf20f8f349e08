"""The application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

import nsatu
from nsatu.db.session import make_engine, make_session_factory
from nsatu.logistics.service import ENTITIES as LOGISTICS_ENTITIES
from nsatu.planning.runs import reap_interrupted
from nsatu.planning.service import ALLOCATIONS
from nsatu.reference.service import ENTITIES as REFERENCE_ENTITIES
from nsatu.settings import Settings
from nsatu.training.service import ENTITIES as TRAINING_ENTITIES
from nsatu.web import auth, errors, openapi
from nsatu.web.api import (
    audit,
    delivery,
    hubs,
    logistics,
    needs,
    offers,
    plans,
    reference,
    reports,
    training,
)
from nsatu.web.api import auth as auth_api
from nsatu.web.crud_routes import entity_router
from nsatu.web.deps import DbSession, guard_request
from nsatu.web.jobs import JobRunner, ThreadJobRunner
from nsatu.web.views import router as views_router

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")


def api_router() -> APIRouter:
    api = APIRouter(prefix="/api", responses=errors.ERROR_RESPONSES)

    @api.get("/health", tags=["meta"], summary="Liveness and database check")
    def health(session: DbSession) -> dict[str, Any]:
        session.execute(text("SELECT 1"))
        return {"status": "ok", "version": nsatu.__version__}

    api.include_router(auth_api.router)
    api.include_router(audit.router)
    api.include_router(delivery.router)
    api.include_router(hubs.router)
    api.include_router(logistics.router)
    api.include_router(needs.router)
    api.include_router(offers.router)
    api.include_router(plans.router)
    api.include_router(reference.router)
    api.include_router(reports.router)
    api.include_router(training.router)
    for entity in (*REFERENCE_ENTITIES, ALLOCATIONS, *LOGISTICS_ENTITIES, *TRAINING_ENTITIES):
        api.include_router(entity_router(entity))
    return api


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The app's background job runner (plan runs), shut down with the app (nsatu.web.jobs).

    Runs left queued or running by a process that stopped are failed first: this process's
    runner starts empty, so nothing would ever finish them. An app given its own runner
    (``create_app(jobs=…)``, e.g. inline jobs in tests) keeps it."""
    try:
        reaped = reap_interrupted(app.state.session_factory)
    except Exception:  # a database not migrated yet must not stop the app from starting
        log.warning("could not check for interrupted plan runs", exc_info=True)
    else:
        if reaped:
            log.warning("plan runs %s were interrupted by a restart; marked failed", reaped)
    given: JobRunner | None = app.state.jobs
    if given is not None:  # the caller's runner: the caller starts and stops it
        yield
        return
    runner = ThreadJobRunner()
    app.state.jobs = runner
    try:
        yield
    finally:
        runner.shutdown()
        # Used again after its lifespan (a second TestClient block, or called without one), the
        # app must not hand jobs to a stopped pool: it falls back to running them inline.
        app.state.jobs = None


def create_app(
    settings: Settings | None = None,
    *,
    session_factory: sessionmaker[Session] | None = None,
    jobs: JobRunner | None = None,
) -> FastAPI:
    """Build the app. Tests pass their own ``session_factory``; otherwise one is made from
    ``settings.database_url``. Background jobs (plan runs) go to ``jobs``, by default a thread
    pool started and stopped with the app (its lifespan)."""
    settings = settings or Settings()
    logging.basicConfig(level=logging.INFO)
    app = FastAPI(
        title="nsatu",
        version=nsatu.__version__,
        summary="Coordination of multinational security assistance",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        # Authentication and the CSRF check run before every route (nsatu.web.auth).
        dependencies=[Depends(guard_request)],
        # /api/docs keeps the token the user enters across reloads.
        swagger_ui_parameters={"persistAuthorization": True},
    )
    if session_factory is None:
        session_factory = make_session_factory(
            make_engine(settings.database_url, echo=settings.echo_sql)
        )
    app.state.session_factory = session_factory
    app.state.jobs = jobs
    app.state.settings = settings
    errors.install(app)
    auth.install(app, settings)
    app.include_router(api_router())
    app.include_router(views_router)
    openapi.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if settings.assets_dir.is_dir():
        app.mount("/vendor", StaticFiles(directory=settings.assets_dir), name="vendor")
    return app
