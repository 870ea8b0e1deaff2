"""Fold the child's profile events into the report's `profile` section.

The `profile_samples` event (profiling/sampler.py) holds three tables:

    frames   [file, first line, qualified name, is user code]        (one per function)
    stacks   [[frame index, line], ...] outermost first
    samples  [t, dt, kind, cpu fraction, stack, waiting on, branches]

A sample covers the interval (t - dt, t], in seconds since the run's t0. `kind` is
"run" (the loop thread ran Python or sat in a sync call: the CPU fraction splits it
into CPU and blocked time) or "await" (the loop was idle: the stack is the lifespan's
await chain). `branches` are [kind, name, stack, waiting on] for the other pending
tasks and for worker threads running user code. Each sample is clipped to the phase
windows, so the sums per phase add up to the phase's wall time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..model import Phase
from .model import (
    Branch,
    FanOut,
    FunctionCost,
    Group,
    ImportNode,
    Imports,
    PhaseCost,
    Profile,
    Span,
)

WINDOWS = ("startup", "shutdown")
# Spans shorter than this many sampling intervals are noise, not steps.
_MIN_SPAN_INTERVALS = 2
_MAX_SPANS_PER_PHASE = 400

FrameRow = Sequence[Any]
Key = int  # a frame index: one function
# What one sample saw: user levels (function, line), kind, CPU fraction, awaited object.
State = tuple[list[tuple[Key, int]], str, float | None, str | None]


@dataclass
class _Fn:
    cpu: float = 0.0
    blocked: float = 0.0
    awaited: float = 0.0
    concurrent: float = 0.0
    lines: defaultdict[int, float] = field(default_factory=lambda: defaultdict(float))
    waiting: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))


@dataclass
class _Fan:
    wall: float = 0.0
    lines: defaultdict[int, float] = field(default_factory=lambda: defaultdict(float))
    branches: dict[tuple[str, str], list[Any]] = field(default_factory=dict)


@dataclass
class _Run:
    start: float
    end: float
    depth: int
    line: int
    cpu: float = 0.0
    blocked: float = 0.0
    awaited: float = 0.0


def build(
    samples: Mapping[str, Any] | None,
    imports: Mapping[str, Any] | None,
    phases: Sequence[Phase],
    *,
    isolated: bool,
) -> Profile:
    """The profile section from the run's profile events and its phases."""
    notes = []
    if imports is None and not isolated:
        notes.append(
            "the import breakdown needs the isolated child (it runs with -X importtime); "
            "run without --no-isolate to see it"
        )
    folded = _Fold(samples, phases) if samples else None
    return Profile(
        interval_s=float(samples["interval_s"]) if samples else None,
        cpu_clock=bool(samples.get("cpu_clock")) if samples else False,
        phases=folded.phase_costs() if folded else (),
        functions=folded.function_costs() if folded else (),
        fanouts=folded.fanout_costs() if folded else (),
        spans=folded.span_list() if folded else (),
        imports=_imports(imports, phases) if imports else (),
        notes=tuple(notes),
        samples=dict(samples) if samples else {},
    )


