"""The server outlook: what each real server would do with the app that was checked.

One data table, `BEHAVIOURS`, keyed by app behaviour. The rows marked "measured" come
from running each behaviour under uvicorn 0.55 (`--lifespan on` and `auto`), hypercorn
0.18, granian 2.8 and asgi-lifespan 2.1 / Starlette's TestClient; the rows marked
"source" follow from reading those servers' lifespan code. `outlook(report)` picks
the rows a finished report shows.

Each cell has a tone, for colour and for readers in a hurry:
ok (works), loud (stops with an error you will see), silent (carries on as if nothing
happened, or says something misleading), hang (never ends on its own).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .model import Finding
    from .report import Report

Tone = Literal["ok", "loud", "silent", "hang"]

SERVERS: tuple[tuple[str, str], ...] = (
    ("uvicorn-on", "uvicorn --lifespan on"),
    ("uvicorn-auto", "uvicorn (auto)"),
    ("hypercorn", "hypercorn"),
    ("granian", "granian"),
    ("asgi-lifespan", "asgi-lifespan / TestClient"),
)
SERVER_LABELS = dict(SERVERS)


@dataclass(frozen=True, slots=True)
class Cell:
    """What one server does: a short sentence and its tone."""

    server: str
    text: str
    tone: Tone

    def to_dict(self) -> dict[str, Any]:
        return {"server": self.server, "text": self.text, "tone": self.tone}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Cell:
        return cls(str(data["server"]), str(data["text"]), data["tone"])


@dataclass(frozen=True, slots=True)
class Row:
    """One app behaviour and what every server does with it."""

    behaviour: str
    title: str
    source: Literal["measured", "source"]
    cells: tuple[Cell, ...]
    codes: tuple[str, ...] = ()  # the findings that put this row in the outlook

    def cell(self, server: str) -> Cell:
        return next(c for c in self.cells if c.server == server)

    def to_dict(self) -> dict[str, Any]:
        return {
            "behaviour": self.behaviour,
            "title": self.title,
            "source": self.source,
            "codes": list(self.codes),
            "servers": [c.to_dict() for c in self.cells],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Row:
        return cls(
            behaviour=str(data["behaviour"]),
            title=str(data["title"]),
            source=data.get("source", "measured"),
            cells=tuple(Cell.from_dict(c) for c in data.get("servers") or ()),
            codes=tuple(str(c) for c in data.get("codes") or ()),
        )


def _row(
    behaviour: str,
    title: str,
    source: Literal["measured", "source"],
    *cells: tuple[str, Tone],
) -> Row:
    assert len(cells) == len(SERVERS), behaviour
    return Row(
        behaviour,
        title,
        source,
        tuple(Cell(key, text, tone) for (key, _), (text, tone) in zip(SERVERS, cells, strict=True)),
    )


# Columns: uvicorn --lifespan on, uvicorn auto, hypercorn, granian, asgi-lifespan/TestClient.
BEHAVIOURS: dict[str, Row] = {
    row.behaviour: row
    for row in (
        _row(
            "raises-before-receive",
            "raises before its first receive()",
            "measured",
            ("exits 3", "loud"),
            ("serves without your startup code; INFO 'unsupported'", "silent"),
            ("serves without your startup code; WARNING, no traceback", "silent"),
            ("serves without your startup code; WARNING, no traceback", "silent"),
            ("raises LifespanNotSupported", "loud"),
        ),
        _row(
            "raises-in-startup",
            "raises after receiving lifespan.startup",
            "measured",
            ("exits 3 with the traceback", "loud"),
            ("serves without your startup code; the error text is lost", "silent"),
            ("serves without your startup code; the error text is lost", "silent"),
            ("serves without your startup code; the error text is lost", "silent"),
            ("re-raises the exception", "loud"),
        ),
        _row(
            "startup-failed-message",
            "sends lifespan.startup.failed",
            "measured",
            ("exits 3", "loud"),
            ("exits 3", "loud"),
            ("logs it, then exits 0", "silent"),
            ("exits 1", "loud"),
            (
                "asgi-lifespan ignores it, then a bare TimeoutError; TestClient counts it "
                "as started, then hangs at shutdown",
                "hang",
            ),
        ),
        _row(
            "hangs",
            "hangs in startup or shutdown",
            "measured",
            ("hangs forever; ignores SIGINT and SIGTERM", "hang"),
            ("hangs forever; ignores SIGINT and SIGTERM", "hang"),
            ("times out after 60 s, exits 0 with a misleading message", "silent"),
            ("hangs forever; ignores SIGINT and SIGTERM", "hang"),
            ("TimeoutError after 5 s", "loud"),
        ),
        _row(
            "blocks-loop",
            "blocks the event loop",
            "measured",
            ("serves late, no warning", "silent"),
            ("serves late, no warning", "silent"),
            ("serves late, no warning", "silent"),
            ("serves late, no warning", "silent"),
            ("starts late, no warning", "silent"),
        ),
        _row(
            "returns-without-reply",
            "returns without answering lifespan.startup",
            "measured",
            ("logs 'Application startup complete' (false)", "silent"),
            ("logs 'Application startup complete' (false)", "silent"),
            ("silent: serves", "silent"),
            ("silent: serves", "silent"),
            ("times out", "loud"),
        ),
        _row(
            "duplicate-complete",
            "sends a duplicate *.complete",
            "measured",
            ("exits 3", "loud"),
            ("'unsupported', never runs shutdown", "silent"),
            ("silent", "silent"),
            ("warning, never runs shutdown", "silent"),
            ("silent", "silent"),
        ),
        _row(
            "unknown-message",
            "sends an unknown message type",
            "measured",
            ("bare AssertionError", "loud"),
            ("bare AssertionError", "loud"),
            ("warning", "silent"),
            ("KeyError", "loud"),
            ("silent, then a timeout", "silent"),
        ),
        _row(
            "shutdown-fails",
            "raises or fails in shutdown",
            "measured",
            ("exits 0", "silent"),
            ("exits 0", "silent"),
            ("exits 0", "silent"),
            ("exits 0", "silent"),
            ("re-raises; after shutdown.failed, a TimeoutError", "loud"),
        ),
        _row(
            "dies-while-running",
            "ends its lifespan while serving",
            "measured",
            ("keeps serving, skips your shutdown", "silent"),
            ("keeps serving, skips your shutdown", "silent"),
            ("keeps serving", "silent"),
            ("keeps serving, skips your shutdown", "silent"),
            ("keeps going", "silent"),
        ),
        _row(
            "leaked-thread",
            "leaves a non-daemon thread running",
            "measured",
            ("the process never exits", "hang"),
            ("the process never exits", "hang"),
            ("the process never exits", "hang"),
            ("the process never exits", "hang"),
            ("the test process never exits", "hang"),
        ),
        _row(
            "asgi2",
            "is a legacy ASGI2 app",
            "measured",
            ("works", "ok"),
            ("works", "ok"),
            ("HTTP 500 on every request", "silent"),
            ("HTTP 500 on every request", "silent"),
            ("TypeError: LifespanNotSupported", "loud"),
        ),
        _row(
            "mounted-lifespan-never-runs",
            "has a mounted app with its own lifespan",
            "source",
            ("serves without the mounted app's startup code", "silent"),
            ("serves without the mounted app's startup code", "silent"),
            ("serves without the mounted app's startup code", "silent"),
            ("serves without the mounted app's startup code", "silent"),
            ("runs without the mounted app's startup code", "silent"),
        ),
        _row(
            "lifespan-cut-off",
            "answers the lifespan above its own lifespan code",
            "source",
            ("serves without that lifespan code", "silent"),
            ("serves without that lifespan code", "silent"),
            ("serves without that lifespan code", "silent"),
            ("serves without that lifespan code", "silent"),
            ("runs without that lifespan code", "silent"),
        ),
        _row(
            "on-event-ignored",
            "has on_event handlers shadowed by lifespan=",
            "source",
            ("serves without those handlers", "silent"),
            ("serves without those handlers", "silent"),
            ("serves without those handlers", "silent"),
            ("serves without those handlers", "silent"),
            ("runs without those handlers", "silent"),
        ),
        _row(
            "reads-state-at-shutdown",
            "reads the lifespan state during shutdown",
            "source",
            ("works: the state is intact", "ok"),
            ("works: the state is intact", "ok"),
            ("works: the state is intact", "ok"),
            ("the state is already empty: the reads fail", "silent"),
            ("works: the state is intact", "ok"),
        ),
        _row(
            "clean",
            "starts and stops cleanly",
            "measured",
            ("starts and stops it", "ok"),
            ("starts and stops it", "ok"),
            ("starts and stops it", "ok"),
            ("starts and stops it", "ok"),
            ("starts and stops it", "ok"),
        ),
    )
}

# Which findings show which behaviour (LC302 and LC407 look at the finding itself).
_BY_CODE: dict[str, str] = {
    "LC106": "raises-before-receive",
    "LC101": "raises-in-startup",
    "LC102": "startup-failed-message",
    "LC103": "hangs",
    "LC203": "hangs",
    "LC105": "returns-without-reply",
    "LC107": "returns-without-reply",
    "LC301": "unknown-message",
    "LC201": "shutdown-fails",
    "LC202": "shutdown-fails",
    "LC205": "shutdown-fails",
    "LC109": "dies-while-running",
    "LC402": "leaked-thread",
    "LC408": "leaked-thread",
    "LC406": "asgi2",
    "LC403": "mounted-lifespan-never-runs",
    "LC405": "on-event-ignored",
}
# Outcomes where the app never got to its lifespan: nothing to say about servers.
_NO_OUTLOOK = ("load-failed", "crashed", "interrupted")


def behaviour_of(finding: Finding) -> str | None:
    """The row a finding belongs to, if any."""
    if finding.code == "LC104":
        # Even at a deadline: a blocked loop makes servers start late, for as long as the
        # call lasts; we cannot know whether it ever returns.
        return "blocks-loop"
    if finding.code == "LC302":
        return "duplicate-complete" if finding.details.get("problem") == "duplicate" else None
    if finding.code == "LC404":
        # Refused: LC106/LC107 say what servers do. Answered above: they see a startup.
        problem = finding.details.get("problem")
        return "lifespan-cut-off" if problem in ("answered", "passed-on") else None
    if finding.code == "LC407":
        problem = finding.details.get("problem")
        return "reads-state-at-shutdown" if problem == "read-at-shutdown" else None
    return _BY_CODE.get(finding.code)


def rows_for(found: Iterable[Finding], *, interface: str | None = None) -> tuple[Row, ...]:
    """The rows these findings show, in table order, each with the codes behind it."""
    codes: dict[str, list[str]] = {}
    for finding in found:
        behaviour = behaviour_of(finding)
        if behaviour is not None and finding.code not in codes.setdefault(behaviour, []):
            codes[behaviour].append(finding.code)
    if interface == "asgi2":
        codes.setdefault("asgi2", [])
    rows = []
    for key, row in BEHAVIOURS.items():
        if key in codes:
            rows.append(_with_codes(row, codes[key]))
    return tuple(rows)


def outlook(report: Report) -> tuple[Row, ...]:
    """What each server would do with the app of this report."""
    if report.outcome in _NO_OUTLOOK or report.interface is None:
        return ()
    rows = rows_for(report.findings, interface=report.interface)
    if not rows and report.passed:
        return (BEHAVIOURS["clean"],)
    return rows


def _with_codes(row: Row, codes: Sequence[str]) -> Row:
    return Row(row.behaviour, row.title, row.source, row.cells, tuple(codes))
