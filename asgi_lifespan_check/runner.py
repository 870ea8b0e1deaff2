"""One check, in the current interpreter: load the app, drive it, look for leftovers.

Used as is by the Python API, and with a `fatal` hook by the child interpreter
(`_child.py`) and by `--no-isolate`: the way out when the watchdog must end the run (or
Ctrl+C must stop it) while the main thread is stuck.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from . import findings, processes
from .awaits import TaskInfo, ThreadInfo, thread_infos, thread_names
from .driver import Driver, DriveResult
from .events import Recorder
from .frames import CodeClassifier, below_tool, innermost_user
from .loading import (
    LoadedApp,
    LoadFailure,
    as_asgi,
    call_factory,
    called_as_asgi2,
    import_module,
    load_env_file,
    resolve_attribute,
    uvicorn_takes_for_asgi2,
)
from .model import Finding, Frame
from .options import LoadOptions, RunOptions
from .runtime import AsyncioRuntime, Runtime, make_runtime
from .targets import Target, parse_target
from .thread_starts import ThreadStartLog
from .watch import BlockEpisode, Watchdog

if TYPE_CHECKING:
    from .inloop import CallerRuntime

# How long new non-daemon threads get to finish on their own after shutdown.
_THREAD_SETTLE_S = 0.2
# How long the loop gets to react to Ctrl+C before we report from the control thread.
_INTERRUPT_GRACE_S = 0.5


class Runner:
    """Runs the phases of one check and emits their events to a recorder."""

    def __init__(
        self,
        recorder: Recorder,
        *,
        isolated: bool = False,
        fatal: Callable[[], None] | None = None,
        block_threshold: float = 0.25,
    ) -> None:
        self.recorder = recorder
        self.isolated = isolated
        self.fatal = fatal
        self.classifier = CodeClassifier()
        self.watchdog = Watchdog(
            self.classifier,
            block_threshold=block_threshold,
            on_stuck=self._stuck if fatal is not None else None,
        )
        self.driver: Driver | None = None
        self.runtime: Runtime | None = None
        # What the app may change in a shared process, put back by finish(): an app that
        # empties sys.path or changes directory must not break the tool (or its caller).
        self._saved_path = list(sys.path)
        self._sync_timeout: float | None = None  # of the import or factory phase running
        self._mounts: Any = None  # diagnose.before_run's watch on mounted lifespans (LC403)
        self._processes_before: dict[int, bytes] = {}
        self._spawns: processes.SpawnLog | None = None
        self._thread_starts: ThreadStartLog | None = None
        self._saved_cwd = _cwd()

    # Loading ----------------------------------------------------------------------------

    def meta(self, target: str, backend: str | None = None) -> None:
        self.recorder.meta(
            target=target,
            python=_python_version(),
            implementation=sys.implementation.name,
            platform=sys.platform,
            isolated=self.isolated,
            pid=os.getpid(),
            t0=self.recorder.t0,
            **({"backend": backend} if backend else {}),
        )

    def load(self, options: LoadOptions) -> LoadedApp | None:
        """Import (and build, with --factory) the target app, timing each step."""
        target = parse_target(options.target)
        if options.app_dir is not None:
            app_dir = os.path.abspath(options.app_dir)
            self.classifier = self.classifier.with_root(app_dir)
            if not sys.path or sys.path[0] != app_dir:
                sys.path.insert(0, app_dir)
        self.watchdog.classifier = self.classifier
        if options.env_file:
            load_env_file(options.env_file)
        if self.fatal is not None:
            self.watchdog.start()
        try:
            self._enter_sync("import", options.import_timeout)
            try:
                module = import_module(target, self.classifier)
                package_dir = _package_dir(target.module)
                self.classifier = self.classifier.with_root(package_dir)
                self.watchdog.classifier = self.classifier
                obj = resolve_attribute(module, target)
                # Without a factory, a wrong kind of object is part of a failed import.
                loaded = None if options.factory else as_asgi(obj, target)
            except LoadFailure as failure:
                self._fail("import", failure.finding)
                return None
            self.recorder.phase_end("import", time.perf_counter(), "ok")
            if options.factory:
                self._enter_sync("factory", options.import_timeout)
                try:
                    obj = call_factory(obj, target, self.classifier)
                    loaded = as_asgi(obj, target, factory=True)
                except LoadFailure as failure:
                    self._fail("factory", failure.finding)
                    return None
                self.recorder.phase_end("factory", time.perf_counter(), "ok")
        finally:
            self.watchdog.enter_phase("loaded", None, loop=False)
        assert loaded is not None
        self.recorder.meta(interface=loaded.interface, app_type=loaded.app_type)
        return loaded

    def load_object(self, app: object, name: str) -> LoadedApp | None:
        """Adapt an app object handed over by the Python API (no import phase)."""
        try:
            loaded = as_asgi(app, Target("<object>", (name,)))
        except LoadFailure as failure:
            self._fail(None, failure.finding)
            return None
        self.recorder.meta(interface=loaded.interface, app_type=loaded.app_type)
        return loaded

    def _enter_sync(self, phase: str, timeout: float | None) -> float:
        now = time.perf_counter()
        self._sync_timeout = timeout
        self.recorder.phase_start(phase, now, timeout)
        self.watchdog.enter_phase(phase, None if timeout is None else now + timeout, loop=False)
        return now

    def _fail(self, phase: str | None, finding: Finding) -> None:
        now = time.perf_counter()
        finding = _stamped(finding, self.recorder.rel(now))
        if phase is not None:
            self.recorder.phase_end(phase, now, "failed")
        self.recorder.finding(finding)
        for skipped in ("startup", "shutdown"):
            self.recorder.phase_end(skipped, None, "skipped")

    # Driving ----------------------------------------------------------------------------

    def drive(self, loaded: LoadedApp, options: RunOptions) -> None:
        """Run startup, the optional hold, and shutdown; then look for leftovers."""
        runtime = make_runtime(options.backend, self.classifier)
        driver, threads_before = self._start_driving(loaded, options, runtime)
        if isinstance(runtime, AsyncioRuntime):
            runtime.on_app_stop = driver.loop_stopped
        sampler = self._sampler(driver) if options.profile else None
        try:
            result = runtime.run(driver.run)
        finally:
            self._stop_sampler(sampler)
        self._conclude(loaded, driver, result, threads_before, _THREAD_SETTLE_S)

    async def drive_here(
        self, loaded: LoadedApp, options: RunOptions, runtime: CallerRuntime
    ) -> None:
        """`drive()` on the caller's running event loop (the async Python API).

        New threads get their time to finish in an async wait: joining them would hold
        the caller's loop, which such a thread may be waiting for.
        """
        driver, threads_before = self._start_driving(loaded, options, runtime)
        sampler = self._sampler(driver) if options.profile else None
        try:
            result = await runtime.run_here(driver.run)
        finally:
            self._stop_sampler(sampler)
        deadline = time.monotonic() + _THREAD_SETTLE_S
        while result.shutdown_complete and time.monotonic() < deadline:
            if not _new_threads(threads_before) and not self._leaked_processes():
                break
            await runtime.sleep(0.01)
        self._conclude(loaded, driver, result, threads_before, 0.0)

    def _start_driving(
        self, loaded: LoadedApp, options: RunOptions, runtime: Runtime
    ) -> tuple[Driver, set[int | None]]:
        self.recorder.meta(backend=options.backend)
        self.watchdog.block_threshold = options.block_threshold
        drive = options.drive
        app = loaded.app
        if drive.emulate == "uvicorn":
            if loaded.interface == "asgi3" and uvicorn_takes_for_asgi2(loaded.original):
                app, loaded = called_as_asgi2(loaded.original), replace(loaded, interface="asgi2")
            if loaded.interface == "asgi2":
                drive = replace(drive, asgi_version="2.0")  # uvicorn tells ASGI2 apps so
        driver = Driver(app, drive, self.recorder, runtime, self.classifier, self.watchdog)
        self.driver = driver
        self.runtime = runtime
        from . import diagnose  # walks the app's structure (~1 ms) to watch mounted lifespans

        self._mounts = diagnose.before_run(loaded, self.classifier)
        driver.lifespan_definition = self._mounts.lifespan_definition
        if not self.watchdog.started:
            self.watchdog.start()
        if self.isolated and self._spawns is None:
            self._spawns = processes.SpawnLog(self.classifier)
            self._spawns.install()
            self._thread_starts = ThreadStartLog(self.classifier)
            self._thread_starts.install()
        self._processes_before = processes.running(self._spawns)
        return driver, {t.ident for t in threading.enumerate()}

    def _sampler(self, driver: Driver) -> Any:
        """--profile: sample the loop thread (this one) while the lifespan runs."""
        from .profiling.sampler import Sampler, lifespan_of

        sampler = Sampler(self.classifier, t0=self.recorder.t0, phase=lambda: self.watchdog.phase)
        sampler.start(lambda: lifespan_of(driver.task))
        return sampler

    def _stop_sampler(self, sampler: Any) -> None:
        if sampler is not None:
            sampler.stop()
            self.recorder.emit(sampler.event())

    def _conclude(
        self,
        loaded: LoadedApp,
        driver: Driver,
        result: DriveResult,
        threads_before: set[int | None],
        settle_s: float,
    ) -> None:
        for finding in driver.block_findings():
            self.recorder.finding(finding)
        from . import diagnose

        if self._mounts is not None:
            self._mounts.restore()
        for finding in diagnose.after_run(
            loaded, driver, result, self.classifier, self.recorder.rel, self._mounts
        ):
            self.recorder.finding(finding)
        if result.shutdown_complete:
            self._leftovers(result, threads_before, settle_s)

    def _leftovers(
        self, result: DriveResult, threads_before: set[int | None], settle_s: float
    ) -> None:
        if result.leftover_tasks:
            self.recorder.finding(_leaked_tasks(result.leftover_tasks, self.recorder))
        deadline = time.monotonic() + settle_s
        new = _new_threads(threads_before)
        for thread in new:
            thread.join(max(0.0, deadline - time.monotonic()))
        alive = {t.ident for t in new if t.is_alive() and t.ident is not None}
        if alive:
            infos = thread_infos(self.classifier, only=alive)
            if self._thread_starts is not None:
                starts = self._thread_starts
                infos = [replace(i, start_stack=starts.origin(i.ident)) for i in infos]
            self.recorder.finding(_leaked_threads(infos, self.recorder))
        # A process stopped at shutdown may take a moment to exit after its signal.
        left = self._leaked_processes()
        if not left and self._spawns is not None and self._spawns.spawned:
            # A daemon in the middle of an exec shows no environment (no marker) yet.
            time.sleep(0.02)
            left = self._leaked_processes()
        while left and time.monotonic() < deadline:
            time.sleep(0.01)
            left = self._leaked_processes()
        if left:
            self.recorder.finding(_leaked_processes(left, self.recorder))

    def _leaked_processes(self) -> list[processes.ProcessInfo]:
        return processes.leaked(self._processes_before, self._spawns)

    def finish(self) -> None:
        self.watchdog.stop()
        # Names of live threads, for the supervisor in case they keep the process alive.
        self.recorder.emit({"kind": "threads", "threads": thread_names()})
        self.recorder.done()
        self.restore_process_state()

    def restore_process_state(self) -> None:
        """Put back sys.path and the working directory as they were before the app."""
        sys.path[:] = self._saved_path
        if self._saved_cwd is not None and _cwd() != self._saved_cwd:
            with contextlib.suppress(OSError):
                os.chdir(self._saved_cwd)

    # The way out when the main thread is stuck (with a `fatal` hook) -------------------

    def interrupt(self) -> None:
        """The user pressed Ctrl+C in the supervisor (called from the control thread)."""
        driver, runtime = self.driver, self.runtime
        if driver is not None and runtime is not None and runtime.loop_thread is not None:
            runtime.call_soon_threadsafe(driver.interrupt)
            # A blocked loop never runs that callback: then answer from this thread.
            timer = threading.Timer(_INTERRUPT_GRACE_S, self._interrupt_stuck)
            timer.name = "lifespan-check-interrupt"
            timer.daemon = True
            timer.start()
        else:
            self._interrupt_stuck()

    def _interrupt_stuck(self) -> None:
        if self.driver is not None and self.driver.interrupt_seen.is_set():
            return  # the loop took the interrupt; it reports, however long cancelling takes
        self._report_from_here(None)

    def stop_now(self, reason: str) -> bool:
        """Stop at once (a second Ctrl+C, SIGTERM): report where the main thread is and
        end through `fatal`; False when there is no such way out (the Python API)."""
        if self.fatal is None:
            return False
        self._report_from_here(reason)
        return True

    def _report_from_here(self, stopped_by: str | None) -> None:
        """LC110 from this (non-loop) thread with the main thread's stack, then `fatal`."""
        if self.recorder.closed or self.fatal is None:
            return
        phase = self.watchdog.phase
        stack = below_tool(self.watchdog.main_stack())
        where = innermost_user(stack)
        now = time.perf_counter()
        what = f"stopped at once by {stopped_by}" if stopped_by else "interrupted"
        at = f" while the main thread was in {where.function}() at {where.where}" if where else ""
        in_loop = phase not in ("import", "factory", "loaded")
        self.recorder.phase_end(phase, now, "interrupted")
        self.recorder.finding(
            findings.make(
                "LC110",
                phase=phase,
                t_s=self.recorder.rel(now),
                message=f"{what} during {phase}{at}"
                + (" (the event loop was blocked)" if in_loop and not stopped_by else ""),
                location=where,
                stack=stack,
            )
        )
        if phase != "shutdown":
            self.recorder.phase_end("shutdown", None, "skipped")
        self.recorder.done()
        self.fatal()

    def _stuck(self, phase: str, episode: BlockEpisode | None, stack: tuple[Frame, ...]) -> None:
        try:
            self._report_stuck(phase, episode, below_tool(stack))
        finally:
            # Whatever happened above, the supervisor must get "done" and an exit.
            self.recorder.done()
            assert self.fatal is not None
            self.fatal()

    def _report_stuck(
        self, phase: str, episode: BlockEpisode | None, stack: tuple[Frame, ...]
    ) -> None:
        if phase in ("import", "factory"):
            where = innermost_user(stack)
            now = time.perf_counter()
            self.recorder.phase_end(phase, now, "timeout")
            self.recorder.finding(
                findings.make(
                    "LC007",
                    phase=phase,
                    t_s=self.recorder.rel(now),
                    message=f"the {phase} did not finish within {self._sync_timeout:g} s "
                    "(--import-timeout)"
                    + (f"; it was running {where.function}() at {where.where}" if where else ""),
                    location=where,
                    stack=stack,
                    hint="move network calls and other slow work out of module level, into "
                    "the lifespan startup",
                )
            )
            for skipped in ("startup", "shutdown"):
                self.recorder.phase_end(skipped, None, "skipped")
        elif self.driver is not None:
            self.driver.stuck(phase, episode, stack)


