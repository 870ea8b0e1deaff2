"""The result of a whole invocation: one report per target, and the combined verdict.

With several targets the exit code is the worst of theirs. "Worst" follows this order of
severity, from least to most severe (it happens to be numeric order too):

    0 passed < 1 failed a check < 3 could not be loaded < 4 hang < 5 crash < 130 interrupted

An interruption outranks everything because the results are then incomplete; a crash or
a hang outranks a plain failure because it is what takes a deploy down. Usage errors (2),
internal errors (70) and a report that could not be written (74) concern the whole
invocation and never come from one target.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import findings
from ._version import __version__
from .report import SCHEMA, Report

SEVERITY_ORDER = (
    findings.EXIT_OK,
    findings.EXIT_FAILED,
    findings.EXIT_USAGE,
    findings.EXIT_LOAD,
    findings.EXIT_HANG,
    findings.EXIT_CRASH,
    findings.EXIT_INTERNAL,
    findings.EXIT_INTERRUPTED,
)


def exit_rank(code: int) -> int:
    """Where an exit code stands in SEVERITY_ORDER (unknown codes rank as failures)."""
    if code in SEVERITY_ORDER:
        return SEVERITY_ORDER.index(code)
    return SEVERITY_ORDER.index(findings.EXIT_FAILED)


def worst_exit(codes: Iterable[int]) -> int:
    """The most severe of several exit codes (0 when there are none)."""
    return max(codes, key=exit_rank, default=findings.EXIT_OK)


@dataclass(frozen=True, slots=True)
class Results:
    """Every target's report, in the order the targets were given."""

    reports: tuple[Report, ...]

    @property
    def exit_code(self) -> int:
        return worst_exit(r.exit_code for r in self.reports)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.reports)

    @property
    def single(self) -> bool:
        return len(self.reports) == 1

    def to_dict(self) -> dict[str, Any]:
        """One target: its report, unchanged. Several: one document with a results list."""
        if self.single:
            return self.reports[0].to_dict()
        return {
            "schema": SCHEMA,
            "tool": {"name": "lifespan-check", "version": __version__},
            "passed": self.passed,
            "exit_code": self.exit_code,
            "summary": [
                {
                    "target": r.target,
                    "passed": r.passed,
                    "outcome": r.outcome,
                    "exit_code": r.exit_code,
                    "errors": len(r.errors),
                    "warnings": len(r.warnings),
                    "total_s": r.total_s,
                }
                for r in self.reports
            ],
            "results": [r.to_dict() for r in self.reports],
        }
