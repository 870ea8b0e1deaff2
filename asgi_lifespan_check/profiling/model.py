"""The report's `profile` section: frozen values, JSON-friendly both ways.

Times are seconds. A phase's CPU, blocked, awaiting and other time add up to its wall
time; concurrent branches (gather children, task-group tasks, worker threads) run beside
it, so their time is counted apart (`concurrent_s`) and never added to the phase.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class PhaseCost:
    """Where one phase's wall time went."""

    phase: str
    wall_s: float
    cpu_s: float
    blocked_s: float
    await_s: float
    other_s: float
    samples: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "wall_s": self.wall_s,
            "cpu_s": self.cpu_s,
            "blocked_s": self.blocked_s,
            "await_s": self.await_s,
            "other_s": self.other_s,
            "samples": self.samples,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PhaseCost:
        return cls(
            phase=str(data["phase"]),
            wall_s=float(data["wall_s"]),
            cpu_s=float(data["cpu_s"]),
            blocked_s=float(data["blocked_s"]),
            await_s=float(data["await_s"]),
            other_s=float(data["other_s"]),
            samples=int(data["samples"]),
        )


@dataclass(frozen=True, slots=True)
class FunctionCost:
    """One function of the user's code in one phase: its own time, split by kind.

    `line` is where most of that time was spent (for awaiting time, the pending await);
    `def_line` is where the function starts.
    """

    phase: str
    function: str
    file: str
    line: int
    def_line: int
    cpu_s: float = 0.0
    blocked_s: float = 0.0
    await_s: float = 0.0
    concurrent_s: float = 0.0
    waiting_on: str | None = None

    @property
    def own_s(self) -> float:
        """Time on the lifespan's own path (what adds up to the phase)."""
        return self.cpu_s + self.blocked_s + self.await_s

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "function": self.function,
            "file": self.file,
            "line": self.line,
            "def_line": self.def_line,
            "cpu_s": self.cpu_s,
            "blocked_s": self.blocked_s,
            "await_s": self.await_s,
            "concurrent_s": self.concurrent_s,
            "waiting_on": self.waiting_on,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FunctionCost:
        return cls(
            phase=str(data["phase"]),
            function=str(data["function"]),
            file=str(data["file"]),
            line=int(data["line"]),
            def_line=int(data["def_line"]),
            cpu_s=float(data.get("cpu_s", 0.0)),
            blocked_s=float(data.get("blocked_s", 0.0)),
            await_s=float(data.get("await_s", 0.0)),
            concurrent_s=float(data.get("concurrent_s", 0.0)),
            waiting_on=data.get("waiting_on"),
        )


@dataclass(frozen=True, slots=True)
class Branch:
    """One concurrent branch: a task or a worker thread, and the time it was pending."""

    kind: str  # "task" or "thread"
    name: str
    function: str
    file: str
    line: int
    time_s: float
    critical: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "function": self.function,
            "file": self.file,
            "line": self.line,
            "time_s": self.time_s,
            "critical": self.critical,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Branch:
        return cls(
            kind=str(data["kind"]),
            name=str(data["name"]),
            function=str(data["function"]),
            file=str(data["file"]),
            line=int(data["line"]),
            time_s=float(data["time_s"]),
            critical=bool(data.get("critical", False)),
        )


@dataclass(frozen=True, slots=True)
class FanOut:
    """An await in the user's code that waited on concurrent branches.

    The critical branch is the one the await waited on longest: it set the wall time.
    """

    phase: str
    function: str
    file: str
    line: int
    wall_s: float
    branches: tuple[Branch, ...] = ()

    @property
    def critical(self) -> Branch | None:
        return next((b for b in self.branches if b.critical), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "function": self.function,
            "file": self.file,
            "line": self.line,
            "wall_s": self.wall_s,
            "branches": [b.to_dict() for b in self.branches],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FanOut:
        return cls(
            phase=str(data["phase"]),
            function=str(data["function"]),
            file=str(data["file"]),
            line=int(data["line"]),
            wall_s=float(data["wall_s"]),
            branches=tuple(Branch.from_dict(b) for b in data.get("branches") or ()),
        )


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of time during which a function of the user's code was on a track.

    Track "main" is the lifespan's own path; the others are a concurrent branch's, named
    "task NAME" or "thread NAME". `depth` nests spans of one track.
    """

    phase: str
    track: str
    function: str
    file: str
    line: int
    start_s: float
    end_s: float
    depth: int = 0
    cpu_s: float = 0.0
    blocked_s: float = 0.0
    await_s: float = 0.0

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def kind(self) -> str:
        """What the span mostly did: "cpu", "blocked", "await" or, off the main track,
        "concurrent"."""
        if self.track != "main":
            return "concurrent"
        parts = {"cpu": self.cpu_s, "blocked": self.blocked_s, "await": self.await_s}
        return max(parts, key=lambda k: parts[k])

    def to_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "track": self.track,
            "function": self.function,
            "file": self.file,
            "line": self.line,
            "start_s": self.start_s,
            "end_s": self.end_s,
            "depth": self.depth,
            "cpu_s": self.cpu_s,
            "blocked_s": self.blocked_s,
            "await_s": self.await_s,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Span:
        return cls(
            phase=str(data["phase"]),
            track=str(data["track"]),
            function=str(data["function"]),
            file=str(data["file"]),
            line=int(data["line"]),
            start_s=float(data["start_s"]),
            end_s=float(data["end_s"]),
            depth=int(data.get("depth", 0)),
            cpu_s=float(data.get("cpu_s", 0.0)),
            blocked_s=float(data.get("blocked_s", 0.0)),
            await_s=float(data.get("await_s", 0.0)),
        )


@dataclass(frozen=True, slots=True)
class ImportNode:
    """One module of the target's import: its own time, and with what it imported."""

    name: str
    self_s: float
    cumulative_s: float
    group: str = ""
    compiled: bool = False  # no usable cached .pyc: compiled from source on this import
    children: tuple[ImportNode, ...] = ()

    def walk(self) -> list[tuple[int, ImportNode]]:
        """This node and all below it, depth first, with their depth."""
        out: list[tuple[int, ImportNode]] = []
        stack: list[tuple[int, ImportNode]] = [(0, self)]
        while stack:
            depth, node = stack.pop()
            out.append((depth, node))
            stack.extend((depth + 1, c) for c in reversed(node.children))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "self_s": self.self_s,
            "cumulative_s": self.cumulative_s,
            "group": self.group,
            "compiled": self.compiled,
            "children": [c.to_dict() for c in self.children],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ImportNode:
        return cls(
            name=str(data["name"]),
            self_s=float(data["self_s"]),
            cumulative_s=float(data["cumulative_s"]),
            group=str(data.get("group", "")),
            compiled=bool(data.get("compiled", False)),
            children=tuple(cls.from_dict(c) for c in data.get("children") or ()),
        )


@dataclass(frozen=True, slots=True)
class Group:
    """The import time of one distribution (or "your code", or "stdlib")."""

    name: str
    self_s: float
    modules: int

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "self_s": self.self_s, "modules": self.modules}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Group:
        return cls(str(data["name"]), float(data["self_s"]), int(data["modules"]))


