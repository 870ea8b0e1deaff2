"""The smoke probe (--probe "GET /healthz"): one HTTP request through the app, in memory.

Between startup and shutdown the driver hands each probe to `send_all`, which calls the
app with an http scope the way a server would for a real request: with a *shallow copy*
of the lifespan state (uvicorn and hypercorn copy it per request), a host header, and a
body-less `http.request`. The response is collected in memory. A probe fails (LC510)
when the app raises, sends no complete response, answers a status that is not accepted,
or does not finish within the probe timeout.

Parsing (`parse_probe`, `parse_statuses`) is here too, so the command line and the child
agree on what a probe means.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .errors import UsageError
from .gate_model import ProbeResult

if TYPE_CHECKING:
    from .events import Recorder
    from .frames import CodeClassifier
    from .options import DriveOptions
    from .runtime import Runtime

# How much of the response body is kept, and how much of it a finding quotes.
BODY_KEEP = 64 * 1024
BODY_QUOTE = 200
DEFAULT_STATUSES = ((200, 299), (300, 399))
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@dataclass(frozen=True, slots=True)
class ProbeSpec:
    """A parsed probe: method, decoded path, and the raw target as sent."""

    method: str
    path: str
    raw_path: bytes
    query: bytes

    @property
    def target(self) -> str:
        query = f"?{self.query.decode('latin-1')}" if self.query else ""
        return self.raw_path.decode("latin-1") + query


def parse_probe(text: str) -> ProbeSpec:
    """ "GET /healthz", "HEAD /", or just "/healthz" (GET); a UsageError otherwise."""
    parts = text.split()
    if len(parts) == 1:
        parts = ["GET", parts[0]]
    if len(parts) != 2:
        raise UsageError(
            f"probe {text!r} must be 'METHOD /path' (for example 'GET /healthz'): one method "
            "and one path, separated by a space"
        )
    method, target = parts[0].upper(), parts[1]
    if method not in _METHODS:
        raise UsageError(
            f"probe {text!r}: {parts[0]!r} is not an HTTP method; use one of {', '.join(_METHODS)}"
        )
    if not target.startswith("/"):
        raise UsageError(
            f"probe {text!r}: the path must start with '/' (for example 'GET /healthz'); "
            "the request always goes to the app in memory, never over the network"
        )
    raw, _, query = target.partition("?")
    try:
        raw_bytes, query_bytes = raw.encode("ascii"), query.encode("ascii")
    except UnicodeEncodeError:
        raise UsageError(
            f"probe {text!r}: percent-encode characters outside ASCII in the path"
        ) from None
    return ProbeSpec(method=method, path=unquote(raw), raw_path=raw_bytes, query=query_bytes)


def parse_statuses(items: tuple[str, ...] | list[str]) -> tuple[tuple[int, int], ...]:
    """Accepted statuses as ranges: "200", "2xx", "200,204"; default any 2xx or 3xx."""
    ranges: list[tuple[int, int]] = []
    for item in items:
        for part in str(item).split(","):
            token = part.strip().lower()
            if not token:
                continue
            if len(token) == 3 and token[0] in "12345" and token[1:] == "xx":
                low = int(token[0]) * 100
                ranges.append((low, low + 99))
            elif token.isdigit() and 100 <= int(token) <= 599:
                ranges.append((int(token), int(token)))
            else:
                raise UsageError(
                    f"probe status {part.strip()!r} must be an HTTP status such as 200, or a "
                    "class such as 2xx (several may be separated by commas)"
                )
    return tuple(ranges) or DEFAULT_STATUSES


def accepted(status: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(low <= status <= high for low, high in ranges)


def describe_statuses(ranges: tuple[tuple[int, int], ...]) -> str:
    words = []
    for low, high in ranges:
        if low == high:
            words.append(str(low))
        elif high - low == 99 and low % 100 == 0:
            words.append(f"{low // 100}xx")
        else:
            words.append(f"{low}-{high}")
    return " or ".join(words)


class _Exchange:
    """The server's half of one request: feeds receive(), collects what send() sends."""

    def __init__(self, runtime: Runtime) -> None:
        self.status: int | None = None
        self.body = bytearray()
        self.complete = False
        self.problem: str | None = None
        self._request_sent = False
        self._complete = runtime.signal()
        self._runtime = runtime

    async def receive(self) -> dict[str, Any]:
        if not self._request_sent:
            self._request_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        # Like a server, answer further receive() calls only once the client "leaves".
        await self._runtime.wait(self._complete, None)
        return {"type": "http.disconnect"}

    async def send(self, message: Any) -> None:
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "http.response.start":
            if self.status is not None and self.problem is None:
                self.problem = "the app sent http.response.start twice"
            status = message.get("status")
            if isinstance(status, int) and self.status is None:
                self.status = status
        elif kind == "http.response.body":
            if self.status is None and self.problem is None:
                self.problem = "the app sent http.response.body before http.response.start"
            chunk = message.get("body", b"")
            if isinstance(chunk, bytes | bytearray) and len(self.body) < BODY_KEEP:
                self.body += chunk[: BODY_KEEP - len(self.body)]
            if not message.get("more_body", False):
                self.complete = True
                self._complete.set()


