"""Where the app started its threads, for LC402 and LC408 ("started at file:line").

Only in the isolated child, which is ours: `threading.Thread.start` is wrapped for the
rest of the process's life to note the caller's stack (audit events cannot do this: 3.11
raises none for a new thread, and 3.12 and 3.13 name it differently).
"""

from __future__ import annotations

import sys
import threading
import weakref

from .frames import CodeClassifier, below_tool, stack_of
from .model import Frame

_MAX_THREADS = 256


class ThreadStartLog:
    """The stacks that started threads, by thread."""

    def __init__(self, classifier: CodeClassifier) -> None:
        self.classifier = classifier
        self._stacks: weakref.WeakKeyDictionary[threading.Thread, tuple[Frame, ...]] = (
            weakref.WeakKeyDictionary()
        )

    def install(self) -> None:
        original = threading.Thread.start
        log = self

        def start(thread: threading.Thread) -> None:
            if len(log._stacks) < _MAX_THREADS:
                stack = below_tool(stack_of(sys._getframe(1), log.classifier))
                log._stacks[thread] = stack
            original(thread)

        threading.Thread.start = start  # type: ignore[method-assign, assignment]

    def origin(self, ident: int) -> tuple[Frame, ...]:
        """The stack that started the live thread `ident`, if it was seen starting."""
        thread = next((t for t in threading.enumerate() if t.ident == ident), None)
        return self._stacks.get(thread, ()) if thread is not None else ()
