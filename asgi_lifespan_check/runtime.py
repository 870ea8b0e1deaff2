"""The few event-loop services the driver needs, for asyncio and for trio.

asyncio runs on the standard library alone: anyio's first run imports its backend,
which costs 30-50 ms on the critical path of every check (PERFORMANCE.md). trio runs
through anyio (`trio_runtime.py`). Both offer the same small surface, so the driver is
written once.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from types import FrameType
from typing import Any, Protocol, TypeVar

from .awaits import AwaitChain, TaskInfo, asyncio_tasks, walk
from .frames import CodeClassifier

T = TypeVar("T")
AppCoroutine = Callable[[], Coroutine[Any, Any, None]]

# How long the event loop may take to wind down app tasks when an in-process run ends.
_CLEANUP_GRACE_S = 0.5


class Handle(Protocol):
    """A spawned task."""

    def cancel(self) -> object: ...

    def done(self) -> bool: ...


class Signal(Protocol):
    """A one-shot, resettable flag the driver waits on."""

    def set(self) -> None: ...

    def clear(self) -> None: ...

    def is_set(self) -> bool: ...


class Runtime(Protocol):
    """What the driver asks of an event loop."""

    name: str
    loop_thread: int | None

    def run(self, main: Callable[[], Coroutine[Any, Any, T]]) -> T: ...

    def spawn(self, fn: AppCoroutine, name: str) -> Handle: ...

    def signal(self) -> Signal: ...

    async def wait(self, signal: Signal, timeout: float | None) -> bool: ...

    async def sleep(self, seconds: float) -> None: ...

    def call_soon_threadsafe(self, fn: Callable[[], None]) -> None: ...

    def chain(self, handle: Handle) -> AwaitChain: ...

    def tasks(self, exclude: list[Handle]) -> list[TaskInfo]: ...


class AsyncioRuntime:
    """The standard library's event loop, managed by hand so stubborn tasks can be left."""

    name = "asyncio"

    def __init__(self, classifier: CodeClassifier, loop_factory: Callable[[], Any] | None = None):
        self.classifier = classifier
        self.loop_thread: int | None = None
        self._loop_factory = loop_factory or asyncio.new_event_loop
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main_task: asyncio.Task[Any] | None = None
        # Told when the app calls loop.stop(), with the calling frame.
        self.on_app_stop: Callable[[FrameType], None] | None = None
        self._stopped_by_app = False

    def run(self, main: Callable[[], Coroutine[Any, Any, T]]) -> T:
        loop = self._loop_factory()
        self._loop = loop
        self.loop_thread = threading.get_ident()
        try:
            asyncio.set_event_loop(loop)
            task: asyncio.Task[T] = loop.create_task(main(), name="lifespan-check-driver")
            self._main_task = task
            self._watch_stop(loop)
            while True:
                try:
                    return loop.run_until_complete(task)
                except RuntimeError:
                    if task.done() or not self._stopped_by_app:
                        raise
                    # The app stopped our loop; a server ends there, the check runs on
                    # to report it and the rest.
                    self._stopped_by_app = False
        finally:
            try:
                _wind_down(loop)
            finally:
                asyncio.set_event_loop(None)
                loop.close()
                self.loop_thread = None

    def _watch_stop(self, loop: asyncio.AbstractEventLoop) -> None:
        stop = loop.stop

        def watched_stop() -> None:
            # run_until_complete() stops the loop itself once our task is done.
            if self._main_task is not None and not self._main_task.done():
                self._stopped_by_app = True
                if self.on_app_stop is not None:
                    self.on_app_stop(sys._getframe(1))
            stop()

        loop.stop = watched_stop  # type: ignore[method-assign]

    def spawn(self, fn: AppCoroutine, name: str) -> Handle:
        assert self._loop is not None
        return self._loop.create_task(fn(), name=name)

    def signal(self) -> Signal:
        return asyncio.Event()

    async def wait(self, signal: Signal, timeout: float | None) -> bool:
        assert isinstance(signal, asyncio.Event)
        if signal.is_set():
            return True
        if timeout is not None and timeout <= 0:
            return False
        try:
            async with asyncio.timeout(timeout):
                await signal.wait()
        except TimeoutError:
            return signal.is_set()
        return True

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def call_soon_threadsafe(self, fn: Callable[[], None]) -> None:
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(fn)

    def chain(self, handle: Handle) -> AwaitChain:
        return walk(handle, self.classifier)

    def tasks(self, exclude: list[Handle]) -> list[TaskInfo]:
        # Callable from the watchdog thread too, so no asyncio.current_task() here.
        return asyncio_tasks(self._loop, [*exclude, self._main_task], self.classifier)


def _wind_down(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what the app left behind, waiting a bounded time (never forever)."""
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    deadline = time.monotonic() + _CLEANUP_GRACE_S

    async def settle(aws: list[Awaitable[Any]]) -> None:
        remaining = max(0.01, deadline - time.monotonic())
        with contextlib.suppress(Exception):
            await asyncio.wait([asyncio.ensure_future(a) for a in aws], timeout=remaining)

    if pending:
        loop.run_until_complete(settle(list(pending)))
    loop.run_until_complete(settle([loop.shutdown_asyncgens()]))
    for task in asyncio.all_tasks(loop):
        # Tasks that ignored cancellation are abandoned; silence their "destroyed" warning.
        task._log_destroy_pending = False  # type: ignore[attr-defined]


def make_runtime(backend: str, classifier: CodeClassifier) -> Runtime:
    """The runtime for a `--backend` value."""
    if backend == "trio":
        from .trio_runtime import TrioRuntime

        return TrioRuntime(classifier)
    return AsyncioRuntime(classifier)
