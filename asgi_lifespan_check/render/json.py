"""The public JSON report (schema "lifespan-check/1"): one document, nothing else."""

from __future__ import annotations

import json

from ..report import Report
from ..results import Results


def render(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=repr)


def render_many(results: Results) -> str:
    """Several targets: one document whose `results` list holds each target's report."""
    return json.dumps(results.to_dict(), indent=2, ensure_ascii=False, default=repr)
