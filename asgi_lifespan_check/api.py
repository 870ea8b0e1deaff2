"""The Python API: run a check on an app object or a "module:attr" target, get a Report."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .errors import BackendUnavailable, SupervisorError, UsageError
from .events import ListSink, Recorder
from .options import BACKENDS, LIFESPAN_MODES, LoadOptions, RunOptions
from .targets import parse_target

if TYPE_CHECKING:
    from .isolate import Child
from .report import Report, build

Notice = Callable[[str], None]


def execute(
    load: LoadOptions | None,
    run: RunOptions,
    *,
    app: object | None = None,
    isolate: bool = False,
    prespawned: Child | None = None,
    capture_output: bool = False,
    strict: bool = False,
    ignore: Iterable[str] = (),
    notice: Notice | None = None,
    deadline_exit: Callable[[Report], None] | None = None,
) -> Report:
    """Run one check as described and build its report (the CLI and the API share this).

    `deadline_exit` (in-process runs only) is called from the watchdog thread with the
    report so far when a deadline passes while the main thread is stuck; it must end the
    process. Without it, an in-process run can only report once the blocking call returns.
    """
    validate_run_options(run)
    if isolate:
        if load is None:
            raise UsageError("an isolated check needs a 'module:attr' target, not an app object")
        return _isolated(load, run, prespawned, strict, ignore, notice)
    if prespawned is not None:
        prespawned.kill()
    return _in_process(load, run, app, capture_output, strict, ignore, notice, deadline_exit)


def validate_run_options(run: RunOptions) -> None:
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
    for name, value in (
        ("startup timeout", run.drive.startup_timeout),
        ("shutdown timeout", run.drive.shutdown_timeout),
        ("hold", run.drive.hold),
        ("block threshold", run.block_threshold),
    ):
        if not value >= 0:
            raise UsageError(f"the {name} must be a number of seconds >= 0, not {value!r}")


def _isolated(
    load: LoadOptions,
    run: RunOptions,
    prespawned: Child | None,
    strict: bool,
    ignore: Iterable[str],
    notice: Notice | None,
) -> Report:
    child = prespawned if prespawned is not None and prespawned.load == load else None
    if child is None:
        if prespawned is not None:
            prespawned.kill()
            prespawned.collect()
        from .isolate import Child

        child = Child(load)
    # Ctrl+C handling first: the app starts its startup as soon as it is told to run.
    with _interrupts(child.interrupt, child.interrupt, notice):
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
    capture_output: bool,
    strict: bool,
    ignore: Iterable[str],
    notice: Notice | None,
    deadline_exit: Callable[[Report], None] | None,
) -> Report:
    from .capture import FdCapture
    from .runner import Runner

    sink = ListSink()
    capture = FdCapture() if capture_output else None
    target = load.target if load is not None else _object_name(app)

    def report() -> Report:
        output = capture.stop() if capture is not None else None
        return build(sink.events, target=target, output=output, strict=strict, ignore=ignore)

    fatal = None
    if deadline_exit is not None:

        def fatal() -> None:
            deadline_exit(report())

    runner = Runner(
        Recorder(sink), isolated=False, block_threshold=run.block_threshold, fatal=fatal
    )
    if load is not None:
        parse_target(load.target)

    def interrupt() -> None:
        driver, runtime = runner.driver, runner.runtime
        if driver is not None and runtime is not None:
            runtime.call_soon_threadsafe(driver.interrupt)

    if capture is not None:
        capture.start()
    try:
        with _interrupts(interrupt, _raise_keyboard_interrupt, notice):
            runner.meta(target, run.backend)
            loaded = runner.load(load) if load is not None else runner.load_object(app, target)
            if loaded is not None:
                runner.drive(loaded, run)
            runner.finish()
    finally:
        result = report()
    return result


def _object_name(app: object) -> str:
    name = getattr(app, "__qualname__", None) or type(app).__qualname__
    module = getattr(app, "__module__", None) or type(app).__module__
    return f"{module}:{name}"


def _raise_keyboard_interrupt() -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _interrupts(
    first: Callable[[], None], second: Callable[[], None], notice: Notice | None
) -> Iterator[None]:
    """Ctrl+C once: `first()` (report where the app is); twice: `second()`, stop at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    count = 0

    def handler(signum: int, frame: Any) -> None:
        nonlocal count
        count += 1
        if count == 1:
            if notice is not None:
                notice("interrupted: finding out where the app is (Ctrl+C again to stop now)")
            first()
        else:
            second()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def check_sync(
    app_or_target: object,
    *,
    startup_timeout: float = 60.0,
    shutdown_timeout: float = 30.0,
    hold: float = 0.0,
    backend: str | None = None,
    isolate: bool = False,
    lifespan: str = "auto",
    app_dir: str | None = ".",
    env_file: str | None = None,
    factory: bool = False,
    import_timeout: float = 60.0,
    block_threshold: float = 0.25,
    strict: bool = False,
    ignore: Iterable[str] = (),
    emulate: str | None = None,
) -> Report:
    """Check an app (an ASGI app object or a "module:attr" string) and return the report.

    `emulate` ("uvicorn", "hypercorn", "granian" or "asgi-lifespan") drives the lifespan
    the way that server does.
    """
    from .options import DriveOptions

    run = RunOptions(
        backend=backend or "asyncio",
        block_threshold=block_threshold,
        drive=DriveOptions(
            startup_timeout=startup_timeout,
            shutdown_timeout=shutdown_timeout,
            hold=hold,
            lifespan=lifespan,
            emulate=emulate,
        ),
    )
    if isinstance(app_or_target, str):
        load = LoadOptions(
            target=app_or_target,
            app_dir=app_dir,
            env_file=env_file,
            factory=factory,
            import_timeout=import_timeout,
        )
        return execute(load, run, isolate=isolate, strict=strict, ignore=ignore)
    if isolate:
        raise UsageError("isolate=True needs a 'module:attr' string target, not an app object")
    return execute(None, run, app=app_or_target, strict=strict, ignore=ignore)


async def check(app_or_target: object, **options: Any) -> Report:
    """`check_sync` for async code: the app runs on its own loop in a worker thread."""
    import anyio.to_thread

    return await anyio.to_thread.run_sync(lambda: check_sync(app_or_target, **options))
