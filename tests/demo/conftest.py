"""Fixtures of the demo tests: their own migrated SQLite files, independent of the suite-wide ones."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from nsatu.db.migrate import upgrade
from nsatu.db.session import make_engine, make_session_factory, transaction
from nsatu.demo import service as demo_service

LoadedDemo = tuple[sessionmaker[Session], demo_service.DemoReport, float]


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database migrated once; tests copy the file instead of migrating again."""
    path = tmp_path_factory.mktemp("demo") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def demo_engine(demo_template: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def demo_session(demo_engine: Engine) -> Iterator[Session]:
    """A session on an empty, migrated database; whatever the test leaves is rolled back."""
    session = make_session_factory(demo_engine)()
    yield session
    session.rollback()
    session.close()


@pytest.fixture(scope="session")
def demo_loaded(
    demo_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LoadedDemo]:
    """A database with the demo loaded and committed once: (session factory, report, seconds)."""
    path = tmp_path_factory.mktemp("demo_loaded") / "demo.db"
    shutil.copyfile(demo_template, path)
    engine = make_engine(f"sqlite:///{path}")
    factory = make_session_factory(engine)
    start = time.perf_counter()
    with transaction(factory) as session:
        report = demo_service.load_demo(session)
    yield factory, report, time.perf_counter() - start
    engine.dispose()


@pytest.fixture
def demo_report(demo_loaded: LoadedDemo) -> demo_service.DemoReport:
    return demo_loaded[1]


@pytest.fixture
def demo_load_seconds(demo_loaded: LoadedDemo) -> float:
    return demo_loaded[2]


@pytest.fixture
def demo_read(demo_loaded: LoadedDemo) -> Iterator[Session]:
    """A session on the shared loaded database (tests only read)."""
    session = demo_loaded[0]()
    yield session
    session.rollback()
    session.close()
