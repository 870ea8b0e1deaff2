"""The rich terminal report. The only module that imports rich.

Everything that came from the app (messages, code lines, output) is added as rich
`Text` built from literal strings: markup in an exception message is never interpreted,
and control characters are shown escaped.
"""

from __future__ import annotations

import io
import os
import re
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ..model import Finding, Phase, duration
from ..report import Report
from ..results import Results
from ..servers import SERVERS
from ._common import (
    display_stack,
    headline,
    literal,
    output_tail,
    rest_of_message,
    short_path,
    snippet,
    summary_counts,
    where,
)

SEVERITY_STYLE = {"error": "bold red", "warning": "bold yellow", "info": "bold cyan"}
SEVERITY_MARK = {"error": "✗", "warning": "!", "info": "i"}
STATUS_STYLE = {
    "ok": ("✓", "green"),
    "failed": ("✗", "red"),
    "timeout": ("⏱", "red"),
    "skipped": ("-", "dim"),
    "interrupted": ("■", "yellow"),
}


def render(
    report: Report,
    *,
    width: int | None = None,
    color: bool | None = None,
    top: int = 10,
    **_: Any,
) -> str:
    if color is None:
        color = _color_wanted()
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=max(60, min(width or 100, 140)),
        force_terminal=color,
        color_system="standard" if color else None,
        no_color=not color,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
    )
    console.print(_header(report))
    console.print()
    console.print(_phases(report, console.width))
    gate = _gate(report)
    if gate is not None:
        console.print()
        console.print(gate)
    for finding in report.findings:
        console.print()
        console.print(_finding(finding))
    if report.ignored:
        console.print()
        codes = ", ".join(sorted({f.code for f in report.ignored}))
        console.print(Text(f"  ignored: {codes}", style="dim"))
    if report.server_outlook:
        console.print()
        console.print(_outlook(report))
    output = _output(report)
    if output is not None:
        console.print()
        console.print(output)
    if report.profile is not None:
        console.print()
        console.print(_profile(report, console.width, top))
    console.print()
    console.print(_summary(report))
    # Rich pads lines to the width it lays out; trailing blanks only get in the way of a copy.
    return _TRAILING_BLANKS.sub(r"\1", buffer.getvalue())


_TRAILING_BLANKS = re.compile(r" +((?:\x1b\[[0-9;]*m)*)$", re.MULTILINE)


def _color_wanted() -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    forced = os.environ.get("FORCE_COLOR")
    if forced not in (None, "", "0"):
        return True
    import sys

    return sys.stdout.isatty()


def _header(report: Report) -> Text:
    env = report.environment
    text = Text()
    text.append(" lifespan-check ", style="bold reverse")
    text.append("  ")
    text.append(literal(report.target), style="bold")
    text.append("\n ")
    parts = [report.interface or "not loaded"]
    if report.app_type:
        parts.append(literal(report.app_type))
    parts += [f"Python {env.python}", env.backend, "isolated" if env.isolated else "in-process"]
    text.append(" · ".join(parts), style="dim")
    if report.state_keys:
        text.append("\n ")
        text.append("state: ", style="dim")
        text.append(", ".join(literal(k) for k in report.state_keys))
    return text