def scope_for(spec: ProbeSpec, state: dict[str, Any] | None) -> dict[str, Any]:
    """The http scope a server would build for this request."""
    from ._version import __version__

    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": spec.method,
        "scheme": "http",
        "path": spec.path,
        "raw_path": spec.raw_path,
        "query_string": spec.query,
        "root_path": "",
        "headers": [
            (b"host", b"localhost"),
            (b"user-agent", f"lifespan-check/{__version__}".encode()),
            (b"accept", b"*/*"),
        ],
        "client": ("127.0.0.1", 0),
        "server": ("localhost", 80),
    }
    if state is not None:
        scope["state"] = dict(state)  # a shallow copy per request, as servers make
    return scope


async def send_all(
    app: Any,
    state: dict[str, Any] | None,
    options: DriveOptions,
    runtime: Runtime,
    classifier: CodeClassifier,
    recorder: Recorder,
) -> None:
    """Send every probe in turn; record a "probe" event each, and LC510 for failures."""
    ranges = parse_statuses(options.probe_status)
    for text in options.probes:
        spec = parse_probe(text)
        await _send_one(app, spec, state, ranges, options, runtime, classifier, recorder)


async def _send_one(
    app: Any,
    spec: ProbeSpec,
    state: dict[str, Any] | None,
    ranges: tuple[tuple[int, int], ...],
    options: DriveOptions,
    runtime: Runtime,
    classifier: CodeClassifier,
    recorder: Recorder,
) -> None:
    from . import findings
    from .frames import describe_exception, is_cancellation

    exchange = _Exchange(runtime)
    finished = runtime.signal()
    raised: list[BaseException] = []
    scope = scope_for(spec, state)

    async def call() -> None:
        try:
            await app(scope, exchange.receive, exchange.send)
        except BaseException as exc:
            raised.append(exc)
        finally:
            finished.set()

    start = time.perf_counter()
    handle = runtime.spawn(call, f"lifespan-check-probe {spec.method} {spec.target}")
    await runtime.wait(finished, options.probe_timeout)
    took = time.perf_counter() - start
    timed_out = not finished.is_set()
    chain = runtime.chain(handle) if timed_out and not exchange.complete else None
    if timed_out:
        handle.cancel()
        await runtime.wait(finished, options.cancel_grace)
    body = bytes(exchange.body[:BODY_QUOTE]).decode("utf-8", "replace")
    request = f"{spec.method} {spec.target}"
    error: str | None = None
    location = None
    stack: tuple[Any, ...] = ()
    details: dict[str, Any] = {"request": request, "status": exchange.status, "body": body}
    cancelled_by_us = timed_out and raised and is_cancellation(raised[0])
    if raised and not cancelled_by_us:
        info = describe_exception(raised[0], classifier)
        error = f"raised {info.summary}"
        location, stack = info.location, info.stack
        details.update(info.details())
        if exchange.status is not None:
            error += f" (after answering {exchange.status})"
    elif timed_out and not exchange.complete:
        where = chain.location if chain is not None else None
        error = f"did not answer within {options.probe_timeout:g} s" + (
            f"; it was waiting in {where.function}() at {where.where}" if where else ""
        )
        location = where
        stack = chain.all_frames() if chain is not None else ()
    elif exchange.problem is not None:
        error = exchange.problem
    elif exchange.status is None:
        error = "returned without sending a response"
    elif not exchange.complete:
        error = f"answered {exchange.status} but never finished the response body"
    elif not accepted(exchange.status, ranges):
        error = f"answered {exchange.status}, expected {describe_statuses(ranges)}"
    result = ProbeResult(
        method=spec.method,
        path=spec.target,
        ok=error is None,
        status=exchange.status,
        duration_s=took,
        body=body,
        error=error,
    )
    recorder.emit({"kind": "probe", **result.to_dict()})
    if error is None:
        return
    quoted = f"; body: {body!r}" if body else ""
    recorder.finding(
        findings.make(
            "LC510",
            phase="running",
            message=f"{request} {error}{quoted}",
            location=location,
            stack=tuple(stack),
            t_s=recorder.rel(time.perf_counter()),
            details=details,
            hint="fix the error at the reported line; if the handler reads request.state, "
            "the lifespan must provide that value (yield it in the state)"
            if raised
            else None,
        )
    )