class _Fold:
    def __init__(self, data: Mapping[str, Any], phases: Sequence[Phase]) -> None:
        self.frames: list[FrameRow] = list(data.get("frames") or ())
        self.stacks: list[list[list[int]]] = list(data.get("stacks") or ())
        self.interval = float(data.get("interval_s") or 0.005)
        self.windows = [
            (p.name, p.start_s, p.start_s + p.duration_s)
            for p in phases
            if p.name in WINDOWS and p.start_s is not None and p.duration_s is not None
        ]
        self.totals: dict[str, defaultdict[str, float]] = {
            name: defaultdict(float) for name, _, _ in self.windows
        }
        self.fns: dict[tuple[str, Key], _Fn] = defaultdict(_Fn)
        self.fans: dict[tuple[str, Key], _Fan] = defaultdict(_Fan)
        self.spans: list[Span] = []
        self._open: dict[str, dict[tuple[str, Key], _Run]] = {}
        self._last: dict[str, State] = {}
        self._prev: State | None = None
        for sample in data.get("samples") or ():
            self._sample(sample)
        self._hold_tails()
        for track in list(self._open):
            self._close(track, set())

    # Helpers ------------------------------------------------------------------------------

    def _user_levels(self, stack_id: int) -> list[tuple[Key, int]]:
        """The user-code levels of a stack: (function, line), outermost first."""
        return [(fid, line) for fid, line in self.stacks[stack_id] if self.frames[fid][3]]

    def _overlaps(self, a0: float, b0: float) -> Iterable[tuple[str, float, float, float]]:
        for name, start, end in self.windows:
            a, b = max(a0, start), min(b0, end)
            if b > a:
                yield name, a, b, b - a

    # Folding --------------------------------------------------------------------------------

    def _sample(self, sample: Sequence[Any]) -> None:
        t, dt, kind, frac, stack_id, waiting, branches = sample
        t, dt = float(t), float(dt)
        state: State = (self._user_levels(stack_id), kind, frac, waiting)
        start = t - dt
        for phase, _, _, _ in self._overlaps(start, t):
            self.totals[phase]["samples"] += 1
        prev = self._prev
        if prev is not None and _leaf(prev) != _leaf(state):
            # The sample covers a change of step, at an unknown moment of its interval.
            if kind == "await" and prev[1] == "run" and frac is not None:
                # From running to idle: the time the loop thread was busy is the end of
                # the step seen running before, not time awaited in the new one.
                middle = start + dt * float(frac)
                self._charge_span(start, middle, start, (prev[0], "run", 1.0, prev[3]), ())
                start = middle
            elif kind == "run" and prev[1] == "await" and frac is not None:
                # From idle to running: the time the loop thread was not busy is the end
                # of the await seen before, not time blocked in the new step.
                middle = start + dt * (1.0 - float(frac))
                self._charge_span(start, middle, start, prev, ())
                start, state = middle, (state[0], kind, 1.0, waiting)
            else:
                # Nothing tells when (one await after another, a GIL wait behind running
                # Python, a sampler kept off the CPU): split in the middle, an error of
                # a quarter of the interval on average instead of up to all of it.
                middle = t - dt / 2
                self._charge_span(start, middle, start, prev, ())
                start = middle
        self._charge_span(start, t, t, state, branches)
        self._prev = state

    def _charge_span(
        self,
        a0: float,
        b0: float,
        seen: float,
        state: State,
        branches: Sequence[Sequence[Any]],
    ) -> None:
        """Charge [a0, b0] to `state`, a stack seen at time `seen`, phase by phase."""
        levels, kind, frac, waiting = state
        for phase, a, b, weight in self._overlaps(a0, b0):
            if b < seen:
                # The stack was seen in the next phase: this phase's last moments go to
                # what was seen last inside it (charged in _hold_tails).
                continue
            self._charge(phase, levels, kind, frac, waiting, weight)
            self._last[phase] = state
            self._track(phase, "main", a, b, levels, self._parts(kind, frac, weight))
            self._branches(phase, a, b, weight, kind, levels, branches)

    @staticmethod
    def _parts(kind: str, frac: float | None, weight: float) -> dict[str, float]:
        if kind == "await":
            return {"await": weight}
        cpu = weight * (1.0 if frac is None else float(frac))
        return {"cpu": cpu, "blocked": weight - cpu}

    def _charge(
        self,
        phase: str,
        levels: list[tuple[Key, int]],
        kind: str,
        frac: float | None,
        waiting: str | None,
        weight: float,
    ) -> None:
        """Charge `weight` seconds to the innermost user function of `levels`."""
        totals = self.totals[phase]
        if not levels:
            totals["other"] += weight
            return
        parts = self._parts(kind, frac, weight)
        leaf, line = levels[-1]
        fn = self.fns[(phase, leaf)]
        fn.cpu += parts.get("cpu", 0.0)
        fn.blocked += parts.get("blocked", 0.0)
        fn.awaited += parts.get("await", 0.0)
        fn.lines[line] += weight
        if waiting:
            fn.waiting[str(waiting)] += weight
        for part, value in parts.items():
            totals[part] += value

    def _hold_tails(self) -> None:
        """A phase's last moments, after its last sample, went on doing what that sample
        saw (sample and hold); a longer stretch no sample covered stays "other"."""
        for name, start, end in self.windows:
            totals = self.totals[name]
            seen = sum(totals[k] for k in ("cpu", "blocked", "await", "other"))
            gap = (end - start) - seen
            last = self._last.get(name)
            if last is not None and 0 < gap <= 2 * self.interval + 1e-9:
                self._charge(name, *last, gap)

    def _branches(
        self,
        phase: str,
        a: float,
        b: float,
        weight: float,
        kind: str,
        levels: list[tuple[Key, int]],
        branches: Sequence[Sequence[Any]],
    ) -> None:
        fan = None
        if kind == "await" and levels and branches:
            site, line = levels[-1]
            fan = self.fans[(phase, site)]
            fan.wall += weight
            fan.lines[line] += weight
        for branch_kind, name, stack_id, _waiting in branches:
            blevels = self._user_levels(stack_id)
            if not blevels:
                continue
            leaf, line = blevels[-1]
            fn = self.fns[(phase, leaf)]
            fn.concurrent += weight
            fn.lines[line] += weight
            track = f"{branch_kind} {name}"
            self._track(phase, track, a, b, blevels, {})
            if fan is not None:
                entry = fan.branches.setdefault((branch_kind, str(name)), [0.0, blevels[0], b])
                entry[0] += weight
                entry[1] = blevels[0]
                entry[2] = b

    def _track(
        self,
        phase: str,
        track: str,
        a: float,
        b: float,
        levels: list[tuple[Key, int]],
        parts: Mapping[str, float],
    ) -> None:
        runs = self._open.setdefault(track, {})
        present: set[tuple[str, Key]] = set()
        for depth, (fid, line) in enumerate(levels):
            key = (phase, fid)
            if key in present:
                continue  # recursion: the outer call's run covers it
            present.add(key)
            run = runs.get(key)
            # A gap of more than a couple of intervals ends a run (the function returned).
            if run is None or a - run.end > 2.5 * self.interval:
                if run is not None:
                    self._emit(track, key, run)
                run = runs[key] = _Run(start=a, end=b, depth=depth, line=line)
            run.end = b
            run.cpu += parts.get("cpu", 0.0)
            run.blocked += parts.get("blocked", 0.0)
            run.awaited += parts.get("await", 0.0)
        self._close(track, present)

    def _close(self, track: str, present: set[tuple[str, Key]]) -> None:
        runs = self._open.get(track, {})
        for key in [k for k in runs if k not in present]:
            self._emit(track, key, runs.pop(key))

    def _emit(self, track: str, key: tuple[str, Key], run: _Run) -> None:
        phase, fid = key
        if run.end - run.start < _MIN_SPAN_INTERVALS * self.interval * 0.9:
            return
        file, def_line, name, _ = self.frames[fid]
        self.spans.append(
            Span(
                phase=phase,
                track=track,
                function=str(name),
                file=str(file),
                line=int(def_line),
                start_s=round(run.start, 6),
                end_s=round(run.end, 6),
                depth=run.depth,
                cpu_s=round(run.cpu, 6),
                blocked_s=round(run.blocked, 6),
                await_s=round(run.awaited, 6),
            )
        )

    # Results --------------------------------------------------------------------------------

    def phase_costs(self) -> tuple[PhaseCost, ...]:
        out = []
        for name, start, end in self.windows:
            totals = self.totals[name]
            # Moments no sample covered are time the profile cannot place: other.
            seen = sum(totals[k] for k in ("cpu", "blocked", "await", "other"))
            totals["other"] += max(0.0, (end - start) - seen)
            out.append(
                PhaseCost(
                    phase=name,
                    wall_s=round(end - start, 6),
                    cpu_s=round(totals["cpu"], 6),
                    blocked_s=round(totals["blocked"], 6),
                    await_s=round(totals["await"], 6),
                    other_s=round(totals["other"], 6),
                    samples=int(totals["samples"]),
                )
            )
        return tuple(out)

    def function_costs(self) -> tuple[FunctionCost, ...]:
        out = []
        for (phase, fid), fn in self.fns.items():
            file, def_line, name, _ = self.frames[fid]
            line = _top(fn.lines) if fn.lines else int(def_line)
            out.append(
                FunctionCost(
                    phase=phase,
                    function=str(name),
                    file=str(file),
                    line=int(line),
                    def_line=int(def_line),
                    cpu_s=round(fn.cpu, 6),
                    blocked_s=round(fn.blocked, 6),
                    await_s=round(fn.awaited, 6),
                    concurrent_s=round(fn.concurrent, 6),
                    waiting_on=_top(fn.waiting) if fn.waiting else None,
                )
            )
        out.sort(key=lambda f: (WINDOWS.index(f.phase), -(f.own_s + f.concurrent_s)))
        return tuple(out)

    def fanout_costs(self) -> tuple[FanOut, ...]:
        out = []
        for (phase, fid), fan in self.fans.items():
            if not fan.branches:
                continue
            file, _, name, _ = self.frames[fid]
            ranked = sorted(fan.branches.items(), key=lambda kv: (-kv[1][0], -kv[1][2]))
            branches = []
            for index, ((kind, label), (time_s, (bfid, bline), _)) in enumerate(ranked):
                bfile, _, bname, _ = self.frames[bfid]
                branches.append(
                    Branch(
                        kind=kind,
                        name=label,
                        function=str(bname),
                        file=str(bfile),
                        line=int(bline),
                        time_s=round(time_s, 6),
                        critical=index == 0,
                    )
                )
            out.append(
                FanOut(
                    phase=phase,
                    function=str(name),
                    file=str(file),
                    line=_top(fan.lines),
                    wall_s=round(fan.wall, 6),
                    branches=tuple(branches),
                )
            )
        out.sort(key=lambda f: (WINDOWS.index(f.phase), -f.wall_s))
        return tuple(out)

    def span_list(self) -> tuple[Span, ...]:
        kept: list[Span] = []
        for name, _, _ in self.windows:
            spans = sorted((s for s in self.spans if s.phase == name), key=lambda s: -s.duration_s)
            kept.extend(spans[:_MAX_SPANS_PER_PHASE])
        kept.sort(key=lambda s: (s.start_s, s.depth))
        return tuple(kept)


