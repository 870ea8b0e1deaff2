"""Watching `scope["state"]`: who reads and writes it, in which phase (LC407).

`TrackedState` is the dict the driver hands the app as `scope["state"]`. It behaves as
a plain dict and remembers, per phase, the keys read and written and the first user
line of each kind of access. The driver snapshots it when startup completes and just
before `lifespan.shutdown` (values kept by identity), so a replaced or removed value
shows up. `TrackedScope` notices an app looking for `scope["state"]` when the server
gives none.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any

from . import findings
from .frames import CodeClassifier, from_frame, is_tool_file
from .model import Finding, Frame

# Accesses kept with a location, per phase; the rest are only counted.
_KEEP = 64
_WHOLE = "<all keys>"


@dataclass(frozen=True, slots=True)
class Access:
    phase: str
    op: str
    key: str
    location: Frame | None


def _caller(classifier: CodeClassifier, depth: int = 2) -> Frame | None:
    """The first frame of the app's own code above us (or the first non-tool frame)."""
    frame: FrameType | None = sys._getframe(depth)
    fallback: Frame | None = None
    while frame is not None:
        filename = frame.f_code.co_filename
        if not is_tool_file(filename):
            if classifier.is_user(filename):
                return from_frame(frame, classifier)
            if fallback is None:
                fallback = from_frame(frame, classifier)
        frame = frame.f_back
    return fallback


class TrackedState(dict[Any, Any]):
    """`scope["state"]`, recording reads and writes per phase."""

    def __init__(self, classifier: CodeClassifier | None = None) -> None:
        super().__init__()
        self.classifier = classifier or CodeClassifier()
        self.phase = "startup"
        self.accesses: list[Access] = []
        self.snapshots: dict[str, dict[Any, Any]] = {}
        self.cleared_by_server = False

    # Recording ---------------------------------------------------------------------------

    def _note(self, op: str, keys: Iterable[Any]) -> None:
        if len(self.accesses) >= _KEEP * 4:
            return
        where = _caller(self.classifier, 3)
        for key in keys:
            self.accesses.append(Access(self.phase, op, _key(key), where))

    def __getitem__(self, key: Any) -> Any:
        self._note("read", (key,))
        return super().__getitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        self._note("read", (key,))
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self._note("read", (key,))
        return super().__contains__(key)

    def __iter__(self) -> Iterator[Any]:
        self._note("read", (_WHOLE,))
        return super().__iter__()

    def keys(self) -> Any:
        self._note("read", (_WHOLE,))
        return super().keys()

    def values(self) -> Any:
        self._note("read", (_WHOLE,))
        return super().values()

    def items(self) -> Any:
        self._note("read", (_WHOLE,))
        return super().items()

    def copy(self) -> dict[Any, Any]:
        self._note("read", (_WHOLE,))
        return dict(super().items())

    def __setitem__(self, key: Any, value: Any) -> None:
        self._note("write", (key,))
        super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        self._note("delete", (key,))
        super().__delitem__(key)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self._note("write", (key,))
        return super().setdefault(key, default)

    def pop(self, key: Any, *default: Any) -> Any:
        self._note("delete", (key,))
        return super().pop(key, *default)

    def popitem(self) -> tuple[Any, Any]:
        item = super().popitem()
        self._note("delete", (item[0],))
        return item

    def update(self, *args: Any, **kwargs: Any) -> None:
        incoming = dict(*args, **kwargs)
        self._note("write", incoming)
        super().update(incoming)

    def __ior__(self, other: Any) -> TrackedState:  # type: ignore[misc]
        self.update(other)
        return self

    def clear(self) -> None:
        self._note("delete", list(super().keys()))
        super().clear()

    # The server's side (never recorded) ----------------------------------------------------

    def key_list(self) -> list[str]:
        return [str(k) for k in dict.keys(self)]

    def snapshot(self, moment: str) -> None:
        """Remember the values as they are at `moment` ("startup" or "shutdown")."""
        self.snapshots[moment] = dict(super().items())
        self.phase = "running" if moment == "startup" else "shutdown"

    def server_clear(self) -> None:
        """Empty the state as granian does before sending lifespan.shutdown."""
        super().clear()
        self.cleared_by_server = True


