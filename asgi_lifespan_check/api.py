"""The Python API: check an app object or a "module:attr" target, get a Report.

    report = await check(app)               # async code: runs on the caller's own loop
    report = check_sync("app.main:app")     # sync code: runs on a loop of its own

`check()` drives the app on the event loop that awaits it, with the caller's async
library (asyncio or trio) unless `backend` names another. The app's startup then runs
where the rest of the test runs: resources it creates belong to the test's loop, code
that must run in the main thread (signal handlers) works, and a trio test checks on
trio. The price is that a blocking call in the app blocks the caller's loop too; use
`isolate=True` when the app may hang in a way no timeout can interrupt.

`execute()` is the entry point shared with the command line.
"""

from __future__ import annotations

import contextlib
import os
import sys
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from .errors import BackendUnavailable, EventLoopRunning, SupervisorError, UsageError
from .events import ListSink, Recorder
from .interrupts import handled
from .options import BACKENDS, LIFESPAN_MODES, DriveOptions, LoadOptions, RunOptions
from .report import Report, build, with_findings
from .targets import parse_target

if TYPE_CHECKING:
    from .budgets import Budgets
    from .isolate import Child

Notice = Callable[[str], None]
PathArg = str | os.PathLike[str]


class CheckOptions(TypedDict, total=False):
    """The keyword arguments of `check()` and `check_sync()` (for wrappers to pass on)."""

    startup_timeout: float
    shutdown_timeout: float
    hold: float
    backend: str | None
    isolate: bool
    lifespan: str
    emulate: str | None
    app_dir: PathArg | None
    env_file: PathArg | None
    factory: bool
    import_timeout: float
    block_threshold: float
    strict: bool
    ignore: Iterable[str]
    name: str | None
    max_import: float | None
    max_startup: float | None
    max_shutdown: float | None
    max_total: float | None


async def check(
    app_or_target: object,
    *,
    startup_timeout: float = 60.0,
    shutdown_timeout: float = 30.0,
    hold: float = 0.0,
    backend: str | None = None,
    isolate: bool = False,
    lifespan: str = "auto",
    emulate: str | None = None,
    app_dir: PathArg | None = None,
    env_file: PathArg | None = None,
    factory: bool = False,
    import_timeout: float = 60.0,
    block_threshold: float = 0.25,
    strict: bool = False,
    ignore: Iterable[str] = (),
    name: str | None = None,
    max_import: float | None = None,
    max_startup: float | None = None,
    max_shutdown: float | None = None,
    max_total: float | None = None,
) -> Report:
    """Check an ASGI app (an app object or a "module:attr" string) and return the report.

    The app is driven on the running event loop of the caller. `backend=None` means the
    caller's async library; naming the other one runs the check on a loop of its own in
    a worker thread. `isolate=True` runs a string target in a child interpreter, as the
    command line does (a worker thread supervises it, the caller's loop stays free, and
    cancelling the caller kills the child at once).

    The options mirror the command line's: timeouts and `hold` in seconds, `lifespan`
    "auto" or "on", `emulate` (a server's name: drive the lifespan as it does), `strict`
    (warnings fail the check), `ignore` (finding codes to set aside; a code that decides
    the outcome raises UsageError); for string targets `app_dir` (default: the current
    directory), `env_file`, `factory` and `import_timeout`. `name` is how the report
    names the app (default: the target string, or where a module binds the object, such
    as "app.main:app"). `max_import` (string targets), `max_startup`, `max_shutdown` and
    `max_total` are time budgets in seconds, judged as the command line's `--max-*` are:
    going over one is a finding (LC501-LC504) that fails the check.

    The app's failures are findings in the report. Raises `UsageError` for a request
    that cannot run (a malformed target, `isolate=True` with an app object, ...).
    """
    here = current_library()
    if here is None:
        raise UsageError(
            "check() must be awaited from asyncio or trio code; from sync code call check_sync()"
        )
    request = _request(
        app_or_target,
        startup_timeout=startup_timeout,
        shutdown_timeout=shutdown_timeout,
        hold=hold,
        backend=backend or here,
        isolate=isolate,
        lifespan=lifespan,
        emulate=emulate,
        app_dir=app_dir,
        env_file=env_file,
        factory=factory,
        import_timeout=import_timeout,
        block_threshold=block_threshold,
        strict=strict,
        ignore=ignore,
        name=name,
        budgets=(max_import, max_startup, max_shutdown, max_total),
    )
    if request.isolate:
        return await _isolated_from_async(request)
    if request.run.backend != here:
        import anyio.to_thread

        return await anyio.to_thread.run_sync(_run_sync, request)
    from .inloop import check_here

    report = await check_here(
        request.load,
        request.run,
        request.app,
        request.target,
        strict=request.strict,
        ignore=request.ignore,
    )
    return _judged(report, request)