def _leaf(state: State) -> Key | None:
    """The innermost user function a sample saw (None: none of the user's code)."""
    levels = state[0]
    return levels[-1][0] if levels else None


def _top(weights: Mapping[Any, float]) -> Any:
    """The key with the most weight."""
    return max(weights, key=lambda k: weights[k])


def _imports(data: Mapping[str, Any], phases: Sequence[Phase]) -> tuple[Imports, ...]:
    out = []
    for phase, trees in (data.get("trees") or {}).items():
        roots = tuple(_node(t) for t in trees)
        entry = next((p for p in phases if p.name == phase), None)
        total = entry.duration_s if entry is not None and entry.duration_s is not None else None
        if total is None:
            total = sum(r.cumulative_s for r in roots)
        groups: dict[str, list[float]] = {}
        for root in roots:
            for _, node in root.walk():
                acc = groups.setdefault(node.group or "?", [0.0, 0])
                acc[0] += node.self_s
                acc[1] += 1
        rolled = tuple(
            Group(name, round(s, 6), int(n))
            for name, (s, n) in sorted(groups.items(), key=lambda kv: -kv[1][0])
        )
        out.append(Imports(phase=str(phase), total_s=total, roots=roots, groups=rolled))
    return tuple(out)


def _node(data: Mapping[str, Any]) -> ImportNode:
    return ImportNode(
        name=str(data["name"]),
        self_s=int(data["self_us"]) / 1e6,
        cumulative_s=int(data["cumulative_us"]) / 1e6,
        group=str(data.get("group", "")),
        compiled=bool(data.get("compiled", False)),
        children=tuple(_node(c) for c in data.get("children") or ()),
    )
