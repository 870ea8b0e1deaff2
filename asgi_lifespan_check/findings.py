"""The catalogue of finding codes: stable, public, and explained.

Each code has a default severity, a one-line title, the outcome it decides when it is
the first error of a run, the exit code that goes with that outcome, and a long
explanation for `lifespan-check explain CODE`. Nothing here runs anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .model import Finding, Frame, Severity

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_LOAD = 3
EXIT_HANG = 4
EXIT_CRASH = 5
EXIT_INTERNAL = 70
EXIT_IO = 74  # sysexits EX_IOERR: the report could not be written
EXIT_INTERRUPTED = 130

# Outcomes of phase-dependent codes (LC104, LC111 decide by the phase they happened in).
PHASE_TIMEOUT = "<phase>-timeout"
PHASE_FAILED = "<phase>-failed"


@dataclass(frozen=True, slots=True)
class Code:
    """One entry of the catalogue."""

    code: str
    severity: Severity
    title: str
    outcome: str | None
    exit_code: int
    explanation: str

    def outcome_in(self, phase: str | None) -> str | None:
        if self.outcome == PHASE_TIMEOUT:
            return "shutdown-timeout" if phase == "shutdown" else "startup-timeout"
        if self.outcome == PHASE_FAILED:
            return f"{phase}-failed" if phase in ("running", "shutdown") else "startup-failed"
        return self.outcome


def _code(
    code: str, severity: Severity, title: str, outcome: str | None, exit_code: int, text: str
) -> Code:
    return Code(code, severity, title, outcome, exit_code, text.strip())


CATALOGUE: dict[str, Code] = {
    c.code: c
    for c in (
        _code(
            "LC002",
            "error",
            "Module not found",
            "load-failed",
            EXIT_LOAD,
            """
The module named in TARGET (the part before the colon) could not be found on sys.path.

Why it matters: a server started with the same target fails the same way, before it
serves a single request.

How to fix: check the spelling and the working directory. lifespan-check puts the current
directory (or --app-dir) first on sys.path, as uvicorn does; for a package layout such as
src/myapp/main.py use --app-dir src and the target myapp.main:app. This code is only used
when the target module itself is missing: a module that exists but fails to import one of
its own dependencies is LC003.
""",
        ),
        _code(
            "LC003",
            "error",
            "Module raised while importing",
            "load-failed",
            EXIT_LOAD,
            """
The target module was found, but executing it raised an exception: a missing
dependency (ImportError or ModuleNotFoundError of another module), a SyntaxError, or any
error in module-level code such as reading settings that are not set.

Why it matters: the application can never start. In containers this usually shows up as
a crash loop with the real error buried in the logs.

How to fix: the finding points at the line in your code that raised. Install the missing
package, fix the syntax, or provide the configuration the module reads at import time
(--env-file loads a .env file before the import).
""",
        ),
        _code(
            "LC004",
            "error",
            "Attribute not found",
            "load-failed",
            EXIT_LOAD,
            """
The module imported fine, but the attribute named after the colon in TARGET does not
exist. Dotted attributes (module:container.app) are followed one part at a time, and the
message names the exact part that is missing and the close names that do exist.

Why it matters: a server given the same target refuses to start; in a container that is a
crash loop whose log line is easy to miss.

How to fix: use one of the suggested names, or point TARGET at the object that is your
ASGI application (for FastAPI and Starlette, usually the object created with FastAPI() or
Starlette()).
""",
        ),
        _code(
            "LC005",
            "error",
            "Not an ASGI application",
            "load-failed",
            EXIT_LOAD,
            """
TARGET resolved to an object that is not an ASGI application: not callable, a WSGI
application (environ, start_response), a module, a router without a __call__, or a
callable with the wrong signature.

Why it matters: servers either refuse such a target or start and fail on every request
(a WSGI app under an ASGI server answers nothing).

An ASGI 3 application is `async def app(scope, receive, send)` or an object whose
__call__ is such a coroutine function. Legacy ASGI 2 double callables (app(scope) returning
an awaitable taking receive and send) are accepted and reported as "asgi2".

How to fix: point TARGET at the ASGI application object. A WSGI app (Flask, Django's
get_wsgi_application) has no lifespan; serve it with a WSGI server, or wrap it
(asgiref.wsgi.WsgiToAsgi) if you need to run it under an ASGI server. If the object is a
factory, pass --factory.
""",
        ),
        _code(
            "LC006",
            "error",
            "The app factory failed",
            "load-failed",
            EXIT_LOAD,
            """
