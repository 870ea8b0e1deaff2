"""The plain values a check produces: frames, findings, phases, messages.

They are frozen and JSON-friendly (`to_dict` / `from_dict`), because the same values
travel over the child's event pipe and end up in the public JSON report.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
PhaseName = Literal["import", "factory", "startup", "running", "shutdown"]
PhaseStatus = Literal["ok", "failed", "timeout", "skipped", "interrupted"]

PHASE_ORDER: tuple[PhaseName, ...] = ("import", "factory", "startup", "running", "shutdown")


@dataclass(frozen=True, slots=True)
class Frame:
    """One stack frame, as a user would want to open it in an editor."""

    file: str
    line: int
    function: str
    code: str | None = None
    user: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "function": self.function,
            "code": self.code,
            "user": self.user,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Frame:
        return cls(
            file=str(data["file"]),
            line=int(data["line"]),
            function=str(data["function"]),
            code=data.get("code"),
            user=bool(data.get("user", True)),
        )

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def short(self) -> str:
        """file name and line, for a message that names the place in passing."""
        return f"{os.path.basename(self.file)}:{self.line}"


@dataclass(frozen=True, slots=True, repr=False)
class Finding:
    """Something the check noticed, with where it happened and what to do about it."""

    code: str
    severity: Severity
    phase: str | None
    title: str
    message: str
    location: Frame | None = None
    stack: tuple[Frame, ...] = ()
    hint: str | None = None
    t_s: float | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        # One line, not the whole stack: pytest prints it in assertion messages.
        where = f" at {self.location.where}" if self.location else ""
        return f"<Finding {self.code} {self.severity} {self.phase or '-'}{where}: {self.title}>"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "phase": self.phase,
            "title": self.title,
            "message": self.message,
            "location": self.location.to_dict() if self.location else None,
            "stack": [f.to_dict() for f in self.stack],
            "hint": self.hint,
            "t_s": self.t_s,
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        location = data.get("location")
        return cls(
            code=str(data["code"]),
            severity=data["severity"],
            phase=data.get("phase"),
            title=str(data["title"]),
            message=str(data["message"]),
            location=Frame.from_dict(location) if location else None,
            stack=tuple(Frame.from_dict(f) for f in data.get("stack") or ()),
            hint=data.get("hint"),
            t_s=data.get("t_s"),
            details=dict(data.get("details") or {}),
        )


@dataclass(frozen=True, slots=True)
class Phase:
    """How one phase of the run went, and how long it took."""

    name: PhaseName
    status: PhaseStatus
    duration_s: float | None
    start_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "duration_s": self.duration_s,
            "start_s": self.start_s,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Phase:
        return cls(
            name=data["name"],
            status=data["status"],
            duration_s=data.get("duration_s"),
            start_s=data.get("start_s"),
        )


@dataclass(frozen=True, slots=True)
class Message:
    """One lifespan message as it crossed the channel between the tool and the app."""

    t_s: float
    direction: Literal["receive", "send"]
    type: str
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"t_s": self.t_s, "direction": self.direction, "type": self.type}
        if self.message is not None:
            out["message"] = self.message
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        return cls(
            t_s=float(data["t_s"]),
            direction=data["direction"],
            type=str(data["type"]),
            message=data.get("message"),
        )


@dataclass(frozen=True, slots=True)
class Output:
    """The tail of what the app wrote to stdout and stderr."""

    stdout: str = ""
    stderr: str = ""
    stdout_bytes: int = 0
    stderr_bytes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "stdout": self.stdout,
            "stderr": self.stderr,
            "stdout_bytes": self.stdout_bytes,
            "stderr_bytes": self.stderr_bytes,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Output:
        return cls(
            stdout=str(data.get("stdout", "")),
            stderr=str(data.get("stderr", "")),
            stdout_bytes=int(data.get("stdout_bytes", 0)),
            stderr_bytes=int(data.get("stderr_bytes", 0)),
        )


def duration(seconds: float | None) -> str:
    """Whole milliseconds, '<1 ms' below that, seconds from 10 s on (PERFORMANCE.md)."""
    if seconds is None:
        return "-"
    if seconds < 0.001:
        return "<1 ms"
    if seconds < 10:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.1f} s"
