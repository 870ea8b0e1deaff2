"""The report: frozen values built from a run's events, with its verdict and exit code.

`build(events)` folds the event stream of one run into a `Report`. The verdict follows
one rule: the first error in time decides the outcome and the exit code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

from . import findings as catalogue
from . import servers
from ._version import __version__
from .events import Event
from .gate_model import BaselineComparison, PhaseStats, ProbeResult, RunSummary
from .model import PHASE_ORDER, Finding, Message, Output, Phase, PhaseName, PhaseStatus

if TYPE_CHECKING:
    from .profiling.model import Profile

SCHEMA = "lifespan-check/1"


@dataclass(frozen=True, slots=True)
class Environment:
    python: str = ""
    platform: str = ""
    backend: str = "asyncio"
    isolated: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "python": self.python,
            "platform": self.platform,
            "backend": self.backend,
            "isolated": self.isolated,
        }


@dataclass(frozen=True, slots=True, repr=False)
class Report:
    """Everything one check found. Renderers are pure functions of this value."""

    target: str
    passed: bool
    outcome: str
    exit_code: int
    interface: str | None = None
    app_type: str | None = None
    environment: Environment = field(default_factory=Environment)
    phases: tuple[Phase, ...] = ()
    findings: tuple[Finding, ...] = ()
    ignored: tuple[Finding, ...] = ()
    messages: tuple[Message, ...] = ()
    state_keys: tuple[str, ...] = ()
    output: Output = field(default_factory=Output)
    strict: bool = False
    duration_s: float | None = None  # the whole run, grace periods included
    # Added by the CI gate (--repeat, budgets, --probe, --baseline); empty otherwise.
    runs: tuple[RunSummary, ...] = ()
    phase_stats: tuple[PhaseStats, ...] = ()
    figures: Mapping[str, float] = field(default_factory=dict)
    budgets: Mapping[str, float] = field(default_factory=dict)
    probes: tuple[ProbeResult, ...] = ()
    baseline: BaselineComparison | None = None
    server_outlook: tuple[servers.Row, ...] = ()
    profile: Profile | None = None  # with --profile (profiling/model.py)

    def __repr__(self) -> str:
        # Short, because pytest prints it in assertion messages (`assert report.passed`).
        verdict = "passed" if self.passed else "FAILED"
        codes = " ".join(f.code for f in self.findings)
        return f"<Report {self.target} {verdict} {self.outcome}{' ' + codes if codes else ''}>"

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    def phase(self, name: str) -> Phase | None:
        return next((p for p in self.phases if p.name == name), None)

    @property
    def total_s(self) -> float:
        """The run's wall time when known, else the sum of its phases."""
        if self.duration_s is not None:
            return self.duration_s
        return sum(p.duration_s or 0.0 for p in self.phases)

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def render(self, fmt: str = "text", **options: Any) -> str:
        """This report as text in one of the output formats ("text", "json", "rich")."""
        from .render import render

        return render(self, fmt, **options)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "tool": {"name": "lifespan-check", "version": __version__},
            "target": self.target,
            "passed": self.passed,
            "outcome": self.outcome,
            "exit_code": self.exit_code,
            "interface": self.interface,
            "app_type": self.app_type,
            "environment": self.environment.to_dict(),
            "phases": [p.to_dict() for p in self.phases],
            "findings": [f.to_dict() for f in self.findings],
            "ignored": [f.to_dict() for f in self.ignored],
            "messages": [m.to_dict() for m in self.messages],
            "state_keys": list(self.state_keys),
            "output": self.output.to_dict(),
            "strict": self.strict,
            "duration_s": self.duration_s,
            "runs": [r.to_dict() for r in self.runs],
            "phase_stats": [s.to_dict() for s in self.phase_stats],
            "figures": dict(self.figures),
            "budgets": dict(self.budgets),
            "probes": [p.to_dict() for p in self.probes],
            "baseline": self.baseline.to_dict() if self.baseline else None,
            "server_outlook": [r.to_dict() for r in self.server_outlook],
            "profile": self.profile.to_dict() if self.profile is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        schema = data.get("schema")
        if schema != SCHEMA:
            raise ValueError(f"unsupported report schema {schema!r} (expected {SCHEMA!r})")
        env = data.get("environment") or {}
        return cls(
            target=str(data["target"]),
            passed=bool(data["passed"]),
            outcome=str(data["outcome"]),
            exit_code=int(data["exit_code"]),
            interface=data.get("interface"),
            app_type=data.get("app_type"),
            environment=Environment(
                python=str(env.get("python", "")),
                platform=str(env.get("platform", "")),
                backend=str(env.get("backend", "asyncio")),
                isolated=bool(env.get("isolated", False)),
            ),
            phases=tuple(Phase.from_dict(p) for p in data.get("phases") or ()),
            findings=tuple(Finding.from_dict(f) for f in data.get("findings") or ()),
            ignored=tuple(Finding.from_dict(f) for f in data.get("ignored") or ()),
            messages=tuple(Message.from_dict(m) for m in data.get("messages") or ()),
            state_keys=tuple(data.get("state_keys") or ()),
            output=Output.from_dict(data.get("output") or {}),
            strict=bool(data.get("strict", False)),
            duration_s=data.get("duration_s"),
            runs=tuple(RunSummary.from_dict(r) for r in data.get("runs") or ()),
            phase_stats=tuple(PhaseStats.from_dict(s) for s in data.get("phase_stats") or ()),
            figures={str(k): float(v) for k, v in (data.get("figures") or {}).items()},
            budgets={str(k): float(v) for k, v in (data.get("budgets") or {}).items()},
            probes=tuple(ProbeResult.from_dict(p) for p in data.get("probes") or ()),
            baseline=BaselineComparison.from_dict(baseline)
            if (baseline := data.get("baseline"))
            else None,
            server_outlook=tuple(
                servers.Row.from_dict(r) for r in data.get("server_outlook") or ()
            ),
            profile=_profile_from(data.get("profile")),
        )