With --factory, TARGET is called with no arguments to build the application. The call
raised an exception, returned an awaitable instead of an app, or returned something that
is not an ASGI application.

Why it matters: `uvicorn --factory` fails the same way, before serving anything.

How to fix: the finding shows the exception and the line in your factory. Factories must
be plain (not async) callables that need no arguments, as with uvicorn --factory.
""",
        ),
        _code(
            "LC007",
            "error",
            "Loading timed out",
            "load-failed",
            EXIT_HANG,
            """
Importing the module (or calling the factory) did not finish within --import-timeout.
The finding shows the line the import was executing when the deadline passed: typically
a network call at import time (a database ping, fetching secrets, downloading a model).

Why it matters: servers have no import timeout. A deploy that imports a module blocked on
an unreachable host hangs until the orchestrator kills it, with no message at all.

How to fix: do not perform I/O at import time. Move connections and downloads into the
lifespan startup, where they can be timed out, retried and reported.
""",
        ),
        _code(
            "LC101",
            "error",
            "Startup raised an exception",
            "startup-failed",
            EXIT_FAILED,
            """
After receiving lifespan.startup, the application raised instead of sending
lifespan.startup.complete. The finding shows the exception and the deepest frame in your
code. SystemExit, KeyboardInterrupt and CancelledError are named as such: they usually mean
a sys.exit() call, a stray signal handler, or a task cancelled by its own code.

Why it matters: servers disagree on what happens next. uvicorn (--lifespan on) exits with
status 3; uvicorn's default "auto" mode, hypercorn and granian may log a short warning and
start serving anyway, without the resources your startup code was meant to create.

How to fix: fix the error at the reported line. If the failure is expected (a dependency
that is down), catch it and let the app fail fast with a clear message, or retry with a
bound.
""",
        ),
        _code(
            "LC102",
            "error",
            "Startup failed (lifespan.startup.failed)",
            "startup-failed",
            EXIT_FAILED,
            """
The application sent lifespan.startup.failed. The message it sent is shown verbatim.
Starlette and FastAPI send the traceback text as the message and then re-raise; the two
are reported as one finding that points at the line in your code.

Why it matters: uvicorn exits with status 3, granian with status 1, but hypercorn logs the
message and exits 0, so a deploy script may believe the service started.

How to fix: the message and the location say what failed; fix that. The failure itself is
reported correctly by the app, so no protocol change is needed.
""",
        ),
        _code(
            "LC103",
            "error",
            "Startup timed out",
            "startup-timeout",
            EXIT_HANG,
            """
Startup did not finish within --startup-timeout. The finding shows where the lifespan
coroutine was waiting: the whole await chain, down to the innermost frame in your code,
and the other tasks and threads that were pending at the time (the lifespan is often
waiting on one of them). The startup was then cancelled; the message says whether the
cancellation was honoured.

Why it matters: uvicorn and granian wait forever and ignore Ctrl+C and SIGTERM while
doing so; hypercorn gives up after 60 s and exits 0, with a message that does not say
why.

How to fix: add timeouts to the awaits made during startup (connections, health checks,
queues), and make sure any event the startup waits for is set by something that runs.
""",
        ),
        _code(
            "LC104",
            "warning",
            "The event loop was blocked",
            "<phase>-timeout",
            EXIT_HANG,
            """
A synchronous call held the event loop for longer than --block-threshold (default
0.25 s): time.sleep, a blocking database driver, CPU-heavy work, a large file read. The
finding gives the blocking call's location in your code and how long the loop was blocked
in each phase.

Why it matters: while the loop is blocked, nothing else runs: no other startup task, no
timeout, no health check answer. Servers start late without saying why, and under load the
same call blocks every request.

It is a warning when the phase still finished in time. When the phase deadline passes
while the loop is blocked, it is an error and decides the outcome (a timeout): no
in-process timeout can fire while the loop is blocked, so servers hang here, and
lifespan-check reports at the deadline from its watchdog thread.

How to fix: await the asynchronous version of the call, or run the blocking call in a
worker thread (anyio.to_thread.run_sync or asyncio.to_thread).
""",
        ),
        _code(
            "LC105",
            "error",
            "Startup never answered",
            "protocol-error",
            EXIT_FAILED,
            """
The application received lifespan.startup and then returned without sending either
lifespan.startup.complete or lifespan.startup.failed.

Why it matters: uvicorn logs "Application startup complete" even though it is not true;
other servers and test clients wait for an answer that never comes.

