"""The public Python API: check() and check_sync() on app objects and targets."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from typing import Any

import anyio
import pytest

import asgi_lifespan_check
from asgi_lifespan_check import (
    EventLoopRunning,
    TargetError,
    UsageError,
    check,
    check_sync,
)
from tests.api_support import APPS, app, app_module, marker
from tests.helpers import survivors


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run each anyio-marked test on both async libraries."""
    backend: str = request.param
    return backend


# The public surface ---------------------------------------------------------------------


def test_public_names_are_pinned() -> None:
    """The package exports exactly these names, and each of them resolves."""
    assert asgi_lifespan_check.__all__ == [
        "BackendUnavailable",
        "CheckOptions",
        "ConfigError",
        "EnvFileError",
        "EventLoopRunning",
        "Finding",
        "Frame",
        "LifespanCheckError",
        "LifespanCheckFailed",
        "Phase",
        "Report",
        "SupervisorError",
        "TargetError",
        "UsageError",
        "__version__",
        "assert_lifespan_ok",
        "check",
        "check_sync",
    ]
    for name in asgi_lifespan_check.__all__:
        assert getattr(asgi_lifespan_check, name) is not None
    public = {n for n in dir(asgi_lifespan_check) if not n.startswith("_")}
    assert public == set(asgi_lifespan_check.__all__) - {"__version__"}


def test_errors_form_the_documented_tree() -> None:
    """Every error derives from LifespanCheckError and is named by its public path."""
    from asgi_lifespan_check import errors

    assert issubclass(asgi_lifespan_check.LifespanCheckFailed, AssertionError)
    assert issubclass(asgi_lifespan_check.EventLoopRunning, UsageError)
    for name in asgi_lifespan_check.__all__:
        value = getattr(asgi_lifespan_check, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, asgi_lifespan_check.LifespanCheckError)
            assert value.__module__ == "asgi_lifespan_check"
            assert name in (errors.__doc__ or ""), f"{name} is missing from the drawn tree"


