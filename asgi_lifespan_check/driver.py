"""The lifespan protocol, driven from the server's side.

The driver plays the server: it builds the scope, hands `lifespan.startup` and
`lifespan.shutdown` to the app's `receive()`, judges every `send()` against the state
machine, stamps each message where it crosses the channel, and turns what happens into
findings. Deadlines are enforced in the loop; when the loop itself is blocked, the
watchdog thread takes over (see `watch.py`).
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from . import findings, protocol, signals
from .awaits import AwaitChain, TaskInfo, ThreadInfo, thread_infos
from .entry_trace import EntryTrace, Refusal
from .events import Recorder
from .frames import (
    CodeClassifier,
    clip,
    describe_exception,
    innermost_user,
    is_cancellation,
    parse_traceback_text,
    stack_of,
)
from .model import Finding, Frame, Message, duration
from .options import DriveOptions
from .runtime import Handle, Runtime, Signal
from .state import TrackedScope, TrackedState
from .watch import BEAT_S, BlockEpisode, Watchdog


@dataclass
class _Sent:
    """The app's answer to a lifespan event."""

    type: str
    t: float
    text: str | None
    stack: tuple[Frame, ...]
    exc: BaseException | None = None  # what the app was handling when it sent this


@dataclass
class _AppEnd:
    t: float
    exc: BaseException | None
    cancelled_by_us: bool


@dataclass
class _Violation:
    code: str
    message: str
    t: float
    stack: tuple[Frame, ...]
    problem: str | None = None


@dataclass
class DriveResult:
    """What the runner needs after driving: where the conversation ended."""

    shutdown_complete: bool = False
    leftover_tasks: list[TaskInfo] = field(default_factory=list)
    refusal: Refusal | None = None  # how the app turned the lifespan down (LC106/LC107)


