"""What the CI gate adds to a report, as plain lines and rows (no rich here).

Shared by the text and rich renderers, so both say the same thing: repeat statistics,
budgets, probes, the baseline comparison, and the summary table of several targets.
"""

from __future__ import annotations

from collections import Counter

from ..baseline import JUDGED
from ..model import duration
from ..report import Report
from ..results import Results
from ._common import literal


def runs_line(report: Report) -> str | None:
    """ "5 runs: 4x ok, 1x startup-failed" for a repeated check."""
    if not report.runs:
        return None
    counts = Counter(
        r.outcome if r.passed else f"{r.outcome} (exit {r.exit_code})" for r in report.runs
    )
    parts = ", ".join(f"{n}x {label}" for label, n in counts.most_common())
    return f"{len(report.runs)} runs: {parts}"


def stats_rows(report: Report) -> list[tuple[str, str, str, str, str]]:
    """(figure, min, median, max, budget) rows for a repeated check or one with budgets."""
    rows = []
    budgets = dict(report.budgets)
    if report.phase_stats:
        for stat in report.phase_stats:
            budget = budgets.get(stat.name)
            rows.append(
                (
                    stat.name,
                    duration(stat.min_s),
                    duration(stat.median_s),
                    duration(stat.max_s),
                    duration(budget) if budget is not None else "",
                )
            )
        return rows
    for name, budget in budgets.items():
        figure = report.figures.get(name)
        shown = duration(figure) if figure is not None else "-"
        rows.append((name, "", shown, "", duration(budget)))
    return rows


def probe_lines(report: Report) -> list[tuple[bool, str]]:
    """(ok, "GET /healthz → 200 in 3 ms") for each probe."""
    out = []
    for probe in report.probes:
        status = str(probe.status) if probe.status is not None else "no response"
        took = f" in {duration(probe.duration_s)}" if probe.duration_s is not None else ""
        text = f"{literal(probe.request)} → {status}{took}"
        if probe.error:
            text += f": {literal(probe.error)}"
        out.append((probe.ok, text))
    return out


def baseline_lines(report: Report) -> list[tuple[str, str]]:
    """("slower" | "ok" | "shown", "startup 140 ms vs 100 ms (+40 %)") for each figure;
    "shown" for the total, which is recorded but not judged (its phases are)."""
    comparison = report.baseline
    if comparison is None:
        return []
    if not comparison.found:
        return [("shown", f"no entry for this target in {literal(comparison.file)}")]
    out = []
    for delta in comparison.deltas:
        change = delta.change_pct
        change_text = f" ({change:+.0f} %)" if change is not None else ""
        judged = delta.name in JUDGED
        out.append(
            (
                "slower" if delta.regressed else "ok" if judged else "shown",
                f"{delta.name} {duration(delta.current_s)} vs {duration(delta.baseline_s)}"
                f"{change_text}",
            )
        )
    return out


def summary_rows(results: Results) -> list[tuple[str, str, str, str, str, str]]:
    """(target, verdict, outcome, exit, findings, time) for the table of several targets."""
    rows = []
    for report in results.reports:
        counts = f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
        if report.ignored:
            counts += f", {len(report.ignored)} ignored"
        rows.append(
            (
                literal(report.target),
                "PASSED" if report.passed else "FAILED",
                report.outcome,
                str(report.exit_code),
                counts,
                duration(report.total_s),
            )
        )
    return rows


def verdict_line(results: Results) -> str:
    failed = sum(1 for r in results.reports if not r.passed)
    total = len(results.reports)
    verdict = "PASSED" if results.passed else "FAILED"
    return f"{verdict} {total - failed} of {total} targets passed · exit {results.exit_code}"
