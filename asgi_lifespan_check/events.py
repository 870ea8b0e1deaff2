"""The event stream a run produces, and the recorder that stamps and emits it.

A run, in-process or in the child interpreter, only ever emits events. The report is
built from the same events whether they arrived over the child's pipe or in a list, so
both modes share one report builder. Events are plain JSON-able dicts with a "kind":

    meta         facts about the run (target, python, backend, interface, ...)
    phase_start  {"phase", "t", "deadline_s"}
    phase_end    {"phase", "t", "status"}
    message      a lifespan message crossing the channel (model.Message fields)
    finding      a finding (model.Finding fields)
    state_keys   {"keys"}: the keys the app put in scope["state"]
    probe        the result of one --probe request
    import_profile / profile_samples   --profile's data (profiling/)
    done         {"t"}: the run finished and nothing more will come

and, for the supervisor only (the report ignores them): alive and threads (the child's
watchdog is alive; names of live threads), usage_error and internal_error (the child
could not do the check at all).
"""

from __future__ import annotations

import errno
import json
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from .model import Finding, Message

Event = dict[str, Any]
Sink = Callable[[Event], None]


class Recorder:
    """Stamps events with seconds since `t0` (a `time.perf_counter()` value) and emits them."""

    def __init__(self, sink: Sink, t0: float | None = None) -> None:
        self._sink = sink
        self.t0 = time.perf_counter() if t0 is None else t0
        self._lock = threading.Lock()
        self.closed = False

    def rel(self, t: float) -> float:
        return t - self.t0

    def emit(self, event: Event) -> None:
        with self._lock:
            if self.closed:
                return
            if event["kind"] == "done":
                self.closed = True
            self._sink(event)

    def meta(self, **facts: Any) -> None:
        self.emit({"kind": "meta", **facts})

    def phase_start(self, phase: str, t: float, deadline_s: float | None = None) -> None:
        self.emit(
            {"kind": "phase_start", "phase": phase, "t": self.rel(t), "deadline_s": deadline_s}
        )

    def phase_end(self, phase: str, t: float | None, status: str) -> None:
        rel = None if t is None else self.rel(t)
        self.emit({"kind": "phase_end", "phase": phase, "t": rel, "status": status})

    def message(self, message: Message) -> None:
        self.emit({"kind": "message", **message.to_dict()})

    def finding(self, finding: Finding) -> None:
        self.emit({"kind": "finding", **finding.to_dict()})

    def state_keys(self, keys: list[str]) -> None:
        self.emit({"kind": "state_keys", "keys": keys})

    def done(self, t: float | None = None) -> None:
        self.emit({"kind": "done", "t": self.rel(time.perf_counter() if t is None else t)})


class ListSink:
    """Keeps events in memory (in-process runs)."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)


# The child's exit status when the app closed its event pipe (os.closerange): with no
# way to report, it stops, and the supervisor says why.
CHANNEL_CLOSED_STATUS = 213


class PipeSink:
    """Writes events as JSON lines to a file descriptor (the child's event pipe)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self.broken = False

    def __call__(self, event: Event) -> None:
        if self.broken:
            return
        data = (json.dumps(event, default=repr, ensure_ascii=False) + "\n").encode(
            "utf-8", "replace"
        )
        try:
            while data:
                written = os.write(self._fd, data)
                data = data[written:]
        except OSError as exc:
            if exc.errno == errno.EBADF:
                os._exit(CHANNEL_CLOSED_STATUS)  # the app closed it: nothing can reach us
            # The supervisor is gone: it reports the missing events as a crash.
            self.broken = True


def decode_lines(buffer: bytes) -> tuple[list[Event], bytes]:
    """Complete JSON lines of `buffer` as events, and the incomplete rest."""
    *lines, rest = buffer.split(b"\n")
    events = []
    for line in lines:
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and "kind" in event:
            events.append(event)
    return events, rest
