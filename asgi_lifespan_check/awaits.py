"""Where is a coroutine waiting? Await chains of tasks, and stacks of threads.

`Task.get_stack()` gives one frame for a suspended coroutine. Following the await chain
(`cr_await`, `gi_yieldfrom`, `ag_await`, through async context managers, gathered
children and C future iterators) gets down to the line in the user's code.
"""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Iterable
from dataclasses import dataclass
from types import FrameType
from typing import Any

from .frames import CodeClassifier, from_frame, innermost_user, is_tool_file, stack_of
from .model import Frame

_MAX_DEPTH = 256
# Our own threads (watchdog, control reader) are named with this prefix and never reported.
OWN_THREAD_PREFIX = "lifespan-check-"
_AGEN_AWAITABLES = ("async_generator_asend", "async_generator_athrow", "async_generator_aclose")


@dataclass(frozen=True, slots=True)
class AwaitChain:
    """The frames of an await chain, outermost first, plus concurrent branches below it."""

    frames: tuple[Frame, ...]
    waiting_on: str | None = None
    branches: tuple[AwaitChain, ...] = ()

    @property
    def location(self) -> Frame | None:
        """The innermost user frame, looking into the branches when the chain ends there."""
        here = innermost_user(self.frames)
        for branch in self.branches:
            deeper = branch.location
            if deeper is not None:
                return deeper
        return here

    def all_frames(self) -> tuple[Frame, ...]:
        """The chain with its first live branch followed, as one stack."""
        frames = self.frames
        for branch in self.branches:
            return frames + branch.all_frames()
        return frames

    def to_dict(self) -> dict[str, Any]:
        return {
            "frames": [f.to_dict() for f in self.frames],
            "waiting_on": self.waiting_on,
            "branches": [b.to_dict() for b in self.branches],
        }


