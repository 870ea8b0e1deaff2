"""SIGINT/SIGTERM handlers the app installs during its lifespan (LC410).

A server installs its own handlers for these two signals before it runs the lifespan;
an app that installs others (`loop.add_signal_handler`, `signal.signal`) replaces the
server's, which then no longer stops on Ctrl+C or on the orchestrator's SIGTERM.
"""

from __future__ import annotations

import signal
import sys
from typing import Any

from .frames import CodeClassifier, make_frame
from .model import Frame

WATCHED = ("SIGINT", "SIGTERM")


def snapshot() -> dict[str, Any]:
    """The current handler of each watched signal."""
    out = {}
    for name in WATCHED:
        number = getattr(signal, name, None)
        if number is not None:
            out[name] = signal.getsignal(number)
    return out


def replaced(before: dict[str, Any]) -> list[str]:
    """The watched signals whose handler is no longer what `before` recorded."""
    now = snapshot()
    return [name for name in WATCHED if name in before and now.get(name) is not before[name]]


def handler_of(name: str, classifier: CodeClassifier) -> tuple[str, Frame | None]:
    """What now handles signal `name`: a readable name and where it is defined. An asyncio
    loop's handler (add_signal_handler) is looked up in the running loop."""
    number = getattr(signal, name)
    handler: Any = signal.getsignal(number)
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None and getattr(handler, "__name__", "") == "_sighandler_noop":
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        entry = getattr(loop, "_signal_handlers", {}).get(number)
        callback = getattr(entry, "_callback", None)
        if callback is not None:
            handler = callback
    if handler in (signal.SIG_IGN, signal.SIG_DFL) or handler is None:
        return ("ignored" if handler == signal.SIG_IGN else "the default action"), None
    function = getattr(handler, "__func__", handler)
    label = getattr(handler, "__qualname__", None) or type(handler).__qualname__
    code = getattr(function, "__code__", None)
    if code is None:
        return label, None
    return label, make_frame(code.co_filename, code.co_firstlineno, code.co_qualname, classifier)
