"""The options of one check, as plain frozen values (no parsing here)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class DriveOptions:
    """How to drive one lifespan."""

    startup_timeout: float = 60.0
    shutdown_timeout: float = 30.0
    hold: float = 0.0
    lifespan: str = "auto"  # "auto" or "on"
    cancel_grace: float = 1.0
    exit_grace: float = 1.0
    asgi_version: str = "3.0"
    spec_version: str = "2.0"
    with_state: bool = True
    emulate: str | None = None  # a server name from emulate.SERVERS
    # Smoke requests sent between startup and shutdown (--probe, see probe.py).
    probes: tuple[str, ...] = ()
    probe_status: tuple[str, ...] = ()
    probe_timeout: float = 10.0


BACKENDS = ("asyncio", "trio")
LIFESPAN_MODES = ("auto", "on")


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """What the child needs to import the app (known before the CLI is fully parsed)."""

    target: str
    app_dir: str | None = "."
    env_file: str | None = None
    factory: bool = False
    import_timeout: float = 60.0
    # --profile: the child starts with -X importtime to time the target's import.
    profile: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoadOptions:
        return cls(**data)


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Everything after the import: how to drive and watch the lifespan."""

    backend: str = "asyncio"
    block_threshold: float = 0.25
    drive: DriveOptions = field(default_factory=DriveOptions)
    # --profile: sample startup and shutdown (profiling/sampler.py).
    profile: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunOptions:
        values = dict(data)
        drive = dict(values.get("drive", {}))
        for key in ("probes", "probe_status"):  # JSON brings tuples back as lists
            if key in drive:
                drive[key] = tuple(drive[key])
        values["drive"] = DriveOptions(**drive)
        return cls(**values)
