"""A watchdog thread that notices when the event loop stops turning.

A task on the loop beats every `BEAT_S`. When no beat came for longer than the block
threshold, the loop is blocked by a synchronous call; the watchdog then samples the
main thread's stack with `sys._current_frames()` to find that call. A blocked loop also
blocks every in-loop timeout, so the watchdog is what enforces a phase deadline then.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from .frames import CodeClassifier, below_tool, innermost_user, stack_of
from .model import Frame

BEAT_S = 0.05


@dataclass
class BlockEpisode:
    """One stretch of time during which the loop did not turn."""

    phase: str
    start: float
    end: float | None = None
    samples: Counter[tuple[str, int]] = field(default_factory=Counter)
    stacks: dict[tuple[str, int], tuple[Frame, ...]] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return (self.end if self.end is not None else time.perf_counter()) - self.start

    def add_sample(self, stack: tuple[Frame, ...]) -> None:
        where = innermost_user(stack) or (stack[-1] if stack else None)
        if where is None:
            return
        key = (where.file, where.line)
        self.samples[key] += 1
        self.stacks[key] = stack

    @property
    def stack(self) -> tuple[Frame, ...]:
        """The stack seen most often while blocked (the blocking call)."""
        if not self.samples:
            return ()
        key, _ = self.samples.most_common(1)[0]
        return self.stacks[key]

    @property
    def location(self) -> Frame | None:
        stack = self.stack
        return innermost_user(stack) or (stack[-1] if stack else None)


StuckHandler = Callable[[str, "BlockEpisode | None", tuple[Frame, ...]], None]


class Watchdog:
    """Watches the loop's heartbeat and the current phase's deadline from a thread."""

    def __init__(
        self,
        classifier: CodeClassifier,
        *,
        block_threshold: float,
        main_ident: int | None = None,
        on_stuck: StuckHandler | None = None,
        tick: float = BEAT_S,
    ) -> None:
        self.classifier = classifier
        self.block_threshold = block_threshold
        self.main_ident = main_ident if main_ident is not None else threading.get_ident()
        self.on_stuck = on_stuck
        self.tick = min(tick, block_threshold / 4) if block_threshold > 0 else tick
        self.episodes: list[BlockEpisode] = []
        self._current: BlockEpisode | None = None
        self._lock = threading.Lock()
        self._acquire, self._release = self._lock.acquire, self._lock.release
        self._last_beat: float | None = None  # None while no loop phase runs
        self._phase = "import"
        self._deadline: float | None = None
        self._stop = threading.Lock()  # held until stop(); _run waits on it
        self._stop.acquire()
        self._claimed: set[float] = set()  # deadlines already reported (see claim())
        self._thread = threading.Thread(
            target=self._run, name="lifespan-check-watchdog", daemon=True
        )
        self.extra_ticks: list[Callable[[], None]] = []

    @property
    def ident(self) -> int | None:
        return self._thread.ident

    @property
    def started(self) -> bool:
        return self._thread.ident is not None

    def start(self) -> None:
        if not self.started:
            self._thread.start()

    def stop(self) -> None:
        if self._stop.locked():
            self._stop.release()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=1.0)

    # Called from the loop thread ------------------------------------------------------

    def beat(self) -> None:
        now = time.perf_counter()
        with self._lock:
            self._last_beat = now
            episode = self._current
            if episode is not None:
                episode.end = now
                self._current = None

    def enter_phase(self, phase: str, deadline: float | None, *, loop: bool) -> None:
        """Track `phase`; `deadline` is a perf_counter() value; `loop` says if a loop runs it."""
        now = time.perf_counter()
        with self._lock:
            # Called from the loop thread: the loop is turning right now, so a blocked
            # stretch seen so far has ended (with no beat in between, two blocking calls on
            # either side of a phase change would otherwise merge into one).
            if self._current is not None:
                self._current.end = now
                self._current = None
            self._phase = phase
            self._deadline = deadline
            self._last_beat = now if loop else None

    def leave_loop(self) -> None:
        with self._lock:
            self._last_beat = None
            self._deadline = None
            if self._current is not None:
                self._current.end = time.perf_counter()
                self._current = None

    def claim(self, deadline: float | None) -> bool:
        """True for the first caller only: the loop's own timeout and this thread can both
        see a deadline pass (a blocking call returning right at it), and one must report."""
        with self._lock:
            if deadline is None or deadline in self._claimed:
                return False
            self._claimed.add(deadline)
            return True

    @property
    def phase(self) -> str:
        return self._phase

    def blocked_during(self, phase: str) -> list[BlockEpisode]:
        with self._lock:
            return [e for e in self.episodes if e.phase == phase]

    def main_stack(self) -> tuple[Frame, ...]:
        frame = sys._current_frames().get(self.main_ident)
        return below_tool(stack_of(frame, self.classifier))

    # The thread -------------------------------------------------------------------------

    def _run(self) -> None:
        # This thread must not be the one whose allocations trip a full garbage collection
        # while the app sits in an await: that holds the GIL for tens of milliseconds
        # (measured: 30-50 ms on a FastAPI app), and the phase timings would include it.
        # So a tick that finds the loop turning allocates nothing the collector tracks
        # (a bare lock, not an Event, whose wait allocates; its arguments as one ready
        # tuple; methods bound once; no list iterator). Sampling a blocked loop does
        # allocate, but then the
        # app is stuck in a synchronous call anyway. The collector itself is left alone:
        # toggling it from here could undo an app's own gc.disable() made meanwhile.
        stopped, wait, check, clock = (
            self._stop.acquire,
            (True, self.tick),
            self._check,
            time.perf_counter,
        )
        extras = self.extra_ticks
        while not stopped(*wait):
            check(clock())  # bound once: a bound method per tick would be an allocation
            for index in range(len(extras)):
                extras[index]()

    def _check(self, now: float) -> None:
        # Pre-bound acquire/release: `with lock` looks up __enter__/__exit__ and allocates.
        self._acquire()
        try:
            last = self._last_beat
            phase, deadline = self._phase, self._deadline
            episode = self._current
            if last is not None and now - last > self.block_threshold and episode is None:
                episode = BlockEpisode(phase=phase, start=last + BEAT_S)
                self._current = episode
                self.episodes.append(episode)
        finally:
            self._release()
        if episode is not None and episode.end is None:
            episode.add_sample(self.main_stack())
        past_deadline = deadline is not None and now >= deadline
        # With a free loop the in-loop timeout handles the deadline; the watchdog steps in
        # when the loop is blocked or when the phase runs no loop at all (the import).
        stuck = episode is not None or last is None
        if past_deadline and stuck and self.on_stuck is not None and self.claim(deadline):
            self.on_stuck(phase, episode, self.main_stack())