def check_sync(
    app_or_target: object,
    *,
    startup_timeout: float = 60.0,
    shutdown_timeout: float = 30.0,
    hold: float = 0.0,
    backend: str | None = None,
    isolate: bool = False,
    lifespan: str = "auto",
    emulate: str | None = None,
    app_dir: PathArg | None = None,
    env_file: PathArg | None = None,
    factory: bool = False,
    import_timeout: float = 60.0,
    block_threshold: float = 0.25,
    strict: bool = False,
    ignore: Iterable[str] = (),
    name: str | None = None,
    max_import: float | None = None,
    max_startup: float | None = None,
    max_shutdown: float | None = None,
    max_total: float | None = None,
) -> Report:
    """`check()` for sync code: the app runs on a new event loop (asyncio by default).

    Raises `EventLoopRunning` when called in a thread whose event loop is running (an
    async test, a notebook): `await check(...)` there instead.
    """
    if current_library() is not None:
        raise EventLoopRunning(
            "check_sync() cannot start an event loop inside the one already running in "
            "this thread; use `await check(...)` instead"
        )
    request = _request(
        app_or_target,
        startup_timeout=startup_timeout,
        shutdown_timeout=shutdown_timeout,
        hold=hold,
        backend=backend or "asyncio",
        isolate=isolate,
        lifespan=lifespan,
        emulate=emulate,
        app_dir=app_dir,
        env_file=env_file,
        factory=factory,
        import_timeout=import_timeout,
        block_threshold=block_threshold,
        strict=strict,
        ignore=ignore,
        name=name,
        budgets=(max_import, max_startup, max_shutdown, max_total),
    )
    return _run_sync(request)


def current_library() -> str | None:
    """The async library running the current task ("asyncio", "trio"), or None.

    sniffio (a dependency of trio) is asked when it is installed, so trio-asyncio and
    trio's guest mode are told apart correctly; without it only asyncio can be running.
    """
    try:
        import sniffio
    except ImportError:
        aio = sys.modules.get("asyncio")
        if aio is not None and aio._get_running_loop() is not None:
            return "asyncio"
        return None
    try:
        return sniffio.current_async_library()
    except sniffio.AsyncLibraryNotFoundError:
        return None


@dataclass(frozen=True, slots=True)
class _Request:
    """One API call's arguments, validated and turned into the core's options."""

    load: LoadOptions | None
    run: RunOptions
    app: object | None
    target: str
    isolate: bool
    strict: bool
    ignore: tuple[str, ...]
    budgets: Budgets