def _phases(report: Report, width: int) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1))
    table.add_column("  Phase", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Time", justify="right", no_wrap=True)
    bar_width = max(10, min(40, width - 40))
    table.add_column("", no_wrap=True, width=bar_width)
    longest = max((p.duration_s or 0.0 for p in report.phases), default=0.0)
    for phase in report.phases:
        mark, style = STATUS_STYLE.get(phase.status, ("?", ""))
        table.add_row(
            Text(f"  {phase.name}"),
            Text(f"{mark} {phase.status}", style=style),
            Text(duration(phase.duration_s)),
            _bar(phase, longest, bar_width, style),
        )
    return table


def _bar(phase: Phase, longest: float, width: int, style: str) -> Text:
    if not phase.duration_s or longest <= 0:
        return Text("")
    eighths = round(phase.duration_s / longest * width * 8)
    full, part = divmod(max(1, eighths), 8)
    blocks = "█" * full + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[part]
    return Text(blocks, style=style if style != "dim" else "dim")


def _finding(finding: Finding) -> Group:
    style = SEVERITY_STYLE.get(finding.severity, "bold")
    mark = SEVERITY_MARK.get(finding.severity, "·")
    head = Text(" ")
    head.append(f"{mark} {finding.code}", style=style)
    head.append(f" {finding.severity}", style=style.replace("bold ", ""))
    if finding.phase:
        head.append(f" · {finding.phase}", style="dim")
    head.append(f" · {finding.title}", style="bold")
    body: list[Any] = []
    message = Text(headline(finding))
    for line in rest_of_message(finding)[:20]:
        message.append("\n" + line)
    body.append(message)
    if finding.location is not None:
        loc = Text("at ", style="dim")
        loc.append(where(finding.location), style="cyan")
        body.append(loc)
        body.append(_snippet(finding))
    if len(finding.stack) > 1:
        # A hang's stack is the await chain of the stuck coroutine: say so.
        label = "await chain" if "await_chain" in finding.details else "stack"
        body.append(_stack(list(finding.stack), label))
    extra = _forensics(finding)
    if extra is not None:
        body.append(extra)
    if finding.hint:
        hint = Text("hint: ", style="dim")
        hint.append(literal(finding.hint), style="italic")
        body.append(hint)
    body.append(Text(f"more: lifespan-check explain {finding.code}", style="dim"))
    # Wrapped lines stay under the finding's heading instead of running to column 0.
    return Group(head, Padding(Group(*body), (0, 0, 0, 3), expand=False))


def _snippet(finding: Finding) -> Group:
    assert finding.location is not None
    lines = []
    for number, line, current in snippet(finding.location):
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(
            f"{'→' if current else ' '}{number:>5} │ ", style="bold red" if current else "dim"
        )
        text.append(line, style="bold" if current else "dim")
        lines.append(text)
    return Group(*lines)


def _stack(frames: list[Any], label: str) -> Group:
    lines = [Text(f"{label}, outermost first:", style="dim")]
    for line in display_stack(frames):
        text = Text("   ", no_wrap=True, overflow="ellipsis")
        if line.frame is None:
            text.append(f"… {line.folded} library frame(s)", style="dim")
        elif line.frame.user:
            text.append(where(line.frame), style="cyan")
        else:
            text.append(where(line.frame), style="dim")
        lines.append(text)
    return Group(*lines)


def _forensics(finding: Finding) -> Group | None:
    tasks = finding.details.get("pending_tasks") or []
    threads = finding.details.get("threads") or []
    if not tasks and not threads:
        return None
    lines = [Text("other pending work:", style="dim")]
    for task in tasks[:8]:
        loc = task.get("location")
        text = Text("   task ", style="dim", no_wrap=True, overflow="ellipsis")
        text.append(literal(repr(task["name"])))
        text.append(f" ({literal(task['coroutine'])})", style="dim")
        if loc:
            text.append(" waiting at ", style="dim")
            text.append(f"{short_path(loc['file'])}:{loc['line']}", style="cyan")
        lines.append(text)
    for thread in threads[:8]:
        loc = thread.get("location")
        text = Text("   thread ", style="dim", no_wrap=True, overflow="ellipsis")
        text.append(literal(repr(thread["name"])))
        if loc:
            text.append(" at ", style="dim")
            text.append(
                f"{short_path(loc['file'])}:{loc['line']} in {literal(loc['function'])}",
                style="cyan",
            )
        lines.append(text)
    return Group(*lines)


TONE_STYLE = {"ok": "green", "loud": "yellow", "silent": "red", "hang": "bold red"}


def _outlook(report: Report) -> Group:
    """One column per behaviour the app showed, one row per server."""
    title = Text(" Server outlook", style="bold")
    title.append("  what each server would do with this app", style="dim")
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1))
    table.add_column("  Server", no_wrap=True)
    for row in report.server_outlook:
        head = Text(f"it {row.title}")
        if row.codes:
            head.append(f" ({', '.join(row.codes)})", style="dim")
        table.add_column(head, ratio=1)
    for key, label in SERVERS:
        cells: list[Text] = [Text(f"  {label}")]
        for row in report.server_outlook:
            cell = next((c for c in row.cells if c.server == key), None)
            if cell is None:
                cells.append(Text("-", style="dim"))
            else:
                cells.append(Text(cell.text, style=TONE_STYLE.get(cell.tone, "")))
        table.add_row(*cells)
    return Group(title, table)


def _output(report: Report) -> Text | None:
    text = Text()
    for stream in ("stdout", "stderr"):
        raw = getattr(report.output, stream)
        if not raw.strip():
            continue
        rows = output_tail(raw, 8)
        total = getattr(report.output, f"{stream}_bytes")
        if text:
            text.append("\n")
        text.append(f"  app {stream}", style="bold")
        text.append(f" (last {len(rows)} lines, {total} bytes in all)\n", style="dim")
        for row in rows:
            text.append("  │ ", style="dim")
            text.append(row + "\n")
    if not text:
        return None
    text.rstrip()
    return text


