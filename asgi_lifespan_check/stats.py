"""Figures of a run, and the statistics of repeated runs (--repeat N): LC511.

A figure is a duration the gate judges: "import" (with the factory call), "startup",
"shutdown", and "total" (those three together; the --hold dwell is not counted). A
figure exists only when its phases succeeded: a startup that failed after 3 ms has no
startup time worth budgeting.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from . import findings
from .gate_model import PhaseStats, RunSummary
from .model import PHASE_ORDER, Finding
from .report import Report, with_findings

FIGURES = ("import", "startup", "shutdown", "total")


def figures(report: Report) -> dict[str, float]:
    """The figures of one run, in seconds."""
    ok = {
        p.name: p.duration_s for p in report.phases if p.status == "ok" and p.duration_s is not None
    }
    names = {p.name for p in report.phases}
    out: dict[str, float] = {}
    if "import" in ok and ("factory" not in names or "factory" in ok):
        out["import"] = ok["import"] + ok.get("factory", 0.0)
    for name in ("startup", "shutdown"):
        if name in ok:
            out[name] = ok[name]
    # An app object handed to the Python API has no import phase: its total is the rest.
    parts = ("import", "startup", "shutdown") if "import" in names else ("startup", "shutdown")
    if all(name in out for name in parts):
        out["total"] = sum(out[name] for name in parts)
    return out


def median_figures(reports: Iterable[Report]) -> dict[str, float]:
    """Each figure's median over the runs that have it."""
    values: dict[str, list[float]] = {}
    for report in reports:
        for name, value in figures(report).items():
            values.setdefault(name, []).append(value)
    return {name: statistics.median(values[name]) for name in FIGURES if name in values}


def phase_stats(reports: Sequence[Report]) -> tuple[PhaseStats, ...]:
    """Min, median and max of each phase (and the total) over the runs where it succeeded."""
    durations: dict[str, list[float]] = {}
    for report in reports:
        for phase in report.phases:
            if phase.status == "ok" and phase.duration_s is not None:
                durations.setdefault(phase.name, []).append(phase.duration_s)
        total = figures(report).get("total")
        if total is not None:
            durations.setdefault("total", []).append(total)
    order = [*PHASE_ORDER, "total"]
    return tuple(
        PhaseStats(
            name=name,
            runs=len(durations[name]),
            min_s=min(durations[name]),
            median_s=statistics.median(durations[name]),
            max_s=max(durations[name]),
        )
        for name in order
        if name in durations
    )


def _severity_rank(report: Report) -> tuple[int, int]:
    from .results import exit_rank

    return (exit_rank(report.exit_code), 0 if report.passed else 1)


def combine(reports: Sequence[Report], ignore: Iterable[str] = ()) -> Report:
    """One report for N runs of the same target: the worst run's findings and phases,
    min/median/max per phase, each run's verdict, and LC511 when the verdicts differ."""
    if len(reports) == 1:
        return reports[0]
    worst = max(reports, key=_severity_rank)  # max() keeps the first of equals
    runs = tuple(
        RunSummary(outcome=r.outcome, exit_code=r.exit_code, passed=r.passed, total_s=r.total_s)
        for r in reports
    )
    combined = replace(worst, runs=runs, phase_stats=phase_stats(reports))
    verdicts = Counter((r.outcome, r.passed, r.exit_code) for r in reports)
    if len(verdicts) == 1:
        return combined
    return with_findings(combined, [flaky(verdicts, len(reports))], ignore)


def flaky(verdicts: Mapping[tuple[str, bool, int], int], runs: int) -> Finding:
    """LC511 with the count of each verdict."""
    parts = []
    for (outcome, passed, exit_code), count in sorted(
        verdicts.items(), key=lambda item: (-item[1], item[0][2])
    ):
        label = f"{outcome}, passed" if passed else f"{outcome}, exit {exit_code}"
        parts.append(f"{count}x {label}")
    return findings.make(
        "LC511",
        phase=None,
        message=f"the {runs} runs did not agree: " + "; ".join(parts),
        details={
            "runs": runs,
            "verdicts": [
                {"outcome": o, "passed": p, "exit_code": e, "count": c}
                for (o, p, e), c in verdicts.items()
            ],
        },
        hint="the findings shown are those of the worst run; fix them and repeat again",
    )