def _new_threads(before: set[int | None]) -> list[threading.Thread]:
    """Non-daemon threads started since `before` that are still alive."""
    return [
        t for t in threading.enumerate() if t.ident not in before and not t.daemon and t.is_alive()
    ]


def _stamped(finding: Finding, t_s: float) -> Finding:
    from dataclasses import replace

    return finding if finding.t_s is not None else replace(finding, t_s=t_s)


def _package_dir(module: str) -> str | None:
    top = sys.modules.get(module.partition(".")[0])
    paths = list(getattr(top, "__path__", []) or [])
    if paths:
        return str(paths[0])
    file = getattr(top, "__file__", None)
    return os.path.dirname(file) if file else None


def _leaked_tasks(tasks: list[TaskInfo], recorder: Recorder) -> Finding:
    parts = []
    for task in tasks[:5]:
        where = task.chain.location
        at = f" waiting at {where.where} in {where.function}()" if where else ""
        parts.append(f"{task.name!r} ({task.coroutine}){at}")
    more = f" and {len(tasks) - 5} more" if len(tasks) > 5 else ""
    first = tasks[0].chain
    return findings.make(
        "LC401",
        phase="shutdown",
        t_s=recorder.rel(time.perf_counter()),
        message=f"{len(tasks)} task(s) still pending after lifespan.shutdown.complete: "
        + "; ".join(parts)
        + more,
        location=first.location,
        stack=first.all_frames(),
        details={"tasks": [t.to_dict() for t in tasks]},
        hint="cancel and await background tasks during shutdown",
    )


