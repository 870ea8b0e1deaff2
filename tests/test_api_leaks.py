"""Running check 100 times in one process leaves nothing behind.

After a warm-up run (which may import what the checker imports lazily), 100 more runs
on an app object must not change the threads, the tasks of the caller's loop, sys.path,
sys.modules, the signal handlers, the open file descriptors or the thread's current
asyncio loop.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio
import pytest

from asgi_lifespan_check import Report, check, check_sync
from tests.api_support import app

RUNS = 100


@dataclass(frozen=True)
class State:
    """What a check could leave behind, as seen from this process."""

    threads: tuple[str, ...]
    sys_path: tuple[str, ...]
    modules: frozenset[str]
    handlers: tuple[tuple[int, Any], ...]
    fds: tuple[str, ...]
    current_loop: object


def _current_loop() -> object:
    policy = asyncio.get_event_loop_policy()
    return getattr(getattr(policy, "_local", None), "_loop", None)


def snapshot() -> State:
    handlers = []
    for signum in sorted(signal.valid_signals()):
        try:
            handlers.append((int(signum), signal.getsignal(signum)))
        except (OSError, ValueError):
            continue
    return State(
        threads=tuple(sorted(t.name for t in threading.enumerate())),
        sys_path=tuple(sys.path),
        modules=frozenset(sys.modules),
        handlers=tuple(handlers),
        fds=tuple(sorted(os.listdir("/proc/self/fd"))),
        current_loop=_current_loop(),
    )


# trio keeps idle worker threads in a cache and ends them itself after 10 s; earlier tests
# (anyio's trio runner) leave some that come and go on that timer during these runs.
_SELF_ENDING = ("Trio thread ",)


def assert_same(before: State, after: State) -> None:
    # Threads that ended meanwhile belong to earlier tests; a new one that stays is a leak.
    new = [t for t in set(after.threads) - set(before.threads) if not t.startswith(_SELF_ENDING)]
    assert new == []
    assert after.sys_path == before.sys_path
    assert sorted(after.modules - before.modules) == []
    assert after.handlers == before.handlers
    # Descriptors that closed meanwhile belong to earlier tests' collected objects.
    assert sorted(set(after.fds) - set(before.fds)) == []
    assert after.current_loop is before.current_loop


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_check_sync_100_times_leaves_nothing(backend: str) -> None:
    """100 check_sync runs leave threads, modules, sys.path, signals and fds unchanged."""
    subject = app("api_ok")
    assert check_sync(subject, backend=backend).passed  # warm-up: lazy imports
    before = snapshot()
    reports = [check_sync(subject, backend=backend) for _ in range(RUNS)]
    assert_same(before, snapshot())
    assert all(r.passed for r in reports)


async def _tasks_now(backend: str) -> int:
    """How many tasks the caller's async library is running (the caller's included)."""
    if backend == "asyncio":
        return len(asyncio.all_tasks())
    import trio

    root = trio.lowlevel.current_root_task()
    assert root is not None
    count, stack = 0, [root]
    while stack:
        task = stack.pop()
        count += 1
        for nursery in task.child_nurseries:
            stack.extend(nursery.child_tasks)
    return count


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
@pytest.mark.anyio
async def test_check_100_times_on_the_callers_loop_leaves_nothing(anyio_backend: str) -> None:
    """100 awaited checks on the caller's loop leave its tasks and the process unchanged."""
    subject = app("api_ok")
    assert (await check(subject)).passed  # warm-up: lazy imports
    before, tasks = snapshot(), await _tasks_now(anyio_backend)
    reports = [await check(subject) for _ in range(RUNS)]
    assert await _tasks_now(anyio_backend) == tasks
    assert_same(before, snapshot())
    assert all(r.passed and r.environment.backend == anyio_backend for r in reports)


def test_a_failing_app_leaves_nothing_either() -> None:
    """Failing and hanging apps, checked on the caller's loop, leave nothing behind."""

    async def checks() -> list[Report]:
        runs: list[Callable[[], Awaitable[Report]]] = [
            lambda: check(app("api_startup_fails")),
            lambda: check(app("api_hang"), startup_timeout=0.05),
            lambda: check(app("api_typo")),
            lambda: check(app("api_leaky")),
        ]
        for run in runs:  # warm-up
            await run()
        tasks = len(asyncio.all_tasks())
        out = [await run() for _ in range(5) for run in runs]
        assert len(asyncio.all_tasks()) == tasks
        return out

    anyio.run(checks)  # warm-up of anyio's own runner
    before = snapshot()
    reports = anyio.run(checks)
    assert_same(before, snapshot())
    assert sorted({r.outcome for r in reports}) == [
        "ok",
        "protocol-error",
        "startup-failed",
        "startup-timeout",
    ]