class TrackedScope(dict[Any, Any]):
    """A lifespan scope that notices the app looking for a "state" it lacks, or putting
    a "state" of its own in it."""

    def __init__(self, *args: Any, classifier: CodeClassifier | None = None) -> None:
        super().__init__(*args)
        self.classifier = classifier or CodeClassifier()
        self.state_lookups: list[Frame | None] = []
        self.state_writes: list[Frame | None] = []

    def __setitem__(self, key: Any, value: Any) -> None:
        if key == "state" and super().__contains__("state") and len(self.state_writes) < 8:
            self.state_writes.append(_caller(self.classifier, 2))
        super().__setitem__(key, value)

    def _look(self, key: object) -> None:
        if key == "state" and not super().__contains__("state") and len(self.state_lookups) < 8:
            self.state_lookups.append(_caller(self.classifier, 3))

    def __getitem__(self, key: Any) -> Any:
        self._look(key)
        return super().__getitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        self._look(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self._look(key)
        return super().__contains__(key)


def _key(key: Any) -> str:
    return key if isinstance(key, str) else repr(key)


# Findings -----------------------------------------------------------------------------


def state_findings(
    state: TrackedState,
    scope: dict[Any, Any],
    *,
    server: str | None,
    t_s: float | None,
    lifespan_definition: Frame | None = None,
) -> list[Finding]:
    """LC407 for the three state problems a run can show."""
    out: list[Finding] = []
    needs = _needs_state(state, scope, t_s, lifespan_definition)
    if needs is not None:
        out.append(needs)
    rebound = _replaced(scope, t_s)
    if rebound is not None:
        out.append(rebound)
    changed = _changed(state, t_s)
    if changed is not None:
        out.append(changed)
    late = _read_at_shutdown(state, server, t_s)
    if late is not None:
        out.append(late)
    return out


def _needs_state(
    state: TrackedState,
    scope: dict[Any, Any],
    t_s: float | None,
    lifespan_definition: Frame | None,
) -> Finding | None:
    if not isinstance(scope, TrackedScope) or not scope.state_lookups:
        return None
    if "startup" in state.snapshots:
        return None  # it looked, found nothing, and started anyway
    where = next((f for f in scope.state_lookups if f is not None), None)
    at = f" (at {where.short})" if where is not None else ""
    if (where is None or not where.user) and lifespan_definition is not None:
        # The framework looked, for the user's lifespan (Starlette does when it yields a
        # state): the user's lifespan function is the line to look at.
        looked = f"at {where.short}, " if where is not None else ""
        at = f" ({looked}for the lifespan at {lifespan_definition.short})"
        where = lifespan_definition
    return findings.make(
        "LC407",
        phase="startup",
        message="the app needs scope['state']: it looked for it" + at + " and its startup "
        "failed when the server gave none, as under servers without lifespan state support",
        location=where,
        t_s=t_s,
        hint="upgrade the server (uvicorn, hypercorn, granian and asgi-lifespan all pass a "
        "state now), or keep the values on the app object instead of in the lifespan state",
        details={"problem": "needs-state"},
    )


def _replaced(scope: dict[Any, Any], t_s: float | None) -> Finding | None:
    if not isinstance(scope, TrackedScope) or not scope.state_writes:
        return None
    where = next((f for f in scope.state_writes if f is not None), None)
    at = f" at {where.short}" if where is not None else ""
    return findings.make(
        "LC407",
        phase="startup",
        message=f"the app replaced scope['state'] with a dict of its own{at}: the server keeps "
        "the one it passed and copies that into every request, so requests never see what "
        "the app put in the new one",
        location=where,
        t_s=t_s,
        hint="put the values into the state the server gave (scope['state']['db'] = ...), "
        "or yield them from a Starlette/FastAPI lifespan",
        details={"problem": "state-replaced"},
    )


def _changed(state: TrackedState, t_s: float | None) -> Finding | None:
    before = state.snapshots.get("startup")
    after = state.snapshots.get("shutdown")
    if before is None or after is None:
        return None
    removed = [k for k in before if k not in after]
    replaced = [k for k in before if k in after and after[k] is not before[k]]
    if not removed and not replaced:
        return None
    parts = []
    if replaced:
        parts.append("replaced " + ", ".join(repr(_key(k)) for k in replaced))
    if removed:
        parts.append("removed " + ", ".join(repr(_key(k)) for k in removed))
    names = {_key(k) for k in (*removed, *replaced)}
    writes = [
        a
        for a in state.accesses
        if a.phase == "running" and a.op in ("write", "delete") and a.key in names
    ]
    where = next((a.location for a in writes if a.location is not None), None)
    at = f" at {where.short}" if where is not None else ""
    return findings.make(
        "LC407",
        phase="running",
        message="the lifespan state changed between startup and shutdown: "
        + "; ".join(parts)
        + at
        + ". Each request gets a shallow copy of the state made when it starts, so "
        "requests keep seeing the old values, and shutdown cleans up the new ones",
        location=where,
        t_s=t_s,
        hint="treat the state as read-only after startup: mutate the object inside it "
        "instead of replacing the value",
        details={
            "problem": "changed",
            "replaced": [_key(k) for k in replaced],
            "removed": [_key(k) for k in removed],
        },
    )


def _read_at_shutdown(state: TrackedState, server: str | None, t_s: float | None) -> Finding | None:
    before = state.snapshots.get("shutdown")
    if not before:
        return None
    known = {_key(k) for k in before}
    reads = [
        a
        for a in state.accesses
        if a.phase == "shutdown" and a.op == "read" and (a.key in known or a.key == _WHOLE)
    ]
    if not reads:
        return None
    keys = sorted({a.key for a in reads if a.key != _WHOLE})
    what = ", ".join(repr(k) for k in keys) if keys else "all of it"
    where = next((a.location for a in reads if a.location is not None and a.location.user), None)
    where = where or next((a.location for a in reads if a.location is not None), None)
    at = f" at {where.short}" if where is not None else ""
    if state.cleared_by_server:
        message = (
            f"the app read the lifespan state during shutdown ({what}{at}), but {server} "
            "had already cleared it before sending lifespan.shutdown, so the reads found "
            "nothing"
        )
    else:
        message = (
            f"the app reads the lifespan state during shutdown ({what}{at}); granian clears "
            "the state before it sends lifespan.shutdown, so there these reads find nothing"
        )
    return findings.make(
        "LC407",
        phase="shutdown",
        message=message,
        location=where,
        t_s=t_s,
        hint="keep what shutdown needs in local variables of the lifespan function (the "
        "code after its yield), not in the state",
        details={"problem": "read-at-shutdown", "keys": keys},
    )