def test_importing_the_package_stays_cheap() -> None:
    """`import asgi_lifespan_check` imports no async library and none of the checker."""
    code = (
        "import sys, asgi_lifespan_check\n"
        "heavy = ('asgi_lifespan_check', 'asyncio', 'anyio', 'trio', 'rich', 'typer')\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith(heavy))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["asgi_lifespan_check", "asgi_lifespan_check._version"]


def test_check_and_check_sync_take_the_same_options() -> None:
    """check, check_sync and CheckOptions list the same keyword arguments."""
    import inspect

    def keywords(fn: Any) -> list[str]:
        params = inspect.signature(fn).parameters.values()
        return [p.name for p in params if p.kind is p.KEYWORD_ONLY]

    assert keywords(check) == keywords(check_sync)
    assert keywords(check) == list(asgi_lifespan_check.CheckOptions.__annotations__)


# check_sync --------------------------------------------------------------------------------


def test_check_sync_passes_a_clean_app() -> None:
    """A clean app gives a passing report that names it by where it is bound."""
    report = check_sync(app("api_ok"))
    assert report.passed
    assert report.outcome == "ok"
    assert report.target == "api_ok:app"
    assert [(p.name, p.status) for p in report.phases] == [
        ("startup", "ok"),
        ("shutdown", "ok"),
    ]
    assert report.findings == ()
    assert report.state_keys == ("ready",)
    assert report.environment.backend == "asyncio"
    assert not report.environment.isolated
    assert report.to_dict()["outcome"] == "ok"
    assert report.render("text").splitlines()[-1].startswith("PASSED outcome=ok exit=0")


def test_name_overrides_how_the_report_names_the_app() -> None:
    """`name=` is the report's target, for an app object and a string target alike."""
    assert check_sync(app("api_ok"), name="service:app").target == "service:app"
    named = check_sync("api_ok:app", app_dir=APPS, isolate=True, name="service:app")
    assert named.target == "service:app"


def test_check_sync_on_trio() -> None:
    """backend="trio" drives the app on trio."""
    report = check_sync(app("api_ok"), backend="trio")
    assert report.passed
    assert report.environment.backend == "trio"
    assert app_module("api_ok").seen[-1] == ("trio", threading.get_ident())


def test_string_target_in_process_leaves_sys_path_alone() -> None:
    """A "module:attr" target is imported from app_dir, which is off sys.path afterwards."""
    before = list(sys.path)
    report = check_sync("api_slow:app", app_dir=APPS)
    assert report.passed
    assert [p.name for p in report.phases] == ["import", "startup", "shutdown"]
    assert sys.path == before


def test_isolated_string_target() -> None:
    """isolate=True runs the target in a child interpreter and still points at its line."""
    report = check_sync("api_startup_fails:app", app_dir=APPS, isolate=True)
    assert report.environment.isolated
    assert report.outcome == "startup-failed"
    (finding,) = report.findings
    assert finding.code == "LC102"
    assert finding.location is not None
    assert finding.location.file == str(APPS / "api_startup_fails.py")
    assert finding.location.line == marker("api_startup_fails", "raise")


def test_a_failing_startup_is_a_finding_not_an_exception() -> None:
    """A startup that raises gives a failed report pointing at the app's line."""
    report = check_sync(app("api_startup_fails"))
    assert not report.passed
    assert report.outcome == "startup-failed"
    assert report.codes() == ["LC102"]
    location = report.findings[0].location
    assert location is not None
    assert location.line == marker("api_startup_fails", "raise")


def test_a_hang_reports_its_await_chain() -> None:
    """A hanging startup times out with the line it waits on and the await chain."""
    report = check_sync(app("api_hang"), startup_timeout=0.2)
    assert report.outcome == "startup-timeout"
    (finding,) = report.findings
    assert finding.code == "LC103"
    assert finding.location is not None
    assert finding.location.line == marker("api_hang", "hang")
    text = report.render("text")
    assert "    await chain (outermost first):" in text
    assert f"api_hang.py:{marker('api_hang', 'hang')} in wait_for_broker" in text


def test_a_protocol_error_names_the_send() -> None:
    """A misspelled message type is LC301 at the line that sent it."""
    report = check_sync(app("api_typo"))
    assert report.outcome == "protocol-error"
    (finding,) = report.findings
    assert finding.code == "LC301"
    assert "did you mean 'lifespan.startup.complete'" in finding.message
    assert finding.location is not None
    assert finding.location.line == marker("api_typo", "send")


@pytest.mark.parametrize(
    ("target", "options", "error", "fragment"),
    [
        ("object", {"isolate": True}, UsageError, "isolate need(s) a 'module:attr' string"),
        ("object", {"factory": True}, UsageError, "factory need(s) a 'module:attr' string"),
        ("object", {"app_dir": "src"}, UsageError, "app_dir need(s)"),
        ("object", {"max_import": 1.0}, UsageError, "max_import need(s)"),
        ("api_ok", {}, TargetError, "there is no ':'"),
        ("api_ok:app", {"backend": "curio"}, UsageError, "unknown backend 'curio'"),
        (
            "api_ok:app",
            {"startup_timeout": -1},
            UsageError,
            "startup_timeout must be a number of seconds > 0",
        ),
        ("api_ok:app", {"lifespan": "off"}, UsageError, "unknown lifespan mode 'off'"),
    ],
)
def test_requests_that_cannot_run_raise_usage_errors(
    target: str, options: dict[str, Any], error: type[Exception], fragment: str
) -> None:
    """A request the tool cannot run raises a typed error that names the bad input."""
    subject: object = app("api_ok") if target == "object" else target
    with pytest.raises(error) as raised:
        check_sync(subject, **options)
    assert fragment in str(raised.value)


def test_check_sync_keeps_the_current_event_loop() -> None:
    """The thread's current asyncio loop is the same after check_sync as before."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        assert check_sync(app("api_ok")).passed
        assert asyncio.get_event_loop() is loop
    finally:
        asyncio.set_event_loop(None)
        loop.close()


@pytest.mark.anyio
async def test_check_sync_refuses_a_running_loop() -> None:
    """check_sync inside a running event loop raises EventLoopRunning, naming check()."""
    with pytest.raises(EventLoopRunning, match=r"use `await check\(...\)`"):
        check_sync(app("api_ok"))


# check() on the caller's loop ---------------------------------------------------------


@pytest.mark.anyio
async def test_check_runs_on_the_callers_loop(anyio_backend: str) -> None:
    """check() drives the app in the caller's thread, with the caller's async library."""
    report = await check(app("api_ok"))
    assert report.passed
    assert report.environment.backend == anyio_backend
    assert app_module("api_ok").seen[-1] == (anyio_backend, threading.get_ident())


@pytest.mark.asyncio
async def test_app_resources_belong_to_the_test_loop() -> None:
    """Under pytest-asyncio, startup runs on the test's loop: main-thread signal handlers
    work and what startup keeps is bound to that loop."""
    subject = app("api_loop_bound")
    report = await check(subject)
    assert report.passed, report.render("text")
    assert subject.state.loop is asyncio.get_running_loop()


@pytest.mark.anyio
async def test_another_backend_runs_in_a_worker_thread(anyio_backend: str) -> None:
    """backend= naming the other library runs the check on its own loop in a thread."""
    other = "trio" if anyio_backend == "asyncio" else "asyncio"
    report = await check(app("api_ok"), backend=other)
    assert report.passed
    assert report.environment.backend == other
    library, thread = app_module("api_ok").seen[-1]
    assert (library, thread != threading.get_ident()) == (other, True)


@pytest.mark.anyio
async def test_isolated_check_from_async_code(anyio_backend: str) -> None:
    """isolate=True works from async code and keeps the caller's backend."""
    report = await check("api_ok:app", app_dir=APPS, isolate=True)
    assert report.passed
    assert report.environment.isolated
    assert report.environment.backend == anyio_backend


@pytest.mark.anyio
async def test_a_hang_on_the_callers_loop(anyio_backend: str) -> None:
    """A hang times out on the caller's loop, at the awaited line, and is cancelled."""
    report = await check(app("api_hang"), startup_timeout=0.2)
    assert report.outcome == "startup-timeout"
    finding = report.findings[0]
    assert finding.location is not None
    assert finding.location.line == marker("api_hang", "hang")
    assert "the cancellation was honoured" in finding.message


@pytest.mark.asyncio
async def test_leftover_tasks_are_reported_then_cancelled() -> None:
    """A task the app leaves is LC401, and it is not left running on the test's loop."""
    report = await check(app("api_leaky"))
    assert report.passed  # a warning
    assert report.codes() == ["LC401"]
    assert "'metrics-flusher'" in report.findings[0].message
    assert asyncio.all_tasks() == {asyncio.current_task()}


@pytest.mark.anyio
async def test_cancelling_a_check_stops_the_app(anyio_backend: str) -> None:
    """A caller's timeout cancels a hanging check promptly and leaves nothing running."""
    before = asyncio.all_tasks() if anyio_backend == "asyncio" else set()
    started = time.monotonic()
    with anyio.move_on_after(0.3) as scope:
        await check(app("api_hang"), startup_timeout=30)
    assert scope.cancelled_caught
    assert time.monotonic() - started < 10  # a bound, not a timing assertion
    names = [t.name for t in threading.enumerate()]
    assert not [n for n in names if n.startswith("lifespan-check-")]
    if anyio_backend == "asyncio":
        assert asyncio.all_tasks() == before


@pytest.mark.anyio
async def test_cancelling_an_isolated_check_kills_its_child(
    anyio_backend: str, run_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A caller's timeout ends an isolated hanging check at once, and its child with it."""
    monkeypatch.setenv("LC_TEST_RUN", run_token)
    started = time.monotonic()
    with anyio.move_on_after(1.0) as scope:
        await check("api_hang:app", app_dir=APPS, isolate=True, startup_timeout=30)
    assert scope.cancelled_caught
    assert time.monotonic() - started < 10  # a bound: the child's own timeout is 30 s
    assert survivors(run_token) == []


def test_check_outside_asyncio_and_trio_is_refused() -> None:
    """check() driven by something that is neither asyncio nor trio raises a UsageError."""
    coro = check(app("api_ok"))
    with pytest.raises(UsageError, match=r"from sync code call check_sync\(\)"):
        coro.send(None)  # a bare coroutine step: no event loop runs it