class Driver:
    """Drives one app through one lifespan and records what happened."""

    def __init__(
        self,
        app: Callable[..., Any],
        options: DriveOptions,
        recorder: Recorder,
        runtime: Runtime,
        classifier: CodeClassifier,
        watchdog: Watchdog | None = None,
    ) -> None:
        self.app = app
        self.options = options
        self.recorder = recorder
        self.runtime = runtime
        self.classifier = classifier
        self.watchdog = watchdog
        self.protocol = protocol.LifespanProtocol()
        self.emulation = _emulation(options.emulate)
        self.state = TrackedState(classifier)
        self.scope: dict[str, Any] = (
            self.emulation.scope(options.asgi_version)
            if self.emulation is not None
            else {
                "type": "lifespan",
                "asgi": {"version": options.asgi_version, "spec_version": options.spec_version},
            }
        )
        self.scope = TrackedScope(self.scope, classifier=classifier)
        if options.with_state:
            dict.__setitem__(self.scope, "state", self.state)  # ours: not an app's write
        self.entry_trace = EntryTrace()
        self._inbox: deque[str] = deque()
        self._answers: dict[str, _Sent] = {}
        self._receive_stacks: dict[str, tuple[Frame, ...]] = {}
        self._violation: _Violation | None = None
        # lifespan.shutdown.failed sent while running: the lifespan died (Starlette's way).
        self._failed_while_running: _Sent | None = None
        self._end: _AppEnd | None = None
        self._cancel_requested = False
        self._interrupt_requested = False
        self.interrupt_seen = threading.Event()
        self._listening = True
        self._final_delivered = False
        self._receive_after_final = False
        self._waiting_in_receive = False
        self._last_receive: tuple[Frame, ...] = ()
        self._unsupported = False  # it turned the lifespan down, and that is a warning
        self._task: Handle | None = None
        self._beat_task: Handle | None = None
        self._phase = "startup"
        self._running_entered = False
        self._phase_deadline: float | None = None
        self._finished = False
        self._app_code = self._run_app.__code__
        self.result = DriveResult()
        # Where the app's lifespan function is defined, when the structure walk found one.
        self.lifespan_definition: Frame | None = None

    @property
    def task(self) -> Handle | None:
        """The app's lifespan task, once startup has begun (the profiler walks it)."""
        return self._task

    # The channel the app sees ---------------------------------------------------------

    async def receive(self) -> dict[str, Any]:
        self.entry_trace.stop()
        caller = self._receive_caller()
        self._last_receive = caller
        while not self._inbox:
            if self._final_delivered:
                self._receive_after_final = True
            self._inbox_signal.clear()
            self._waiting_in_receive = True
            try:
                await self.runtime.wait(self._inbox_signal, None)
            finally:
                self._waiting_in_receive = False
        kind = self._inbox.popleft()
        t = time.perf_counter()
        self._receive_stacks[kind] = caller
        self.protocol.delivered(kind)
        if kind == protocol.SHUTDOWN:
            self._final_delivered = True
            # The state as the app's shutdown finds it (granian empties it before sending).
            self.state.snapshot("shutdown")
            if self.emulation is not None and self.emulation.clears_state:
                self.state.server_clear()
        self.recorder.message(Message(self.recorder.rel(t), "receive", kind))
        return {"type": kind}

    def _receive_caller(self) -> tuple[Frame, ...]:
        """The app's stack at a receive() call (two frames up: receive(), then this)."""
        stack = tuple(stack_of(sys._getframe(2), self.classifier, stop=self._app_code))
        if innermost_user(stack) is None and self._task is not None and self._end is None:
            # receive() runs in a task of its own (asyncio.wait_for): the lifespan task
            # awaits that task, at the user's line.
            stack = self.runtime.chain(self._task).all_frames()
        return stack

    async def send(self, message: Any) -> None:
        t = time.perf_counter()
        kind = message.get("type") if isinstance(message, dict) else None
        raw_type = clip(kind, 200) if isinstance(kind, str) else f"<{type(kind).__name__}>"
        sent_before = tuple(self.protocol.sent)
        verdict = self.protocol.on_send(message)
        if isinstance(verdict, protocol.Accepted) and verdict.type == protocol.STARTUP_COMPLETE:
            self.state.snapshot("startup")  # here, before the app can change it again
        text = verdict.text if isinstance(verdict, protocol.Accepted) else None
        shown = None if text is None else clip(text)
        self.recorder.message(Message(self.recorder.rel(t), "send", raw_type, shown))
        if not self._listening:
            return
        stack = tuple(stack_of(sys._getframe(1), self.classifier, stop=self._app_code))
        if _reports_death(verdict, raw_type):
            if self._failed_while_running is None:
                failure = message.get("message")
                self._failed_while_running = _Sent(
                    raw_type,
                    t,
                    clip(failure) if isinstance(failure, str) else None,
                    stack,
                    sys.exc_info()[1],
                )
        elif isinstance(verdict, protocol.Violation):
            if self._violation is None:
                self._violation = _Violation(
                    verdict.code, verdict.message, t, stack, verdict.problem
                )
        else:
            handling = sys.exc_info()[1] if verdict.type in protocol.FAILED_MESSAGES else None
            self._answers.setdefault(verdict.type, _Sent(verdict.type, t, text, stack, handling))
        self._changed.set()
        if self.emulation is not None:
            code = verdict.code if isinstance(verdict, protocol.Violation) else None
            error = self.emulation.send_error(raw_type, code, sent_before)
            if error is not None:
                raise error

    async def _run_app(self) -> None:
        try:
            self.entry_trace.start()
            await self.app(self.scope, self.receive, self.send)
        except BaseException as exc:
            cancelled = self._cancel_requested and is_cancellation(exc)
            self._end = _AppEnd(time.perf_counter(), None if cancelled else exc, cancelled)
        else:
            self._end = _AppEnd(time.perf_counter(), None, False)
        finally:
            self.entry_trace.stop()
            self._changed.set()

    async def _heartbeat(self) -> None:
        assert self.watchdog is not None
        while True:
            self.watchdog.beat()
            await self.runtime.sleep(BEAT_S)

    # Driving ------------------------------------------------------------------------------

    async def run(self) -> DriveResult:
        self._changed: Signal = self.runtime.signal()
        self._inbox_signal: Signal = self.runtime.signal()
        if self.watchdog is not None:
            self._beat_task = self.runtime.spawn(self._heartbeat, "lifespan-check-heartbeat")
        try:
            if await self._startup():
                if await self._running():
                    await self._shutdown()
            elif self._unsupported and self.options.probes:
                # Servers in 'auto' mode serve such an app all the same (Django).
                await self._probe()
        finally:
            self._listening = False
            if self.watchdog is not None:
                self.watchdog.leave_loop()
            if self._beat_task is not None:
                self._beat_task.cancel()
        return self.result

    def interrupt(self) -> None:
        """Called in the loop thread when the user pressed Ctrl+C."""
        self.interrupt_seen.set()  # the loop turns: no need for the runner's fallback
        self._interrupt_requested = True
        self._changed.set()

    def _enter(self, phase: str, timeout: float | None) -> float:
        now = time.perf_counter()
        self._phase = phase
        self._phase_deadline = None if timeout is None else now + timeout
        self.recorder.phase_start(phase, now, timeout)
        if self.watchdog is not None:
            self.watchdog.enter_phase(phase, self._phase_deadline, loop=True)
        return now

    def _deliver(self, kind: str) -> None:
        self._inbox.append(kind)
        self._inbox_signal.set()

    async def _wait_change(self, deadline: float | None) -> None:
        timeout = None if deadline is None else deadline - time.perf_counter()
        await self.runtime.wait(self._changed, timeout)
        self._changed.clear()

    async def _startup(self) -> bool:
        self._enter("startup", self.options.startup_timeout)
        deadline = self._phase_deadline
        signals_before = signals.snapshot()
        self._deliver(protocol.STARTUP)
        self._task = self.runtime.spawn(self._run_app, "lifespan")
        while True:
            await self._wait_change(deadline)
            if self._interrupt_requested:
                await self._interrupted("startup")
                return False
            if self._violation is not None:
                await self._protocol_error("startup")
                return False
            done = self._answers.get(protocol.STARTUP_COMPLETE)
            failed = self._answers.get(protocol.STARTUP_FAILED)
            if done is not None and not self._late(done.t, deadline):
                self.recorder.phase_end("startup", done.t, "ok")
                self.recorder.state_keys(self.state.key_list())
                self._signal_findings(signals_before, done.t)
                return True
            if failed is not None and not self._late(failed.t, deadline):
                await self._wait_after_failed()
                self._emit_failed_message("LC102", "startup", failed)
                self.recorder.phase_end("startup", failed.t, "failed")
                self._skip("shutdown")
                return False
            if self._end is not None and not self._late(self._end.t, deadline):
                self._startup_ended(self._end)
                self._skip("shutdown")
                return False
            if deadline is not None and time.perf_counter() >= deadline:
                await self._timeout("startup", deadline)
                self._skip("shutdown")
                return False

    def _late(self, t: float, deadline: float | None) -> bool:
        # In-process, a blocked loop lets the phase finish past its deadline before any
        # timer can fire: it still counts as a timeout.
        return deadline is not None and t > deadline

    def _startup_ended(self, end: _AppEnd) -> None:
        nothing = not self.protocol.anything_exchanged
        received = protocol.STARTUP in self.protocol.received
        severity = "error" if self.options.lifespan == "on" else None
        refused = (end.exc is not None and not received) or nothing
        self._unsupported = refused and severity is None
        if refused:
            kind = "ignored" if end.exc is None else "raised"
            entered = frozenset(self.entry_trace.codes)
            lines = dict(self.entry_trace.last_line)
            self.result.refusal = Refusal(kind, end.exc, entered, end.t, lines)
        if end.exc is not None and not received:
            info = describe_exception(end.exc, self.classifier)
            self._finding(
                "LC106",
                "startup",
                end.t,
                f"before its first receive(), the app raised {info.summary}\n"
                "Servers take this as 'lifespan not supported'.",
                location=info.location,
                stack=info.stack,
                severity=severity,
                details=info.details(),
                hint="if the app has startup code, pass non-http scopes through to it; "
                "otherwise this is expected",
            )
            self.recorder.phase_end("startup", end.t, "failed" if severity else "skipped")
        elif end.exc is not None:
            info = describe_exception(end.exc, self.classifier)
            self._finding(
                "LC101",
                "startup",
                end.t,
                f"startup raised {info.summary}",
                location=info.location,
                stack=info.stack,
                details=info.details(),
            )
            self.recorder.phase_end("startup", end.t, "failed")
        elif nothing:
            self._finding(
                "LC107",
                "startup",
                end.t,
                "the app returned from the lifespan scope without receiving or sending "
                "anything; servers will assume startup succeeded and never run shutdown",
                severity=severity,
            )
            self.recorder.phase_end("startup", end.t, "failed" if severity else "skipped")
        else:
            self._finding(
                "LC105",
                "startup",
                end.t,
                "the app received lifespan.startup and returned without sending "
                "lifespan.startup.complete or lifespan.startup.failed",
                hint="send lifespan.startup.complete, then keep receiving until lifespan.shutdown",
                **self._received_here(protocol.STARTUP),
            )
            self.recorder.phase_end("startup", end.t, "failed")

    async def _running(self) -> bool:
        hold = self.options.hold
        # The app "runs" (a phase of its own) when asked to dwell or to answer probes.
        running = hold > 0 or bool(self.options.probes)
        self._running_entered = running
        if running:
            start = self._enter("running", None)
            until = start + hold
            while self._still_running() and time.perf_counter() < until:
                await self._wait_change(until)
                if self._interrupt_requested:
                    await self._interrupted("running")
                    return False
                if self._violation is not None:
                    await self._protocol_error("running")
                    return False
        if self.options.probes and self._still_running() and self._violation is None:
            await self._probe()
        if self._violation is not None:
            await self._protocol_error("running")
            return False
        if not self._still_running():
            await self._died_while_running()
            return False
        if running:
            self.recorder.phase_end("running", time.perf_counter(), "ok")
        return True

    async def _probe(self) -> None:
        from .probe import send_all

        state = self.state if self.options.with_state else None
        await send_all(self.app, state, self.options, self.runtime, self.classifier, self.recorder)

    def _still_running(self) -> bool:
        return self._end is None and self._failed_while_running is None

    async def _died_while_running(self) -> None:
        """The lifespan ended, or said it failed, before lifespan.shutdown: LC109."""
        failed = self._failed_while_running
        if failed is not None and self._end is None:
            await self._wait_after_failed()
            if self._end is None:
                await self._cancel()
        if failed is not None:
            self._running_failed(failed.t)
            self._emit_failed_message("LC109", "running", failed)
            return
        end = self._end
        assert end is not None
        self._running_failed(end.t)
        if end.exc is not None:
            info = describe_exception(end.exc, self.classifier)
            message = (
                f"the lifespan raised {info.summary} after startup completed and before "
                "lifespan.shutdown"
            )
            self._finding(
                "LC109",
                "running",
                end.t,
                message,
                location=info.location,
                stack=info.stack,
                details=info.details(),
            )
        else:
            stack = self._last_receive
            where = innermost_user(stack)
            last = f"; its last receive() was at {where.where}" if where else ""
            self._finding(
                "LC109",
                "running",
                end.t,
                "the lifespan coroutine returned after startup completed and before it "
                f"received lifespan.shutdown{last}: servers will skip its shutdown",
                location=where,
                stack=stack,
                hint="keep awaiting receive() until lifespan.shutdown arrives",
            )

    def _signal_findings(self, before: dict[str, Any], t: float) -> None:
        """LC410 for each SIGINT/SIGTERM handler the app's startup replaced."""
        for name in signals.replaced(before):
            label, where = signals.handler_of(name, self.classifier)
            at = f", defined at {where.where}" if where is not None else ""
            self._finding(
                "LC410",
                "startup",
                t,
                f"the app's startup replaced the {name} handler (now: {label}{at}). A server "
                "installs its own before the lifespan runs and stops through it; with the "
                f"app's in its place, {name} no longer stops the server, which is then "
                "killed when the orchestrator's grace period ends",
                location=where,
                details={"signal": name, "handler": label},
                hint="leave the signals to the server: put the draining work in the "
                "lifespan's shutdown (after the yield), which the server runs on SIGTERM",
            )

    def _running_failed(self, t: float) -> None:
        if not self._running_entered:
            # No --hold: the running phase was only the instant between the two events,
            # but that is where the lifespan ended, so the report shows it.
            done = self._answers[protocol.STARTUP_COMPLETE]
            self.recorder.phase_start("running", done.t, None)
        self.recorder.phase_end("running", t, "failed")
        self._skip("shutdown")

    async def _shutdown(self) -> None:
        self._enter("shutdown", self.options.shutdown_timeout)
        deadline = self._phase_deadline
        self._deliver(protocol.SHUTDOWN)
        while True:
            await self._wait_change(deadline)
            if self._interrupt_requested:
                await self._interrupted("shutdown")
                return
            if self._violation is not None:
                await self._protocol_error("shutdown")
                return
            done = self._answers.get(protocol.SHUTDOWN_COMPLETE)
            failed = self._answers.get(protocol.SHUTDOWN_FAILED)
            if done is not None and not self._late(done.t, deadline):
                self.recorder.phase_end("shutdown", done.t, "ok")
                self.result.shutdown_complete = True
                await self._after_shutdown_complete()
                return
            if failed is not None and not self._late(failed.t, deadline):
                await self._wait_after_failed()
                self._emit_failed_message("LC202", "shutdown", failed)
                self.recorder.phase_end("shutdown", failed.t, "failed")
                return
            if self._failed_while_running is not None or (
                self._end is not None
                and protocol.SHUTDOWN not in self.protocol.received
                and not self._late(self._end.t, deadline)
            ):
                await self._died_while_running()
                return
            if self._end is not None and not self._late(self._end.t, deadline):
                end = self._end
                if end.exc is not None:
                    info = describe_exception(end.exc, self.classifier)
                    self._finding(
                        "LC201",
                        "shutdown",
                        end.t,
                        f"shutdown raised {info.summary}",
                        location=info.location,
                        stack=info.stack,
                        details=info.details(),
                    )
                else:
                    self._finding(
                        "LC205",
                        "shutdown",
                        end.t,
                        "the app received lifespan.shutdown and returned without sending "
                        "lifespan.shutdown.complete or lifespan.shutdown.failed",
                        **self._received_here(protocol.SHUTDOWN),
                    )
                self.recorder.phase_end("shutdown", end.t, "failed")
                return
            if deadline is not None and time.perf_counter() >= deadline:
                await self._timeout("shutdown", deadline)
                return

    async def _after_shutdown_complete(self) -> None:
        if self._end is None:
            await self._wait_for_end(self.options.exit_grace)
        if self._end is None:
            chain = self._chain()
            where = chain.location if chain else None
            self._finding(
                "LC206",
                "shutdown",
                time.perf_counter(),
                f"the lifespan coroutine was still running {self.options.exit_grace:g} s after "
                "it sent lifespan.shutdown.complete"
                + (f"; it was waiting in {where.function} at {where.where}" if where else ""),
                location=where,
                stack=chain.all_frames() if chain else (),
                hint="finish cleanup before sending lifespan.shutdown.complete, then return",
            )
            await self._cancel()
        self.result.leftover_tasks = self.runtime.tasks(self._own_tasks())

    @property
    def started(self) -> bool:
        """The app's lifespan.startup.complete was accepted."""
        return protocol.STARTUP_COMPLETE in self.protocol.sent

    def received_at(self, kind: str) -> tuple[Frame, ...]:
        """The stack of the receive() call that got a message of type `kind`."""
        return self._receive_stacks.get(kind, ())

    def _received_here(self, kind: str) -> dict[str, Any]:
        """Location arguments pointing at the receive() that got `kind` (never answered)."""
        stack = self.received_at(kind)
        return {"location": innermost_user(stack), "stack": stack}

    def _own_tasks(self) -> list[Handle]:
        return [h for h in (self._task, self._beat_task) if h is not None]

    # Failure paths ------------------------------------------------------------------------

    def _emit_failed_message(self, code: str, phase: str, sent: _Sent) -> None:
        text = sent.text or ""
        is_traceback = _TRACEBACK_HEADER in text
        summary = clip(traceback_summary(text) if is_traceback else text)
        # The exception behind the message: the one the app raised right after sending it
        # (Starlette), else the one it was handling when it sent it (Quart).
        exc = self._end.exc if self._end is not None and self._end.exc is not None else sent.exc
        exc_info = describe_exception(exc, self.classifier) if exc is not None else None
        # The message may be that exception's text (Starlette: its traceback; Quart: its
        # str()): then the exception says it whole, a group's other members included.
        told = exc_info is not None and bool(
            is_traceback or not summary or (exc_info.message and exc_info.message in summary)
        )
        if told and exc_info is not None:
            summary = exc_info.summary
        stack: tuple[Frame, ...] = sent.stack
        if exc_info is not None and exc_info.location is not None:
            stack = exc_info.stack
        elif is_traceback:
            parsed = parse_traceback_text(text, self.classifier)
            if innermost_user(parsed) is not None:
                stack = tuple(parsed)
        if code == "LC109":
            # Starlette and FastAPI report a lifespan that dies while serving this way.
            message = (
                "the lifespan failed after startup completed and before lifespan.shutdown"
                + (f": {summary}" if summary else "")
                + f"\n(the app reported it by sending {sent.type} early)"
            )
        elif summary:
            message = f"the app sent {sent.type}: {summary}"
        else:
            message = f"the app sent {sent.type} with no message"
        if exc_info is not None and not told:
            message += f"\n(while handling {exc_info.summary})"
        details: dict[str, Any] = {"failed_message": clip(text)}
        if exc_info is not None:
            details.update(exc_info.details())
        self._finding(
            code,
            phase,
            sent.t,
            message,
            location=innermost_user(stack),
            stack=stack,
            details=details,
        )

    async def _protocol_error(self, phase: str) -> None:
        violation = self._violation
        assert violation is not None
        self._finding(
            violation.code,
            phase,
            violation.t,
            violation.message,
            location=innermost_user(violation.stack),
            stack=violation.stack,
            details={"problem": violation.problem} if violation.problem else None,
        )
        self.recorder.phase_end(phase, violation.t, "failed")
        if phase != "shutdown":
            self._skip("shutdown")
        if self._end is None:
            await self._cancel()

    async def _timeout(self, phase: str, deadline: float) -> None:
        if self.watchdog is not None and not self.watchdog.claim(deadline):
            return  # the watchdog reports this deadline (the loop was blocked through it)
        limit = (
            self.options.startup_timeout if phase == "startup" else self.options.shutdown_timeout
        )
        episode = self._blocked_at(deadline)
        waiting_in_receive = self._waiting_in_receive  # before cancelling ends the wait
        forensics = self._forensics()
        self.recorder.phase_end(phase, deadline, "timeout")
        cancelled = await self._cancel()
        if episode is not None:
            self._blocked_finding(phase, episode, deadline, limit, forensics, cancelled)
            return
        chain = forensics["chain"]
        where = chain.location if chain is not None else None
        waiting = f"; it was waiting in {where.function}() at {where.where}" if where else ""
        hint = None
        if self._receive_after_final:
            waiting += " (in receive(), after lifespan.shutdown: no further message will come)"
        elif waiting_in_receive:
            # The app believes it answered: its answer was lost between it and us.
            waiting += (
                f" (in receive(), waiting for the next message: lifespan.{phase} was never "
                "answered, yet the app has moved on)"
            )
            hint = (
                f"the app's lifespan.{phase}.complete never reached the server: look for a "
                "middleware or send wrapper that drops lifespan.* messages, and forward them"
            )
        code = "LC103" if phase == "startup" else "LC203"
        self._finding(
            code,
            phase,
            deadline,
            f"{phase} did not finish within {limit:g} s{waiting}. {cancelled}",
            location=where,
            stack=chain.all_frames() if chain else (),
            details=_forensics_details(forensics),
            hint=hint,
        )

    def _blocked_finding(
        self,
        phase: str,
        episode: BlockEpisode,
        deadline: float,
        limit: float,
        forensics: dict[str, Any],
        cancelled: str,
    ) -> None:
        where = episode.location
        call = f"{where.function}() at {where.where}" if where else "a synchronous call"
        self._finding(
            "LC104",
            phase,
            deadline,
            f"{phase} did not finish within {limit:g} s: the event loop was blocked for "
            f"{episode.duration:.2f} s by {call}, so no timeout could fire. {cancelled}",
            location=where,
            stack=episode.stack,
            severity="error",
            details={"blocked_s": round(episode.duration, 4), **_forensics_details(forensics)},
            hint="await an async version of the call, or run it in a thread "
            "(anyio.to_thread.run_sync / asyncio.to_thread)",
        )

    def _blocked_at(self, deadline: float) -> BlockEpisode | None:
        if self.watchdog is None:
            return None
        for episode in self.watchdog.blocked_during(self._phase):
            end = episode.end if episode.end is not None else float("inf")
            if episode.start - BEAT_S <= deadline <= end:
                return episode
        return None

    def _chain(self) -> AwaitChain | None:
        if self._task is None or self._end is not None:
            return None
        return self.runtime.chain(self._task)

    def _forensics(self) -> dict[str, Any]:
        exclude = [self.watchdog.ident] if self.watchdog and self.watchdog.ident else []
        return {
            "chain": self._chain(),
            "tasks": self.runtime.tasks(self._own_tasks()),
            "threads": thread_infos(self.classifier, exclude=exclude),
        }

    async def _cancel(self) -> str:
        """Cancel the app's lifespan task; say whether it honoured the cancellation."""
        if self._task is None or self._end is not None:
            return ""
        self._listening = False
        self._cancel_requested = True
        started = time.perf_counter()
        if self.watchdog is not None:
            self.watchdog.enter_phase(self._phase, started + self.options.cancel_grace, loop=True)
        self._task.cancel()
        end = await self._wait_for_end(self.options.cancel_grace)
        if end is not None:
            took = end.t - started
            if end.cancelled_by_us:
                return f"It was cancelled; the cancellation was honoured in {duration(took)}."
            exc = end.exc
            name = type(exc).__name__ if exc is not None else "returning"
            return f"It was cancelled and ended by {name} in {duration(took)}."
        return (
            f"It was cancelled, but ignored the cancellation for {self.options.cancel_grace:g} s "
            "and was left running."
        )

    async def _wait_after_failed(self) -> None:
        """After a *.failed message, wait for the exception the app may raise next
        (Starlette re-raises at once), but not once it is back in receive() (Quart goes
        back to its loop): nothing more will come from it."""
        deadline = time.perf_counter() + self.options.exit_grace
        while self._end is None and not self._waiting_in_receive:
            if time.perf_counter() >= deadline:
                return
            await self._wait_for_end(0.01)

    async def _wait_for_end(self, timeout: float) -> _AppEnd | None:
        """Wait up to `timeout` for the app's lifespan coroutine to end; how it ended."""
        deadline = time.perf_counter() + timeout
        while self._end is None and time.perf_counter() < deadline:
            if self._task is not None and self._task.done():
                # Cancelled before its first step: _run_app never ran, so it set nothing.
                self._end = _AppEnd(time.perf_counter(), None, self._cancel_requested)
                break
            await self._wait_change(min(deadline, time.perf_counter() + 0.01))
        return self._end

    async def _interrupted(self, phase: str) -> None:
        forensics = self._forensics()
        chain = forensics["chain"]
        where = chain.location if chain is not None else None
        self.recorder.phase_end(phase, time.perf_counter(), "interrupted")
        cancelled = await self._cancel()
        self._finding(
            "LC110",
            phase,
            time.perf_counter(),
            f"interrupted during {phase}"
            + (f" while the app waited in {where.function}() at {where.where}" if where else "")
            + (f". {cancelled}" if cancelled else ""),
            location=where,
            stack=chain.all_frames() if chain else (),
            details=_forensics_details(forensics),
        )
        if phase != "shutdown":
            self._skip("shutdown")

    def loop_stopped(self, caller: FrameType) -> None:
        """The app called loop.stop() (the runtime carries on, a server would not)."""
        stack = tuple(stack_of(caller, self.classifier, stop=self._app_code))
        where = innermost_user(stack)
        self._finding(
            "LC111",
            self._phase,
            time.perf_counter(),
            f"loop.stop() was called during {self._phase}"
            + (f" by {where.function}() at {where.where}" if where else "")
            + ": under a server, asyncio.run() then raises 'Event loop stopped before Future "
            "completed' and the server exits",
            location=where,
            stack=stack,
            hint="to stop the server, raise an exception"
            + (" or send lifespan.startup.failed" if self._phase == "startup" else "")
            + "; never stop the loop you are running on",
        )

    def stuck(self, phase: str, episode: BlockEpisode | None, stack: tuple[Frame, ...]) -> None:
        """The watchdog saw a deadline pass while the loop was blocked (watchdog thread)."""
        deadline = self._phase_deadline or time.perf_counter()
        limit = (
            self.options.startup_timeout if phase == "startup" else self.options.shutdown_timeout
        )
        if self._cancel_requested:
            # The deadline already produced its finding: this is the cancellation grace.
            where = innermost_user(stack)
            self._finding(
                "LC104",
                phase,
                time.perf_counter(),
                "after the timeout, the app blocked the event loop instead of honouring the "
                "cancellation" + (f": {where.function}() at {where.where}" if where else ""),
                location=where,
                stack=stack,
                severity="warning",
            )
            return
        if episode is None:
            episode = BlockEpisode(phase=phase, start=deadline)
            episode.add_sample(stack)
        forensics = {
            "chain": None,
            "tasks": self.runtime.tasks(self._own_tasks()),
            "threads": thread_infos(
                self.classifier,
                exclude=[self.watchdog.ident] if self.watchdog and self.watchdog.ident else [],
            ),
        }
        self.recorder.phase_end(phase, deadline, "timeout")
        self._blocked_finding(
            phase,
            episode,
            deadline,
            limit,
            forensics,
            "The loop was still blocked, so the phase could not be cancelled.",
        )
        if phase == "startup":
            self._skip("shutdown")

    def _skip(self, phase: str) -> None:
        self.recorder.phase_end(phase, None, "skipped")

    def _finding(
        self,
        code: str,
        phase: str,
        t: float,
        message: str,
        *,
        location: Frame | None = None,
        stack: tuple[Frame, ...] = (),
        severity: Any = None,
        details: dict[str, Any] | None = None,
        hint: str | None = None,
    ) -> None:
        if location is None and code in _LIFESPAN_FAILURES:
            # A failure inside the framework's handling of the lifespan function (its
            # contract broken): the function is the line to look at.
            location = self.lifespan_definition
            hint = hint or _contract_advice(message)
        finding: Finding = findings.make(
            code,
            phase=phase,
            message=message,
            location=location,
            stack=tuple(stack),
            severity=severity,
            t_s=self.recorder.rel(t),
            details=details,
            hint=hint,
        )
        self.recorder.finding(finding)

    def block_findings(self) -> list[Finding]:
        """LC104 warnings for phases that finished in time despite a blocked loop."""
        if self.watchdog is None:
            return []
        out = []
        for phase in ("startup", "running", "shutdown"):
            episodes = [e for e in self.watchdog.blocked_during(phase) if e.end is not None]
            if not episodes:
                continue
            worst = max(episodes, key=lambda e: e.duration)
            total = sum(e.duration for e in episodes)
            where = worst.location
            call = f"{where.function}() at {where.where}" if where else "a synchronous call"
            count = f" in {len(episodes)} stretches" if len(episodes) > 1 else ""
            out.append(
                findings.make(
                    "LC104",
                    phase=phase,
                    message=f"the event loop was blocked for {total:.2f} s during {phase}{count}; "
                    f"the longest ({worst.duration:.2f} s) was {call}",
                    location=where,
                    stack=worst.stack,
                    t_s=self.recorder.rel(worst.start),
                    details={
                        "blocked_s": round(total, 4),
                        "episodes": [
                            {
                                "duration_s": round(e.duration, 4),
                                "location": e.location.to_dict() if e.location else None,
                            }
                            for e in episodes
                        ],
                    },
                    hint="await an async version of the call, or run it in a thread "
                    "(anyio.to_thread.run_sync / asyncio.to_thread)",
                )
            )
        return out


