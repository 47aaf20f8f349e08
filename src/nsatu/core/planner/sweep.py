"""Sweeps: many scenarios against one baseline, run in parallel — the dependence picture.

:func:`sweep_withdraw_each_donor` withdraws each donor in turn, re-plans, and ranks the donors by
the value the plan loses without them.

Execution, chosen by the arguments:

- ``workers == 1``: in this process, one scenario after another;
- otherwise a local :class:`~concurrent.futures.ProcessPoolExecutor` (``spawn`` context, so it
  behaves the same on every platform and never forks a process holding solver threads). Each worker
  is initialised ONCE with the baseline problem and plan; a task names only the donor, and the
  worker holds a :class:`~nsatu.core.planner.resolve.Replanner` — the baseline's LP with its
  optimal basis, and the baseline plan — and re-plans each scenario as edits to it, reverting the
  previous scenario's edits. The big objects cross the process boundary once per worker, not once
  per scenario, and the baseline LP is solved once per worker;
- with ``ray_address``: on Ray, one actor per CPU holding the same warm state. Ray is an optional
  extra (``pip install 'nsatu[ray]'``), imported only here; ``"local"`` starts (or reuses) a Ray
  runtime in this process. The workers must be able to import ``nsatu`` (same environment).

Resumable: with ``cache_dir``, each finished scenario's row is written to
``<cache_dir>/<problem digest>/<scenario key>.json`` as soon as it is known, and a restarted sweep
reuses the rows it finds there (marked ``cached``) and solves only the rest.

Rows are ranked by value lost (most first), then donor name: the same input gives the same ranking
however it was run.
"""

from __future__ import annotations

import importlib
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from nsatu.core.planner.plan import Plan
from nsatu.core.planner.problem import Problem
from nsatu.core.planner.resolve import Replanner
from nsatu.core.planner.scenario import Scenario, ScenarioError, apply, compare, withdraw_donor
from nsatu.core.planner.solve import SolveOptions, solve

SWEEP_ROW_FORMAT = "nsatu-sweep-row/1"


@dataclass(frozen=True, slots=True)
class SweepRow:
    """One scenario of a sweep: what the plan loses when ``donor`` withdraws."""

    donor: str
    scenario: str
    offers: int
    """Offers the donor made."""
    units_offered: int
    value_lost: float
    value_lost_pct: float
    units_lost: int
    needs_losing_cover: int
    objective: float
    status: str
    gap: float
    seconds: float
    cached: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> SweepRow:
        return cls(**{k: document[k] for k in cls.__dataclass_fields__ if k in document})


SweepProgress = Callable[[int, int, SweepRow], None]
"""Called after each finished scenario with (done, total, its row); cached rows count too."""


class RayUnavailable(RuntimeError):
    """``ray_address`` was given but Ray is not installed."""


# -- one scenario ------------------------------------------------------------------------------


def withdraw_scenario(donor: str) -> Scenario:
    return Scenario(f"withdraw {donor}", (withdraw_donor(donor),))


def run_withdrawal(replanner: Replanner, donor: str) -> SweepRow:
    """Withdraw ``donor``, re-plan warm (from the baseline's plan and LP), summarise the loss."""
    started = time.perf_counter()
    problem, baseline = replanner.problem, replanner.baseline
    scenario = withdraw_scenario(donor)
    changed_problem = apply(problem, scenario)
    changed = replanner.solve(changed_problem)
    report = compare(problem, baseline, changed_problem, changed, name=scenario.name)
    offers = [o for o in problem.offers if o.donor == donor]
    return SweepRow(
        donor=donor,
        scenario=scenario.key(),
        offers=len(offers),
        units_offered=sum(o.quantity for o in offers),
        value_lost=round(report.value_lost, 6),
        value_lost_pct=round(report.value_lost_pct, 4),
        units_lost=report.units_lost,
        needs_losing_cover=len(report.lost),
        objective=changed.objective,
        status=changed.status,
        gap=changed.gap,
        seconds=round(time.perf_counter() - started, 3),
    )


# -- worker state (one per process or actor, set once) ------------------------------------------


_STATE: Replanner | None = None


def _init_worker(problem: Problem, baseline: Plan, options: SolveOptions | None) -> None:
    global _STATE  # noqa: PLW0603 - the per-process warm state is what a pool initializer sets
    _STATE = Replanner(problem, baseline, options)


def _run_in_worker(donor: str) -> SweepRow:
    if _STATE is None:  # pragma: no cover - the pool always runs the initializer first
        raise RuntimeError("sweep worker used before it was initialised")
    return run_withdrawal(_STATE, donor)


class WarmActor:
    """The state a Ray actor holds across tasks (wrapped with ``ray.remote`` when Ray is used)."""

    def __init__(self, problem: Problem, baseline: Plan, options: SolveOptions | None) -> None:
        self.replanner = Replanner(problem, baseline, options)

    def run(self, donor: str) -> SweepRow:
        return run_withdrawal(self.replanner, donor)


# -- the cache ---------------------------------------------------------------------------------


class _Cache:
    def __init__(self, root: Path | None, problem: Problem) -> None:
        self.dir = None if root is None else root / problem.digest()

    def _file(self, scenario: Scenario) -> Path:
        assert self.dir is not None
        return self.dir / f"{scenario.key()}.json"

    def get(self, scenario: Scenario) -> SweepRow | None:
        if self.dir is None:
            return None
        try:
            document = json.loads(self._file(scenario).read_text(encoding="utf-8"))
            if document.get("format") != SWEEP_ROW_FORMAT:
                return None
            return replace(SweepRow.from_json(document["row"]), cached=True)
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing or unreadable: solve it again

    def put(self, scenario: Scenario, row: SweepRow) -> None:
        if self.dir is None:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        file = self._file(scenario)
        tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
        document = {
            "format": SWEEP_ROW_FORMAT,
            "scenario": scenario.to_json(),
            "row": row.to_json(),
        }
        tmp.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(file)  # atomic: a killed sweep leaves whole rows or none


