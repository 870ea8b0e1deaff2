"""Child processes the app started during its lifespan and left running (LC409).

A worker process the app spawns at startup and does not stop at shutdown outlives a real
server: it is orphaned when the server exits and keeps its ports, files and memory. The
process's children are read from /proc, so this is Linux-only (elsewhere nothing is
found). In the isolated child an audit hook also records where each process was started;
in a shared process we add no hook, since an audit hook can never be removed.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from typing import Any

from ._orphans import marked, stat_fields
from ._spawn import RUN_MARKER
from .frames import CodeClassifier, below_tool, clip, innermost_user, safe_str, stack_of
from .model import Frame

# Helpers multiprocessing starts for itself and keeps until the interpreter exits.
_MULTIPROCESSING_HELPERS = (
    b"multiprocessing.resource_tracker",
    b"multiprocessing.forkserver",
    b"multiprocessing.semaphore_tracker",
)
_SPAWN_EVENTS = frozenset(
    {"subprocess.Popen", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty"}
)
_MAX_SPAWNS = 256


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    """A running child process: its pid, its command line and what we know of its origin.

    `stack` is where it was started, when an audit event told us (isolated runs; not
    multiprocessing's spawn start method, which raises none); `worker` names a
    multiprocessing Process.
    """

    pid: int
    command: str
    stack: tuple[Frame, ...] = ()
    worker: str | None = None
    detached: bool = False  # it left the app's process tree (a double fork, setsid)

    @property
    def location(self) -> Frame | None:
        return innermost_user(self.stack)

    def describe(self) -> str:
        what = self.worker or clip(self.command, 120)
        where = innermost_user(self.stack)
        at = f", started at {where.where} in {where.function}()" if where else ""
        how = ", detached from the app's process tree" if self.detached else ""
        return f"pid {self.pid} ({what}){how}{at}"

    def to_dict(self) -> dict[str, Any]:
        where = innermost_user(self.stack)
        return {
            "pid": self.pid,
            "command": self.command,
            "worker": self.worker,
            "detached": self.detached,
            "started_at": where.to_dict() if where else None,
        }


def running_children() -> dict[int, bytes]:
    """Our live (not zombie) child processes, pid to raw command line."""
    if not sys.platform.startswith("linux"):
        return {}
    found: dict[int, bytes] = {}
    for pid in _child_pids():
        command = _running_command(pid)
        if command is not None and not any(h in command for h in _MULTIPROCESSING_HELPERS):
            found[pid] = command
    return found


def _child_pids() -> set[int]:
    pids: set[int] = set()
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return pids
    for tid in tasks:
        try:
            with open(f"/proc/self/task/{tid}/children", "rb") as children:
                pids.update(int(pid) for pid in children.read().split())
        except OSError:
            continue  # the thread ended, or the kernel lacks the file
    return pids


def _running_command(pid: int) -> bytes | None:
    fields = stat_fields(pid)
    if fields is None or fields[0] in (b"Z", b"X"):
        return None  # gone, or exited and not yet waited for: nothing is running
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read()
    except OSError:
        return None


class SpawnLog:
    """Where the app started processes, from the interpreter's audit events; and a
    marker in the environment they inherit, by which the ones that detach themselves
    from the process tree (daemons) are still found."""

    def __init__(self, classifier: CodeClassifier) -> None:
        self.classifier = classifier
        self._spawns: list[tuple[bytes | None, tuple[Frame, ...]]] = []
        self.marker = ""  # RUN_MARKER's value in our environment, set by the supervisor

    def install(self) -> None:
        sys.addaudithook(self._hook)
        self.marker = os.environ.get(RUN_MARKER, "")

    @property
    def spawned(self) -> bool:
        return bool(self._spawns)

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        if event not in _SPAWN_EVENTS or len(self._spawns) >= _MAX_SPAWNS:
            return
        stack = below_tool(stack_of(sys._getframe(1), self.classifier))
        self._spawns.append((_argv_of(event, args), stack))

    def origin(self, command: bytes, *, detached: bool = False) -> tuple[Frame, ...]:
        """The stack of the spawn that most likely started `command`.

        An exact argv match first; then one argv inside the other (a shell's `-c` line
        that the shell replaced by its last command); then a fork of this interpreter.
        A detached process that matches none came from a fork whose child went on to
        exec something else (a daemon's double fork): the app's last fork.
        """
        own = _words(b"".join(os.fsencode(a) + b"\0" for a in sys.orig_argv))
        running = _words(command)
        spawns = [
            (_words(argv) if argv is not None else None, stack) for argv, stack in self._spawns
        ]
        for matches in (
            lambda argv: argv == running,
            lambda argv: bool(argv) and (argv in running or running in argv),
            lambda argv: argv is None and (running == own or detached),
        ):
            for argv, stack in reversed(spawns):
                if matches(argv):
                    return stack
        return ()


def _argv_of(event: str, args: tuple[Any, ...]) -> bytes | None:
    """The command line a spawn event will run, as /proc shows it; None for a fork."""
    if event == "subprocess.Popen":
        argv = args[1]
        argv = [argv] if isinstance(argv, (str, bytes, os.PathLike)) else list(argv)
    elif event in ("os.posix_spawn", "os.spawn"):
        argv = list(args[-2] if event == "os.spawn" else args[1])
    else:
        return None
    try:
        return b"".join(os.fsencode(a) + b"\0" for a in argv)
    except TypeError:
        return b""


def running(log: SpawnLog | None) -> dict[int, bytes]:
    """Our running children, and the app's detached processes (see `detached`): those
    started at import time, before the audit hook could see them, are not the lifespan's."""
    return {**running_children(), **detached(log, always=True)}


def detached(log: SpawnLog | None, *, always: bool = False) -> dict[int, bytes]:
    """Running processes that carry our marker (RUN_MARKER) but left the process tree:
    a double fork reparents them (to init or a subreaper), setsid leaves our session.
    Unless `always`, only looked for once the app has started a process at all."""
    if log is None or not (always or log.spawned):
        return {}
    me = os.getpid()
    session = os.getsid(0)
    found: dict[int, bytes] = {}
    for pid in marked(RUN_MARKER, log.marker):
        fields = stat_fields(pid)
        if pid == me or fields is None:
            continue
        parent, its_session = int(fields[1]), int(fields[3])
        # A grandchild under a live child of ours is that child's business.
        if parent == me or (its_session == session and _in_tree(parent, me)):
            continue
        command = _running_command(pid)
        if command is not None:
            found[pid] = command
    return found


def _in_tree(pid: int, root: int) -> bool:
    """Whether `root` is an ancestor of `pid` (bounded walk up /proc)."""
    for _ in range(64):
        if pid == root:
            return True
        fields = stat_fields(pid) if pid > 1 else None
        if fields is None:
            return False
        pid = int(fields[1])
    return False


def leaked(before: dict[int, bytes], log: SpawnLog | None) -> list[ProcessInfo]:
    """Our processes running now that were not running at `before`."""
    workers = _multiprocessing_workers()
    loose = detached(log)
    found = []
    for pid, command in sorted({**running_children(), **loose}.items()):
        if pid in before:
            continue
        info = ProcessInfo(
            pid=pid,
            command=clip(_printable(command), 512),
            stack=log.origin(command, detached=pid in loose) if log is not None else (),
            detached=pid in loose,
        )
        if pid in workers:
            info = replace(info, worker=f"multiprocessing {safe_str(workers[pid].name)!r}")
        found.append(info)
    return found


def _multiprocessing_workers() -> dict[int, Any]:
    """The app's multiprocessing Process objects by pid (if it uses multiprocessing)."""
    module = sys.modules.get("multiprocessing.process")
    children = getattr(module, "_children", None) or ()
    return {p.pid: p for p in list(children) if getattr(p, "pid", None)}


def _words(command: bytes) -> bytes:
    """A NUL-separated command line as one space-separated line."""
    return command.replace(b"\0", b" ").strip()


def _printable(command: bytes) -> str:
    return os.fsdecode(_words(command))
