"""The `--profile` timeline: the phases, then each profiled phase's top spans as a waterfall.

Pure text, laid out for a given width (80 columns stay readable). Each line is a list
of (text, style) segments: `render/text.py` joins them, `render/terminal.py` colours
them. Styles: "dim", "bold", "cpu", "blocked", "await", "concurrent", "critical".
"""

from __future__ import annotations

from collections.abc import Sequence

from ..model import Phase, duration
from ..profiling.model import FanOut, Profile, Span
from ._common import literal

Segment = tuple[str, str]
Line = list[Segment]

BAR = {"cpu": "█", "blocked": "▓", "await": "░", "concurrent": "▒"}
LEGEND: Line = [
    ("█ CPU", "cpu"),
    ("  ", ""),
    ("▓ blocked", "blocked"),
    ("  ", ""),
    ("░ awaiting", "await"),
    ("  ", ""),
    ("▒ concurrent", "concurrent"),
    ("  ★ critical path", "critical"),
]
_LABEL = 24
_TIME = 7
# A span covering nearly all its phase is the phase itself (the lifespan function).
_WHOLE_PHASE = 0.9
_MAX_BRANCH_ROWS = 6


def waterfall(
    phases: Sequence[Phase], profile: Profile, *, width: int = 80, top: int = 10
) -> list[Line]:
    """The timeline picture as lines of segments."""
    bar_width = max(16, width - _LABEL - _TIME - 6)
    lines: list[Line] = [[(" timeline ", "bold"), *LEGEND]]
    timed = [p for p in phases if p.start_s is not None and p.duration_s is not None]
    if timed:
        origin = min(p.start_s or 0.0 for p in timed)
        end = max((p.start_s or 0.0) + (p.duration_s or 0.0) for p in timed)
        total = max(end - origin, 1e-9)
        lines.append(_axis(total, bar_width))
        for phase in timed:
            start = (phase.start_s or 0.0) - origin
            lines.append(
                _row(
                    f"  {phase.name}",
                    phase.duration_s,
                    _bar(start, start + (phase.duration_s or 0.0), total, bar_width, "█"),
                    "bold",
                    "",
                )
            )
    for cost in profile.phases:
        found = next((p for p in timed if p.name == cost.phase), None)
        if found is None or not cost.wall_s:
            continue
        lines.append([])
        lines.extend(_phase_waterfall(found, profile, bar_width, top))
    return lines


def _phase_waterfall(phase: Phase, profile: Profile, bar_width: int, top: int) -> list[Line]:
    origin = phase.start_s or 0.0
    wall = max(phase.duration_s or 0.0, 1e-9)
    interval = profile.interval_s or 0.005
    lines: list[Line] = [[(f" {phase.name} ", "bold"), (duration(phase.duration_s), "bold")]]
    lines.append(_axis(wall, bar_width))
    main = [s for s in profile.spans if s.phase == phase.name and s.track == "main"]
    steps = [s for s in main if s.duration_s < _WHOLE_PHASE * wall] or main
    steps = [s for s in steps if s.duration_s >= 2 * interval * 0.9]
    chosen = sorted(sorted(steps, key=lambda s: -s.duration_s)[:top], key=lambda s: s.start_s)
    if not chosen:
        lines.append([("  (no step of your code long enough to draw)", "dim")])
        return lines
    base = min(s.depth for s in chosen)
    fanouts = {f.function: f for f in profile.fanouts if f.phase == phase.name}
    for span in chosen:
        indent = "  " + "  " * min(3, span.depth - base)
        lines.append(
            _row(
                indent + literal(span.function),
                span.duration_s,
                _bar(span.start_s - origin, span.end_s - origin, wall, bar_width, BAR[span.kind]),
                "",
                span.kind,
            )
        )
        fan = fanouts.get(span.function)
        if fan is not None:
            lines.extend(_branch_rows(fan, span, profile, origin, wall, bar_width, indent))
    return lines


def _branch_rows(
    fan: FanOut,
    site: Span,
    profile: Profile,
    origin: float,
    wall: float,
    bar_width: int,
    indent: str,
) -> list[Line]:
    critical = f"{fan.critical.kind} {fan.critical.name}" if fan.critical else None
    wanted = {f"{b.kind} {b.name}" for b in fan.branches[:_MAX_BRANCH_ROWS]}
    spans: dict[str, Span] = {}
    for span in profile.spans:
        if span.phase != site.phase or span.track not in wanted:
            continue
        if span.end_s < site.start_s or span.start_s > site.end_s:
            continue
        known = spans.get(span.track)
        if known is None or span.depth < known.depth:  # the task's own coroutine
            spans[span.track] = span
    rows = sorted(spans.values(), key=lambda s: (s.end_s, s.track))
    out: list[Line] = []
    for index, span in enumerate(rows):
        corner = "└ " if index == len(rows) - 1 else "├ "
        star = " ★" if span.track == critical else ""
        line = _row(
            indent + corner + literal(span.function) + star,
            span.duration_s,
            _bar(span.start_s - origin, span.end_s - origin, wall, bar_width, BAR["concurrent"]),
            "critical" if star else "dim",
            "concurrent",
        )
        out.append(line)
    return out


def _row(label: str, seconds: float | None, bar: tuple[str, str], style: str, kind: str) -> Line:
    text = label if len(label) <= _LABEL else label[: _LABEL - 1] + "…"
    lead, body = bar
    return [
        (f"{text:<{_LABEL}}", style),
        (f"{duration(seconds):>{_TIME}}", "dim"),
        ("  " + lead, ""),
        (body, kind),
    ]


def _bar(start: float, end: float, total: float, width: int, char: str) -> tuple[str, str]:
    """(leading blanks, bar) for [start, end] on an axis of `total` seconds."""
    first = min(width - 1, max(0, int(start / total * width)))
    last = min(width, max(first + 1, round(end / total * width)))
    return " " * first, char * (last - first)


def _axis(total: float, width: int) -> Line:
    right = duration(total)
    rule = "0 " + "─" * max(1, width - len(right) - 3) + " " + right
    return [(" " * (_LABEL + _TIME) + "  " + rule, "dim")]
