"""Asserting on a report: `assert_lifespan_ok`, with optional time budgets.

Budgets (`max_startup`, `max_shutdown`, `max_total`) are judged here, from the phase
durations in the report, so the pytest plugin and API users share one rule. Once the
core reports budget findings of its own, `Budget.problems` becomes a look-up of those
findings and nothing that calls it has to change.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import LifespanCheckFailed, UsageError
from .report import Report

# Phases that count towards max_total: all but the --hold dwell, which the caller chose.
_TOTAL_PHASES = ("import", "factory", "startup", "shutdown")


@dataclass(frozen=True, slots=True)
class Budget:
    """Time limits, in seconds, that a passing check must also meet (None: no limit).

    `max_total` covers import, factory, startup and shutdown: everything but `hold`.
    Only phases that finished ("ok") are judged; a phase that failed or timed out is
    already a reason to fail.
    """

    max_startup: float | None = None
    max_shutdown: float | None = None
    max_total: float | None = None

    def __post_init__(self) -> None:
        for name in ("max_startup", "max_shutdown", "max_total"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
                raise UsageError(f"{name} must be a number of seconds >= 0, not {value!r}")

    def problems(self, report: Report) -> list[str]:
        """One line per budget the report's timings exceed."""
        out = []
        for label, limit, took in (
            ("startup", self.max_startup, _took(report, ("startup",))),
            ("shutdown", self.max_shutdown, _took(report, ("shutdown",))),
            ("total", self.max_total, _took(report, _TOTAL_PHASES)),
        ):
            if limit is not None and took is not None and took > limit:
                out.append(f"{label} took {took:.2f} s, over max_{label}={limit:g} s")
        return out


def _took(report: Report, names: tuple[str, ...]) -> float | None:
    """Seconds spent in the named phases that finished; None when none of them did."""
    done = [
        p.duration_s
        for p in report.phases
        if p.name in names and p.status == "ok" and p.duration_s is not None
    ]
    return sum(done) if done else None


def problems(report: Report, budget: Budget | None = None) -> list[str]:
    """Why the report fails: its first error (or strict warnings), then exceeded budgets."""
    out = []
    if not report.passed:
        errors = report.errors
        if errors:
            first = errors[0]
            more = f", and {len(errors) - 1} more error(s)" if len(errors) > 1 else ""
            out.append(f"{report.outcome}, {first.code} {first.title}{more}")
        else:
            codes = ", ".join(sorted({f.code for f in report.warnings}))
            out.append(f"warnings with strict=True: {codes}")
    if budget is not None:
        out.extend(budget.problems(report))
    return out


def assert_lifespan_ok(
    report: Report,
    *,
    max_startup: float | None = None,
    max_shutdown: float | None = None,
    max_total: float | None = None,
) -> None:
    """Raise `LifespanCheckFailed` (an AssertionError) unless the report passed in budget.

    The exception's text is the plain-text report, headed by the reasons, so a failing
    test shows the finding codes, the lines in your code and the await chain of a hang.
    """
    __tracebackhide__ = True  # pytest shows the caller's line, not this one
    found = problems(report, Budget(max_startup, max_shutdown, max_total))
    if found:
        raise LifespanCheckFailed(report, found)
