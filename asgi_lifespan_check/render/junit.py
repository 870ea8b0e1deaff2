"""JUnit XML, as Jenkins, GitLab and most CI servers read it.

One `testsuite` per target, one `testcase` per phase (with its time) plus a "total" case
for findings that belong to no phase (the total budget, flakiness, an object that is not
an app). A failing finding becomes a `failure` whose type is its code, whose message is
its headline and location, and whose text is the whole finding. Warnings that do not
fail the check go to the case's `system-out`. The app's output goes to the suite's
`system-out` / `system-err`.

The document validates against the Jenkins xunit plugin's junit-10.xsd. Everything from
the app is made safe for XML: characters XML 1.0 cannot carry (control characters,
unpaired surrogates, U+FFFE/U+FFFF, a lone CR) are shown as \\xNN / \\uNNNN, CR LF becomes
LF (as any XML parser would make it), and ElementTree escapes
the rest, so `]]>` or `</failure>` in a message stays text.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from ..model import Finding
from ..report import Report
from ..results import Results
from ._common import headline, output_tail, short_path
from .text import finding_lines

# What XML 1.0 can carry, less CR: parsers turn CR LF into LF, so a lone CR is escaped.
_INVALID_XML = re.compile("[^\x09\x0a\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """`text` with every character XML 1.0 cannot carry shown as an escape."""

    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _INVALID_XML.sub(escape, text.replace("\r\n", "\n"))


def _seconds(value: float | None) -> str:
    # SUREFIRE_TIME in the schema: digits and a decimal point, never an exponent.
    return f"{max(0.0, value or 0.0):.6f}"


def _fails(finding: Finding, report: Report) -> bool:
    return finding.severity == "error" or (report.strict and finding.severity == "warning")


def _message(finding: Finding) -> str:
    text = f"{finding.code} {finding.title}: {headline(finding)}"
    if finding.location is not None:
        text += f" (at {short_path(finding.location.file)}:{finding.location.line})"
    return text


def _case(
    suite: ET.Element, report: Report, name: str, time_s: float | None, found: list[Finding]
) -> tuple[bool, bool]:
    """Add one testcase; return (failed, skipped)."""
    case = ET.SubElement(
        suite,
        "testcase",
        {"classname": xml_safe(report.target), "name": name, "time": _seconds(time_s)},
    )
    failing = [f for f in found if _fails(f, report)]
    others = [f for f in found if not _fails(f, report)]
    if failing:
        first = failing[0]
        more = f" (and {len(failing) - 1} more)" if len(failing) > 1 else ""
        failure = ET.SubElement(
            case,
            "failure",
            {"type": first.code, "message": xml_safe(_message(first) + more)},
        )
        failure.text = xml_safe("\n\n".join("\n".join(finding_lines(f)) for f in failing))
    if others:
        out = ET.SubElement(case, "system-out")
        out.text = xml_safe("\n\n".join("\n".join(finding_lines(f)) for f in others))
    phase = report.phase(name)
    skipped = phase is not None and phase.status == "skipped" and not failing
    if skipped:
        ET.SubElement(case, "skipped", {"message": f"{name} was skipped ({report.outcome})"})
    return bool(failing), skipped


def _suite(parent: ET.Element, report: Report) -> tuple[int, int, int, float]:
    suite = ET.SubElement(parent, "testsuite", {"name": xml_safe(report.target)})
    properties = ET.SubElement(suite, "properties")
    facts: dict[str, Any] = {
        "outcome": report.outcome,
        "passed": str(report.passed).lower(),
        "exit_code": report.exit_code,
        "interface": report.interface or "",
        "app_type": report.app_type or "",
        "python": report.environment.python,
        "backend": report.environment.backend,
        "isolated": str(report.environment.isolated).lower(),
    }
    if report.runs:
        facts["runs"] = len(report.runs)
    for key, value in facts.items():
        ET.SubElement(properties, "property", {"name": key, "value": xml_safe(str(value))})
    names = [p.name for p in report.phases]
    tests = failures = skipped = 0
    for phase in report.phases:
        found = [f for f in report.findings if f.phase == phase.name]
        failed, was_skipped = _case(suite, report, phase.name, phase.duration_s, found)
        tests += 1
        failures += failed
        skipped += was_skipped
    rest = [f for f in report.findings if f.phase not in names]
    total = report.figures.get("total", report.total_s)
    failed, _ = _case(suite, report, "total", total, rest)
    tests += 1
    failures += failed
    for stream in ("stdout", "stderr"):
        text = getattr(report.output, stream)
        if text.strip():
            element = ET.SubElement(suite, f"system-{stream.removeprefix('std')}")
            element.text = xml_safe("\n".join(output_tail(text, 200)))
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    suite.set("time", _seconds(report.total_s))
    return tests, failures, skipped, report.total_s


def render(results: Results, **_: Any) -> str:
    root = ET.Element("testsuites", {"name": "lifespan-check"})
    tests = failures = 0
    time_s = 0.0
    for report in results.reports:
        suite_tests, suite_failures, _skipped, suite_time = _suite(root, report)
        tests += suite_tests
        failures += suite_failures
        time_s += suite_time
    root.set("tests", str(tests))
    root.set("failures", str(failures))
    root.set("errors", "0")
    root.set("time", _seconds(time_s))
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
