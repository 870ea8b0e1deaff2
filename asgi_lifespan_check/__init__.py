"""asgi-lifespan-check: drive an ASGI app's lifespan, time it, and explain what went wrong.

    from asgi_lifespan_check import assert_lifespan_ok, check

    async def test_app_starts_and_stops() -> None:
        report = await check("app.main:app", startup_timeout=5, max_startup=2.0)
        assert_lifespan_ok(report)

`check` (async) and `check_sync` return a `Report`; the app's failures are findings in
it, never exceptions. The names below are imported lazily, on first use, so that
importing the package (which the command line does first) stays cheap.
"""

from __future__ import annotations

from ._version import __version__

TYPE_CHECKING = False  # typing costs ~10 ms; nothing may delay the child's spawn
if TYPE_CHECKING:
    from typing import Any

    from .api import CheckOptions, check, check_sync
    from .assertions import assert_lifespan_ok
    from .errors import (
        BackendUnavailable,
        ConfigError,
        EnvFileError,
        EventLoopRunning,
        LifespanCheckError,
        LifespanCheckFailed,
        SupervisorError,
        TargetError,
        UsageError,
    )
    from .model import Finding, Frame, Phase
    from .report import Report

__all__ = [
    "BackendUnavailable",
    "CheckOptions",
    "ConfigError",
    "EnvFileError",
    "EventLoopRunning",
    "Finding",
    "Frame",
    "LifespanCheckError",
    "LifespanCheckFailed",
    "Phase",
    "Report",
    "SupervisorError",
    "TargetError",
    "UsageError",
    "__version__",
    "assert_lifespan_ok",
    "check",
    "check_sync",
]

_LAZY = {
    "check": "api",
    "check_sync": "api",
    "CheckOptions": "api",
    "assert_lifespan_ok": "assertions",
    "BackendUnavailable": "errors",
    "ConfigError": "errors",
    "EnvFileError": "errors",
    "EventLoopRunning": "errors",
    "LifespanCheckError": "errors",
    "LifespanCheckFailed": "errors",
    "SupervisorError": "errors",
    "TargetError": "errors",
    "UsageError": "errors",
    "Finding": "model",
    "Frame": "model",
    "Phase": "model",
    "Report": "report",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'asgi_lifespan_check' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    # The documented names only, not the helpers this module imports for itself.
    return sorted({*__all__, *(n for n in globals() if n.startswith("__"))})
