"""The lifespan protocol's state machine: which message the app may send, and when.

Pure logic, no I/O: the driver feeds it what crossed the channel and reports the
violations it returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from ._text import with_article

STARTUP = "lifespan.startup"
SHUTDOWN = "lifespan.shutdown"
STARTUP_COMPLETE = "lifespan.startup.complete"
STARTUP_FAILED = "lifespan.startup.failed"
SHUTDOWN_COMPLETE = "lifespan.shutdown.complete"
SHUTDOWN_FAILED = "lifespan.shutdown.failed"

APP_MESSAGES = (STARTUP_COMPLETE, STARTUP_FAILED, SHUTDOWN_COMPLETE, SHUTDOWN_FAILED)
FAILED_MESSAGES = (STARTUP_FAILED, SHUTDOWN_FAILED)


class Stage(Enum):
    """Where the conversation stands, from the server's side."""

    NOT_RECEIVED = "the app has not called receive() yet"
    STARTING = "lifespan.startup was delivered and awaits an answer"
    STARTED = "startup completed; lifespan.shutdown not delivered yet"
    STARTUP_FAILED = "the app reported a failed startup"
    STOPPING = "lifespan.shutdown was delivered and awaits an answer"
    STOPPED = "the app answered lifespan.shutdown"


@dataclass(frozen=True, slots=True)
class Violation:
    """A message the app should not have sent, as a finding code and a sentence."""

    code: str
    message: str
    problem: str | None = None  # for LC302: "duplicate", "early", "after-final", "unexpected"


@dataclass(frozen=True, slots=True)
class Accepted:
    """A valid message: its type and, for *.failed, the app's text."""

    type: str
    text: str | None = None


def _describe(value: object) -> str:
    try:
        text = repr(value)
    except Exception:  # the app's object, the app's __repr__
        text = f"<unprintable {type(value).__name__} object>"
    return text if len(text) <= 80 else text[:77] + "..."


def validate_shape(message: object) -> Accepted | Violation:
    """Check the message itself, whatever the stage: a mapping with a known type."""
    if not isinstance(message, Mapping):
        return Violation(
            "LC304",
            f"send() was given {with_article(type(message).__name__)}, not a dict: "
            f"{_describe(message)}",
        )
    if "type" not in message:
        return Violation("LC304", f"the message has no 'type' key: {_describe(message)}")
    kind = message["type"]
    if not isinstance(kind, str):
        return Violation(
            "LC304",
            f"the message's 'type' is {with_article(type(kind).__name__)}, not a str: "
            f"{_describe(kind)}",
        )
    if kind not in APP_MESSAGES:
        return Violation("LC301", _unknown_type_sentence(kind))
    text = message.get("message")
    if kind in FAILED_MESSAGES and text is not None and not isinstance(text, str):
        return Violation(
            "LC304",
            f"{kind} carries a 'message' of type {type(text).__name__}; it must be a str: "
            f"{_describe(text)}",
        )
    return Accepted(kind, text if kind in FAILED_MESSAGES else None)


def _unknown_type_sentence(kind: str) -> str:
    import difflib  # only for a message the app got wrong

    sentence = f"unknown message type {kind!r}"
    close = difflib.get_close_matches(kind, APP_MESSAGES, n=1, cutoff=0.6)
    if close:
        return f"{sentence}; did you mean {close[0]!r}?"
    if kind in (STARTUP, SHUTDOWN):
        return (
            f"{sentence}: {kind!r} is sent by the server to the app, never by the app; "
            f"answer it with {kind + '.complete'!r} or {kind + '.failed'!r}"
        )
    if not kind.startswith("lifespan."):
        return (
            f"{sentence}: {kind!r} is not a lifespan message; in the lifespan scope the app may "
            f"only send {', '.join(APP_MESSAGES)}"
        )
    return f"{sentence}; the app may send {', '.join(APP_MESSAGES)}"


class LifespanProtocol:
    """Tracks the conversation and judges each message the app sends."""

    def __init__(self) -> None:
        self.stage = Stage.NOT_RECEIVED
        self.received: list[str] = []
        self.sent: list[str] = []

    @property
    def anything_exchanged(self) -> bool:
        return bool(self.received or self.sent)

    def delivered(self, kind: str) -> None:
        """The app's receive() returned a message of type `kind`."""
        self.received.append(kind)
        if kind == STARTUP:
            self.stage = Stage.STARTING
        elif kind == SHUTDOWN:
            self.stage = Stage.STOPPING

    def on_send(self, message: object) -> Accepted | Violation:
        """Judge one sent message and advance the stage if it is valid."""
        checked = validate_shape(message)
        if isinstance(checked, Violation):
            return checked
        kind = checked.type
        if self.stage is Stage.NOT_RECEIVED:
            return Violation(
                "LC303",
                f"the app sent {kind!r} before its first receive(); it must receive "
                f"{STARTUP!r} first",
            )
        wanted = {Stage.STARTING: "startup", Stage.STOPPING: "shutdown"}.get(self.stage)
        event = "startup" if kind.startswith("lifespan.startup") else "shutdown"
        if wanted != event:
            return Violation("LC302", *self._out_of_order(kind))
        self.sent.append(kind)
        if kind == STARTUP_COMPLETE:
            self.stage = Stage.STARTED
        elif kind == STARTUP_FAILED:
            self.stage = Stage.STARTUP_FAILED
        else:
            self.stage = Stage.STOPPED
        return checked

    def _out_of_order(self, kind: str) -> tuple[str, str]:
        """The sentence, and the kind of problem (which the server outlook keys on)."""
        if kind in self.sent:
            return f"duplicate {kind!r}: it was already sent once", "duplicate"
        if self.stage is Stage.STARTED and kind.startswith("lifespan.shutdown"):
            return f"{kind!r} sent before {SHUTDOWN!r} was received", "early"
        if self.stage in (Stage.STARTUP_FAILED, Stage.STOPPED):
            return f"{kind!r} sent after the final answer ({self.sent[-1]!r})", "after-final"
        return f"{kind!r} sent while {self.stage.value}", "unexpected"
