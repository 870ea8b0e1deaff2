"""Turning live frames, tracebacks and exceptions into `Frame` values.

The one judgement made here is "is this the user's code?": a finding points at the
deepest frame of the app, not at the framework, the standard library or this tool.
"""

from __future__ import annotations

import linecache
import os
import sys
import sysconfig
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from types import FrameType, TracebackType
from typing import Any

from .model import Frame

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _library_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    dirs = {paths.get(key) for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    dirs.update(p for p in sys.path if p.endswith(("site-packages", "dist-packages")))
    return tuple(sorted(os.path.abspath(d) + os.sep for d in dirs if d))


@dataclass
class CodeClassifier:
    """Decides which files are the user's code.

    Files under `roots` (the app's directory and the target's package) are always the
    user's, even when the app is installed into site-packages. Otherwise a file is the
    user's unless it belongs to the standard library, an installed package or this tool.
    """

    roots: tuple[str, ...] = ()
    library: tuple[str, ...] = field(default_factory=_library_dirs)

    def with_root(self, path: str | None) -> CodeClassifier:
        if not path:
            return self
        root = os.path.abspath(path) + os.sep
        if root in self.roots:
            return self
        return CodeClassifier(roots=(*self.roots, root), library=self.library)

    def is_user(self, filename: str) -> bool:
        if not filename or filename.startswith("<"):
            return False
        if is_tool_file(filename):
            return False
        path = os.path.abspath(filename)
        installed = _is_installed(path)
        for root in self.roots:
            # A virtualenv inside the project directory is still library code.
            if path.startswith(root) and (not installed or _is_installed(root)):
                return True
        if installed:
            return False
        return not any(path.startswith(lib) for lib in self.library)


def _is_installed(path: str) -> bool:
    return f"{os.sep}site-packages{os.sep}" in path or f"{os.sep}dist-packages{os.sep}" in path


def make_frame(
    filename: str,
    lineno: int,
    function: str,
    classifier: CodeClassifier,
    module_globals: dict[str, Any] | None = None,
) -> Frame:
    code = linecache.getline(filename, lineno, module_globals).strip() or None
    return Frame(
        file=filename,
        line=lineno,
        function=function,
        code=code,
        user=classifier.is_user(filename),
    )


def from_frame(frame: FrameType, classifier: CodeClassifier, lineno: int | None = None) -> Frame:
    return make_frame(
        frame.f_code.co_filename,
        lineno if lineno is not None else (frame.f_lineno or 0),
        frame.f_code.co_qualname,
        classifier,
        frame.f_globals,
    )


def stack_of(frame: FrameType | None, classifier: CodeClassifier, stop: Any = None) -> list[Frame]:
    """The stack ending at `frame`, outermost first; stops below the code object `stop`."""
    frames: list[Frame] = []
    while frame is not None and frame.f_code is not stop:
        frames.append(from_frame(frame, classifier))
        frame = frame.f_back
    frames.reverse()
    return frames


def traceback_frames(tb: TracebackType | None, classifier: CodeClassifier) -> list[Frame]:
    """A traceback's frames, outermost first, with the line each was executing."""
    out: list[Frame] = []
    while tb is not None:
        out.append(from_frame(tb.tb_frame, classifier, tb.tb_lineno))
        tb = tb.tb_next
    return out


def is_tool_file(filename: str) -> bool:
    """True for this package's own source files."""
    return os.path.abspath(filename).startswith(_PACKAGE_DIR + os.sep)


def below_tool(frames: Iterable[Frame]) -> tuple[Frame, ...]:
    """The part of a stack below this tool's own frames (the app's side of it)."""
    frames = tuple(frames)
    last = max((i for i, f in enumerate(frames) if is_tool_file(f.file)), default=-1)
    return frames[last + 1 :] if last + 1 < len(frames) else frames


def innermost_user(frames: Iterable[Frame]) -> Frame | None:
    """The deepest frame in the user's code, if any."""
    found = None
    for frame in frames:
        if frame.user:
            found = frame
    return found


def leaf_exceptions(exc: BaseException) -> Iterator[BaseException]:
    """The exceptions inside (nested) exception groups, or `exc` itself."""
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from leaf_exceptions(inner)
    else:
        yield exc


# How much of one text from the app a report keeps (a 10 MB exception message would make
# a 30 MB JSON report, and the time spent writing it would look like a blocked loop).
TEXT_CAP = 16 * 1024


def clip(text: str, cap: int = TEXT_CAP) -> str:
    """`text`, or its first `cap` characters and how many more there were."""
    if len(text) <= cap:
        return text
    return f"{text[:cap]}… ({len(text) - cap} more characters)"


def safe_str(value: object) -> str:
    """str(value), even for an app object whose __str__ raises."""
    try:
        return str(value)
    except Exception:
        return f"<unprintable {type(value).__name__} object>"


def is_cancellation(exc: BaseException) -> bool:
    """A cancellation (asyncio's or trio's), or a group made only of them, as task groups
    raise when they are cancelled."""
    leaves = list(leaf_exceptions(exc))
    return bool(leaves) and all(type(e).__name__ in ("CancelledError", "Cancelled") for e in leaves)


def exception_name(exc: BaseException) -> str:
    cls = type(exc)
    if cls.__module__ in ("builtins", "__main__"):
        return cls.__qualname__
    if cls.__module__.startswith("asyncio") and cls.__qualname__ == "CancelledError":
        return "asyncio.CancelledError"
    return f"{cls.__module__}.{cls.__qualname__}"


@dataclass(frozen=True, slots=True)
class ExceptionInfo:
    """What a finding says about an exception: its name, text and where it came from."""

    type: str
    message: str
    stack: tuple[Frame, ...]
    location: Frame | None
    group_size: int = 1
    others: tuple[str, ...] = ()  # the group's other exceptions, the first few

    @property
    def summary(self) -> str:
        text = f"{self.type}: {self.message}" if self.message else self.type
        if self.group_size > 1:
            more = "; ".join(self.others)
            rest = self.group_size - 1 - len(self.others)
            if rest > 0:
                more += f"; {rest} more"
            text += f" (and, in the same exception group: {more})"
        return text

    def details(self) -> dict[str, Any]:
        out: dict[str, Any] = {"exception": {"type": self.type, "message": self.message}}
        if self.group_size > 1:
            out["exception"]["group_size"] = self.group_size
            out["exception"]["others"] = list(self.others)
        return out


def describe_exception(exc: BaseException, classifier: CodeClassifier) -> ExceptionInfo:
    """Name, message, stack and user location of an exception (first leaf of a group)."""
    leaves = list(leaf_exceptions(exc))
    leaf = leaves[0] if leaves else exc
    # The traceback starts where we caught it: our own frames are not the app's story.
    stack = list(below_tool(traceback_frames(leaf.__traceback__, classifier)))
    if isinstance(leaf, SyntaxError) and leaf.filename and leaf.lineno:
        # The SyntaxError's own position is the line to fix, not the import that compiled it.
        frame = make_frame(leaf.filename, leaf.lineno, "<module>", classifier)
        stack.append(frame)
    message = _message(leaf)
    expired = _expired_in(leaf, classifier)
    if expired is not None:
        message += (
            f"{'; ' if message else ''}the deadline passed while it awaited in "
            f"{expired.function}() at {expired.short}"
        )
    return ExceptionInfo(
        type=exception_name(leaf),
        message=message,
        stack=tuple(stack),
        location=innermost_user(stack),
        group_size=len(leaves),
        others=tuple(_member(e, classifier) for e in leaves[1:_GROUP_SHOWN]),
    )


def _expired_in(exc: BaseException, classifier: CodeClassifier) -> Frame | None:
    """For a TimeoutError from a timeout scope (asyncio.timeout, anyio.fail_after): the
    user's line that was awaiting when the deadline cancelled it."""
    context = exc.__context__
    if not isinstance(exc, TimeoutError) or context is None or not is_cancellation(context):
        return None
    return _raised_at(context, classifier)


def _raised_at(exc: BaseException, classifier: CodeClassifier) -> Frame | None:
    return innermost_user(traceback_frames(exc.__traceback__, classifier))


def _member(exc: BaseException, classifier: CodeClassifier) -> str:
    """One more exception of a group, with the user's line it came from."""
    where = _raised_at(exc, classifier)
    at = f" at {where.short}" if where is not None else ""
    return f"{exception_name(exc)}: {clip(_message(exc), 200)}{at}"


_GROUP_SHOWN = 4  # the first exception of a group and this many minus one of the others


def _message(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"exit status {exc.code!r}" if exc.code is not None else "exit status None"
    return clip(safe_str(exc))


def parse_traceback_text(text: str, classifier: CodeClassifier) -> list[Frame]:
    """Frames from a formatted traceback (as Starlette puts in startup.failed messages)."""
    frames: list[Frame] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line.startswith('File "'):
            continue
        try:
            filename, rest = line[6:].split('", line ', 1)
            number, _, func = rest.partition(", in ")
            frames.append(make_frame(filename, int(number), func.strip(), classifier))
        except ValueError:
            continue
    return frames
