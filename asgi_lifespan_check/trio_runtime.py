"""The driver's runtime on trio, through anyio's task groups and cancel scopes."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import anyio

from .awaits import AwaitChain, TaskInfo, trio_tasks, walk
from .frames import CodeClassifier
from .runtime import AppCoroutine, Handle, Signal

T = TypeVar("T")


class _TrioSignal:
    """A resettable event (anyio events cannot be cleared)."""

    def __init__(self) -> None:
        self._event = anyio.Event()

    def set(self) -> None:
        self._event.set()

    def clear(self) -> None:
        if self._event.is_set():
            self._event = anyio.Event()

    def is_set(self) -> bool:
        return self._event.is_set()

    async def wait(self) -> None:
        await self._event.wait()


class _TrioHandle:
    def __init__(self) -> None:
        self.scope = anyio.CancelScope()
        self.coro: Coroutine[Any, Any, None] | None = None
        self.task: Any = None
        self.finished = False

    def cancel(self) -> None:
        self.scope.cancel()

    def done(self) -> bool:
        return self.finished


class TrioRuntime:
    name = "trio"

    def __init__(self, classifier: CodeClassifier) -> None:
        self.classifier = classifier
        self.loop_thread: int | None = None
        self._group: anyio.abc.TaskGroup | None = None
        self._token: Any = None
        self._root: Any = None

    def run(self, main: Callable[[], Coroutine[Any, Any, T]]) -> T:
        result: list[T] = []

        async def root() -> None:
            import trio

            self._token = trio.lowlevel.current_trio_token()
            self._root = trio.lowlevel.current_task()
            async with anyio.create_task_group() as group:
                self._group = group
                result.append(await main())
                group.cancel_scope.cancel()

        self.loop_thread = threading.get_ident()
        try:
            anyio.run(root, backend="trio")
        finally:
            self.loop_thread = None
            self._group = None
        return result[0]

    def spawn(self, fn: AppCoroutine, name: str) -> Handle:
        assert self._group is not None
        handle = _TrioHandle()

        async def runner() -> None:
            import trio

            handle.task = trio.lowlevel.current_task()
            try:
                with handle.scope:
                    handle.coro = fn()
                    await handle.coro
            finally:
                handle.finished = True

        self._group.start_soon(runner, name=name)
        return handle

    def signal(self) -> Signal:
        return _TrioSignal()

    async def wait(self, signal: Signal, timeout: float | None) -> bool:
        assert isinstance(signal, _TrioSignal)
        if signal.is_set():
            return True
        if timeout is not None and timeout <= 0:
            return False
        with anyio.move_on_after(timeout):
            await signal.wait()
        return signal.is_set()

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)

    def call_soon_threadsafe(self, fn: Callable[[], None]) -> None:
        if self._token is not None:
            with contextlib.suppress(RuntimeError):  # trio has already finished
                self._token.run_sync_soon(fn)

    def chain(self, handle: Handle) -> AwaitChain:
        assert isinstance(handle, _TrioHandle)
        return walk(handle.coro, self.classifier)

    def tasks(self, exclude: list[Handle]) -> list[TaskInfo]:
        # Callable from the watchdog thread too: walk from the root, no current_task().
        skip = [h.task for h in exclude if isinstance(h, _TrioHandle) and h.task is not None]
        return trio_tasks(self._root, skip, self.classifier)
