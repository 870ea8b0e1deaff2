"""A sampler thread: where startup and shutdown time goes, at ~1.1x cost instead of 3-8x.

Every `interval` seconds it looks at the loop thread with `sys._current_frames()`:

- the loop thread runs Python or sits in a synchronous call: the sample is its stack
  (below this tool's frames), split into CPU and blocked time by the thread's own CPU
  clock over the interval;
- the loop is idle in its selector: the sample is the lifespan task's await chain (the
  same walk as the hang report), plus the chains of the other pending tasks, which are
  concurrent branches (gather children, task-group tasks).

Worker threads running user code (`to_thread`) are recorded on every sample. Each
sample is weighted by the wall time since the previous one: a thread holding the GIL
delays the sampler, and unweighted samples undercount CPU-bound code ~5x
(PERFORMANCE.md). Frames are kept as raw code objects while sampling and turned into
names once, at the end.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
import types
from collections.abc import Callable
from typing import Any

# The hang report's rules for opaque awaitables, reused as they are: the walk below only
# differs from awaits.walk() in keeping raw code objects (no linecache, no path checks).
from ..awaits import follow
from ..events import Event
from ..frames import CodeClassifier, is_tool_file

DEFAULT_INTERVAL_S = 0.005
SWITCH_INTERVAL_S = 0.001
# Phases whose time is attributed (the hold in between is idle by design).
WINDOWS = ("startup", "shutdown")
_OWN_PREFIX = "lifespan-check-"
_MAX_BRANCH_DEPTH = 3
# Where an idle loop waits: asyncio's selector, trio's I/O managers.
_IDLE = {
    ("selectors.py", "select"),
    ("_io_epoll.py", "get_events"),
    ("_io_kqueue.py", "get_events"),
    ("_io_windows.py", "get_events"),
}

Pair = tuple[types.CodeType, int]


class _Table:
    """Interned frames (per function) and stacks (function and line per level)."""

    def __init__(self, classifier: CodeClassifier) -> None:
        self.classifier = classifier
        self.frames: list[list[Any]] = []
        self.stacks: list[list[list[int]]] = []
        self._frame_ids: dict[types.CodeType, int] = {}
        self._stack_ids: dict[tuple[Pair, ...], int] = {}
        self._user: dict[str, bool] = {}

    def stack(self, pairs: tuple[Pair, ...]) -> int:
        found = self._stack_ids.get(pairs)
        if found is None:
            found = len(self.stacks)
            self.stacks.append([[self._frame(code), line] for code, line in pairs])
            self._stack_ids[pairs] = found
        return found

    def user(self, code: types.CodeType) -> bool:
        return bool(self.frames[self._frame(code)][3])

    def _frame(self, code: types.CodeType) -> int:
        found = self._frame_ids.get(code)
        if found is None:
            found = len(self.frames)
            file = code.co_filename
            user = self._user.get(file)
            if user is None:
                user = self._user[file] = self.classifier.is_user(file)
            self.frames.append([file, code.co_firstlineno, code.co_qualname, user])
            self._frame_ids[code] = found
        return found


class Sampler:
    """Samples the loop thread of one lifespan run; `event()` has what it saw."""

    def __init__(
        self,
        classifier: CodeClassifier,
        *,
        t0: float,
        phase: Callable[[], str],
        interval: float = DEFAULT_INTERVAL_S,
    ) -> None:
        self.interval = interval
        self._t0 = t0
        self._phase = phase
        self._table = _Table(classifier)
        self._samples: list[list[Any]] = []
        self._tool_files: dict[str, bool] = {}
        self._loop_ident = threading.get_ident()
        self._lifespan: Callable[[], object] = lambda: None
        # Held until stop(): the thread waits on it between samples. A bare lock rather
        # than an Event, whose `with` allocates what the garbage collector tracks.
        self._stop = threading.Lock()
        self._stop.acquire()
        self._thread = threading.Thread(target=self._run, name=_OWN_PREFIX + "sampler", daemon=True)
        self._names: dict[int, str] = {}
        self._switch = sys.getswitchinterval()
        self._busy = _busy_clock(threading.get_native_id(), self._loop_ident)

    def start(self, lifespan: Callable[[], object]) -> None:
        """Start sampling; `lifespan()` gives the lifespan task (or coroutine) once it exists."""
        self._lifespan = lifespan
        # While Python code runs on the loop, a sample waits for the GIL until the switch
        # interval forces it free (5 ms by default), which blurs where one step ends and
        # the next begins by that much. A shorter interval only changes anything when
        # threads contend for the GIL.
        self._switch = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch, SWITCH_INTERVAL_S))
        self._thread.start()

    def stop(self) -> None:
        if self._stop.locked():
            self._stop.release()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        sys.setswitchinterval(self._switch)

    def event(self) -> Event:
        """The `profile_samples` event (see profiling/build.py for the format)."""
        return {
            "kind": "profile_samples",
            "interval_s": self.interval,
            "cpu_clock": self._busy is not None,
            "frames": self._table.frames,
            "stacks": self._table.stacks,
            "samples": self._samples,
        }

    # The thread -------------------------------------------------------------------------

    def _run(self) -> None:
        busy = self._busy
        prev = time.perf_counter()
        prev_busy = busy() if busy is not None else 0.0
        last_phase = ""
        stopped, wait = self._stop.acquire, (True, self.interval)
        # Between samples this loop allocates nothing the garbage collector tracks (a
        # bare lock, not an Event, whose `with` allocates; its arguments passed as one
        # ready tuple; schedstat parsed without lists): see _sample_quietly for why.
        while not stopped(*wait):
            now = time.perf_counter()
            used = busy() if busy is not None else 0.0
            dt, dbusy = now - prev, used - prev_busy
            prev, prev_busy = now, used
            phase = self._phase()
            # The sample after a window closes still covers its last milliseconds.
            if phase in WINDOWS or last_phase in WINDOWS:
                frac = None
                if busy is not None and dt > 0:  # (min() and max() would build a tuple)
                    frac = dbusy / dt
                    frac = 1.0 if frac > 1.0 else 0.0 if frac < 0.0 else frac
                self._sample_quietly(now, dt, frac)
            last_phase = phase

    def _sample_quietly(self, now: float, dt: float, cpu_frac: float | None) -> None:
        """Sample with the collector off: our allocations must not be the ones that trip
        a full collection, which holds the GIL for tens of milliseconds (measured: 30-50
        ms on a FastAPI app) and would stall the app at a moment it would not have
        stalled. Deferred, it runs where the app's own allocations call for it.

        Only --profile pays for this, and it has a known limit: should the interpreter
        switch threads inside a sample (rare: a sample is shorter than the switch
        interval) and the app call gc.disable() right then, our enable() would undo it."""
        collecting = gc.isenabled()
        if collecting:
            gc.disable()
        try:
            self._sample(now, dt, cpu_frac)
        finally:
            if collecting:
                gc.enable()

    def _sample(self, now: float, dt: float, cpu_frac: float | None) -> None:
        frames = sys._current_frames()
        main = frames.get(self._loop_ident)
        if main is None:
            return
        code = main.f_code
        idle = (os.path.basename(code.co_filename), code.co_name) in _IDLE
        waiting: str | None = None
        branches: list[list[Any]] = []
        if idle:
            kind = "await"
            pairs, waiting, tasks = self._lifespan_chain(branches)
            self._other_tasks(tasks, branches)
        else:
            kind = "run"
            pairs = self._thread_stack(main)
        self._threads(frames, branches)
        self._samples.append(
            [
                round(now - self._t0, 6),
                round(dt, 6),
                kind,
                None if cpu_frac is None else round(cpu_frac, 3),
                self._table.stack(pairs),
                waiting,
                branches,
            ]
        )

    def _is_tool(self, filename: str) -> bool:
        found = self._tool_files.get(filename)
        if found is None:
            found = self._tool_files[filename] = is_tool_file(filename)
        return found

    def _thread_stack(self, frame: types.FrameType | None) -> tuple[Pair, ...]:
        """A thread's stack, outermost first, below this tool's own frames."""
        out: list[Pair] = []
        while frame is not None:
            code = frame.f_code
            if self._is_tool(code.co_filename):
                break
            out.append((code, frame.f_lineno or 0))
            frame = frame.f_back
        out.reverse()
        return tuple(out)

    def _lifespan_chain(
        self, branches: list[list[Any]]
    ) -> tuple[tuple[Pair, ...], str | None, set[int]]:
        obj = self._lifespan()
        if obj is None:
            return (), None, set()
        pairs, waiting, children, tasks = self._chain(obj)
        for child in children:
            self._branch(child, branches, tasks, 1)
        return pairs, waiting, tasks

    def _branch(self, obj: Any, branches: list[list[Any]], tasks: set[int], depth: int) -> None:
        pairs, waiting, children, seen = self._chain(obj)
        tasks |= seen
        name = obj.get_name() if hasattr(obj, "get_name") else type(obj).__qualname__
        branches.append(["task", str(name), self._table.stack(pairs), waiting])
        if depth < _MAX_BRANCH_DEPTH:
            for child in children:
                self._branch(child, branches, tasks, depth + 1)

    def _other_tasks(self, walked: set[int], branches: list[list[Any]]) -> None:
        """Pending tasks that are not on the lifespan's chain: concurrent branches too."""
        lifespan = self._lifespan()
        aio = sys.modules.get("asyncio")
        get_loop = getattr(lifespan, "get_loop", None)
        if aio is None or get_loop is None:
            return
        for _ in range(3):
            try:
                pending = list(aio.all_tasks(get_loop()))
                break
            except RuntimeError:  # the task set changed while we read it
                continue
        else:
            return
        for task in pending:
            if id(task) in walked or task is lifespan or task.done():
                continue
            if task.get_name().startswith(_OWN_PREFIX):
                continue
            self._branch(task, branches, walked, _MAX_BRANCH_DEPTH)

    def _threads(self, frames: dict[int, types.FrameType], branches: list[list[Any]]) -> None:
        """Worker threads that are running user code right now (to_thread, executors)."""
        for ident, frame in frames.items():
            if ident == self._loop_ident:
                continue
            name = self._names.get(ident)
            if name is None:
                name = self._names[ident] = _thread_name(ident)
            if name.startswith(_OWN_PREFIX):
                continue
            pairs = self._thread_stack(frame)
            if any(self._table.user(code) for code, _ in pairs):
                branches.append(["thread", name, self._table.stack(pairs), None])

    def _chain(self, obj: object) -> tuple[tuple[Pair, ...], str | None, list[Any], set[int]]:
        """The await chain from `obj` (awaits.follow): frames as (code, line) pairs, what
        the leaf waits on, pending gathered children, and the tasks passed through."""
        raw = follow(obj)
        pairs = tuple(
            (f.f_code, f.f_lineno or 0)
            for f in raw.frames
            if not self._is_tool(f.f_code.co_filename)
        )
        return pairs, raw.waiting_on, raw.children, raw.tasks