How to fix: send lifespan.startup.complete when startup has finished, or
lifespan.startup.failed with a message when it has not, and keep the lifespan coroutine
running until lifespan.shutdown arrives.
""",
        ),
        _code(
            "LC106",
            "warning",
            "Lifespan unsupported",
            "unsupported",
            EXIT_FAILED,
            """
The application raised before its first receive() on the lifespan scope. Servers read this
as "this app does not support lifespan" (Django's ASGI handler does this on purpose).

Why it matters: servers then skip all startup and shutdown code without an error, so an app
whose handlers are hidden behind a layer that rejects lifespan serves without its resources.

With --lifespan auto (the default, as in uvicorn) this is a warning: servers go on and
serve without running any startup or shutdown code. With --lifespan on it is an error, as
uvicorn --lifespan on exits with status 3.

How to fix: if your app is meant to have startup code, something is rejecting the lifespan
scope before the framework sees it, often a middleware that only expects "http" scopes.
Pass non-http scopes through to the wrapped app. If the app has no startup code, this
warning is expected.
""",
        ),
        _code(
            "LC107",
            "warning",
            "Lifespan ignored",
            "unsupported",
            EXIT_FAILED,
            """
The application returned from the lifespan scope without receiving or sending anything.

Why it matters: servers then believe startup succeeded and, as the lifespan has ended,
never deliver lifespan.shutdown, so no shutdown code will run either. This is how apps
that do not support lifespan usually behave; it is a problem when the app, or something
mounted inside it, has startup or shutdown handlers.

How to fix: if the app should run startup code, find the layer that returns early for
non-http scopes (a middleware, a dispatcher) and make it forward lifespan to the app below.
""",
        ),
        _code(
            "LC109",
            "error",
            "Lifespan ended while running",
            "running-failed",
            EXIT_FAILED,
            """
The lifespan coroutine returned or raised after lifespan.startup.complete and before it
received lifespan.shutdown. Starlette and FastAPI report such a death by sending
lifespan.shutdown.failed (with the traceback) before any lifespan.shutdown: that is this
finding too, at the line that raised, not a protocol mistake. The usual cause is a task
group in the lifespan whose background task crashed, which cancels the lifespan body.

Why it matters: every server keeps serving, and uvicorn and granian then skip your
shutdown code. Whatever the lifespan was keeping alive (a consumer, a connection pool
inside an `async with`) is gone while the app still takes traffic.

How to fix: keep the lifespan coroutine waiting on receive() until lifespan.shutdown
arrives; run background work in tasks whose failure you handle, not in the lifespan
coroutine itself. --hold SECONDS keeps the app "running" before shutdown, to catch this.
""",
        ),
        _code(
            "LC110",
            "error",
            "Interrupted",
            "interrupted",
            EXIT_INTERRUPTED,
            """
The check was interrupted (Ctrl+C) while a phase was running. The finding shows where the
app was at that moment: the lifespan coroutine's await chain and, if the event loop was
blocked, the stack of the blocking call. The phase was cancelled and the report covers
what had happened until then.

Why it matters: a startup you had to interrupt is a startup that hangs; the location shows
where, which is what a server would never tell you.

How to fix: look at the reported line; give the awaited operation a timeout, or move the
blocking call off the event loop. Run again with --startup-timeout to get an LC103 or LC104
instead of interrupting.
""",
        ),
        _code(
            "LC111",
            "error",
            "The app stopped the event loop",
            PHASE_FAILED,
            EXIT_FAILED,
            """
The app called loop.stop() on the event loop its lifespan runs on. The check restarts the
loop and runs on to the end, so the rest of the report is still complete; the finding
points at the call.

Why it matters: a server runs its event loop with asyncio.run(). When the app stops that
loop, asyncio.run() raises RuntimeError('Event loop stopped before Future completed') and
the server process exits, usually with a traceback that does not name your code.

How to fix: never stop a loop you did not start. To abort startup, raise an exception
(or send lifespan.startup.failed); to stop a background job, cancel its task.
""",
        ),
        _code(
            "LC201",
            "error",
            "Shutdown raised an exception",
            "shutdown-failed",
            EXIT_FAILED,
            """
After receiving lifespan.shutdown, the application raised instead of sending
lifespan.shutdown.complete. The finding shows the exception and the deepest frame in your
code.

Why it matters: every server exits 0 here, so a failed shutdown (data not flushed,
connections not closed) never fails a deploy or shows up in monitoring.

How to fix: fix the error at the reported line; make each cleanup step independent so one
failure does not skip the others.
""",
        ),
        _code(
            "LC202",
            "error",
            "Shutdown failed (lifespan.shutdown.failed)",
            "shutdown-failed",
            EXIT_FAILED,
            """
The application sent lifespan.shutdown.failed. The message it sent is shown verbatim.

Why it matters: servers log it at best and exit 0.

How to fix: the message says what failed during cleanup; fix that.
""",
        ),
        _code(
            "LC203",
            "error",
            "Shutdown timed out",
            "shutdown-timeout",
            EXIT_HANG,
            """
Shutdown did not finish within --shutdown-timeout. The finding shows where the lifespan
coroutine was waiting (the await chain down to your code), the other pending tasks and
threads, and whether the cancellation that followed was honoured.

Why it matters: during a rolling deploy the orchestrator waits for the old instance to
stop, then kills it; a hanging shutdown means slow deploys and cleanup that never happens.

How to fix: bound every await in shutdown code with a timeout (draining queues, closing
pools, flushing buffers), and make sure the tasks you wait for are told to stop.
""",
        ),
        _code(
            "LC205",
            "error",
            "Shutdown never answered",
            "protocol-error",
            EXIT_FAILED,
            """
The application received lifespan.shutdown and returned without sending
lifespan.shutdown.complete or lifespan.shutdown.failed.

Why it matters: servers cannot tell a clean shutdown from a broken one; some wait for the
answer until their own timeout, delaying every restart.

How to fix: send lifespan.shutdown.complete after cleanup, or lifespan.shutdown.failed
with a message if cleanup failed.
""",
        ),
        _code(
            "LC206",
            "warning",
            "Still running after shutdown",
            None,
            EXIT_FAILED,
            """
The application sent lifespan.shutdown.complete, but its lifespan coroutine was still
running a moment later (it was then cancelled).

Why it matters: servers stop waiting once shutdown is complete; the code that still runs
is cut off when the process exits, so any cleanup it does is lost.

How to fix: do all cleanup before sending lifespan.shutdown.complete, and return right
after sending it.
""",
        ),
        _code(
            "LC301",
            "error",
            "Unknown message type",
            "protocol-error",
            EXIT_FAILED,
            """
The application sent a message whose type is not one of the lifespan messages it may send:
lifespan.startup.complete, lifespan.startup.failed, lifespan.shutdown.complete,
lifespan.shutdown.failed. Near misses are named ("did you mean ...").

Why it matters: uvicorn fails with a bare AssertionError, granian with a KeyError, hypercorn
logs a warning; none of them tells you which line sent it.

How to fix: correct the message type at the reported line.
""",
        ),
        _code(
            "LC302",
            "error",
            "Duplicate or out-of-order message",
            "protocol-error",
            EXIT_FAILED,
            """
The application sent a valid lifespan message at the wrong time: a second
startup.complete, a shutdown message before lifespan.shutdown was received, or anything
after the final message.

Why it matters: uvicorn --lifespan on exits 3; in auto mode it decides the app does not
support lifespan and skips shutdown; granian warns and skips shutdown; hypercorn says
nothing.

How to fix: send exactly one answer per event (startup, then shutdown), at the reported
line.
""",
        ),
        _code(
            "LC303",
            "error",
            "Sent before receiving",
            "protocol-error",
            EXIT_FAILED,
            """
The application called send() before its first receive(). The spec requires the app to
receive lifespan.startup before answering it.

Why it matters: the answer arrives before the question; servers handle it differently
(an assertion error, a warning, or a startup that is believed complete before it ran).

How to fix: await receive() first, check that the message is lifespan.startup, run the
startup code, then send lifespan.startup.complete.
""",
        ),
        _code(
            "LC304",
            "error",
            "Malformed message",
            "protocol-error",
            EXIT_FAILED,
            """
The application sent something that is not a valid ASGI message: not a mapping, a mapping
without a "type" key, a non-string type, or a "message" field that is not a string.

Why it matters: servers fail on it with errors (KeyError, AttributeError) that do not
point at the line that sent it.

How to fix: send a dict such as {"type": "lifespan.startup.failed", "message": "why"}.
""",
        ),
        _code(
            "LC401",
            "warning",
            "Tasks left running after shutdown",
            None,
            EXIT_FAILED,
            """
Tasks the app created were still pending after lifespan.shutdown.complete. The finding
gives each task's name, its coroutine and where it is waiting.

Why it matters: these tasks are destroyed mid-flight when the server's loop closes
("Task was destroyed but it is pending!"): work in progress is lost, and their cleanup
code never runs.

How to fix: keep a reference to background tasks, cancel them during shutdown and await
them (or run them in a task group that the lifespan owns).
""",
        ),
        _code(
            "LC402",
            "warning",
            "Threads left running after shutdown",
            None,
            EXIT_FAILED,
            """
Non-daemon threads that did not exist before startup were still alive after
lifespan.shutdown.complete. The finding gives each thread's name, target and current
frame.

Why it matters: Python waits for non-daemon threads before exiting, so a real server
process never exits after shutdown and has to be killed.

How to fix: signal the thread to stop during shutdown and join it, or make it a daemon
thread if it holds nothing that needs cleanup.
""",
        ),
        _code(
            "LC403",
            "warning",
            "A mounted app's lifespan never runs",
            None,
            EXIT_FAILED,
            """
A sub-application mounted under another one (Starlette/FastAPI `Mount` or `app.mount()`,
a `Host` route, a Litestar ASGI mount) has its own lifespan: a `lifespan=` context,
`on_event("startup")`/`on_event("shutdown")` handlers, Litestar `on_startup` hooks. They
will never run: the parent's router answers the lifespan scope itself and never forwards
it to mounted apps. The finding names the mount path, the sub-app's type and each
handler with its file:line.

Why it matters: nothing fails at startup. The server logs "Application startup
complete", then the first request to the sub-app finds no database pool, no HTTP client,
no cache: whatever its startup was meant to create. Its shutdown never runs either.

How to fix: run the sub-app's lifespan from the parent's lifespan:

    @asynccontextmanager
    async def lifespan(app):
        async with sub_app.router.lifespan_context(sub_app):
            yield

or move the sub-app's startup code into the parent's lifespan. For FastAPI, an
APIRouter included with `include_router` (not mounted) merges its lifespan into the
parent's.
""",
        ),
        _code(
            "LC404",
            "error",
            "Lifespan handlers never ran: the lifespan was refused above them",
            "startup-failed",
            EXIT_FAILED,
            """
The app has lifespan handlers inside it (a framework's lifespan context, on_event
handlers, before_serving hooks), but the top-level app raised before its first receive()
(LC106) or returned without a word (LC107), so the lifespan scope never reached them. The
usual cause is a middleware that returns early for scope types other than "http", or
asserts `scope["type"] == "http"`, or a path dispatcher that does not pass the lifespan
to the apps it dispatches to. The finding names the layer (class and file:line) that
stopped the lifespan and the handlers that therefore never ran.

The same holds when startup succeeded but a FastAPI/Starlette lifespan inside the app
never ran (the check watches each one): a layer above answered lifespan.startup itself
(a static-files or health-check wrapper with its own little lifespan loop), or a
dispatcher passed the scope to one of its apps only.

Why it matters: a refused lifespan is "lifespan not supported" to servers: uvicorn
(auto) logs one INFO line, hypercorn and granian a warning. A lifespan answered above the
handlers looks like a normal startup to them. Either way they serve requests without
that startup code having run: the first request fails instead of the deploy.

How to fix: in the middleware, pass the scopes it does not handle through:

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ...

A dispatcher over several apps must run each app's lifespan and answer startup only
when all of them have (hypercorn's DispatcherMiddleware does this).
""",
        ),
        _code(
            "LC405",
            "warning",
            "on_event handlers are ignored because lifespan= is set",
            None,
            EXIT_FAILED,
            """
The app was given a `lifespan=` context and also has `on_event("startup")` /
`on_event("shutdown")` handlers (or on_startup=/on_shutdown= lists). FastAPI and
Starlette run only the lifespan context in that case: the event handlers are silently
ignored. The finding names each ignored handler and where it is defined.

Why it matters: code that was added as an event handler (often by a library or a later
change) never runs, and nothing says so.

How to fix: move the handlers' code into the lifespan function, startup code before its
`yield` and shutdown code after it, and remove the on_event registrations (on_event is
deprecated).
""",
        ),
        _code(
            "LC406",
            "info",
            "Legacy ASGI2 application",
            None,
            EXIT_OK,
            """
The app is an ASGI2 "double callable": `app(scope)` returns a coroutine function that
takes (receive, send). lifespan-check adapts it, and so does uvicorn, but hypercorn and
granian detect the interface differently and answer every request with HTTP 500.

How to fix: make it a single ASGI3 callable, `async def app(scope, receive, send)`, or
wrap it once with `asgiref.compatibility.guarantee_single_callable(app)` and serve the
result.
""",
        ),
        _code(
            "LC407",
            "warning",
            "Lifespan state problem",
            None,
            EXIT_FAILED,
            """
The app uses the lifespan state (`scope["state"]`, which Starlette and FastAPI expose as
`request.state` / the dict a lifespan yields) in a way that breaks under some servers:

- it needs the state: it looked for `scope["state"]` and failed without it (checked with
  --no-state), as it would under a server without lifespan state support;
- it replaces the state: `scope["state"] = {...}` rebinds the app's scope only; every
  server keeps the dict it passed and copies that one into each request, so requests
  never see the new values (put them into the given dict instead);
- it reads the state during shutdown: granian empties the state before it sends
  lifespan.shutdown, so these reads find nothing there (--emulate granian shows it);
- a value in the state was replaced or removed between startup and shutdown: each
  request works on a shallow copy taken when it starts, so replacing a value is not seen
  by requests, and the replaced object is never cleaned up.

How to fix: keep what shutdown needs in local variables of the lifespan function (the
code after its yield); treat the state as read-only once startup has completed (mutate
the objects in it, do not replace them).
""",
        ),
        _code(
            "LC408",
            "warning",
            "The interpreter would not exit",
            None,
            EXIT_FAILED,
            """
After the report was complete, the app's interpreter did not exit within the grace
period: non-daemon threads or atexit hooks kept it alive. The finding says what was
holding it; the process was then killed.

Why it matters: a server that hangs at exit delays every deploy and restart until the
orchestrator's kill timeout.

How to fix: stop and join the threads named, and keep atexit hooks short.
""",
        ),
        _code(
            "LC409",
            "warning",
            "Processes left running after shutdown",
            None,
            EXIT_FAILED,
            """
Child processes the app started during the lifespan (subprocess, multiprocessing,
os.fork) were still running after lifespan.shutdown.complete. The finding gives each
process's pid and command line and, in the default isolated run, the line that started
it. Processes that had exited but were not yet waited for are not counted, nor are the
helper processes multiprocessing keeps for itself. A daemon that detached itself (a
double fork, setsid) is no child of the app any more, and a server that kills its process
group misses it: in the isolated run it is found by the LIFESPAN_CHECK_RUN marker it
inherited, and marked as detached. Linux only: processes are read from /proc.

Why it matters: when the server exits, these processes are orphaned and keep running,
holding ports, files, GPU memory or database connections, and a restarted server starts
a second copy beside them.

How to fix: keep a handle on each process you start and stop it during shutdown:
terminate() (or send it your own stop message), then wait() or join() it.
""",
        ),
        _code(
            "LC410",
            "warning",
            "Signal handlers replaced by the app",
            None,
            EXIT_FAILED,
            """
During startup the app installed its own SIGINT or SIGTERM handler
(`loop.add_signal_handler`, `signal.signal`, or a library doing so), replacing the one
that was there. The finding names the new handler and where it is defined.

Why it matters: uvicorn, hypercorn and granian install their SIGINT/SIGTERM handlers
before they run the lifespan, and shut down gracefully through them. The app's handler
replaces the server's: Ctrl+C and the SIGTERM an orchestrator (Kubernetes, systemd,
docker stop) sends no longer stop the server, which runs on until it is SIGKILLed at
the end of the grace period, skipping your shutdown code.

How to fix: leave the signals to the server. Put the work you wanted to do on SIGTERM
(draining, flushing) in the shutdown half of the lifespan, after the yield: the server
runs it when it receives the signal. If a library installs handlers, look for its
option to leave them alone.
""",
        ),
        _code(
            "LC411",
            "error",
            "uvicorn takes this ASGI3 app for ASGI2",
            None,
            EXIT_FAILED,
            """
The app is called as (scope, receive, send) and returns a coroutine, so it runs here and
under servers that always call ASGI3 apps. But it is not itself a coroutine function: a
plain `def` that returns another function's coroutine, a `functools.partial`, or an
object whose `__call__` is a plain method.

Why it matters: uvicorn (with its default `--interface auto`) decides between ASGI3 and
ASGI2 by asking whether the app, or its `__call__`, is a coroutine function. For this
app the answer is no, so uvicorn calls it the ASGI2 way, `app(scope)`, which raises a
TypeError: the lifespan is reported as unsupported (exit 3 with `--lifespan on`) and
every request fails with HTTP 500.

How to fix: make the app an `async def app(scope, receive, send)` (await the inner app
in it), or give the class an `async def __call__`; or start uvicorn with
`--interface asgi3`, and ignore this code. `--emulate uvicorn` shows what uvicorn does.
""",
        ),
        _code(
            "LC501",
            "error",
            "Import over budget",
            None,
            EXIT_FAILED,
            """
Importing the app (and calling the factory, with --factory) took longer than the budget set
with --max-import or max-import in [tool.lifespan-check]. The finding gives the time, the
budget and by how much it was exceeded; with --repeat the time is the median of the runs.

Why it matters: import time is paid by every worker process at every deploy, restart and
autoscaling event, before the first request can be served. It tends to grow one import at a
time until cold starts time out.

How to fix: find the slow imports with `python -X importtime -c "import yourapp"`, import
heavy libraries lazily where they are used, and move work done at module level (reading
files, building models, connecting) into the lifespan startup. If the growth is expected,
raise the budget. It is an error by default; budget-severity = "warning" makes every budget
finding a warning.
""",
        ),
        _code(
            "LC502",
            "error",
            "Startup over budget",
            None,
            EXIT_FAILED,
            """
The lifespan startup (from lifespan.startup to lifespan.startup.complete) took longer than
the budget set with --max-startup or max-startup. The finding gives the time, the budget
and by how much it was exceeded; with --repeat the time is the median of the runs.

Why it matters: orchestrators start sending traffic, or kill the instance, based on
readiness; a slow startup means slow deploys and failed health checks, and under
autoscaling, capacity that arrives too late.

How to fix: run independent startup steps concurrently (a task group), add timeouts to
connections, and defer what is not needed for the first request. If the growth is
expected, raise the budget.
""",
        ),
        _code(
            "LC503",
            "error",
            "Shutdown over budget",
            None,
            EXIT_FAILED,
            """
The lifespan shutdown (from lifespan.shutdown to lifespan.shutdown.complete) took longer
than the budget set with --max-shutdown or max-shutdown. The finding gives the time, the
budget and by how much it was exceeded; with --repeat the time is the median of the runs.

Why it matters: an orchestrator gives an instance a fixed grace period to stop (often
30 s, minus the time spent draining requests) before it kills it; cleanup that does not
fit is cut off.

How to fix: bound each cleanup step with a timeout and close independent resources
concurrently. If the growth is expected, raise the budget.
""",
        ),
        _code(
            "LC504",
            "error",
            "Total time over budget",
            None,
            EXIT_FAILED,
            """
Import, factory, startup and shutdown together took longer than the budget set with
--max-total or max-total (the --hold dwell is not counted). The finding gives the time,
the budget and by how much it was exceeded; with --repeat the time is the median of the
runs.

Why it matters: this is roughly what every restart of the service costs.

How to fix: look at the phase that grew (the report shows each one) and see LC501, LC502
and LC503. If the growth is expected, raise the budget.
""",
        ),
        _code(
            "LC505",
            "error",
            "Slower than the baseline",
            None,
            EXIT_FAILED,
            """
A phase took longer than in the baseline saved with --save-baseline, by more than
--tolerance (default 20 %) and by more than --baseline-floor (default 50 ms). The finding
gives both times and the change. With --repeat, medians are compared.

The absolute floor is there so that noise on phases of a few milliseconds does not fail
builds: 3 ms becoming 6 ms is +100 % and means nothing.

Why it matters: start-up time creeps up one dependency at a time; a baseline catches the
change that made it worse, in the pull request that made it.

How to fix: find what the change added to the import or startup path. If the new time is
expected, save a new baseline (--save-baseline FILE) and commit it. It follows
budget-severity: an error by default.
""",
        ),
        _code(
            "LC510",
            "error",
            "Smoke request failed",
            "running-failed",
            EXIT_FAILED,
            """
Between startup and shutdown, lifespan-check sent the request given with --probe (for
example "GET /healthz") through the app in memory, with an http scope that carries a
shallow copy of the lifespan state, as servers do. The request raised, timed out, sent no
response, or answered with a status that --probe-status does not accept (by default any
2xx or 3xx). The finding gives the status and the first bytes of the body, or the
exception and the line in your code that raised it.

Why it matters: this is the "startup passed but the first request explodes" failure: the
lifespan did not put into the state what the handlers read from it (request.state.db),
a dependency was never initialised, or a route is broken. Servers report a healthy
startup and the deploy goes ahead.

How to fix: make the lifespan yield (or set in scope["state"]) everything the handlers
read, and fix the error at the reported line. Note that the state is copied per request:
values put in request.state during a request do not reach other requests.
""",
        ),
        _code(
            "LC511",
            "error",
            "Flaky outcome",
            None,
            EXIT_FAILED,
            """
With --repeat N, the runs did not all reach the same verdict: some passed and some failed,
or they failed in different ways. The finding gives the count of each outcome. Each run
was a fresh process, so the difference comes from the app or its environment: a race
between startup tasks, a dependency that is sometimes slow, a timeout close to the real
time, state left on disk by the previous run.

Why it matters: a startup that fails one time in five fails one deploy in five, or one
autoscaling event in five, usually at night.

How to fix: the report shows the findings of the worst run; fix that failure, then run
with a larger --repeat to confirm it is gone.
""",
        ),
        _code(
            "LC601",
            "error",
            "The app's process was killed by a signal",
            "crashed",
            EXIT_CRASH,
            """
The child interpreter running the app died from a signal (SIGSEGV, SIGABRT, SIGKILL ...):
a crash in a C extension, an abort(), or the out-of-memory killer. The finding names the
signal, the phase reached, and the last Python stack seen (from faulthandler or the
watchdog).

Why it matters: under a server the whole server process dies with it, usually with no
Python traceback at all.

How to fix: look at the stack; crashes in C extensions are usually fixed by upgrading the
extension or by not sharing its objects across threads or forks.
""",
        ),
        _code(
            "LC602",
            "error",
            "The app's process exited",
            "crashed",
            EXIT_CRASH,
            """
The child interpreter running the app exited on its own with a status: os._exit(), or
sys.exit() at import time (a settings check that prints and exits, for example).

Why it matters: under a server the whole server process exits with that status.

How to fix: raise an exception instead of exiting from library or app code, so the
server can report it; the finding shows the status and the phase.
""",
        ),
    )
}


# The codes that say what happened to the run itself: the app could not be loaded,
# failed, hung, broke the protocol, crashed or was interrupted. They decide the outcome,
# so ignoring one would pass an app that never started: an ignore list refuses them.
# LC404 and LC510 decide an outcome too but stay ignorable: they are judgements (a
# diagnosis of the app's structure, a probe the user chose) that may need an escape.
NOT_IGNORABLE = frozenset(
    entry.code
    for entry in CATALOGUE.values()
    if entry.severity == "error" and entry.outcome is not None
    if entry.code not in ("LC404", "LC510")
)


def unignorable(codes: Iterable[str]) -> str | None:
    """Why these codes cannot all be ignored, or None when they can."""
    refused = [c for c in dict.fromkeys(c.strip().upper() for c in codes) if c in NOT_IGNORABLE]
    if not refused:
        return None
    decided = ", ".join(f"{c} ({CATALOGUE[c].outcome_in(None)})" for c in refused)
    verb = "decides" if len(refused) == 1 else "decide"
    return (
        f"{decided} {verb} the outcome and cannot be ignored (that would pass an app "
        "that failed to run); fix the cause instead"
    )


def ignorable(finding: Finding) -> bool:
    """Whether an ignore list may set `finding` aside: never one of NOT_IGNORABLE, nor a
    warning code raised to an error that decides the outcome (LC104 at a deadline,
    LC106/LC107 with --lifespan on)."""
    if finding.code in NOT_IGNORABLE:
        return False
    entry = CATALOGUE.get(finding.code)
    if entry is None or entry.outcome is None:
        return True
    return not (entry.severity != "error" and finding.severity == "error")


def lookup(code: str) -> Code | None:
    """The catalogue entry for CODE, case-insensitively."""
    return CATALOGUE.get(code.strip().upper())


def make(
    code: str,
    *,
    phase: str | None,
    message: str,
    location: Frame | None = None,
    stack: tuple[Frame, ...] = (),
    hint: str | None = None,
    severity: Severity | None = None,
    t_s: float | None = None,
    details: dict[str, Any] | None = None,
) -> Finding:
    """A finding for CODE, with the catalogue's title and (unless overridden) severity."""
    entry = CATALOGUE[code]
    return Finding(
        code=code,
        severity=severity or entry.severity,
        phase=phase,
        title=entry.title,
        message=message,
        location=location,
        stack=stack,
        hint=hint,
        t_s=t_s,
        details=details or {},
    )
