"""Which layer stopped the lifespan: the code the app ran before its first receive().

The driver records it on every run (LC404 needs it); structure.py reads it after the run.
Kept apart from structure.py so a run that refuses nothing does not import the walker.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import CodeType, FrameType
from typing import Any

_TRACE_CAP = 10_000


class EntryTrace:
    """Records the code objects entered before the app's first `receive()`.

    A lifespan that is refused (an exception, or a return without a word) never reaches
    the layer with the handlers; the deepest layer that ran is the one that stopped it.
    A profile hook is cheap for the few calls that happen before the first receive,
    and it stops by itself after a bounded number of calls.
    """

    def __init__(self, cap: int = _TRACE_CAP) -> None:
        self.codes: set[CodeType] = set()
        self.last_line: dict[CodeType, int] = {}  # where each code last returned or yielded
        self._cap = cap
        self._calls = 0
        self._previous: Any = None
        self._active = False

    def start(self) -> None:
        self._previous = sys.getprofile()
        self._active = True
        sys.setprofile(self._profile)

    def stop(self) -> None:
        if self._active:
            self._active = False
            sys.setprofile(self._previous)

    def _profile(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            self.codes.add(frame.f_code)
            self._calls += 1
            if self._calls >= self._cap:
                self.stop()
        elif event == "return":
            self.last_line[frame.f_code] = frame.f_lineno
        if self._previous is not None:
            self._previous(frame, event, arg)


@dataclass(frozen=True, slots=True)
class Refusal:
    """How the top-level app turned the lifespan down, as the driver saw it."""

    kind: str  # "raised" (LC106) or "ignored" (LC107)
    exc: BaseException | None = None
    entered: frozenset[CodeType] = frozenset()
    t: float | None = None  # perf_counter() when the app's lifespan ended
    last_line: Mapping[CodeType, int] = field(default_factory=dict)