@dataclass(frozen=True, slots=True)
class Imports:
    """The target's import (and a factory's), as `-X importtime` saw it."""

    phase: str
    total_s: float
    roots: tuple[ImportNode, ...] = ()
    groups: tuple[Group, ...] = ()

    def nodes(self) -> list[tuple[int, ImportNode]]:
        return [entry for root in self.roots for entry in root.walk()]

    @property
    def modules(self) -> int:
        return len(self.nodes())

    @property
    def compiled(self) -> list[ImportNode]:
        return [node for _, node in self.nodes() if node.compiled]

    def top(self, n: int) -> list[ImportNode]:
        """The n slowest modules by cumulative time."""
        ranked = sorted((node for _, node in self.nodes()), key=lambda m: -m.cumulative_s)
        return ranked[:n]

    def to_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "total_s": self.total_s,
            "modules": self.modules,
            "compiled": len(self.compiled),
            "groups": [g.to_dict() for g in self.groups],
            "roots": [r.to_dict() for r in self.roots],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Imports:
        return cls(
            phase=str(data.get("phase", "import")),
            total_s=float(data["total_s"]),
            roots=tuple(ImportNode.from_dict(r) for r in data.get("roots") or ()),
            groups=tuple(Group.from_dict(g) for g in data.get("groups") or ()),
        )


@dataclass(frozen=True, slots=True)
class Profile:
    """Everything `--profile` measured. `samples` is the raw sampled data (frames,
    stacks, samples) that the speedscope export is made from."""

    interval_s: float | None = None
    cpu_clock: bool = False
    phases: tuple[PhaseCost, ...] = ()
    functions: tuple[FunctionCost, ...] = ()
    fanouts: tuple[FanOut, ...] = ()
    spans: tuple[Span, ...] = ()
    imports: tuple[Imports, ...] = ()
    notes: tuple[str, ...] = ()
    samples: Mapping[str, Any] = field(default_factory=dict)

    def phase(self, name: str) -> PhaseCost | None:
        return next((p for p in self.phases if p.phase == name), None)

    def functions_in(self, phase: str) -> list[FunctionCost]:
        return [f for f in self.functions if f.phase == phase]

    def to_dict(self) -> dict[str, Any]:
        return {
            "interval_s": self.interval_s,
            "cpu_clock": self.cpu_clock,
            "phases": [p.to_dict() for p in self.phases],
            "functions": [f.to_dict() for f in self.functions],
            "fanouts": [f.to_dict() for f in self.fanouts],
            "spans": [s.to_dict() for s in self.spans],
            "imports": [i.to_dict() for i in self.imports],
            "notes": list(self.notes),
            "samples": dict(self.samples),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        return cls(
            interval_s=data.get("interval_s"),
            cpu_clock=bool(data.get("cpu_clock", False)),
            phases=tuple(PhaseCost.from_dict(p) for p in data.get("phases") or ()),
            functions=tuple(FunctionCost.from_dict(f) for f in data.get("functions") or ()),
            fanouts=tuple(FanOut.from_dict(f) for f in data.get("fanouts") or ()),
            spans=tuple(Span.from_dict(s) for s in data.get("spans") or ()),
            imports=tuple(Imports.from_dict(i) for i in data.get("imports") or ()),
            notes=tuple(str(n) for n in data.get("notes") or ()),
            samples=dict(data.get("samples") or {}),
        )
