"""The child interpreter that runs the app: `python -m asgi_lifespan_check._child CTRL EVT DUMP`.

CTRL is a pipe of JSON-line commands from the supervisor (load, run, interrupt);
EVT is where events go as JSON lines; DUMP receives faulthandler's stack dumps (on a
fatal signal, or on SIGUSR1 when the supervisor asks). The app's own stdout and stderr
are left alone: the supervisor captures them separately. A profiled child (`-X
importtime`) gets two more: its own fd 2's read end, and the app's stderr pipe.
"""

from __future__ import annotations

import contextlib
import faulthandler
import json
import os
import queue
import signal
import sys
import threading
import traceback
from typing import Any

from .awaits import thread_names
from .errors import LifespanCheckError
from .events import PipeSink, Recorder
from .options import LoadOptions, RunOptions
from .runner import Runner

# Every this many seconds the watchdog tells the supervisor it is alive (a child holding
# the GIL goes quiet, which is how the supervisor tells it from a merely blocked loop).
ALIVE_EVERY_S = 0.25


class Control:
    """Reads commands from the supervisor in a thread of its own."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self.commands: queue.Queue[dict[str, Any]] = queue.Queue()
        self.on_interrupt: Any = None
        self._thread = threading.Thread(
            target=self._read, name="lifespan-check-control", daemon=True
        )
        self._thread.start()

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                _orphaned()
                return
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                if not line.strip():
                    continue
                command = json.loads(line)
                if command.get("cmd") == "interrupt":
                    if self.on_interrupt is not None:
                        self.on_interrupt()
                else:
                    self.commands.put(command)

    def next(self) -> dict[str, Any]:
        return self.commands.get()


def _orphaned() -> None:
    """The supervisor is gone: take the whole process group down with us."""
    try:
        os.killpg(os.getpgrp(), signal.SIGKILL)
    finally:
        os._exit(1)


def _exit_now() -> None:
    os._exit(0)


def _exit_like_python() -> None:
    """Wait for non-daemon threads and run atexit hooks as an exiting interpreter would,
    then skip the slow part of finalization. The supervisor times this (LC408)."""
    import atexit

    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None:
        shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(0)


def _alive_ticker(recorder: Recorder, runner: Runner) -> Any:
    state = {"last": 0.0, "count": 0}

    def tick() -> None:
        import time

        now = time.perf_counter()
        if now - state["last"] < ALIVE_EVERY_S:
            return
        state["last"] = now
        state["count"] += 1
        event: dict[str, Any] = {
            "kind": "alive",
            "t": recorder.rel(now),
            "phase": runner.watchdog.phase,
        }
        if state["count"] % 4 == 1:
            event["threads"] = thread_names()
        recorder.emit(event)

    return tick


def main(argv: list[str]) -> None:
    ctrl_fd, event_fd, dump_fd = (int(a) for a in argv[1:4])
    faulthandler.enable(file=dump_fd, all_threads=True)
    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1, file=dump_fd, all_threads=True, chain=False)
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    capture = phases = None
    sink: Any = PipeSink(event_fd)
    if len(argv) > 5:
        from .profiling.imports import PhaseTimes, start

        capture, phases = start(argv), PhaseTimes()
        if capture is not None:
            sink = phases.watching(capture.marking(sink))
    recorder = Recorder(sink)
    control = Control(ctrl_fd)
    try:
        _load_and_drive(recorder, control, capture, phases)
    except LifespanCheckError as exc:
        # A problem with the request (an unreadable --env-file...), not with the app.
        recorder.emit({"kind": "usage_error", "message": str(exc)})
        recorder.done()
        _exit_now()
    except Exception:
        # A bug of ours: the app's own errors never get here, they are findings.
        recorder.emit({"kind": "internal_error", "traceback": traceback.format_exc()})
        recorder.done()
        _exit_now()
    _exit_like_python()


def _load_and_drive(recorder: Recorder, control: Control, capture: Any, phases: Any) -> None:
    command = control.next()
    if command.get("cmd") != "load":
        _exit_now()
    load = LoadOptions.from_dict(command["load"])
    runner = Runner(recorder, isolated=True, fatal=_exit_now)
    control.on_interrupt = runner.interrupt
    runner.watchdog.extra_ticks.append(_alive_ticker(recorder, runner))
    runner.meta(load.target)
    recorder.meta(main_thread=threading.get_ident())
    sys.argv = ["lifespan-check", load.target]
    loaded = runner.load(load)
    if capture is not None and phases is not None:
        # Usually free: the supervisor is still starting up before it sends "run".
        target = load.target.partition(":")[0]
        recorder.emit(capture.event(target, runner.classifier, phases))
    if loaded is not None:
        command = control.next()
        if command.get("cmd") != "run":
            _exit_now()
        run = RunOptions.from_dict(command["run"])
        runner.drive(loaded, run)
    if capture is not None:
        capture.flush()  # the app's last stderr lines, before "done"
    runner.finish()


if __name__ == "__main__":
    main(sys.argv)