@dataclass(frozen=True, slots=True)
class TaskInfo:
    """A pending task: its name, its coroutine and where it waits."""

    name: str
    coroutine: str
    chain: AwaitChain

    def to_dict(self) -> dict[str, Any]:
        location = self.chain.location
        return {
            "name": self.name,
            "coroutine": self.coroutine,
            "location": location.to_dict() if location else None,
            "chain": self.chain.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class ThreadInfo:
    """A live thread: its name, what it runs and its current stack."""

    name: str
    ident: int
    daemon: bool
    target: str | None
    stack: tuple[Frame, ...]
    start_stack: tuple[Frame, ...] = ()  # where it was started, when that was seen

    @property
    def started_at(self) -> Frame | None:
        return innermost_user(self.start_stack)

    def to_dict(self) -> dict[str, Any]:
        location = innermost_user(self.stack) or (self.stack[-1] if self.stack else None)
        started = self.started_at
        return {
            "name": self.name,
            "ident": self.ident,
            "daemon": self.daemon,
            "target": self.target,
            "started_at": started.to_dict() if started else None,
            "location": location.to_dict() if location else None,
            "stack": [f.to_dict() for f in self.stack],
        }


def _asyncio() -> Any:
    return sys.modules.get("asyncio")


def _is_async_generator_holder(value: object) -> types.AsyncGeneratorType[Any, Any] | None:
    if isinstance(value, types.AsyncGeneratorType):
        return value
    gen = getattr(value, "gen", None)  # contextlib's _AsyncGeneratorContextManager
    return gen if isinstance(gen, types.AsyncGeneratorType) else None


def _agen_awaited_from(frame: FrameType | None) -> object | None:
    """The async generator an `async_generator_asend` belongs to, found in the caller's locals.

    Those awaitables expose nothing; `asynccontextmanager.__aenter__` holds the generator
    as `self.gen`, and hand-written code usually holds it in a local.
    """
    if frame is None:
        return None
    candidates = [g for v in frame.f_locals.values() if (g := _is_async_generator_holder(v))]
    running = [g for g in candidates if g.ag_running or g.ag_await is not None]
    chosen = running or candidates
    return chosen[0] if chosen else None


def _pending_in_locals(frame: FrameType | None) -> object | None:
    """A pending task or future among a frame's locals (for C future iterators)."""
    aio = _asyncio()
    if frame is None or aio is None:
        return None
    futures = [v for v in frame.f_locals.values() if isinstance(v, aio.Future) and not v.done()]
    tasks = [f for f in futures if isinstance(f, aio.Task)]
    chosen: list[object] = tasks or futures
    return chosen[0] if chosen else None


def _describe_future(fut: Any) -> str:
    name = type(fut).__qualname__
    return "asyncio.gather" if name == "_GatheringFuture" else name


@dataclass
class RawChain:
    """An await chain as the interpreter holds it (see follow())."""

    frames: list[FrameType]  # outermost first, this tool's frames included
    waiting_on: str | None  # what the innermost await waits on, when known
    children: list[Any]  # pending children of a gather at the end of the chain
    tasks: set[int]  # ids of the asyncio tasks the chain passed through


def follow(obj: object, task: Any = None) -> RawChain:
    """Follow the await chain that starts at `obj` (a coroutine, task or future).

    Shared by the hang report (walk(), which turns frames into Frames) and the profiler's
    sampler (which keeps code objects and line numbers, cheaply, every few ms).
    """
    aio = _asyncio()
    frames: list[FrameType] = []
    last_frame: FrameType | None = None
    children: list[Any] = []
    waiting_on: str | None = None
    seen: set[int] = set()
    tasks: set[int] = set()
    while obj is not None and id(obj) not in seen and len(seen) < _MAX_DEPTH:
        seen.add(id(obj))
        frame: FrameType | None = None
        nxt: object | None = None
        if isinstance(obj, types.CoroutineType):
            frame, nxt = obj.cr_frame, obj.cr_await
        elif isinstance(obj, types.GeneratorType):
            frame, nxt = obj.gi_frame, obj.gi_yieldfrom
        elif isinstance(obj, types.AsyncGeneratorType):
            frame, nxt = obj.ag_frame, obj.ag_await
        elif type(obj).__name__ in _AGEN_AWAITABLES:
            nxt = _agen_awaited_from(last_frame)
        elif aio is not None and isinstance(obj, aio.Task):
            if obj.done():
                break
            task = obj
            tasks.add(id(obj))
            nxt = obj.get_coro()
        elif aio is not None and isinstance(obj, aio.Future):
            children = [c for c in getattr(obj, "_children", None) or () if not c.done()]
            waiting_on = _describe_future(obj)
        else:
            # A C future iterator, a trio trap, or some other opaque awaitable.
            nxt = _pending_in_locals(last_frame)
            if nxt is None and task is not None:
                waiter = getattr(task, "_fut_waiter", None)
                nxt = waiter if waiter is not None and id(waiter) not in seen else None
            if nxt is None:
                waiting_on = type(obj).__qualname__
        if frame is not None:
            frames.append(frame)
            last_frame = frame
        obj = nxt
    return RawChain(frames, waiting_on, children, tasks)


def walk(obj: object, classifier: CodeClassifier, task: Any = None) -> AwaitChain:
    """The await chain that starts at `obj`, as Frames, gathered children as branches."""
    raw = follow(obj, task)
    frames = tuple(
        from_frame(f, classifier) for f in raw.frames if not is_tool_file(f.f_code.co_filename)
    )
    branches = tuple(walk(child, classifier) for child in raw.children)
    return AwaitChain(frames=frames, waiting_on=raw.waiting_on, branches=branches)


def coroutine_name(coro: object) -> str:
    code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
    if code is not None:
        return str(code.co_qualname)
    return type(coro).__qualname__


def asyncio_tasks(
    loop: Any, exclude: Iterable[object], classifier: CodeClassifier
) -> list[TaskInfo]:
    """Pending asyncio tasks of `loop`, except `exclude`, with their await chains."""
    aio = _asyncio()
    if aio is None:
        return []
    skip = {id(t) for t in exclude}
    for _ in range(5):
        try:
            tasks = list(aio.all_tasks(loop))
            break
        except RuntimeError:  # the set changed size while another thread read it
            continue
    else:
        return []
    out = []
    for task in tasks:
        if id(task) in skip or task.done():
            continue
        out.append(
            TaskInfo(
                name=task.get_name(),
                coroutine=coroutine_name(task.get_coro()),
                chain=walk(task, classifier),
            )
        )
    out.sort(key=lambda t: t.name)
    return out


def trio_tasks(root: Any, exclude: Iterable[object], classifier: CodeClassifier) -> list[TaskInfo]:
    """Trio tasks below `root` (a trio Task), except `exclude`, with their await chains."""
    skip = {id(t) for t in exclude}
    out: list[TaskInfo] = []
    stack = [root]
    while stack:
        task = stack.pop()
        for nursery in getattr(task, "child_nurseries", ()):
            stack.extend(nursery.child_tasks)
        if task is root or id(task) in skip:
            continue
        out.append(
            TaskInfo(
                name=str(task.name),
                coroutine=coroutine_name(task.coro),
                chain=walk(task.coro, classifier),
            )
        )
    out.sort(key=lambda t: t.name)
    return out


def thread_names() -> list[dict[str, Any]]:
    """Name, ident and daemon flag of each started thread (for the supervisor)."""
    return [
        {"name": t.name, "ident": t.ident, "daemon": t.daemon}
        for t in threading.enumerate()
        if t.ident is not None
    ]


def thread_infos(
    classifier: CodeClassifier, *, exclude: Iterable[int] = (), only: Iterable[int] | None = None
) -> list[ThreadInfo]:
    """Live threads other than the main thread and `exclude`, with their current stacks."""
    frames = sys._current_frames()
    wanted = set(only) if only is not None else None
    skip = {threading.main_thread().ident, *exclude}
    out = []
    for thread in threading.enumerate():
        ident = thread.ident
        if ident is None or ident in skip or (wanted is not None and ident not in wanted):
            continue
        if thread.name.startswith(OWN_THREAD_PREFIX):
            continue
        target = getattr(thread, "_target", None)
        out.append(
            ThreadInfo(
                name=thread.name,
                ident=ident,
                daemon=thread.daemon,
                target=getattr(target, "__qualname__", None) if target else None,
                stack=tuple(stack_of(frames.get(ident), classifier)),
            )
        )
    return out