def _busy_clock(native_id: int, ident: int) -> Callable[[], float] | None:
    """Seconds the loop thread has been running or runnable: the rest of its time it
    was blocked in a call (a sleep, a socket, a lock).

    Linux's schedstat counts time waiting for a CPU as runnable, so a busy machine does
    not make CPU-bound code look blocked; elsewhere the thread's CPU clock is the
    nearest measure. None where neither exists: then there is no CPU/blocked split.
    """
    try:
        fd = os.open(f"/proc/self/task/{native_id}/schedstat", os.O_RDONLY | os.O_CLOEXEC)

        def schedstat() -> float:
            # "on-cpu-ns waiting-ns timeslices\n", parsed without making a list.
            data = os.pread(fd, 128, 0)
            first = data.index(b" ")
            second = data.index(b" ", first + 1)
            return (int(data[:first]) + int(data[first + 1 : second])) / 1e9

        schedstat()
        return schedstat
    except (OSError, ValueError):
        pass
    try:
        clock = time.pthread_getcpuclockid(ident)
        time.clock_gettime(clock)
    except (AttributeError, OSError):
        return None
    return lambda: time.clock_gettime(clock)


def lifespan_of(handle: object) -> object:
    """What to walk for a runtime's lifespan handle: the asyncio task, or trio's coroutine."""
    if handle is None:
        return None
    return getattr(handle, "coro", handle)


def _thread_name(ident: int) -> str:
    for thread in threading.enumerate():
        if thread.ident == ident:
            return thread.name
    return hex(ident)