_LIFESPAN_FAILURES = frozenset({"LC101", "LC102", "LC109", "LC201", "LC202"})

# Errors contextlib and the frameworks raise when a lifespan function breaks the
# context-manager contract, and what to do about each.
_CONTRACT_ADVICE = (
    (
        "does not support the asynchronous context manager protocol",
        "the lifespan must be an async context manager: an `async def` function that "
        "yields exactly once, decorated with @contextlib.asynccontextmanager",
    ),
    (
        "generator didn't stop",
        "the lifespan yielded more than once: an @asynccontextmanager function must yield "
        "exactly once (put startup before the yield, shutdown after it)",
    ),
    (
        "generator didn't yield",
        "the lifespan returned without yielding: an @asynccontextmanager function must "
        "yield exactly once, after its startup code",
    ),
)


def _contract_advice(message: str) -> str | None:
    return next((advice for error, advice in _CONTRACT_ADVICE if error in message), None)


def _reports_death(verdict: protocol.Accepted | protocol.Violation, kind: str) -> bool:
    """lifespan.shutdown.failed before lifespan.shutdown: the lifespan died while running."""
    return (
        isinstance(verdict, protocol.Violation)
        and verdict.problem == "early"
        and kind == protocol.SHUTDOWN_FAILED
    )


def _forensics_details(forensics: dict[str, Any]) -> dict[str, Any]:
    chain: AwaitChain | None = forensics.get("chain")
    tasks: list[TaskInfo] = forensics.get("tasks") or []
    threads: list[ThreadInfo] = forensics.get("threads") or []
    out: dict[str, Any] = {}
    if chain is not None:
        out["await_chain"] = chain.to_dict()
    out["pending_tasks"] = [t.to_dict() for t in tasks]
    out["threads"] = [t.to_dict() for t in threads]
    return out


_TRACEBACK_HEADER = "Traceback (most recent call last)"
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:: .*)?$")


def traceback_summary(text: str) -> str:
    """The "Type: message" line of a formatted traceback, exception groups included."""
    for raw in reversed(text.strip().splitlines()):
        line = raw.strip().lstrip("|").strip()
        if not line or line.startswith(("+-", "File ", "^", "~", "...", "During handling")):
            continue
        if _EXCEPTION_LINE.match(line) and not line.startswith(_TRACEBACK_HEADER):
            return line
    return text.strip().splitlines()[-1].strip() if text.strip() else ""


def _emulation(server: str | None) -> Any:
    """The emulation profile for --emulate (imported only when one is asked for)."""
    if server is None:
        return None
    from . import emulate

    return emulate.profile(server)
