"""The public JSON report (schema "lifespan-check/1"): one document, nothing else."""

from __future__ import annotations

import json

from ..report import Report
from ..results import Results


def render(report: Report, *, ascii_only: bool = False) -> str:
    """The report; with `ascii_only`, every non-ASCII character as a \\u escape."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=ascii_only, default=repr)


def render_many(results: Results, *, ascii_only: bool = False) -> str:
    """Several targets: one document whose `results` list holds each target's report."""
    return json.dumps(results.to_dict(), indent=2, ensure_ascii=ascii_only, default=repr)