def _request(
    app_or_target: object,
    *,
    startup_timeout: float,
    shutdown_timeout: float,
    hold: float,
    backend: str,
    isolate: bool,
    lifespan: str,
    emulate: str | None,
    app_dir: PathArg | None,
    env_file: PathArg | None,
    factory: bool,
    import_timeout: float,
    block_threshold: float,
    strict: bool,
    ignore: Iterable[str],
    name: str | None,
    budgets: tuple[float | None, float | None, float | None, float | None],
) -> _Request:
    run = RunOptions(
        backend=backend,
        block_threshold=block_threshold,
        drive=DriveOptions(
            startup_timeout=startup_timeout,
            shutdown_timeout=shutdown_timeout,
            hold=hold,
            lifespan=lifespan,
            emulate=emulate,
        ),
    )
    validate_run_options(run)
    codes = (ignore,) if isinstance(ignore, str) else tuple(ignore)
    from .findings import unignorable

    if (problem := unignorable(codes)) is not None:  # as the command line refuses them
        raise UsageError(f"ignore: {problem}")
    limits = _budgets(*budgets)
    if isinstance(app_or_target, str):
        parse_target(app_or_target)
        _check_seconds("import-timeout", import_timeout)
        load = LoadOptions(
            target=app_or_target,
            app_dir=os.fspath(app_dir) if app_dir is not None else ".",
            env_file=os.fspath(env_file) if env_file is not None else None,
            factory=factory,
            import_timeout=import_timeout,
        )
        target = name or app_or_target
        return _Request(load, run, None, target, isolate, strict, codes, limits)
    given = [
        k
        for k, v in (("app_dir", app_dir), ("env_file", env_file), ("max_import", budgets[0]))
        if v is not None
    ]
    given += ["factory"] if factory else []
    given += ["isolate"] if isolate else []
    if given:
        raise UsageError(
            f"{', '.join(given)} need(s) a 'module:attr' string target, not an app object: "
            "pass the target as a string, e.g. check('app.main:app', ...)"
        )
    target = name or object_name(app_or_target)
    return _Request(None, run, app_or_target, target, False, strict, codes, limits)


async def _isolated_from_async(request: _Request) -> Report:
    """An isolated check supervised by a worker thread, killed if the caller cancels.

    The child is started here, so a cancelled caller can kill it at once instead of
    waiting for the check's own timeouts; the abandoned thread then sees it gone.
    """
    import functools

    import anyio.to_thread

    from .isolate import Child

    assert request.load is not None
    child = Child(request.load)
    supervise = functools.partial(_run_sync, request, child)
    try:
        return await anyio.to_thread.run_sync(supervise, abandon_on_cancel=True)
    except BaseException:
        child.kill()
        raise


def _run_sync(request: _Request, child: Child | None = None) -> Report:
    """Run a request on a loop of its own (or in a child), in the calling thread."""
    if request.isolate:
        assert request.load is not None
        report = execute(
            request.load,
            request.run,
            isolate=True,
            prespawned=child,
            strict=request.strict,
            ignore=request.ignore,
            sigint=False,
        )
    else:
        with _current_event_loop_kept():
            report = execute(
                request.load,
                request.run,
                app=request.app,
                target_name=request.target,
                strict=request.strict,
                ignore=request.ignore,
                sigint=False,
            )
    return _judged(report, request)


def _budgets(
    max_import: float | None,
    max_startup: float | None,
    max_shutdown: float | None,
    max_total: float | None,
) -> Budgets:
    from .budgets import Budgets

    for name, value in (
        ("max_import", max_import),
        ("max_startup", max_startup),
        ("max_shutdown", max_shutdown),
        ("max_total", max_total),
    ):
        if value is not None:
            _check_seconds(name.replace("_", "-"), value)
    return Budgets(max_import, max_startup, max_shutdown, max_total)


def _judged(report: Report, request: _Request) -> Report:
    """The report under the request's name, with its budgets judged as the CLI's are."""
    from dataclasses import replace

    if report.target != request.target:
        report = replace(report, target=request.target)
    limits = request.budgets.limits()
    if not limits:
        return report
    from . import budgets, stats

    figures = stats.figures(report)
    over = budgets.check(figures, request.budgets)
    report = replace(report, figures=figures, budgets=limits)
    return with_findings(report, over, request.ignore) if over else report


