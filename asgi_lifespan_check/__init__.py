"""asgi-lifespan-check: drive an ASGI app's lifespan, time it, and explain what went wrong.

The public API is imported lazily so that the command line's start-up stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .api import check, check_sync
    from .errors import LifespanCheckError, UsageError
    from .model import Finding, Frame, Phase
    from .report import Report

__all__ = [
    "Finding",
    "Frame",
    "LifespanCheckError",
    "Phase",
    "Report",
    "UsageError",
    "__version__",
    "check",
    "check_sync",
]

_LAZY = {
    "check": "api",
    "check_sync": "api",
    "LifespanCheckError": "errors",
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
