"""The plain values the CI gate adds to a report: repeat statistics, probes, baselines.

Frozen and JSON-friendly like `model.py`, and kept apart from it because they only
exist when the gate's options ask for them (--repeat, --probe, --baseline, budgets).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RunSummary:
    """The verdict of one of the runs of a repeated check."""

    outcome: str
    exit_code: int
    passed: bool
    total_s: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "exit_code": self.exit_code,
            "passed": self.passed,
            "total_s": self.total_s,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunSummary:
        return cls(
            outcome=str(data["outcome"]),
            exit_code=int(data["exit_code"]),
            passed=bool(data["passed"]),
            total_s=float(data["total_s"]),
        )


@dataclass(frozen=True, slots=True)
class PhaseStats:
    """Min, median and max of one phase (or "total") over the runs where it succeeded."""

    name: str
    runs: int
    min_s: float
    median_s: float
    max_s: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "runs": self.runs,
            "min_s": self.min_s,
            "median_s": self.median_s,
            "max_s": self.max_s,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PhaseStats:
        return cls(
            name=str(data["name"]),
            runs=int(data["runs"]),
            min_s=float(data["min_s"]),
            median_s=float(data["median_s"]),
            max_s=float(data["max_s"]),
        )


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """One smoke request sent through the app between startup and shutdown."""

    method: str
    path: str
    ok: bool
    status: int | None = None
    duration_s: float | None = None
    body: str = ""
    error: str | None = None

    @property
    def request(self) -> str:
        return f"{self.method} {self.path}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "ok": self.ok,
            "status": self.status,
            "duration_s": self.duration_s,
            "body": self.body,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProbeResult:
        status = data.get("status")
        duration = data.get("duration_s")
        return cls(
            method=str(data["method"]),
            path=str(data["path"]),
            ok=bool(data["ok"]),
            status=None if status is None else int(status),
            duration_s=None if duration is None else float(duration),
            body=str(data.get("body") or ""),
            error=data.get("error"),
        )


@dataclass(frozen=True, slots=True)
class BaselineDelta:
    """One figure compared with the baseline."""

    name: str
    baseline_s: float
    current_s: float
    regressed: bool

    @property
    def change_pct(self) -> float | None:
        if self.baseline_s <= 0:
            return None
        return (self.current_s - self.baseline_s) / self.baseline_s * 100

    def to_dict(self) -> dict[str, Any]:
        change = self.change_pct
        return {
            "name": self.name,
            "baseline_s": self.baseline_s,
            "current_s": self.current_s,
            "change_pct": None if change is None else round(change, 1),
            "regressed": self.regressed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BaselineDelta:
        return cls(
            name=str(data["name"]),
            baseline_s=float(data["baseline_s"]),
            current_s=float(data["current_s"]),
            regressed=bool(data["regressed"]),
        )


@dataclass(frozen=True, slots=True)
class BaselineComparison:
    """How this run compares with a saved baseline (--baseline)."""

    file: str
    tolerance_pct: float
    floor_s: float
    deltas: tuple[BaselineDelta, ...] = ()
    found: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "tolerance_pct": self.tolerance_pct,
            "floor_s": self.floor_s,
            "found": self.found,
            "deltas": [d.to_dict() for d in self.deltas],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BaselineComparison:
        return cls(
            file=str(data["file"]),
            tolerance_pct=float(data["tolerance_pct"]),
            floor_s=float(data["floor_s"]),
            found=bool(data.get("found", True)),
            deltas=tuple(BaselineDelta.from_dict(d) for d in data.get("deltas") or ()),
        )
