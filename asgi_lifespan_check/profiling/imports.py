"""The target's import, as timed by CPython's `-X importtime` in the child.

`-X importtime` costs ~1.0x (an import hook up to 1.4x, PERFORMANCE.md), but it writes to
fd 2, which is the app's captured stderr, and it times every import of the process,
ours included. So a profiled child is started with fd 2 on a pipe of its own: a thread
reads it, keeps the timing lines that fall inside the target's import (between two
marker lines the child writes itself, in order, through the same pipe) and passes
everything else on to the app's real stderr, so that stays the app's.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import sysconfig
import threading
import time
from typing import Any

from ..events import Event, Sink
from ..frames import CodeClassifier

_TIMING = b"import time:"
_MARK = b"\x00lifespan-check:"
_LINE = re.compile(r"import time:\s*(\d+) \|\s*(\d+) \| ( *)(\S.*)$")
# A .pyc written this shortly before the import started still counts as written by it:
# file timestamps come from a coarse kernel clock.
_MTIME_SLACK_NS = 20_000_000
# Phases whose imports are kept (the target's import, and a factory's lazy imports).
_WINDOWS = ("import", "factory")


class ImportCapture:
    """Filters the child's fd 2: timing lines inside a window are kept, the rest forwarded."""

    def __init__(self, read_fd: int, app_err_fd: int) -> None:
        self._read_fd = read_fd
        self._app_fd = app_err_fd
        self._window: str | None = None
        # Kept as bytes, which the garbage collector does not track: thousands of kept
        # strings would make this thread trip collections in the middle of the import.
        self.lines: dict[str, list[bytes]] = {}
        self.started_ns: dict[str, int] = {}
        self._closed: dict[str, threading.Event] = {}
        self._synced = threading.Event()
        self._thread = threading.Thread(
            target=self._pump, name="lifespan-check-importtime", daemon=True
        )
        self._thread.start()

    # The pump thread -------------------------------------------------------------------

    def _pump(self) -> None:
        pending = b""
        while True:
            try:
                chunk = os.read(self._read_fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                self._forward(pending)
                return
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                self._line(line)
            # A partial line that cannot be ours goes on at once (progress bars, prompts).
            if pending and not (_TIMING.startswith(pending[:12]) or _MARK.startswith(pending[:16])):
                self._forward(pending)
                pending = b""

    def _line(self, line: bytes) -> None:
        if line.startswith(_TIMING):
            if self._window is not None:
                self.lines[self._window].append(line)
        elif line.startswith(_MARK):
            verb, _, phase = line[len(_MARK) :].decode().partition(":")
            if verb == "start":
                self._window = phase
                self.lines.setdefault(phase, [])
            elif verb == "end":
                self._window = None
                self._closed.setdefault(phase, threading.Event()).set()
            else:
                self._synced.set()
        else:
            self._forward(line + b"\n")

    def _forward(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            while data:
                data = data[os.write(self._app_fd, data) :]

    # The main thread ------------------------------------------------------------------

    def mark(self, verb: str, phase: str) -> None:
        """Write a marker through fd 2, so the pump sees it in order with the timings."""
        if phase not in _WINDOWS:
            return
        if verb == "start":
            self.started_ns[phase] = time.time_ns()
        self._closed.setdefault(phase, threading.Event())
        with contextlib.suppress(OSError, ValueError, AttributeError):
            sys.stderr.flush()
        try:
            os.write(2, _MARK + f"{verb}:{phase}\n".encode())
        except OSError:  # the app closed fd 2: no timings will come through it either
            if verb == "end":
                self._closed[phase].set()

    def flush(self, timeout: float = 1.0) -> None:
        """Wait until everything written to fd 2 so far has been passed on."""
        self._synced.clear()
        with contextlib.suppress(OSError, ValueError, AttributeError):
            sys.stderr.flush()
        with contextlib.suppress(OSError):
            os.write(2, _MARK + b"sync:\n")
        self._synced.wait(timeout)

    def marking(self, sink: Sink) -> Sink:
        """`sink`, marking the start and end of the import windows on the way."""

        def marked(event: Event) -> None:
            kind = event.get("kind")
            if kind in ("phase_start", "phase_end"):
                self.mark("start" if kind == "phase_start" else "end", str(event.get("phase")))
            sink(event)

        return marked

    def event(self, target_module: str, classifier: CodeClassifier, phases: PhaseTimes) -> Event:
        """The `import_profile` event: the parsed tree of the import window(s)."""
        trees: dict[str, Any] = {}
        for phase in _WINDOWS:
            closed = self._closed.get(phase)
            if closed is None or not closed.wait(2.0):
                continue
            roots = parse([raw.decode("utf-8", "replace") for raw in self.lines.get(phase, [])])
            duration = phases.duration(phase)
            if phase == "import" and duration is not None:
                roots = [synthetic_root(target_module, duration, roots)]
            annotate(roots, classifier, self.started_ns.get(phase, 0))
            trees[phase] = roots
        return {"kind": "import_profile", "trees": trees}


class PhaseTimes:
    """Start and end times of phases, as seen on their way to the event sink."""

    def __init__(self) -> None:
        self._start: dict[str, float] = {}
        self._end: dict[str, float] = {}

    def watching(self, sink: Sink) -> Sink:
        def watched(event: Event) -> None:
            kind, phase, t = event.get("kind"), event.get("phase"), event.get("t")
            if kind == "phase_start" and t is not None:
                self._start[str(phase)] = float(t)
            elif kind == "phase_end" and t is not None:
                self._end[str(phase)] = float(t)
            sink(event)

        return watched

    def duration(self, phase: str) -> float | None:
        if phase in self._start and phase in self._end:
            return max(0.0, self._end[phase] - self._start[phase])
        return None


def start(argv: list[str]) -> ImportCapture | None:
    """The capture of a profiled child (`_child.py CTRL EVT DUMP IMPORTTIME_R APP_ERR_W`)."""
    if len(argv) < 6:
        return None
    return ImportCapture(int(argv[4]), int(argv[5]))


# Parsing ----------------------------------------------------------------------------------

Node = dict[str, Any]


def parse(lines: list[str]) -> list[Node]:
    """`-X importtime` lines (children before parents) as a forest of nodes."""
    waiting: dict[int, list[Node]] = {}
    for line in lines:
        match = _LINE.match(line)
        if match is None:
            continue  # the header line
        self_us, cumulative_us, indent, name = match.groups()
        level = len(indent) // 2
        node: Node = {
            "name": name.strip(),
            "self_us": int(self_us),
            "cumulative_us": int(cumulative_us),
            "children": waiting.pop(level + 1, []),
        }
        waiting.setdefault(level, []).append(node)
    roots = waiting.pop(0, [])
    # Deeper leftovers mean the window cut an import in two; keep them as roots.
    for level in sorted(waiting):
        roots.extend(waiting[level])
    return roots


def synthetic_root(module: str, duration_s: float, children: list[Node]) -> Node:
    """The target module itself: importlib.import_module() is not timed by -X importtime
    (only `import` statements are), so its own time is the phase's minus its imports'."""
    cumulative = round(duration_s * 1e6)
    inner = sum(c["cumulative_us"] for c in children)
    return {
        "name": module,
        "self_us": max(0, cumulative - inner),
        "cumulative_us": max(cumulative, inner),
        "children": children,
    }


def annotate(roots: list[Node], classifier: CodeClassifier, started_ns: int) -> None:
    """Add each module's group (distribution, "your code", stdlib) and .pyc state."""
    groups = _Groups(classifier)
    stack = list(roots)
    while stack:
        node = stack.pop()
        stack.extend(node["children"])
        module = sys.modules.get(node["name"])
        node["group"] = groups.of(node["name"], module)
        node["compiled"] = _compiled_now(module, started_ns)


def _compiled_now(module: object, started_ns: int) -> bool:
    """True when the module was compiled from source during the import (no usable .pyc)."""
    spec = getattr(module, "__spec__", None)
    origin = getattr(spec, "origin", None)
    if not origin or not str(origin).endswith(".py"):
        return False
    cached = getattr(spec, "cached", None)
    if not cached:
        return True
    try:
        return os.stat(cached).st_mtime_ns >= started_ns - _MTIME_SLACK_NS
    except OSError:
        return True  # not written at all (read-only directory, PYTHONDONTWRITEBYTECODE)


class _Groups:
    """Top-level module name -> what to roll its time up under."""

    def __init__(self, classifier: CodeClassifier) -> None:
        self._classifier = classifier
        self._cache: dict[str, str] = {}
        self._dists = _Distributions()

    def of(self, name: str, module: object) -> str:
        if module is None:
            return NOT_FOUND  # an attempt that failed (`try: import cython ...`)
        top = name.partition(".")[0]
        file = getattr(module, "__file__", None)
        if file is None:  # a namespace package: judge it by its first directory
            file = next(iter(getattr(module, "__path__", None) or ()), None)
        if file and any(os.path.abspath(file).startswith(r) for r in self._classifier.roots):
            return YOUR_CODE
        if top in self._cache:
            return self._cache[top]
        if top in sys.stdlib_module_names or file is None or _in_stdlib(file):
            group = STDLIB
        elif file and (dist := self._dists.of(top, file)):
            group = dist
        elif file and self._classifier.is_user(file):
            group = YOUR_CODE
        else:
            group = top
        self._cache[top] = group
        return group


def _installed(file: str) -> bool:
    path = os.path.abspath(file)
    return f"{os.sep}site-packages{os.sep}" in path or f"{os.sep}dist-packages{os.sep}" in path


def _in_stdlib(file: str) -> bool:
    if _installed(file):
        return False
    path = os.path.abspath(file)
    paths = sysconfig.get_paths()
    return any(
        path.startswith(os.path.abspath(paths[key]) + os.sep)
        for key in ("stdlib", "platstdlib")
        if paths.get(key)
    )


class _Distributions:
    """Which installed distribution a top-level module comes from.

    importlib.metadata.packages_distributions() answers for every distribution at
    once: importing importlib.metadata and reading every RECORD took 300-450 ms here
    for 71 distributions, most of a FastAPI check. Most names are found for the cost of
    one directory listing instead: the .dist-info directories beside the module, by
    name, then by their top_level.txt, then by the paths their RECORD lists (read as
    plain text: namespace packages such as opentelemetry need it).
    packages_distributions() is the last resort.
    """

    def __init__(self) -> None:
        self._by_dir: dict[str, dict[str, str]] = {}
        self._top_level: dict[str, dict[str, str]] = {}
        self._records: dict[str, list[tuple[str, str]]] = {}
        self._everything: dict[str, list[str]] | None = None

    def of(self, top: str, file: str) -> str | None:
        root = _path_entry(file)
        if root is None:
            return None
        key = _normal(top)
        named = self._named(root)
        if key in named:
            return _display_name(root, named[key])
        found = self._declared(root, named).get(top) or self._in_records(root, named, top)
        if found is not None:
            return _display_name(root, found)
        return self._fallback(top) if _installed(file) else None

    def _named(self, root: str) -> dict[str, str]:
        """Normalized distribution name -> its .dist-info directory, in `root`."""
        found = self._by_dir.get(root)
        if found is None:
            found = {}
            try:
                entries = os.listdir(root)
            except OSError:
                entries = []
            for entry in entries:
                if entry.endswith(".dist-info"):
                    found[_normal(entry.partition("-")[0])] = entry
            self._by_dir[root] = found
        return found

    def _declared(self, root: str, named: dict[str, str]) -> dict[str, str]:
        """Top-level name -> .dist-info directory, from the top_level.txt files in `root`."""
        found = self._top_level.get(root)
        if found is None:
            found = {}
            for info in named.values():
                try:
                    with open(os.path.join(root, info, "top_level.txt"), encoding="utf-8") as f:
                        names = f.read().split()
                except OSError:
                    continue
                for name in names:
                    found.setdefault(name, info)
            self._top_level[root] = found
        return found

    def _in_records(self, root: str, named: dict[str, str], top: str) -> str | None:
        """The .dist-info directory in `root` whose RECORD lists files under `top`."""
        records = self._records.get(root)
        if records is None:
            records = []
            for info in named.values():
                try:
                    with open(os.path.join(root, info, "RECORD"), encoding="utf-8") as f:
                        records.append((info, "\n" + f.read()))
                except OSError:
                    continue
            self._records[root] = records
        needles = (f"\n{top}/", f"\n{top}.py,")
        for info, text in records:
            if any(needle in text for needle in needles):
                return info
        return None

    def _fallback(self, top: str) -> str | None:
        if self._everything is None:
            try:
                from importlib.metadata import packages_distributions

                self._everything = dict(packages_distributions())
            except Exception:  # a broken installed distribution must not break the run
                self._everything = {}
        names = self._everything.get(top)
        return names[0] if names else None


def _path_entry(file: str) -> str | None:
    """The sys.path directory `file` was imported from (the longest that holds it)."""
    path = os.path.abspath(file)
    best = None
    for entry in sys.path:
        base = os.path.abspath(entry or ".") + os.sep
        if path.startswith(base) and (best is None or len(base) > len(best)):
            best = base
    return best


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _display_name(root: str, info: str) -> str:
    """The distribution's own spelling of its name (METADATA's Name: field)."""
    try:
        with open(os.path.join(root, info, "METADATA"), encoding="utf-8") as f:
            for line in f:
                if line.startswith("Name:"):
                    return line[5:].strip()
                if not line.strip():
                    break
    except OSError:
        pass
    return info.partition("-")[0]


YOUR_CODE = "your code"
STDLIB = "stdlib"
NOT_FOUND = "(not found)"
