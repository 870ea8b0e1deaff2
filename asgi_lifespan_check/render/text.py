"""Plain text: stable, greppable, no colours. One finding per block, code first."""

from __future__ import annotations

from typing import Any

from ..model import Finding, duration
from ..report import Report
from ..results import Results
from ..servers import SERVER_LABELS, SERVERS
from ._common import (
    display_stack,
    headline,
    literal,
    output_tail,
    rest_of_message,
    short_path,
    summary_counts,
    where,
)


def render(report: Report, *, width: int | None = None, top: int = 10, **_: Any) -> str:
    lines: list[str] = []
    env = report.environment
    mode = "isolated" if env.isolated else "in-process"
    lines.append(f"lifespan-check {literal(report.target)}")
    iface = report.interface or "-"
    if report.app_type:
        iface += f" ({literal(report.app_type)})"
    lines.append(f"  interface: {iface}")
    lines.append(f"  python: {env.python} on {env.platform} · backend: {env.backend} · {mode}")
    lines.append("")
    lines.extend(
        f"  {phase.name:<9} {phase.status:<11} {duration(phase.duration_s):>9}"
        for phase in report.phases
    )
    if report.state_keys:
        lines.append(f"  state keys: {', '.join(literal(k) for k in report.state_keys)}")
    lines.extend(gate_lines(report))
    for finding in report.findings:
        lines.append("")
        lines.extend(finding_lines(finding))
    if report.ignored:
        lines.append("")
        lines.append("  ignored: " + ", ".join(sorted({f.code for f in report.ignored})))
    if report.server_outlook:
        lines.append("")
        lines.extend(outlook_lines(report))
    for stream in ("stdout", "stderr"):
        text = getattr(report.output, stream)
        if text.strip():
            tail = output_tail(text)
            total = getattr(report.output, f"{stream}_bytes")
            lines.append("")
            lines.append(f"  app {stream} (last {len(tail)} lines of {total} bytes):")
            lines.extend(f"    | {row}" for row in tail)
    if report.profile is not None:
        from .profile import lines as profile_lines

        lines.append("")
        rows = profile_lines(report, width=max(60, min(width or 80, 140)), top=top)
        lines.extend("".join(text for text, _ in row).rstrip() for row in rows)
    lines.append("")
    verdict = "PASSED" if report.passed else "FAILED"
    lines.append(
        f"{verdict} outcome={report.outcome} exit={report.exit_code} "
        f"({summary_counts(len(report.errors), len(report.warnings))}, "
        f"total {duration(report.total_s)})"
    )
    return "\n".join(lines) + "\n"


def outlook_lines(report: Report) -> list[str]:
    """What each server would do with this app, one behaviour at a time."""
    out = ["server outlook (what each server would do with this app):"]
    width = max(len(label) for _, label in SERVERS)
    for row in report.server_outlook:
        codes = f" [{', '.join(row.codes)}]" if row.codes else ""
        out.append(f"  it {row.title}{codes}:")
        out.extend(
            f"    {SERVER_LABELS.get(cell.server, cell.server):<{width}}  {cell.text}"
            for cell in row.cells
        )
    return out


def finding_lines(finding: Finding) -> list[str]:
    """A finding as plain lines: code, severity, phase, message, location, stack, hint."""
    phase = f" [{finding.phase}]" if finding.phase else ""
    out = [f"{finding.code} {finding.severity}{phase} {finding.title}: {headline(finding)}"]
    out.extend(f"    {line}" for line in rest_of_message(finding))
    if finding.location is not None:
        out.append(f"    at {where(finding.location)}")
        if finding.location.code:
            out.append(f"      {literal(finding.location.code)}")
    stack = list(finding.stack)
    if len(stack) > 1:
        # A hang's stack is the await chain of the stuck coroutine: say so.
        label = "await chain" if "await_chain" in finding.details else "stack"
        out.append(f"    {label} (outermost first):")
        for line in display_stack(stack):
            if line.frame is None:
                out.append(f"      ... {line.folded} library frame(s)")
            else:
                mark = "*" if line.frame.user else " "
                out.append(f"     {mark}{where(line.frame)}")
    # Task and thread names are the app's text: shown inert, like everything it wrote.
    for task in finding.details.get("pending_tasks") or ():
        loc = task.get("location")
        at = f" at {short_path(loc['file'])}:{loc['line']}" if loc else ""
        name, coroutine = literal(repr(task["name"])), literal(str(task["coroutine"]))
        out.append(f"    pending task {name} ({coroutine}){at}")
    for thread in finding.details.get("threads") or ():
        loc = thread.get("location")
        at = ""
        if loc:
            at = f" at {short_path(loc['file'])}:{loc['line']} in {literal(loc['function'])}"
        out.append(f"    thread {literal(repr(thread['name']))}{at}")
    if finding.hint:
        out.append(f"    hint: {literal(finding.hint)}")
    return out


def gate_lines(report: Report) -> list[str]:
    """Repeat statistics, budgets, probes and the baseline, when the gate used them."""
    from ._gate import baseline_lines, probe_lines, runs_line, stats_rows

    lines: list[str] = []
    runs = runs_line(report)
    if runs:
        lines.append(f"  {runs}")
    rows = stats_rows(report)
    if rows:
        lines.append(f"  {'figure':<9} {'min':>9} {'median':>9} {'max':>9} {'budget':>9}")
        lines.extend(
            f"  {name:<9} {low:>9} {mid:>9} {high:>9} {budget:>9}"
            for name, low, mid, high, budget in rows
        )
    for ok, text in probe_lines(report):
        lines.append(f"  probe {'ok  ' if ok else 'FAIL'} {text}")
    comparison = report.baseline
    if comparison is not None:
        lines.append(
            f"  baseline {literal(comparison.file)} (tolerance {comparison.tolerance_pct:g} %, "
            f"floor {duration(comparison.floor_s)}):"
        )
        lines.extend(
            f"    {_BASELINE_MARKS[status]} {text}" for status, text in baseline_lines(report)
        )
    return lines


_BASELINE_MARKS = {"slower": "SLOWER", "ok": "ok    ", "shown": "      "}


def render_many(results: Results, **options: Any) -> str:
    """Several targets: each one's report, then one summary table."""
    from ._gate import summary_rows, verdict_line

    parts = [render(report, **options) for report in results.reports]
    rows = summary_rows(results)
    width = max(len(row[0]) for row in rows)
    table = [f"{'target':<{width}}  verdict  {'outcome':<16} exit  findings"]
    table.extend(
        f"{target:<{width}}  {verdict:<7}  {outcome:<16} {code:>4}  {counts} · {took}"
        for target, verdict, outcome, code, counts, took in rows
    )
    rule = "=" * 72
    return (
        f"\n{rule}\n".join(parts)
        + f"{rule}\n"
        + "\n".join(table)
        + "\n\n"
        + verdict_line(results)
        + "\n"
    )
