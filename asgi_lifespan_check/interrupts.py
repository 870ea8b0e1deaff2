"""Ctrl+C, SIGTERM and SIGHUP while checks run: one state machine for every way in.

Ctrl+C once asks the running checks where their apps are (`first`); a second Ctrl+C
stops them at once (`second`). SIGTERM (a cancelled CI job, `timeout`) and SIGHUP (a
closed terminal) stop them at once too: the default action would end this process and
leave its children without their supervisor. Only the main thread can install handlers;
elsewhere the checks run without them.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

Notice = Callable[[str], None]
STOP_SIGNALS = ("SIGTERM", "SIGHUP")


@contextlib.contextmanager
def handled(
    first: Callable[[], None],
    second: Callable[[str], None],
    notice: Notice | None,
    asking: str = "where the app is",
) -> Iterator[None]:
    """Install the handlers for the block; `second(reason)` gets why it stops."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    presses = 0

    def on_sigint(signum: int, frame: Any) -> None:
        nonlocal presses
        presses += 1
        if presses == 1:
            if notice is not None:
                notice(f"interrupted: finding out {asking} (Ctrl+C again to stop now)")
            first()
        else:
            second("a second Ctrl+C")

    def on_stop(signum: int, frame: Any) -> None:
        name = signal.Signals(signum).name
        if notice is not None:
            notice(f"{name}: stopping now")
        second(name)

    previous = {signal.SIGINT: signal.signal(signal.SIGINT, on_sigint)}
    for name in STOP_SIGNALS:
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, on_stop)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
