"""Asserting on a report: `assert_lifespan_ok`, and the one-line reasons it gives.

Budgets are not judged here: they are options of `check()` (as `--max-*` are of the
command line), so a report over budget already holds its LC501-LC504 findings and has
not passed.
"""

from __future__ import annotations

from .errors import LifespanCheckFailed
from .report import Report


def problems(report: Report) -> list[str]:
    """Why the report did not pass, in one line each (nothing when it passed)."""
    if report.passed:
        return []
    errors = report.errors
    if not errors:
        codes = ", ".join(sorted({f.code for f in report.warnings}))
        return [f"warnings with strict=True: {codes}"]
    if report.outcome != "ok":
        # The error that decided the outcome says it all; the report lists the rest.
        first = errors[0]
        more = f", and {len(errors) - 1} more error(s)" if len(errors) > 1 else ""
        return [f"{report.outcome}, {first.code} {first.title}{more}"]
    # Errors that decide no outcome (budgets, baselines) are short: give each in full.
    return [f"{f.code} {f.message}" for f in errors]


def assert_lifespan_ok(report: Report) -> None:
    """Raise `LifespanCheckFailed` (an AssertionError) unless the report passed.

    The exception's text is the plain-text report headed by the reasons, so a failing
    test shows the finding codes, the lines in your code and the await chain of a hang.
    """
    __tracebackhide__ = True  # pytest shows the caller's line, not this one
    found = problems(report)
    if found:
        raise LifespanCheckFailed(report, found)