def _profile_from(data: Mapping[str, Any] | None) -> Profile | None:
    if not data:
        return None
    from .profiling.model import Profile

    return Profile.from_dict(data)


def verdict(found: Sequence[Finding], *, strict: bool = False) -> tuple[str, bool, int]:
    """(outcome, passed, exit code) of a set of findings: the first error decides."""
    errors = sorted(
        (f for f in found if f.severity == "error"),
        key=lambda f: f.t_s if f.t_s is not None else float("inf"),
    )
    for finding in errors:
        entry = catalogue.lookup(finding.code)
        if entry is None or entry.outcome_in(finding.phase) is None:
            continue
        outcome = entry.outcome_in(finding.phase) or "ok"
        return outcome, False, entry.exit_code
    outcome = "ok"
    for finding in found:
        entry = catalogue.lookup(finding.code)
        if entry is not None and entry.outcome == "unsupported":
            outcome = "unsupported"
            break
    if errors:  # errors that do not decide an outcome (budgets, ...) still fail the check
        return outcome, False, catalogue.EXIT_FAILED
    if strict and any(f.severity == "warning" for f in found):
        return outcome, False, catalogue.EXIT_FAILED
    return outcome, True, catalogue.EXIT_OK


def build(
    events: Iterable[Event],
    *,
    target: str,
    output: Output | None = None,
    ignore: Iterable[str] = (),
    strict: bool = False,
) -> Report:
    """Fold a run's events into a report."""
    meta: dict[str, Any] = {}
    starts: dict[str, float] = {}
    ends: dict[str, tuple[float | None, str]] = {}
    order: list[str] = []
    found: list[Finding] = []
    messages: list[Message] = []
    state_keys: list[str] = []
    profiled: dict[str, Event] = {}
    probes: list[ProbeResult] = []
    finished = False
    done_t: float | None = None
    for event in events:
        kind = event.get("kind")
        if kind == "meta":
            meta.update({k: v for k, v in event.items() if k != "kind"})
        elif kind == "phase_start":
            name = event["phase"]
            starts[name] = float(event["t"])
            if name not in order:
                order.append(name)
        elif kind == "phase_end":
            name = event["phase"]
            ends[name] = (event.get("t"), event["status"])
            if name not in order:
                order.append(name)
        elif kind == "message":
            messages.append(Message.from_dict(event))
        elif kind == "finding":
            found.append(Finding.from_dict(event))
        elif kind == "state_keys":
            state_keys = [str(k) for k in event.get("keys") or ()]
        elif kind in ("profile_samples", "import_profile"):
            profiled[kind] = event
        elif kind == "probe":
            probes.append(ProbeResult.from_dict(event))
        elif kind == "done":
            finished = True
            done_t = event.get("t")

    phases = []
    for name in sorted(order, key=_phase_rank):
        start = starts.get(name)
        end_t, status = ends.get(name, (None, "interrupted" if finished else "failed"))
        duration = None
        if start is not None and end_t is not None:
            duration = max(0.0, float(end_t) - start)
        phases.append(
            Phase(
                name=cast(PhaseName, name),
                status=cast(PhaseStatus, status),
                duration_s=duration,
                start_s=start,
            )
        )

    kept, dropped = _set_aside(found, ignore)
    outcome, passed, exit_code = _judged(kept, dropped, strict)
    profile = None
    if profiled:
        from .profiling.build import build as build_profile

        profile = build_profile(
            profiled.get("profile_samples"),
            profiled.get("import_profile"),
            phases,
            isolated=bool(meta.get("isolated", False)),
        )
    report = Report(
        target=target,
        passed=passed,
        outcome=outcome,
        exit_code=exit_code,
        interface=meta.get("interface"),
        app_type=meta.get("app_type"),
        environment=Environment(
            python=str(meta.get("python", "")),
            platform=str(meta.get("platform", "")),
            backend=str(meta.get("backend", "asyncio")),
            isolated=bool(meta.get("isolated", False)),
        ),
        phases=tuple(phases),
        findings=tuple(sorted(kept, key=_finding_rank)),
        ignored=tuple(dropped),
        messages=tuple(messages),
        state_keys=tuple(state_keys),
        output=output or Output(),
        strict=strict,
        profile=profile,
        duration_s=done_t,
        probes=tuple(probes),
    )
    return replace(report, server_outlook=servers.outlook(report))


