"""`--emulate SERVER`: drive the lifespan the way one real server does.

What the app can observe differs between servers, and "works under uvicorn, breaks
under granian" comes from these differences (read from each server's lifespan code:
uvicorn 0.55 `lifespan/on.py`, hypercorn 0.18 `asyncio/lifespan.py`, granian 2.8
`asgi.py`, asgi-lifespan 2.1 `_manager.py`):

- the scope: asgi-lifespan sends no "asgi" key; granian says spec_version "2.3";
  uvicorn says version "2.0" to an ASGI2 app;
- the state: granian empties scope["state"] before it sends lifespan.shutdown;
- send() raising into the app: hypercorn raises after a *.failed message and on an
  unknown type; uvicorn and granian raise AssertionError on an invalid transition, and
  on an unknown type uvicorn raises a bare AssertionError and granian a KeyError;
  asgi-lifespan raises when send() comes before the first receive().

The driver still judges every message and keeps its own deadlines: emulation changes
what the app sees, not what the report calls a failure. What each server then does
(exit codes, hangs) is the report's server outlook.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SERVERS = ("uvicorn", "hypercorn", "granian", "asgi-lifespan")

# The protocol's violation codes (protocol.py) that a server's send() reacts to.
_UNKNOWN_TYPE = "LC301"
_BEFORE_RECEIVE = "LC303"


class LifespanFailureError(Exception):
    """What hypercorn raises into send() after lifespan.startup.failed/shutdown.failed."""


class UnexpectedMessageError(Exception):
    """What hypercorn raises into send() for a message type it does not know."""


class LifespanNotSupported(Exception):
    """What asgi-lifespan raises into send() when it comes before the first receive()."""


# (message type, violation code or None, types the app had sent before) -> what to raise
SendError = Callable[[str, "str | None", tuple[str, ...]], "BaseException | None"]


def _no_error(kind: str, violation: str | None, sent: tuple[str, ...]) -> BaseException | None:
    return None


def _bad_transition(kind: str, sent: tuple[str, ...]) -> bool:
    """uvicorn's and granian's asserts: one answer per event, shutdown after startup."""
    startup = any(s.startswith("lifespan.startup.") for s in sent)
    shutdown = any(s.startswith("lifespan.shutdown.") for s in sent)
    if kind.startswith("lifespan.startup."):
        return startup or shutdown
    if kind.startswith("lifespan.shutdown."):
        return not startup or shutdown
    return False


def _uvicorn(kind: str, violation: str | None, sent: tuple[str, ...]) -> BaseException | None:
    if violation == _UNKNOWN_TYPE:
        return AssertionError()
    if _bad_transition(kind, sent):
        return AssertionError(
            "Got invalid state transition on lifespan protocol (emulated uvicorn)"
        )
    return None


def _hypercorn(kind: str, violation: str | None, sent: tuple[str, ...]) -> BaseException | None:
    if violation == _UNKNOWN_TYPE:
        return UnexpectedMessageError(kind)
    if kind.endswith(".failed"):
        phase = kind.split(".")[1]
        return LifespanFailureError(f"Lifespan failure in {phase} (emulated hypercorn)")
    return None


def _granian(kind: str, violation: str | None, sent: tuple[str, ...]) -> BaseException | None:
    if violation == _UNKNOWN_TYPE:
        return KeyError(kind)
    if _bad_transition(kind, sent):
        return AssertionError("Invalid lifespan state transition (emulated granian)")
    return None


def _asgi_lifespan(kind: str, violation: str | None, sent: tuple[str, ...]) -> BaseException | None:
    if violation == _BEFORE_RECEIVE:
        return LifespanNotSupported(
            "send() was called before receive() (emulated asgi-lifespan): the app "
            "probably rejects non-http scopes"
        )
    return None


@dataclass(frozen=True, slots=True)
class Emulation:
    """How one server builds the scope and reacts to what the app sends."""

    name: str | None
    asgi: dict[str, str] | None = field(
        default_factory=lambda: {"version": "3.0", "spec_version": "2.0"}
    )
    clears_state: bool = False
    send_error: SendError = _no_error

    def scope(self, asgi_version: str = "3.0") -> dict[str, Any]:
        """The lifespan scope without its state (uvicorn tells an ASGI2 app "2.0")."""
        scope: dict[str, Any] = {"type": "lifespan"}
        if self.asgi is not None:
            asgi = dict(self.asgi)
            if self.name == "uvicorn":
                asgi["version"] = asgi_version
            scope["asgi"] = asgi
        return scope


_PROFILES = {
    "uvicorn": Emulation("uvicorn", send_error=_uvicorn),
    "hypercorn": Emulation("hypercorn", send_error=_hypercorn),
    "granian": Emulation(
        "granian", {"version": "3.0", "spec_version": "2.3"}, True, send_error=_granian
    ),
    "asgi-lifespan": Emulation("asgi-lifespan", None, send_error=_asgi_lifespan),
}


def profile(name: str | None) -> Emulation | None:
    """The emulation for a server name, None for none; ValueError for an unknown name."""
    if name is None:
        return None
    try:
        return _PROFILES[name]
    except KeyError:
        raise ValueError(
            f"unknown server {name!r} for --emulate; choose one of {', '.join(SERVERS)}"
        ) from None