# -- the sweep ---------------------------------------------------------------------------------


def donors_of(problem: Problem) -> list[str]:
    """Every donor with at least one offer, sorted."""
    return sorted({o.donor for o in problem.offers})


def rank(rows: Sequence[SweepRow]) -> list[SweepRow]:
    """Most value lost first, then donor name."""
    return sorted(rows, key=lambda r: (-r.value_lost, r.donor))


def sweep_withdraw_each_donor(
    problem: Problem,
    baseline: Plan | None = None,
    *,
    options: SolveOptions | None = None,
    workers: int | None = None,
    ray_address: str | None = None,
    cache_dir: Path | None = None,
    progress: SweepProgress | None = None,
    donors: Sequence[str] | None = None,
) -> list[SweepRow]:
    """Withdraw each donor in turn, re-plan, and rank the donors by the value lost.

    Args:
        problem: the baseline problem.
        baseline: its plan; solved here (cold) when ``None``.
        options: solver options for every re-plan (and the baseline when solved here).
        workers: parallel workers (processes, or Ray actors); ``None`` = one per CPU, ``1`` = run
            in this process. Never more than there are scenarios left to solve.
        ray_address: run on Ray at this address (``"local"``: a runtime in this process, or the
            one already initialised); ``None``: a local process pool.
        cache_dir: where finished rows are kept, so that a restarted sweep resumes.
        progress: called after each finished scenario.
        donors: the donors to withdraw (default: every donor, sorted).

    Returns:
        One :class:`SweepRow` per donor, most value lost first.

    Raises:
        RayUnavailable: ``ray_address`` is given but Ray is not installed.
        ScenarioError: a donor in ``donors`` has no offer.
    """
    if baseline is None:
        baseline = solve(problem, options)
    chosen = list(donors) if donors is not None else donors_of(problem)
    cache = _Cache(cache_dir, problem)
    total = len(chosen)
    rows: list[SweepRow] = []

    def finished(scenario: Scenario, row: SweepRow, *, store: bool) -> None:
        if store:
            cache.put(scenario, row)
        rows.append(row)
        if progress is not None:
            progress(len(rows), total, row)

    missing = sorted(set(chosen) - set(donors_of(problem)))
    if missing:  # refused here, before any worker starts
        raise ScenarioError(
            [(f"donors[{chosen.index(d)}]", f"no offer from donor {d!r}") for d in missing]
        )
    todo: list[str] = []
    for donor in chosen:
        hit = cache.get(withdraw_scenario(donor))
        if hit is not None and hit.donor == donor:
            finished(withdraw_scenario(donor), hit, store=False)
        else:
            todo.append(donor)

    if todo:
        count = max(1, min(workers or os.cpu_count() or 1, len(todo)))
        if count > 1 and (options or SolveOptions()).threads is None:
            # Parallel scenarios, not parallel solver threads: share the cores out.
            cores = os.cpu_count() or 1
            options = replace(options or SolveOptions(), threads=max(1, cores // count))
        if ray_address is not None:
            results = _on_ray(ray_address, problem, baseline, options, todo, count, workers)
        elif count == 1:
            here = Replanner(problem, baseline, options)
            results = (run_withdrawal(here, d) for d in todo)
        else:
            results = _on_pool(problem, baseline, options, todo, count)
        for row in results:
            finished(withdraw_scenario(row.donor), row, store=True)
    return rank(rows)


def _on_pool(
    problem: Problem,
    baseline: Plan,
    options: SolveOptions | None,
    donors: list[str],
    count: int,
) -> Iterator[SweepRow]:
    """Rows as they finish, from ``count`` spawned processes each holding the warm state."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=count,
        mp_context=context,
        initializer=_init_worker,
        initargs=(problem, baseline, options),
    ) as pool:
        pending: set[Future[SweepRow]] = {pool.submit(_run_in_worker, d) for d in donors}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        finally:
            for future in pending:  # stopped early (an error, or the caller gave up)
                future.cancel()


def _on_ray(
    address: str,
    problem: Problem,
    baseline: Plan,
    options: SolveOptions | None,
    donors: list[str],
    count: int,
    workers: int | None,
) -> Iterator[SweepRow]:
    """Rows as they finish, from one Ray actor per CPU (or ``workers``) holding the warm state."""
    # Imported as untyped modules: Ray is optional, and its partial stubs would make the type
    # check depend on whether the extra is installed.
    try:
        ray: Any = importlib.import_module("ray")
        ray_util: Any = importlib.import_module("ray.util")
    except ImportError as exc:
        raise RayUnavailable(
            "Ray is not installed: install the optional extra with "
            "`pip install 'nsatu[ray]'` (or run without --ray-address for a local process pool)"
        ) from exc
    started_here = not ray.is_initialized()
    if started_here:
        if address == "local":
            ray.init(include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
    if workers is None:
        count = max(1, min(int(ray.cluster_resources().get("CPU", 1)), len(donors)))
    actor_class = ray.remote(num_cpus=1)(WarmActor)
    state = (ray.put(problem), ray.put(baseline), ray.put(options))
    actors = [actor_class.remote(*state) for _ in range(count)]
    try:
        pool = ray_util.ActorPool(actors)
        yield from pool.map_unordered(lambda actor, donor: actor.run.remote(donor), donors)
    finally:
        for actor in actors:
            ray.kill(actor)
        if started_here:  # a runtime this sweep started ends with it; one the caller set up stays
            ray.shutdown()
