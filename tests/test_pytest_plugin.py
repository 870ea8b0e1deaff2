"""The pytest plugin, run as a user runs it: pytest in a subprocess on a small project.

The project has one clean app and one app per way of failing. Its tests use the
`lifespan_check` fixture (sync, pytest-asyncio, anyio on both backends); its
configuration and command line add `--lifespan-check` items. The assertions read
pytest's own output: the pass/fail counts and the failure text of each test.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.api_support import REPO

SERVICE = '''\
"""The project's apps: one clean, one per way of failing."""

from contextlib import asynccontextmanager

import anyio
from starlette.applications import Starlette


@asynccontextmanager
async def lifespan(app):
    await anyio.sleep(0)
    yield {"pool": "ready"}


app = Starlette(lifespan=lifespan)


async def connect(dsn):
    raise ConnectionRefusedError(f"connection to {dsn} refused")  # <- raise


@asynccontextmanager
async def failing_lifespan(app):
    await connect("db.internal:5432")
    yield


broken = Starlette(lifespan=failing_lifespan)


async def wait_for_broker():
    await anyio.sleep_forever()  # <- hang


async def hangs(scope, receive, send):
    await receive()
    await wait_for_broker()
    await send({"type": "lifespan.startup.complete"})


async def typo(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.completed"})  # <- send


async def slow(scope, receive, send):
    await receive()
    await anyio.sleep(0.4)
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})
'''

FIXTURE_TESTS = """\
import pytest

from tests.api_support import REPO

import service


def test_clean(lifespan_check):
    report = lifespan_check(service.app, max_startup=5.0)
    assert report.state_keys == ("pool",)


def test_startup_fails(lifespan_check):
    lifespan_check(service.broken)


def test_hangs(lifespan_check):
    lifespan_check("service:hangs", startup_timeout=0.3)


def test_protocol_error(lifespan_check):
    lifespan_check(service.typo)


def test_over_budget(lifespan_check):
    lifespan_check(service.slow, max_startup=0.05)


@pytest.mark.asyncio
async def test_clean_under_pytest_asyncio(lifespan_check):
    report = await lifespan_check.acheck(service.app)
    assert report.environment.backend == "asyncio"


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_clean_under_anyio(lifespan_check, anyio_backend):
    report = await lifespan_check.acheck(service.app)
    assert report.environment.backend == anyio_backend


@pytest.mark.asyncio
async def test_sync_call_in_async_test(lifespan_check):
    lifespan_check(service.app)


def test_report_asserted_on_directly():
    from asgi_lifespan_check import check_sync

    assert check_sync(service.broken).passed
"""

PYPROJECT = """\
[tool.pytest.ini_options]
asyncio_mode = "strict"
asyncio_default_fixture_loop_scope = "function"
filterwarnings = ["error"]
lifespan_check = ["service:app", "service:broken", "service:slow"]
lifespan_check_max_startup = "0.2"
"""


def line_of(tag: str) -> int:
    """The line of service.py that ends with `# <- TAG`."""
    lines = SERVICE.splitlines()
    (found,) = [n for n, line in enumerate(lines, 1) if line.endswith(f"# <- {tag}")]
    return found


def section(output: str, title: str) -> str:
    """The failure section of pytest's output headed `____ TITLE ____`."""
    match = re.search(rf"^_+ {re.escape(title)} _+$\n(.*?)(?=^_{{3,}} |^=+ )", output, re.M | re.S)
    assert match is not None, f"no failure section {title!r} in:\n{output}"
    return match.group(1)


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A small project with the apps above and the plugin's settings in pyproject.toml."""
    pytester.makepyfile(service=SERVICE)
    pytester.makepyprojecttoml(PYPROJECT)
    return pytester


def test_the_fixture_passes_and_fails_with_the_report(project: pytest.Pytester) -> None:
    """The fixture passes clean apps under every runner and fails the rest with the report."""
    project.makepyfile(test_service=FIXTURE_TESTS)
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "-k", "not lifespan-check")
    result.assert_outcomes(passed=4, failed=6, deselected=3)
    output = result.stdout.str()
    assert not re.search(r"\b(Finding|Report|Frame|Phase)\(", output), "a raw dataclass repr"

    failed = section(output, "test_startup_fails")
    assert ">       lifespan_check(service.broken)" in failed
    assert (
        "E       asgi_lifespan_check.LifespanCheckFailed: lifespan check of service:broken "
        "failed: startup-failed, LC102 Startup failed (lifespan.startup.failed)"
    ) in failed
    assert (
        "E       LC102 error [startup] Startup failed (lifespan.startup.failed): the app " in failed
    )
    assert "ConnectionRefusedError: connection to db.internal:5432 refused" in failed
    assert f"E           at service.py:{line_of('raise')} in connect" in failed
    assert "lifespan_check = <lifespan_check fixture>" in failed

    hang = section(output, "test_hangs")
    assert "failed: startup-timeout, LC103 Startup timed out" in hang
    assert "startup did not finish within 0.3 s; it was waiting in wait_for_broker()" in hang
    assert "E           await chain (outermost first):" in hang
    assert f"E            *service.py:{line_of('hang')} in wait_for_broker" in hang
    assert "the cancellation was honoured" in hang

    typo = section(output, "test_protocol_error")
    assert "failed: protocol-error, LC301 Unknown message type" in typo
    assert "did you mean 'lifespan.startup.complete'?" in typo
    assert f"E           at service.py:{line_of('send')} in typo" in typo

    budget = section(output, "test_over_budget")
    assert re.search(
        r"lifespan check of service:slow failed: LC502 startup took \d+ ms, "
        r"over its budget of 50 ms by \d+ ms",
        budget,
    )
    assert "E       LC502 error [startup] Startup over budget" in budget

    misuse = section(output, "test_sync_call_in_async_test")
    assert (
        "asgi_lifespan_check.EventLoopRunning: lifespan_check(...) was called where an event "
        "loop is running (an async test): use `await lifespan_check.acheck(...)` there"
    ) in misuse

    direct = section(output, "test_report_asserted_on_directly")
    assert "where False = <Report service:broken FAILED startup-failed LC102>.passed" in direct


def test_the_option_adds_one_item_per_target(project: pytest.Pytester) -> None:
    """Targets from the ini key and --lifespan-check each become an item failing with the
    report alone: no traceback, the codes, the lines and the await chain of a hang."""
    project.makepyfile(test_other="def test_other():\n    pass\n")
    result = project.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-v",
        "--lifespan-check",
        "service:hangs",
        "--lifespan-check=service:typo",
        "--lifespan-check-timeout",
        "1",
    )
    result.assert_outcomes(passed=2, failed=4)
    result.stdout.fnmatch_lines(
        [
            "collecting ... collected 6 items",
            "lifespan-check?service:app? PASSED*",
            "lifespan-check?service:broken? FAILED*",
            "lifespan-check?service:slow? FAILED*",
            "lifespan-check?service:hangs? FAILED*",
            "lifespan-check?service:typo? FAILED*",
            "test_other.py::test_other PASSED*",
        ]
    )
    output = result.stdout.str()

    hang = section(output, "lifespan-check[service:hangs]")
    assert hang.startswith(
        "lifespan check of service:hangs failed: startup-timeout, LC103 Startup timed out\n"
    )
    assert "backend: asyncio · isolated" in hang
    assert "LC103 error [startup] Startup timed out: startup did not finish within 1 s" in hang
    assert "    await chain (outermost first):" in hang
    assert f"     *service.py:{line_of('hang')} in wait_for_broker" in hang
    assert "FAILED outcome=startup-timeout exit=4" in hang
    for name in ("service:hangs", "service:typo", "service:broken", "service:slow"):
        text = section(output, f"lifespan-check[{name}]")
        assert "Traceback" not in text
        assert not re.search(r"^E ", text, re.M), f"{name}: a traceback-style failure"

    typo = section(output, "lifespan-check[service:typo]")
    assert "LC301 error [startup] Unknown message type" in typo
    assert f"    at service.py:{line_of('send')} in typo" in typo

    broken = section(output, "lifespan-check[service:broken]")
    assert f"    at service.py:{line_of('raise')} in connect" in broken

    slow = section(output, "lifespan-check[service:slow]")
    assert re.match(
        r"lifespan check of service:slow failed: LC502 startup took \d+ ms, "
        r"over its budget of 200 ms by \d+ ms",
        slow,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--lifespan-check", "service"],
            "ERROR: --lifespan-check: target 'service' must be 'module:attribute'*",
        ),
        (
            ["--lifespan-check-max-startup", "soon"],
            "ERROR: --lifespan-check-max-startup: 'soon' is not a number of seconds >= 0",
        ),
        (
            ["--lifespan-check-timeout", "0"],
            "ERROR: --lifespan-check-timeout: '0' is not a number of seconds > 0",
        ),
        (
            ["--lifespan-check-max-total", "inf"],
            "ERROR: --lifespan-check-max-total: 'inf' is not a number of seconds >= 0",
        ),
        (
            ["--lifespan-check-app-dir", "/nonexistent"],
            "ERROR: --lifespan-check-app-dir: '/nonexistent' is not a directory",
        ),
    ],
)
def test_bad_settings_are_usage_errors(
    project: pytest.Pytester, args: list[str], message: str
) -> None:
    """A malformed target, timeout, budget or app directory stops pytest at once with a
    usage error naming the option and the value, instead of failing every item."""
    result = project.runpytest_subprocess("-p", "no:cacheprovider", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_importing_the_plugin_is_cheap() -> None:
    """Loading the plugin (in every pytest session) imports no async library, no checker."""
    code = (
        "import sys, pytest\n"
        "before = set(sys.modules)\n"
        "import asgi_lifespan_check.pytest_plugin\n"
        "print(' '.join(sorted(set(sys.modules) - before)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == [
        "asgi_lifespan_check",
        "asgi_lifespan_check._version",
        "asgi_lifespan_check.pytest_plugin",
    ]


README_APP = """\
from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app):
    yield {"db": "a pool"}


app = FastAPI(lifespan=lifespan)
"""


def readme_block(first_line: str) -> str:
    """The README's fenced code block that starts with FIRST_LINE, dedented."""
    text = (REPO / "README.md").read_text()
    for match in re.finditer(r"^( *)```\w*\n(.*?)^\1```$", text, re.M | re.S):
        indent, body = match.groups()
        lines = [line.removeprefix(indent) for line in body.splitlines()]
        if lines and lines[0] == first_line:
            return "\n".join(lines) + "\n"
    raise AssertionError(f"no README code block starts with {first_line!r}")


def test_the_readme_examples_run(pytester: pytest.Pytester) -> None:
    """The README's API test module and plugin settings pass as written, on a FastAPI app."""
    pytester.mkpydir("app")
    (pytester.path / "app" / "main.py").write_text(README_APP)
    tests = pytester.mkdir("tests")
    (tests / "test_lifespan.py").write_text(readme_block("# tests/test_lifespan.py"))
    settings = readme_block("[tool.pytest.ini_options]")
    pytester.makepyprojecttoml(
        settings + 'asyncio_default_fixture_loop_scope = "function"\nfilterwarnings = ["error"]\n'
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["lifespan-check?app.main:app? PASSED*"])