PROFILE_STYLE = {
    "cpu": "red",
    "blocked": "yellow",
    "await": "cyan",
    "concurrent": "magenta",
    "critical": "bold magenta",
    "path": "cyan",
    "dim": "dim",
    "bold": "bold",
}


def _profile(report: Report, width: int, top: int) -> Group:
    from .profile import lines

    rows = []
    for row in lines(report, width=width, top=top):
        text = Text(no_wrap=True, overflow="ellipsis")
        for part, style in row:
            text.append(part, style=PROFILE_STYLE.get(style, ""))
        rows.append(text)
    return Group(*rows)


def _summary(report: Report) -> Text:
    text = Text(" ")
    if report.passed:
        text.append(" ✓ PASSED ", style="bold reverse green")
    else:
        text.append(" ✗ FAILED ", style="bold reverse red")
    text.append(f"  {report.outcome}", style="bold")
    counts = summary_counts(len(report.errors), len(report.warnings))
    text.append(f" · {counts} · exit {report.exit_code} · {duration(report.total_s)}", style="dim")
    return text


def _gate(report: Report) -> Group | None:
    """Repeat statistics, budgets, probes and the baseline, when the gate used them."""
    from ._gate import baseline_lines, probe_lines, runs_line, stats_rows

    parts: list[Any] = []
    runs = runs_line(report)
    if runs:
        parts.append(Text(f"  {runs}", style="dim"))
    rows = stats_rows(report)
    if rows:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1))
        for title in ("  Figure", "Min", "Median", "Max", "Budget"):
            table.add_column(title, justify="left" if title == "  Figure" else "right")
        budgets = dict(report.budgets)
        medians = {s.name: s.median_s for s in report.phase_stats} or dict(report.figures)
        for name, low, mid, high, budget in rows:
            over = name in budgets and medians.get(name, 0.0) > budgets[name]
            table.add_row(
                Text(f"  {name}"),
                Text(low, style="dim"),
                Text(mid, style="bold red" if over else ""),
                Text(high, style="dim"),
                Text(budget, style="dim"),
            )
        parts.append(table)
    for ok, line in probe_lines(report):
        text = Text("  probe ")
        text.append("✓" if ok else "✗", style="green" if ok else "bold red")
        text.append(f" {line}")
        parts.append(text)
    comparison = report.baseline
    if comparison is not None:
        head = Text(f"  baseline {literal(comparison.file)}", style="dim")
        head.append(
            f" (tolerance {comparison.tolerance_pct:g} %, floor {duration(comparison.floor_s)})",
            style="dim",
        )
        parts.append(head)
        for status, line in baseline_lines(report):
            text = Text("    ")
            if status == "slower":
                text.append("✗ slower ", style="bold red")
            elif status == "ok":
                text.append("✓ ", style="green")
            else:
                text.append("  ")
            text.append(line)
            parts.append(text)
    return Group(*parts) if parts else None


def render_many(
    results: Results, *, width: int | None = None, color: bool | None = None, **_: Any
) -> str:
    """Several targets: each one's report, then one summary table."""
    from ._gate import summary_rows, verdict_line

    if color is None:
        color = _color_wanted()
    parts = [render(report, width=width, color=color) for report in results.reports]
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=max(60, min(width or 100, 140)),
        force_terminal=color,
        color_system="standard" if color else None,
        no_color=not color,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
    )
    console.rule(style="dim")
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1))
    for title in ("  Target", "Verdict", "Outcome", "Exit", "Findings", "Time"):
        table.add_column(title, justify="right" if title in ("Exit", "Time") else "left")
    for target, verdict, outcome, code, counts, took in summary_rows(results):
        style = "green" if verdict == "PASSED" else "bold red"
        table.add_row(
            Text(f"  {target}", style="bold"),
            Text(verdict, style=style),
            Text(outcome),
            Text(code),
            Text(counts, style="dim"),
            Text(took),
        )
    console.print(table)
    console.print()
    line = Text(" ")
    line.append(
        " ✓ PASSED " if results.passed else " ✗ FAILED ",
        style="bold reverse green" if results.passed else "bold reverse red",
    )
    line.append("  " + verdict_line(results).split(" ", 1)[1], style="bold")
    console.print(line)
    return "\n".join(parts) + buffer.getvalue()
