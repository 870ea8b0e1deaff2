"""Time budgets (--max-import/--max-startup/--max-shutdown/--max-total): LC501-LC504.

A budget is judged against a figure of the run (`stats.figures`), or against the median
of the runs with --repeat. Going over is an error, or a warning with
budget-severity = "warning".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from . import findings
from .model import Finding, Severity, duration

CODES = {"import": "LC501", "startup": "LC502", "shutdown": "LC503", "total": "LC504"}


@dataclass(frozen=True, slots=True)
class Budgets:
    """The most each figure may take, in seconds (None: no budget)."""

    max_import: float | None = None
    max_startup: float | None = None
    max_shutdown: float | None = None
    max_total: float | None = None
    severity: Severity = "error"

    def limits(self) -> dict[str, float]:
        """The budgets that are set, by figure name."""
        pairs = (
            ("import", self.max_import),
            ("startup", self.max_startup),
            ("shutdown", self.max_shutdown),
            ("total", self.max_total),
        )
        return {name: value for name, value in pairs if value is not None}


def check(figures: Mapping[str, float], budgets: Budgets, runs: int = 1) -> list[Finding]:
    """A finding for each figure over its budget: the figure, the budget, how much over."""
    out = []
    for name, limit in budgets.limits().items():
        figure = figures.get(name)
        if figure is None or figure <= limit:
            continue
        over = figure - limit
        what = "import (with the factory call)" if name == "import" else name
        measured = f"the median {what} of {runs} runs" if runs > 1 else f"{what}"
        percent = f" (+{over / limit * 100:.0f} %)" if limit > 0 else ""
        out.append(
            findings.make(
                CODES[name],
                phase=None if name == "total" else name,
                message=f"{measured} took {duration(figure)}, over its budget of "
                f"{duration(limit)} by {duration(over)}{percent}",
                severity=budgets.severity,
                details={"figure_s": figure, "budget_s": limit, "over_s": over, "runs": runs},
                hint=f"make the {name} faster, or raise the budget (--max-{name})",
            )
        )
    return out