@contextlib.contextmanager
def _current_event_loop_kept() -> Iterator[None]:
    """Put back the thread's current asyncio loop, which running a new loop resets.

    pytest-asyncio and old code rely on `asyncio.get_event_loop()` between tests, so an
    API call must not leave it changed.
    """
    aio = sys.modules.get("asyncio")
    if aio is None:  # the check imports it; nothing can have been set before
        yield
        return
    get_policy = getattr(aio.events, "_get_event_loop_policy", None) or aio.get_event_loop_policy
    policy = get_policy()
    local = getattr(policy, "_local", None)
    before = getattr(local, "_loop", None)
    try:
        yield
    finally:
        if local is not None and getattr(local, "_loop", None) is not before:
            policy.set_event_loop(before)


_NAMES: weakref.WeakKeyDictionary[object, str] = weakref.WeakKeyDictionary()


def object_name(app: object) -> str:
    """How a report names an app object: "module:attr" where a module binds it.

    Instances carry no trace of where they were made, so the modules are searched for
    a global bound to the app (once per app), preferring modules that are not tests.
    """
    code = getattr(app, "__code__", None)
    if code is not None:  # a function: its own module and qualified name are exact
        return f"{getattr(app, '__module__', '?')}:{getattr(app, '__qualname__', code.co_name)}"
    with contextlib.suppress(TypeError):
        if app in _NAMES:
            return _NAMES[app]
    found = _bound_name(app) or f"<{type(app).__module__}.{type(app).__qualname__} object>"
    with contextlib.suppress(TypeError):  # not weakly referenceable: search each time
        _NAMES[app] = found
    return found


