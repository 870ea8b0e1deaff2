"""The rich terminal report. The only module that imports rich.

Everything that came from the app (messages, code lines, output) is added as rich
`Text` built from literal strings: markup in an exception message is never interpreted,
and control characters are shown escaped.
"""

from __future__ import annotations

import io
import os
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..model import Finding, Phase
from ..report import Report
from ._common import (
    display_stack,
    duration,
    headline,
    literal,
    output_tail,
    rest_of_message,
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


def render(report: Report, *, width: int | None = None, color: bool | None = None, **_: Any) -> str:
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
    for finding in report.findings:
        console.print()
        console.print(_finding(finding))
    if report.ignored:
        console.print()
        codes = ", ".join(sorted({f.code for f in report.ignored}))
        console.print(Text(f"  ignored: {codes}", style="dim"))
    output = _output(report)
    if output is not None:
        console.print()
        console.print(output)
    console.print()
    console.print(_summary(report))
    return buffer.getvalue()


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
    parts: list[Any] = [head]
    body = Text("   ")
    body.append(headline(finding))
    for line in rest_of_message(finding)[:20]:
        body.append("\n   " + line)
    parts.append(body)
    if finding.location is not None:
        loc = Text("   at ", style="dim")
        loc.append(where(finding.location), style="cyan")
        parts.append(loc)
        parts.append(_snippet(finding))
    stack = list(finding.stack)
    if len(stack) > 1:
        parts.append(_stack(stack, "await chain" if "await_chain" in finding.details else "stack"))
    extra = _forensics(finding)
    if extra is not None:
        parts.append(extra)
    if finding.hint:
        hint = Text("   hint: ", style="dim")
        hint.append(literal(finding.hint), style="italic")
        parts.append(hint)
    parts.append(Text(f"   more: lifespan-check explain {finding.code}", style="dim"))
    return Group(*parts)


def _snippet(finding: Finding) -> Text:
    assert finding.location is not None
    text = Text()
    rows = snippet(finding.location)
    for number, line, current in rows:
        arrow = "→" if current else " "
        text.append(f"   {arrow}{number:>5} │ ", style="bold red" if current else "dim")
        text.append(line + "\n", style="bold" if current else "dim")
    text.rstrip()
    return text


def _stack(frames: list[Any], label: str) -> Text:
    text = Text(f"   {label}, outermost first:", style="dim")
    for line in display_stack(frames):
        if line.frame is None:
            text.append(f"\n      … {line.folded} library frame(s)", style="dim")
        elif line.frame.user:
            text.append("\n      ")
            text.append(where(line.frame), style="cyan")
        else:
            text.append(f"\n      {where(line.frame)}", style="dim")
    return text


def _forensics(finding: Finding) -> Text | None:
    tasks = finding.details.get("pending_tasks") or []
    threads = finding.details.get("threads") or []
    if not tasks and not threads:
        return None
    text = Text()
    for task in tasks[:8]:
        loc = task.get("location")
        text.append("\n   task ", style="dim")
        text.append(literal(repr(task["name"])))
        text.append(f" ({literal(task['coroutine'])})", style="dim")
        if loc:
            text.append(" waiting at ", style="dim")
            text.append(f"{loc['file']}:{loc['line']}", style="cyan")
    for thread in threads[:8]:
        loc = thread.get("location")
        text.append("\n   thread ", style="dim")
        text.append(literal(repr(thread["name"])))
        if loc:
            text.append(" at ", style="dim")
            text.append(f"{loc['file']}:{loc['line']} in {loc['function']}", style="cyan")
    text.remove_suffix("\n")
    return Text.assemble(Text("   other pending work:", style="dim"), text)


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
