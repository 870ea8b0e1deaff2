"""The GitHub job summary: Markdown appended to $GITHUB_STEP_SUMMARY.

A table of targets and phase times, then each target's findings. App text is escaped so
it cannot break the table, inject HTML or render as Markdown.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import duration
from ..report import Report
from ..results import Results
from ._common import headline, literal, short_path

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def md(text: str) -> str:
    """Text made inert in Markdown and HTML, on one line."""
    text = literal(text).replace("\r", " ").replace("\n", " ")
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return _SPECIAL.sub(r"\\\1", text)


def _phase(report: Report, name: str) -> str:
    phase = report.phase(name)
    if phase is None:
        return ""
    if phase.status == "ok":
        return duration(phase.duration_s)
    return phase.status


def render(results: Results, **_: Any) -> str:
    mark = "✅" if results.passed else "❌"
    word = "passed" if results.passed else "failed"
    lines = [
        f"### {mark} lifespan-check {word} (exit {results.exit_code})",
        "",
        "| target | verdict | outcome | import | startup | shutdown | total | findings |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for report in results.reports:
        verdict = "✅ passed" if report.passed else "❌ failed"
        codes = ", ".join(dict.fromkeys(f.code for f in report.findings)) or "none"
        lines.append(
            f"| {md(report.target)} | {verdict} | {report.outcome} | {_phase(report, 'import')} "
            f"| {_phase(report, 'startup')} | {_phase(report, 'shutdown')} "
            f"| {duration(report.total_s)} | {codes} |"
        )
    for report in results.reports:
        if not report.findings:
            continue
        lines += ["", f"#### {md(report.target)}", ""]
        for finding in report.findings:
            at = ""
            if finding.location is not None:
                where = f"{short_path(finding.location.file)}:{finding.location.line}"
                at = f" ({md(where)})"
            lines.append(
                f"- **{finding.code}** {finding.severity} · {md(finding.title)}: "
                f"{md(headline(finding))}{at}"
            )
        if report.ignored:
            ignored = ", ".join(sorted({f.code for f in report.ignored}))
            lines.append(f"- ignored: {ignored}")
    return "\n".join(lines) + "\n\n"