def _bound_name(app: object) -> str | None:
    bindings = []
    for module_name, module in list(sys.modules.items()):
        namespace = getattr(module, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        try:
            names = [k for k, v in namespace.items() if v is app]
        except RuntimeError:  # another thread is importing into that module
            continue
        bindings += [(module_name, k) for k in names if not k.startswith("_")]
    if not bindings:
        return None

    def looks_like_test(module_name: str) -> bool:
        leaf = module_name.rpartition(".")[2]
        return module_name == "__main__" or leaf == "conftest" or leaf.startswith("test")

    module_name, attr = min(bindings, key=lambda b: looks_like_test(b[0]))
    return f"{module_name}:{attr}"


# The entry point shared with the command line ------------------------------------------


def execute(
    load: LoadOptions | None,
    run: RunOptions,
    *,
    app: object | None = None,
    target_name: str | None = None,
    isolate: bool = False,
    prespawned: Child | None = None,
    capture_output: bool = False,
    strict: bool = False,
    ignore: Iterable[str] = (),
    notice: Notice | None = None,
    deadline_exit: Callable[[Report], None] | None = None,
    sigint: bool = True,
) -> Report:
    """Run one check as described and build its report (the CLI and the API share this).

    `deadline_exit` (in-process runs only) is called from the watchdog thread with the
    report so far when a deadline passes while the main thread is stuck; it must end the
    process. Without it, an in-process run can only report once the blocking call returns.
    `sigint=True` (the CLI) turns a first Ctrl+C into a report of where the app was; the
    Python API leaves Ctrl+C alone, so it stops a test run as usual.
    """
    try:
        validate_run_options(run, load)
    except UsageError:
        if prespawned is not None:  # started for a run that will not happen
            prespawned.kill()
            prespawned.collect()
        raise
    if isolate:
        if load is None:
            raise UsageError("an isolated check needs a 'module:attr' target, not an app object")
        return _isolated(load, run, prespawned, strict, ignore, notice, sigint)
    if prespawned is not None:
        prespawned.kill()
        prespawned.collect()
    target = load.target if load is not None else target_name or object_name(app)
    return _in_process(
        load, run, app, target, capture_output, strict, ignore, notice, deadline_exit, sigint
    )


def validate_run_options(run: RunOptions, load: LoadOptions | None = None) -> None:
    if run.backend not in BACKENDS:
        raise UsageError(f"unknown backend {run.backend!r}; choose one of {', '.join(BACKENDS)}")
    if run.drive.lifespan not in LIFESPAN_MODES:
        raise UsageError(
            f"unknown lifespan mode {run.drive.lifespan!r}; choose one of "
            f"{', '.join(LIFESPAN_MODES)}"
        )
    if run.drive.emulate is not None:
        from .emulate import SERVERS

        if run.drive.emulate not in SERVERS:
            raise UsageError(
                f"unknown server {run.drive.emulate!r} for emulate; choose one of "
                f"{', '.join(SERVERS)}"
            )
    if run.backend == "trio":
        import importlib.util

        if importlib.util.find_spec("trio") is None:
            raise BackendUnavailable(
                "--backend trio needs the trio package, which is not installed here; "
                "install it with: pip install 'asgi-lifespan-check[trio]'"
            )
    # One rule per duration, shared with the command line and the config file
    # (config.valid_seconds): finite, and > 0 for the timeouts and the block threshold.
    durations = [
        ("startup-timeout", run.drive.startup_timeout),
        ("shutdown-timeout", run.drive.shutdown_timeout),
        ("block-threshold", run.block_threshold),
        ("probe-timeout", run.drive.probe_timeout),
        ("hold", run.drive.hold),
    ]
    if load is not None:
        durations.append(("import-timeout", load.import_timeout))
    for key, value in durations:
        _check_seconds(key, value)


def _check_seconds(key: str, value: object) -> None:
    from .config import seconds_rule, valid_seconds

    if not valid_seconds(key, value):
        name = key.replace("-", "_")
        raise UsageError(f"{name} must be {seconds_rule(key, value)}, not {value!r}")


def _isolated(
    load: LoadOptions,
    run: RunOptions,
    prespawned: Child | None,
    strict: bool,
    ignore: Iterable[str],
    notice: Notice | None,
    sigint: bool,
) -> Report:
    child = prespawned if prespawned is not None and prespawned.load == load else None
    if child is None:
        if prespawned is not None:
            prespawned.kill()
            prespawned.collect()
        from .isolate import Child

        child = Child(load)
    interrupts = handled(child.interrupt, child.stop_now, notice) if sigint else None
    # Ctrl+C handling first: the app starts its startup as soon as it is told to run.
    with interrupts or contextlib.nullcontext():
        child.run(run)
        result = child.collect()
    if result.usage_error:
        raise UsageError(result.usage_error)
    if result.internal_error:
        raise SupervisorError(f"the child interpreter failed:\n{result.internal_error}")
    return build(
        [*result.events, *result.supervisor_events],
        target=load.target,
        output=result.output,
        strict=strict,
        ignore=ignore,
    )


def _in_process(
    load: LoadOptions | None,
    run: RunOptions,
    app: object | None,
    target: str,
    capture_output: bool,
    strict: bool,
    ignore: Iterable[str],
    notice: Notice | None,
    deadline_exit: Callable[[Report], None] | None,
    sigint: bool,
) -> Report:
    from .capture import FdCapture
    from .runner import Runner

    sink = ListSink()
    capture = FdCapture() if capture_output else None

    def report() -> Report:
        output = capture.stop() if capture is not None else None
        return build(sink.events, target=target, output=output, strict=strict, ignore=ignore)

    fatal = None
    if deadline_exit is not None:

        def fatal() -> None:
            runner.restore_process_state()  # the report's renderers import lazily
            deadline_exit(report())

    runner = Runner(
        Recorder(sink), isolated=False, block_threshold=run.block_threshold, fatal=fatal
    )
    if load is not None:
        parse_target(load.target)

    # runner.interrupt falls back to reporting from a thread (with `fatal`) when the loop
    # is blocked and cannot take the interrupt itself.
    def stop_now(reason: str) -> None:
        if not runner.stop_now(reason):  # no way out but unwinding the app's own stack
            raise KeyboardInterrupt(reason)

    interrupts = handled(runner.interrupt, stop_now, notice) if sigint else None
    if capture is not None:
        capture.start()
    try:
        with interrupts or contextlib.nullcontext():
            runner.meta(target, run.backend)
            loaded = runner.load(load) if load is not None else runner.load_object(app, target)
            if loaded is not None:
                runner.drive(loaded, run)
    finally:
        # Also on the way out of an exception: the watchdog thread and sys.path are ours.
        runner.finish()
        result = report()
    return result
