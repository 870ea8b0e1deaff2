"""The short human summary written to stderr when stdout carries a machine format.

One line per target with its verdict, then one line per finding: enough for a CI log to
say what failed and where, while the JSON, JUnit or GitHub payload goes elsewhere.
"""

from __future__ import annotations

from typing import Any

from ..model import duration
from ..results import Results
from ._common import headline, literal, short_path, summary_counts


def render(results: Results, **_: Any) -> str:
    lines = []
    for report in results.reports:
        verdict = "passed" if report.passed else "FAILED"
        counts = summary_counts(len(report.errors), len(report.warnings))
        lines.append(
            f"lifespan-check: {literal(report.target)} {verdict} · {report.outcome} · "
            f"exit {report.exit_code} · {counts} · {duration(report.total_s)}"
        )
        for finding in report.findings:
            at = ""
            if finding.location is not None:
                at = f" ({short_path(finding.location.file)}:{finding.location.line})"
            lines.append(f"  {finding.code} {finding.severity}: {headline(finding)}{at}")
        if report.ignored:
            codes = ", ".join(sorted({f.code for f in report.ignored}))
            lines.append(f"  ignored: {codes}")
    if not results.single:
        failed = sum(1 for r in results.reports if not r.passed)
        lines.append(
            f"lifespan-check: {len(results.reports) - failed} of {len(results.reports)} "
            f"targets passed · exit {results.exit_code}"
        )
    return "\n".join(lines) + "\n"
