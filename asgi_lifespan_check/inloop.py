"""Checking an app on the event loop of the code that awaits the check (asyncio or trio).

The driver needs the same small runtime surface as everywhere else (`runtime.py`); the
runtimes here differ in where they run and in what they may touch. They join the
caller's running loop instead of starting one, and they answer "which tasks are the
app's?" without counting the caller's own: on asyncio, every task that was not there
when the check began; on trio, the tasks below a nursery of the check's own. What the
app leaves running after shutdown is reported (LC401) and then cancelled, so nothing of
the app outlives the check on the caller's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import weakref
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, Protocol, TypeVar

from .awaits import TaskInfo, asyncio_tasks
from .events import ListSink, Recorder
from .frames import CodeClassifier
from .loading import LoadedApp
from .options import LoadOptions, RunOptions
from .report import Report, build
from .runtime import AsyncioRuntime, Handle, Runtime
from .trio_runtime import TrioRuntime

T = TypeVar("T")

# How long the app's leftover tasks get to honour their cancellation (as runtime.py).
_CLEANUP_GRACE_S = 0.5


class CallerRuntime(Runtime, Protocol):
    """A runtime that drives on the loop already running in this thread."""

    async def run_here(self, main: Callable[[], Coroutine[Any, Any, T]]) -> T: ...


class CallerAsyncioRuntime(AsyncioRuntime):
    """The asyncio runtime on the caller's running loop."""

    def __init__(self, classifier: CodeClassifier) -> None:
        super().__init__(classifier)
        self._before: weakref.WeakSet[asyncio.Task[Any]] = weakref.WeakSet()

    async def run_here(self, main: Callable[[], Coroutine[Any, Any, T]]) -> T:
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._main_task = asyncio.current_task()
        self._before = weakref.WeakSet(asyncio.all_tasks(loop))
        self.loop_thread = threading.get_ident()
        try:
            return await main()
        finally:
            self.loop_thread = None
            await self._cancel_leftovers(loop)

    def tasks(self, exclude: list[Handle]) -> list[TaskInfo]:
        return asyncio_tasks(
            self._loop, [*exclude, self._main_task, *self._before], self.classifier
        )

    async def _cancel_leftovers(self, loop: asyncio.AbstractEventLoop) -> None:
        """Cancel the tasks the check started that are still pending (bounded wait)."""
        mine = [
            t
            for t in asyncio.all_tasks(loop)
            if t not in self._before and t is not self._main_task and not t.done()
        ]
        for task in mine:
            task.cancel()
        if mine:
            with contextlib.suppress(Exception):
                await asyncio.wait(mine, timeout=_CLEANUP_GRACE_S)
        for task in mine:
            if not task.done():
                # It ignored cancellation (reported as LC401); when the caller's loop
                # closes, asyncio would log it as destroyed: it has been reported already.
                task._log_destroy_pending = False  # type: ignore[attr-defined]


class CallerTrioRuntime(TrioRuntime):
    """The trio runtime inside the caller's trio run.

    The driver and the app run in a task of the check's own, so walking that task's
    nurseries finds the app's tasks and nothing of the caller's.
    """

    async def run_here(self, main: Callable[[], Coroutine[Any, Any, T]]) -> T:
        import anyio
        import trio

        result: list[T] = []

        async def root() -> None:
            self._root = trio.lowlevel.current_task()
            async with anyio.create_task_group() as group:
                self._group = group
                result.append(await main())
                group.cancel_scope.cancel()  # what the app left behind

        self._token = trio.lowlevel.current_trio_token()
        self.loop_thread = threading.get_ident()
        try:
            async with anyio.create_task_group() as outer:
                outer.start_soon(root, name="lifespan-check-driver")
        finally:
            self.loop_thread = None
            self._group = None
        return result[0]


def caller_runtime(backend: str, classifier: CodeClassifier) -> CallerRuntime:
    """The runtime for the caller's running `backend`."""
    if backend == "trio":
        return CallerTrioRuntime(classifier)
    return CallerAsyncioRuntime(classifier)


async def check_here(
    load: LoadOptions | None,
    run: RunOptions,
    app: object | None,
    target: str,
    *,
    strict: bool,
    ignore: Iterable[str],
) -> Report:
    """One in-process check on the caller's loop; the async API's whole run."""
    from .runner import Runner

    sink = ListSink()
    runner = Runner(Recorder(sink), isolated=False, block_threshold=run.block_threshold)
    try:
        runner.meta(target, run.backend)
        loaded: LoadedApp | None = (
            runner.load(load) if load is not None else runner.load_object(app, target)
        )
        if loaded is not None:
            runtime = caller_runtime(run.backend, runner.classifier)
            await runner.drive_here(loaded, run, runtime)
    finally:
        runner.finish()
    return build(sink.events, target=target, strict=strict, ignore=ignore)
