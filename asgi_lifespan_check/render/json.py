"""The public JSON report (schema "lifespan-check/1"): one document, nothing else."""

from __future__ import annotations

import json

from ..report import Report


def render(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=repr)