def _phase_rank(name: str) -> int:
    order: tuple[str, ...] = PHASE_ORDER
    return order.index(name) if name in order else len(order)


_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


def _finding_rank(finding: Finding) -> tuple[int, float]:
    t = finding.t_s if finding.t_s is not None else float("inf")
    return (_SEVERITY_RANK.get(finding.severity, 3), t)


def _set_aside(found: Iterable[Finding], ignore: Iterable[str]) -> tuple[list[Finding], ...]:
    """(kept, ignored): the findings whose code is in `ignore`, if they may be ignored."""
    codes = {c.strip().upper() for c in ignore if c.strip()}
    kept: list[Finding] = []
    dropped: list[Finding] = []
    for f in found:
        (dropped if f.code in codes and catalogue.ignorable(f) else kept).append(f)
    return kept, dropped


def _judged(
    kept: Sequence[Finding], ignored: Sequence[Finding], strict: bool
) -> tuple[str, bool, int]:
    """(outcome, passed, exit code): ignoring a finding may pass the check, but the
    outcome stays what happened to the app, ignored findings included."""
    _, passed, exit_code = verdict(kept, strict=strict)
    outcome, _, _ = verdict([*kept, *ignored])
    return outcome, passed, exit_code


def with_findings(report: Report, more: Iterable[Finding], ignore: Iterable[str] = ()) -> Report:
    """The report with more findings added (those in `ignore` set aside as ignored) and
    its verdict recomputed."""
    kept, dropped = _set_aside(more, ignore)
    found = [*report.findings, *kept]
    ignored = (*report.ignored, *dropped)
    outcome, passed, exit_code = _judged(found, ignored, report.strict)
    updated = replace(
        report,
        findings=tuple(sorted(found, key=_finding_rank)),
        ignored=ignored,
        outcome=outcome,
        passed=passed,
        exit_code=exit_code,
    )
    return replace(updated, server_outlook=servers.outlook(updated))
