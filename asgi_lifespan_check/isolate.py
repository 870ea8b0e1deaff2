"""The supervisor: runs the app in a child interpreter and survives whatever it does.

The child gets its own process group. Events come back over a dedicated pipe, the app's
stdout and stderr over two more, and faulthandler's dumps over a fourth. The supervisor
enforces a wall-clock deadline per phase; a child that stops answering (a C extension
holding the GIL) gets a stack dump request (SIGUSR1), then SIGTERM, then SIGKILL. At the
end the whole process group is killed, so nothing the app started outlives the check.
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._orphans import kill_marked
from ._spawn import RUN_MARKER, Spawned, send, start
from .awaits import OWN_THREAD_PREFIX
from .errors import SupervisorError
from .events import CHANNEL_CLOSED_STATUS, Event, decode_lines
from .model import Finding, Frame, Output, Severity
from .options import LoadOptions, RunOptions

# How much of each output stream the report keeps (the tail).
OUTPUT_CAP = 64 * 1024
# After "done", how long the child may take to exit before it is LC408.
EXIT_GRACE_S = 1.0
# Past a phase's deadline, how long the child may stay silent before it counts as hung.
SILENCE_S = 1.0
# The last resort: past a phase's deadline by this much, stop waiting in any case.
CEILING_S = 5.0
# How long a child may take to start up before its import begins.
BOOT_S = 10.0
# Between SIGUSR1 (stack dump), SIGTERM and SIGKILL.
DUMP_WAIT_S = 0.5
TERM_WAIT_S = 0.5


class _Tail:
    """The last OUTPUT_CAP bytes of a stream, and how many bytes there were in all."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        self.data += chunk
        if len(self.data) > 2 * OUTPUT_CAP:
            del self.data[: len(self.data) - OUTPUT_CAP]

    def text(self) -> str:
        data = bytes(self.data[-OUTPUT_CAP:])
        return data.decode("utf-8", "replace")


@dataclass
class ChildResult:
    """What came back from the child: its events, its output and the supervisor's findings."""

    events: list[Event]
    output: Output
    supervisor_events: list[Event] = field(default_factory=list)
    usage_error: str | None = None
    internal_error: str | None = None


