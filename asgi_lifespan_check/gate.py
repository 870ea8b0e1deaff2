"""The CI gate: run every target (times --repeat) and judge the results.

Each run is a check of its own (`api.execute`), isolated in a fresh child interpreter.
Runs go through a pool of `jobs` worker threads; each thread only supervises its child,
so the parallelism is in the children. Then, per target: the runs are combined
(`stats.combine`), budgets and the baseline are judged on the medians, and the target's
strict/ignore settings apply to the findings this adds.

Ctrl+C once asks every running child where its app is (each reports LC110) and starts no
new run; twice kills them all. Runs that never started are reported as interrupted.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from . import baseline as baselines
from . import budgets as budgeting
from . import findings, stats
from .api import execute
from .interrupts import handled
from .report import Report, build, with_findings
from .results import Results
from .settings import GatePlan, TargetPlan

if TYPE_CHECKING:
    from ._spawn import Spawned
    from .isolate import Child

Notice = Callable[[str], None]
Early = list[tuple[dict[str, Any], "Spawned"]]


def _baseline_entries(plan: GatePlan) -> baselines.Entries | None:
    if not plan.baseline:
        return None
    if plan.updates_its_baseline and not os.path.exists(plan.baseline):
        return {}  # the first "compare, then update" run: nothing to compare with yet
    return baselines.read(plan.baseline)


def run(
    plan: GatePlan,
    *,
    early: Early | None = None,
    notice: Notice | None = None,
    deadline_exit: Callable[[Report], None] | None = None,
) -> Results:
    """Run the plan and return one judged report per target, in the order given."""
    entries = _baseline_entries(plan)
    if notice is not None:
        for note in plan.notes:
            notice(note)
    pool = early if early is not None else []  # adopted children are taken out of it
    if not plan.isolate:
        (target,) = plan.targets
        raw = [
            execute(
                target.load,
                target.run,
                isolate=False,
                capture_output=True,
                strict=target.strict,
                ignore=target.ignore,
                notice=notice,
                deadline_exit=deadline_exit,
            )
        ]
        return Results((judge(plan, target, raw, entries),))
    jobs = [(target, i) for target in plan.targets for i in range(plan.repeat)]
    if len(jobs) == 1:
        target = plan.targets[0]
        child = _adopt(pool, target)
        report = execute(
            target.load,
            target.run,
            isolate=True,
            prespawned=child,
            strict=target.strict,
            ignore=target.ignore,
            notice=notice,
        )
        return Results((judge(plan, target, [report], entries),))
    reports = _run_parallel(jobs, plan.jobs, pool, notice)
    return Results(
        tuple(
            judge(plan, target, [reports[(target.target, i)] for i in range(plan.repeat)], entries)
            for target in plan.targets
        )
    )


def judge(
    plan: GatePlan,
    target: TargetPlan,
    runs: list[Report],
    entries: baselines.Entries | None,
) -> Report:
    """Combine a target's runs, then judge budgets and the baseline on the medians."""
    report = stats.combine(runs, target.ignore)
    medians = stats.median_figures(runs)
    limits = target.budgets.limits()
    more = budgeting.check(medians, target.budgets, len(runs))
    comparison = None
    if entries is not None and plan.baseline is not None:
        comparison, regressions = baselines.compare(
            report,
            medians,
            entries,
            file=plan.baseline,
            tolerance_pct=plan.tolerance_pct,
            floor_s=plan.baseline_floor,
            severity=target.budgets.severity,
            runs=len(runs),
        )
        more.extend(regressions)
    report = replace(report, figures=medians, budgets=limits, baseline=comparison)
    return with_findings(report, more, target.ignore) if more else report


def baseline_figures(results: Results) -> dict[str, dict[str, float]]:
    """The figures to save in a baseline, by target (medians with --repeat)."""
    return {r.target: dict(r.figures) for r in results.reports if r.figures}


# Running ---------------------------------------------------------------------------------


def _adopt(pool: Early, target: TargetPlan) -> Child | None:
    """The child the entry point started early for this target, if there is one."""
    from .isolate import Child
    from .options import LoadOptions

    for index, (plan, spawned) in enumerate(pool):
        if LoadOptions(**plan) == target.load:
            del pool[index]
            return Child(target.load, spawned=spawned)
    return None


def _run_parallel(
    jobs: list[tuple[TargetPlan, int]], workers: int, pool: Early, notice: Notice | None
) -> dict[tuple[str, int], Report]:
    from .isolate import Child

    lock = threading.Lock()
    active: set[Child] = set()
    stopping = threading.Event()
    early = {id(target): _adopt(pool, target) for target, i in jobs if i == 0}

    def one(target: TargetPlan, index: int) -> Report:
        if stopping.is_set():
            return _not_run(target)
        child = early.pop(id(target), None) if index == 0 else None
        if child is None:
            child = Child(target.load)
        with lock:
            active.add(child)
        try:
            return execute(
                target.load,
                target.run,
                isolate=True,
                prespawned=child,
                strict=target.strict,
                ignore=target.ignore,
            )
        finally:
            with lock:
                active.discard(child)

    def ask_where() -> None:
        stopping.set()  # and start no new check
        with lock:
            children = list(active)
        for child in children:
            child.interrupt()

    def stop_now(reason: str) -> None:
        stopping.set()
        with lock:
            children = list(active)
        for child in children:
            child.stop_now(reason)

    out: dict[tuple[str, int], Report] = {}
    try:
        with (
            handled(ask_where, stop_now, notice, "where each app is"),
            ThreadPoolExecutor(max_workers=max(1, workers)) as executor,
        ):
            futures: dict[Future[Report], tuple[str, int]] = {
                executor.submit(one, target, index): (target.target, index)
                for target, index in jobs
            }
            pending = set(futures)
            while pending:
                # A timeout, so that Ctrl+C is handled promptly by the main thread.
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for future in done:
                    out[futures[future]] = future.result()
    finally:
        for child in early.values():
            if child is not None:
                child.kill()
                child.collect()
    return out


def _not_run(target: TargetPlan) -> Report:
    """The report of a run that never started because the user pressed Ctrl+C."""
    finding = findings.make(
        "LC110",
        phase=None,
        message="interrupted before this run started: it was not run",
        t_s=0.0,
    )
    return build(
        [{"kind": "finding", **finding.to_dict()}],
        target=target.target,
        strict=target.strict,
        ignore=target.ignore,
    )