def _leaked_threads(threads: list[ThreadInfo], recorder: Recorder) -> Finding:
    parts = []
    for thread in threads[:5]:
        where = innermost_user(thread.stack)
        target = f" running {thread.target}()" if thread.target else ""
        at = f" at {where.where}" if where else ""
        started = thread.started_at
        origin = f", started at {started.where}" if started else ""
        parts.append(f"{thread.name!r}{target}{at}{origin}")
    first = threads[0]
    return findings.make(
        "LC402",
        phase="shutdown",
        t_s=recorder.rel(time.perf_counter()),
        message=f"{len(threads)} non-daemon thread(s) started during the lifespan are still "
        "alive after shutdown, so a server process would never exit: " + "; ".join(parts),
        location=innermost_user(first.stack),
        stack=first.stack,
        details={"threads": [t.to_dict() for t in threads]},
        hint="signal these threads to stop during shutdown and join them",
    )


def _leaked_processes(left: list[processes.ProcessInfo], recorder: Recorder) -> Finding:
    more = f" and {len(left) - 5} more" if len(left) > 5 else ""
    first = left[0]
    return findings.make(
        "LC409",
        phase="shutdown",
        t_s=recorder.rel(time.perf_counter()),
        message=f"{len(left)} process(es) started during the lifespan are still running "
        "after shutdown: " + "; ".join(p.describe() for p in left[:5]) + more,
        location=first.location,
        stack=first.stack,
        details={"processes": [p.to_dict() for p in left]},
        hint="stop the processes you start during shutdown: terminate them, then wait",
    )


def _python_version() -> str:
    # platform.python_version() would import platform (~3 ms) for the same three numbers.
    major, minor, micro = sys.version_info[:3]
    return f"{major}.{minor}.{micro}"


def _cwd() -> str | None:
    try:
        return os.getcwd()
    except OSError:  # the directory was removed under us
        return None