class Child:
    """One child interpreter running one target."""

    def __init__(
        self,
        load: LoadOptions,
        *,
        spawned: Spawned | None = None,
        python: str | None = None,
    ) -> None:
        self.load = load
        self._events: list[Event] = []
        self._extra: list[Event] = []
        self._stdout = _Tail()
        self._stderr = _Tail()
        self._dump = bytearray()
        self._buffer = b""
        self._phase: str | None = None
        self._phase_ends_at: float | None = None
        self._deadlines: dict[str, float | None] = {}
        self._last_heard = time.monotonic()
        self._threads: dict[int, str] = {}
        self._daemons: dict[int, bool] = {}
        self._escalated = False
        self._started_at = time.monotonic()
        self._main_thread: int | None = None
        self._t0: float | None = None
        self._done_at: float | None = None
        self._status: int | None = None
        self._interrupts = 0
        self._stopped_by: str | None = None
        self._reaped = False
        self._closed = False
        self._interrupted_at: float | None = None
        self._usage_error: str | None = None
        self._internal_error: str | None = None
        self._cancel_grace = 1.0
        self._exit_grace = 1.0
        self._on_event: Callable[[Event], None] | None = None
        if spawned is None:  # else it was started early, and told what to load already
            try:
                spawned = start(load.to_dict(), python)
            except OSError as exc:
                raise SupervisorError(f"could not start the child interpreter: {exc}") from exc
        self.pid = spawned.pid
        self._fds = spawned

    # The process ------------------------------------------------------------------------

    def poll(self) -> int | None:
        """The child's exit status (negative: killed by that signal), or None if running.

        The child is not reaped here: as a zombie it keeps its pid, which is also its
        process group's id, so killing the group afterwards cannot hit a process that
        reused the number. reap() releases it, last.
        """
        if self._status is None and not self._reaped:
            try:
                info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                return self._status
            if info is not None and info.si_pid == self.pid:
                exited = info.si_code == os.CLD_EXITED
                self._status = info.si_status if exited else -info.si_status
        return self._status

    def reap(self) -> None:
        """Release the exited child's pid (after which it must not be signalled)."""
        if not self._reaped:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self._reaped = True

    def wait(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while self.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        return self._status

    # Commands -------------------------------------------------------------------------------

    def _send(self, command: dict[str, Any]) -> None:
        if not self._closed:  # our pipe's number may belong to another child by now
            send(self._fds, command)

    def run(self, options: RunOptions) -> None:
        self._cancel_grace = options.drive.cancel_grace
        self._exit_grace = options.drive.exit_grace
        self._send({"cmd": "run", "run": options.to_dict()})

    def interrupt(self) -> None:
        """First Ctrl+C: ask the child where the app is (a second one: stop_now)."""
        self._interrupts += 1
        if self._interrupts == 1:
            self._interrupted_at = time.monotonic()
            self._send({"cmd": "interrupt"})
        else:
            self.stop_now("a second Ctrl+C")

    def stop_now(self, reason: str) -> None:
        """Kill the child at once; the report says it was stopped, and by what."""
        self._stopped_by = reason
        self.kill()

    def kill(self) -> None:
        """Kill the child's whole process group, now (never once it is reaped)."""
        if self._reaped:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)

    # Supervision ------------------------------------------------------------------------

    def collect(self, on_event: Callable[[Event], None] | None = None) -> ChildResult:
        """Supervise the child until it is done and gone; return what it reported."""
        selector = selectors.DefaultSelector()
        fds = self._fds
        streams: dict[int, Callable[[bytes], Any]] = {
            fds.evt_r: self._on_events,
            fds.out_r: self._stdout.add,
            fds.err_r: self._stderr.add,
            fds.dump_r: self._dump.extend,
        }
        for fd in streams:
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ)
        self._on_event = on_event
        try:
            while True:
                for key, _ in selector.select(timeout=0.05):
                    self._drain(key.fd, streams[key.fd], selector)
                if self._finished():
                    break
                self._police(time.monotonic())
            for fd, handler in streams.items():  # what is still buffered in the pipes
                with contextlib.suppress(KeyError, ValueError):
                    selector.get_key(fd)
                    self._drain(fd, handler, selector, once=True)
        finally:
            self.kill()
            self.wait(2.0)
            self.reap()
            # What left the process group (daemons) goes too; the CLI, a subreaper, would
            # also get them back at its very end, the API and the plugin never would.
            kill_marked(RUN_MARKER, self._fds.marker)
            selector.close()
            self._close_fds()
        self._conclude()
        return ChildResult(
            events=self._events,
            output=Output(
                stdout=self._stdout.text(),
                stderr=self._stderr.text(),
                stdout_bytes=self._stdout.total,
                stderr_bytes=self._stderr.total,
            ),
            supervisor_events=self._extra,
            usage_error=self._usage_error,
            internal_error=self._internal_error,
        )

    def _drain(
        self,
        fd: int,
        handler: Callable[[bytes], Any],
        selector: selectors.BaseSelector,
        once: bool = False,
    ) -> None:
        for _ in range(1 if once else 16):
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                with contextlib.suppress(KeyError, ValueError):
                    selector.unregister(fd)
                return
            handler(chunk)
            if len(chunk) < 65536:
                return

    def _on_events(self, chunk: bytes) -> None:
        if self._escalated:
            return  # what a child says after our signals hit it is an artefact of them
        self._last_heard = time.monotonic()
        events, self._buffer = decode_lines(self._buffer + chunk)
        for event in events:
            kind = event.get("kind")
            if kind in ("alive", "threads"):
                for thread in event.get("threads") or ():
                    ident = thread.get("ident")
                    if isinstance(ident, int):  # a thread still starting has none yet
                        self._threads[ident] = str(thread.get("name"))
                        self._daemons[ident] = bool(thread.get("daemon"))
                continue
            if kind == "meta":
                self._t0 = event.get("t0", self._t0)
                self._main_thread = event.get("main_thread", self._main_thread)
            elif kind == "phase_start":
                self._phase = event["phase"]
                limit = event.get("deadline_s")
                self._deadlines[self._phase] = limit
                self._phase_ends_at = None if limit is None else time.monotonic() + limit
            elif kind == "phase_end" and event.get("phase") == self._phase:
                self._phase_ends_at = None
            elif kind == "done":
                self._done_at = time.monotonic()
            elif kind == "usage_error":
                self._usage_error = str(event.get("message"))
            elif kind == "internal_error":
                self._internal_error = str(event.get("traceback"))
            self._events.append(event)
            if self._on_event is not None:
                self._on_event(event)

    def _finished(self) -> bool:
        return self.poll() is not None

    def _police(self, now: float) -> None:
        """Enforce deadlines on a child that cannot enforce them itself."""
        if self._done_at is not None:
            if now - self._done_at > EXIT_GRACE_S:
                self._would_not_exit()
            return
        if self._interrupted_at is not None and now - self._interrupted_at > 2.0:
            self._unresponsive("interrupt")
            return
        ends = self._phase_ends_at
        if ends is None and self._phase is None:
            # No phase yet: the child is starting up. Give it the import's time, plus a
            # margin for its own start, then treat it as hung like any other phase.
            ends = self._started_at + self.load.import_timeout + BOOT_S
        if ends is None:
            return
        silent = now - self._last_heard > SILENCE_S
        margin = self._cancel_grace + self._exit_grace + CEILING_S
        if (now > ends + 0.5 and silent) or now > ends + margin:
            self._unresponsive("deadline")

    def _dump_stacks(self) -> str:
        """Ask faulthandler in the child for every thread's stack, and read it."""
        start = len(self._dump)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(self.pid, signal.SIGUSR1)
        deadline = time.monotonic() + DUMP_WAIT_S
        while time.monotonic() < deadline:
            try:
                chunk = os.read(self._fds.dump_r, 65536)
                if chunk:
                    self._dump += chunk
                    if b"\n\n" in chunk or chunk.endswith(b"\n"):
                        time.sleep(0.02)
                        continue
            except BlockingIOError:
                if len(self._dump) > start:
                    break
            time.sleep(0.01)
        return bytes(self._dump[start:]).decode("utf-8", "replace")

    def _stop(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGTERM)
        self.wait(TERM_WAIT_S)
        self.kill()

    def _rel_now(self) -> float | None:
        return None if self._t0 is None else time.perf_counter() - float(self._t0)

    def _unresponsive(self, why: str) -> None:
        self._escalated = True
        phase = self._phase or "import"
        dump = self._dump_stacks()
        self._stop()
        threads = parse_faulthandler(dump)
        main = _main_stack(threads, self._main_thread)
        where = _innermost_user(main)
        rel = self._rel_now()
        if why == "interrupt":
            code = "LC110"
            message = (
                f"interrupted during {phase}; the app's process did not answer, so it was stopped"
            )
        else:
            code = {
                "import": "LC007",
                "factory": "LC007",
                "startup": "LC103",
                "shutdown": "LC203",
            }.get(phase, "LC103")
            limit = self._deadlines.get(phase)
            message = (
                f"{phase} did not finish within {limit:g} s and the app's process stopped "
                "responding: the main thread held the GIL (typically a C extension or a "
                "blocking call that does not release it), so even the watchdog could not run. "
                "It was stopped with SIGTERM/SIGKILL."
                if limit is not None
                else f"the app's process stopped responding during {phase} and was stopped"
            )
        if where is not None:
            message += f" Its main thread was in {where.function}() at {where.where}."
        self._extra.append(
            {
                "kind": "phase_end",
                "phase": phase,
                "t": rel,
                "status": "interrupted" if why == "interrupt" else "timeout",
            }
        )
        self._skip_unreached()
        self._extra.append(
            _finding_event(
                code,
                phase,
                message,
                where,
                main,
                rel,
                {"dump": dump, "threads": self._label(threads)},
            )
        )

    def _would_not_exit(self) -> None:
        dump = self._dump_stacks()
        self.kill()
        threads = parse_faulthandler(dump)
        # What keeps an interpreter alive: its non-daemon threads (ours are daemons).
        holders = [
            t
            for t in threads
            if t["ident"] != self._main_thread and not self._daemons.get(t["ident"], False)
        ]
        main = _main_stack(threads, self._main_thread)
        parts = []
        for thread in self._label(holders):
            stack = [Frame.from_dict(f) for f in thread["stack"]]
            where = _innermost_user(stack)
            at = f" at {where.where} in {where.function}()" if where else ""
            parts.append(f"thread {thread['name']!r}{at}")
        main_where = _innermost_user(main)
        if not parts and main_where is not None:
            parts.append(
                f"the main thread at {main_where.where} in {main_where.function}() (an atexit hook)"
            )
        held = "; ".join(parts) if parts else "non-daemon threads or atexit hooks"
        location = main_where
        if holders:
            location = _innermost_user(
                [Frame.from_dict(f) for f in self._label(holders)[0]["stack"]]
            )
        self._extra.append(
            _finding_event(
                "LC408",
                "shutdown",
                f"the app's interpreter did not exit within {EXIT_GRACE_S:g} s after the check; it "
                f"was held by {held}. It was killed.",
                location,
                main,
                self._rel_now(),
                {"dump": dump, "threads": self._label(threads)},
                severity="warning",
            )
        )
        self._done_at = None

    def _label(self, threads: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for thread in threads:
            ident = thread["ident"]
            if self._threads.get(ident, "").startswith(OWN_THREAD_PREFIX):
                continue
            name = self._threads.get(ident) or (
                "MainThread" if ident == self._main_thread else hex(ident)
            )
            out.append(
                {"ident": ident, "name": name, "stack": [f.to_dict() for f in thread["frames"]]}
            )
        return out

    def _conclude(self) -> None:
        """Turn an exit without "done" into a crash finding."""
        if any(e.get("kind") == "done" for e in self._events) or any(
            e.get("kind") == "finding" for e in self._extra
        ):
            return
        status = self._status
        phase = self._phase or "import"
        rel = self._rel_now()
        if self._stopped_by is not None:
            self._extra.append(
                {"kind": "phase_end", "phase": phase, "t": rel, "status": "interrupted"}
            )
            self._extra.append(
                _finding_event(
                    "LC110",
                    phase,
                    f"stopped at once by {self._stopped_by} during {phase}",
                    None,
                    [],
                    rel,
                    {},
                )
            )
            return
        dump = bytes(self._dump).decode("utf-8", "replace")
        threads = parse_faulthandler(dump)
        main = _main_stack(threads, self._main_thread)
        where = _innermost_user(main)
        at = f"; the main thread was in {where.function}() at {where.where}" if where else ""
        if status is not None and status < 0:
            name = _signal_name(-status)
            message = f"the app's process was killed by {name} during {phase}{at}"
            finding = _finding_event(
                "LC601",
                phase,
                message,
                where,
                main,
                rel,
                {"signal": name, "signum": -status, "dump": dump},
            )
        else:
            message = (
                f"the app closed lifespan-check's event pipe during {phase}, so the check "
                "could not go on: it closes file descriptors it did not open (os.closerange "
                "or a daemonizing library does)"
                if status == CHANNEL_CLOSED_STATUS
                else f"the app's process exited with status {status} during {phase}{at}"
            )
            finding = _finding_event(
                "LC602", phase, message, where, main, rel, {"status": status, "dump": dump}
            )
        self._extra.append({"kind": "phase_end", "phase": phase, "t": rel, "status": "failed"})
        self._extra.append(finding)
        self._skip_unreached()

    def _skip_unreached(self) -> None:
        """The phases the child never started, as skipped."""
        for later in ("startup", "shutdown"):
            if later not in self._deadlines:
                self._extra.append(
                    {"kind": "phase_end", "phase": later, "t": None, "status": "skipped"}
                )

    def _close_fds(self) -> None:
        self._closed = True
        for fd in self._fds.fds():
            with contextlib.suppress(OSError):
                os.close(fd)


def _finding_event(
    code: str,
    phase: str,
    message: str,
    location: Frame | None,
    stack: list[Frame],
    t_s: float | None,
    details: dict[str, Any],
    severity: Severity | None = None,
) -> Event:
    from . import findings

    finding: Finding = findings.make(
        code,
        phase=phase,
        message=message,
        location=location,
        stack=tuple(stack),
        t_s=t_s,
        details=details,
        severity=severity,
    )
    return {"kind": "finding", **finding.to_dict()}


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


_THREAD_HEADER = re.compile(r"^(Current thread|Thread) (0x[0-9a-fA-F]+)")
_FRAME_LINE = re.compile(r'^\s+File "(.*)", line (\d+) in (.*)$')


def parse_faulthandler(text: str) -> list[dict[str, Any]]:
    """Threads and frames (outermost first) from faulthandler's dump format."""
    from .frames import CodeClassifier, make_frame

    classifier = CodeClassifier()
    threads: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for line in text.splitlines():
        header = _THREAD_HEADER.match(line)
        if header:
            current = {
                "ident": int(header.group(2), 16),
                "current": header.group(1) != "Thread",
                "frames": [],
            }
            threads.append(current)
            continue
        frame = _FRAME_LINE.match(line)
        if frame and current is not None:
            current["frames"].append(
                make_frame(frame.group(1), int(frame.group(2)), frame.group(3), classifier)
            )
    for thread in threads:
        thread["frames"].reverse()  # faulthandler prints the most recent call first
    return threads


def _main_stack(threads: list[dict[str, Any]], main_ident: int | None) -> list[Frame]:
    for thread in threads:
        if thread["ident"] == main_ident:
            return list(thread["frames"])
    for thread in threads:
        if thread["current"]:
            return list(thread["frames"])
    return list(threads[0]["frames"]) if threads else []


def _innermost_user(frames: list[Frame]) -> Frame | None:
    from .frames import below_tool, innermost_user

    return innermost_user(below_tool(frames))
