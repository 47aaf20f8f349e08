"""Background jobs of the web app: a small in-process runner.

A plan run takes seconds to minutes, longer than a request should. The app owns one
``ThreadPoolExecutor`` (started and shut down by the app's lifespan, see
:func:`nsatu.web.app.create_app`); routes submit work to it *after* their transaction committed
(FastAPI background tasks run once the response is sent), and each job opens its own
transactions. One worker by default: solves are CPU-bound and HiGHS uses threads of its own, so
runs queue rather than compete. Jobs do not survive a restart: a run the process was solving
stays ``running`` (see docs/architecture.md). The CLI needs none of this: it solves in the
foreground. Tests install :class:`InlineJobRunner` to run jobs at once, in order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from fastapi import FastAPI

log = logging.getLogger(__name__)

Job = Callable[[], Any]


class JobRunner(Protocol):
    def submit(self, name: str, job: Job) -> None: ...

    def shutdown(self) -> None: ...


def _run(name: str, job: Job) -> None:
    try:
        job()
    except Exception:  # a job's failure is logged; the job records its own outcome
        log.exception("job %s failed", name)


class ThreadJobRunner:
    """Jobs on a thread pool owned by the app."""

    def __init__(self, workers: int = 1) -> None:
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nsatu-job")
        self.futures: list[Future[None]] = []

    def submit(self, name: str, job: Job) -> None:
        self.futures = [f for f in self.futures if not f.done()]
        self.futures.append(self.executor.submit(_run, name, job))

    def shutdown(self) -> None:
        # Queued jobs are dropped; a running solve finishes before the process exits.
        self.executor.shutdown(wait=False, cancel_futures=True)


class InlineJobRunner:
    """Runs each job at once, in the submitting thread (tests)."""

    def submit(self, name: str, job: Job) -> None:
        _run(name, job)

    def shutdown(self) -> None:
        return None


def runner_of(app: FastAPI) -> JobRunner:
    """The app's runner; an app that was given none and is used without its lifespan (a
    ``TestClient`` outside a ``with`` block) runs jobs inline."""
    runner = getattr(app.state, "jobs", None)
    return runner if runner is not None else InlineJobRunner()
