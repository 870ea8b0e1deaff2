"""`--profile-output FILE`: the profile as a file for speedscope or Perfetto.

Two formats, both pure functions of a Report:

- speedscope's JSON file format (https://www.speedscope.app/file-format-schema.json):
  the import as an "evented" profile (each module opened and closed in time), and per
  phase the sampled stacks of the lifespan and of its concurrent branches, weighted in
  milliseconds. Awaited and blocked time end in a synthetic leaf frame, so they show up
  as such in the flame graph.
- Chrome's trace event format (JSON object form), for Perfetto and chrome://tracing:
  the timeline. One track for the phases and the lifespan messages, one for the import
  tree, one for the lifespan's own spans, one per concurrent task or worker thread.

The import's inner timing is reconstructed from `-X importtime` durations: a module's
imports are laid end to end from its start, and its own time follows them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ._version import __version__
from .profiling.model import ImportNode, Imports, Span
from .report import Report

FORMATS = ("speedscope", "chrome")
SPEEDSCOPE_SCHEMA = "https://www.speedscope.app/file-format-schema.json"
_CHROME_SUFFIXES = (".trace.json", ".trace", ".perfetto.json")


def format_for(path: str, explicit: str | None = None) -> str:
    """The export format: `explicit`, else Chrome's for *.trace.json / *.trace, else
    speedscope."""
    if explicit is not None:
        return explicit
    return "chrome" if path.lower().endswith(_CHROME_SUFFIXES) else "speedscope"


def write(report: Report, path: str, fmt: str) -> None:
    """Write the report's profile to `path` in `fmt` (raises OSError)."""
    data = speedscope(report) if fmt == "speedscope" else chrome_trace(report)
    with open(path, "w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False, separators=(",", ":"))
        out.write("\n")


# speedscope ----------------------------------------------------------------------------------


class _Frames:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self._ids: dict[tuple[str, str, int], int] = {}

    def id(self, name: str, file: str = "", line: int = 0) -> int:
        key = (name, file, line)
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = len(self.rows)
            row: dict[str, Any] = {"name": name}
            if file:
                row["file"] = file
                row["line"] = line
            self.rows.append(row)
        return found


def speedscope(report: Report) -> dict[str, Any]:
    """The profile in speedscope's file format."""
    frames = _Frames()
    profiles: list[dict[str, Any]] = []
    profile = report.profile
    if profile is not None:
        profiles.extend(_evented_imports(imports, frames) for imports in profile.imports)
        raw = profile.samples
        windows = [
            (p.name, p.start_s, p.start_s + p.duration_s)
            for p in report.phases
            if p.name in ("startup", "shutdown")
            and p.start_s is not None
            and p.duration_s is not None
        ]
        for name, start, end in windows:
            main, side = _sampled(raw, start, end, frames)
            if main[0]:
                profiles.append(_sampled_profile(f"{name}: lifespan", *main, start, end))
            if side[0]:
                profiles.append(
                    _sampled_profile(f"{name}: concurrent tasks and threads", *side, start, end)
                )
    active = next((i for i, p in enumerate(profiles) if p["name"].startswith("startup")), 0)
    return {
        "$schema": SPEEDSCOPE_SCHEMA,
        "name": f"lifespan-check {report.target}",
        "exporter": f"lifespan-check {__version__}",
        "activeProfileIndex": active,
        "shared": {"frames": frames.rows},
        "profiles": profiles,
    }


def _sampled_profile(
    name: str, samples: list[list[int]], weights: list[float], start: float, end: float
) -> dict[str, Any]:
    return {
        "type": "sampled",
        "name": name,
        "unit": "milliseconds",
        "startValue": 0,
        "endValue": round(sum(weights), 3),
        "samples": samples,
        "weights": weights,
    }


Sampled = tuple[list[list[int]], list[float]]


def _sampled(
    raw: Mapping[str, Any], start: float, end: float, frames: _Frames
) -> tuple[Sampled, Sampled]:
    """The samples of one phase window: the lifespan's, and its concurrent branches'."""
    table = raw.get("frames") or []
    stacks = raw.get("stacks") or []
    main: Sampled = ([], [])
    side: Sampled = ([], [])

    def base(stack_id: int) -> list[int]:
        return [
            frames.id(str(table[fid][2]), str(table[fid][0]), int(table[fid][1]))
            for fid, _ in stacks[stack_id]
        ]

    def add(into: Sampled, stack: list[int], ms: float) -> None:
        if ms >= 0.0005 and stack:
            into[0].append(stack)
            into[1].append(round(ms, 4))

    for t, dt, kind, frac, stack_id, waiting, branches in raw.get("samples") or ():
        weight = (min(float(t), end) - max(float(t) - float(dt), start)) * 1000
        if weight <= 0:
            continue
        stack = base(stack_id)
        if kind == "await":
            add(main, [*stack, frames.id(f"(awaiting {waiting or 'an await'})")], weight)
        else:
            cpu = weight * (1.0 if frac is None else float(frac))
            add(main, stack, cpu)
            add(main, [*stack, frames.id("(blocked in a synchronous call)")], weight - cpu)
        for branch_kind, name, branch_stack, branch_waiting in branches:
            head = frames.id(f"[{branch_kind} {name}]")
            leaf = [frames.id(f"(awaiting {branch_waiting})")] if branch_waiting else []
            add(side, [head, *base(branch_stack), *leaf], weight)
    return main, side


def _evented_imports(imports: Imports, frames: _Frames) -> dict[str, Any]:
    events: list[dict[str, Any]] = []

    def emit(nodes: Sequence[ImportNode], start: float, limit: float | None) -> float:
        cursor = start
        for node in nodes:
            finish = cursor + node.cumulative_s
            if limit is not None:
                finish = min(finish, limit)
            frame = frames.id(node.name)
            events.append({"type": "O", "frame": frame, "at": round(cursor * 1000, 4)})
            emit(node.children, cursor, finish)
            events.append({"type": "C", "frame": frame, "at": round(finish * 1000, 4)})
            cursor = finish
        return cursor

    end = emit(imports.roots, 0.0, None)
    return {
        "type": "evented",
        "name": imports.phase,
        "unit": "milliseconds",
        "startValue": 0,
        "endValue": round(end * 1000, 4),
        "events": events,
    }


def _laid_out(
    nodes: Sequence[ImportNode], start: float, limit: float | None = None
) -> Iterator[tuple[ImportNode, float, float]]:
    """(node, begin, end) in seconds, depth first: a module's imports end to end from
    its start, clamped inside it, its own time after them."""
    cursor = start
    for node in nodes:
        finish = cursor + node.cumulative_s
        if limit is not None:
            finish = min(finish, limit)
        yield node, cursor, finish
        yield from _laid_out(node.children, cursor, finish)
        cursor = finish


# Chrome trace events -------------------------------------------------------------------------

_PID = 1
_EPSILON_S = 1e-5
_TID_PHASES, _TID_IMPORTS, _TID_MAIN = 1, 2, 3


def chrome_trace(report: Report) -> dict[str, Any]:
    """The timeline in Chrome's trace event format (times in microseconds)."""
    events: list[dict[str, Any]] = [
        _meta("process_name", 0, f"lifespan-check {report.target}"),
        _meta("thread_name", _TID_PHASES, "phases"),
    ]
    for phase in report.phases:
        if phase.start_s is None or phase.duration_s is None:
            continue
        events.append(
            _slice(
                phase.name,
                "phase",
                _TID_PHASES,
                phase.start_s,
                phase.duration_s,
                {"status": phase.status},
            )
        )
    events.extend(
        {
            "name": message.type,
            "cat": "message",
            "ph": "i",
            "s": "t",
            "ts": _us(message.t_s),
            "pid": _PID,
            "tid": _TID_PHASES,
            "args": {"direction": message.direction},
        }
        for message in report.messages
    )
    profile = report.profile
    if profile is not None:
        events.extend(_import_slices(report, profile.imports))
        tracks: dict[str, int] = {}
        by_track: dict[str, list[Span]] = {}
        for span in profile.spans:
            by_track.setdefault(span.track, []).append(span)
        for track, spans in sorted(by_track.items(), key=lambda kv: kv[0] != "main"):
            tid = _TID_MAIN if track == "main" else 10 + len(tracks) - ("main" in tracks)
            tracks[track] = tid
            title = "lifespan (your code)" if track == "main" else track
            events.append(_meta("thread_name", tid, title))
            events.extend(_nested(spans, tid))
    return {
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": {"target": report.target, "exporter": f"lifespan-check {__version__}"},
    }


def _us(seconds: float) -> float:
    return round(seconds * 1e6, 1)


def _meta(name: str, tid: int, value: str) -> dict[str, Any]:
    return {"name": name, "ph": "M", "pid": _PID, "tid": tid, "args": {"name": value}}


def _slice(
    name: str, cat: str, tid: int, start: float, dur: float, args: dict[str, Any]
) -> dict[str, Any]:
    return {
        "name": name,
        "cat": cat,
        "ph": "X",
        "ts": _us(start),
        "dur": max(_us(dur), 0.1),
        "pid": _PID,
        "tid": tid,
        "args": args,
    }


def _import_slices(report: Report, all_imports: Sequence[Imports]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for imports in all_imports:
        phase = report.phase(imports.phase)
        origin = phase.start_s if phase is not None and phase.start_s is not None else 0.0
        if not out:
            out.append(_meta("thread_name", _TID_IMPORTS, "imports"))
        for node, begin, finish in _laid_out(imports.roots, origin):
            args = {"self_ms": round(node.self_s * 1000, 3), "distribution": node.group}
            if node.compiled:
                args["compiled_without_pyc"] = True
            out.append(_slice(node.name, "import", _TID_IMPORTS, begin, finish - begin, args))
    return out


def _nested(spans: Sequence[Span], tid: int) -> list[dict[str, Any]]:
    """Slices of one track, clamped so that each lies inside the one enclosing it (the
    trace viewers drop slices that overlap without nesting)."""
    out: list[dict[str, Any]] = []
    open_ends: list[float] = []
    for span in sorted(spans, key=lambda s: (s.start_s, -s.end_s)):
        # Sample times are rounded to the microsecond: a step that starts a hair before
        # the previous one ends follows it, it is not inside it.
        while open_ends and open_ends[-1] <= span.start_s + _EPSILON_S:
            open_ends.pop()
        end = min(span.end_s, open_ends[-1]) if open_ends else span.end_s
        if end <= span.start_s:
            continue
        open_ends.append(end)
        args = {
            "file": span.file,
            "line": span.line,
            "cpu_ms": round(span.cpu_s * 1000, 3),
            "blocked_ms": round(span.blocked_s * 1000, 3),
            "awaiting_ms": round(span.await_s * 1000, 3),
        }
        out.append(_slice(span.function, span.phase, tid, span.start_s, end - span.start_s, args))
    return out
