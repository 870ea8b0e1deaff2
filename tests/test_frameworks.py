"""Real frameworks as targets: FastAPI, Starlette, Litestar and Quart, passing and failing."""

from __future__ import annotations

import pytest

from tests.helpers import assert_points_at, check, marker, phase


@pytest.mark.parametrize(
    ("module", "state_keys"),
    [
        pytest.param("fastapi_ok", ["pool"], id="fastapi"),
        pytest.param("starlette_ok", ["settings"], id="starlette"),
        pytest.param("litestar_ok", [], id="litestar"),
        pytest.param("quart_ok", [], id="quart"),
    ],
)
def test_framework_app_with_a_clean_lifespan_passes(module: str, state_keys: list[str]) -> None:
    """A framework app whose startup and shutdown work passes with no findings."""
    run = check(f"{module}:app")
    assert run.rc == 0
    assert run.report["outcome"] == "ok"
    assert run.report["passed"] is True
    assert run.report["interface"] == "asgi3"
    assert run.codes == []
    assert phase(run.report, "startup")["status"] == "ok"
    assert phase(run.report, "shutdown")["status"] == "ok"
    assert run.report["state_keys"] == state_keys


FAILING = [
    pytest.param("fastapi_lifespan_raises", "ConnectionRefusedError", id="fastapi-lifespan"),
    pytest.param("fastapi_on_event_raises", "pool size must be positive", id="fastapi-on-event"),
    pytest.param("starlette_lifespan_raises", "ConnectionRefusedError", id="starlette-lifespan"),
    pytest.param("litestar_startup_raises", "litestar pool failed to open", id="litestar"),
    pytest.param("quart_before_serving_raises", "quart pool failed to open", id="quart"),
]


@pytest.mark.parametrize(("module", "named"), FAILING)
def test_framework_startup_failure_is_one_finding(module: str, named: str) -> None:
    """A framework reporting a failed startup gives one startup-failed finding naming the error."""
    run = check(f"{module}:app")
    assert run.rc == 1
    assert run.report["outcome"] == "startup-failed"
    assert run.codes == ["LC102"]
    finding = run.finding("LC102")
    assert named in finding["message"]
    assert phase(run.report, "startup")["status"] == "failed"
    assert phase(run.report, "shutdown")["status"] == "skipped"


@pytest.mark.parametrize(("module", "named"), FAILING)
def test_framework_startup_failure_points_at_the_users_line(module: str, named: str) -> None:
    """The finding points at the line in the user's code that raised, not the framework's."""
    run = check(f"{module}:app")
    assert_points_at(run.finding("LC102"), module, "raise")


@pytest.mark.parametrize(("module", "named"), FAILING)
def test_framework_failure_headline_is_the_exception(module: str, named: str) -> None:
    """The finding's first line names the exception, not a line of traceback decoration."""
    headline = check(f"{module}:app").finding("LC102")["message"].splitlines()[0]
    assert named in headline
    assert "Traceback" not in headline
    assert "+---" not in headline


@pytest.mark.parametrize(
    ("module", "code", "advice"),
    [
        pytest.param(
            "fw_lifespan_not_a_context_manager", "LC102", "asynccontextmanager", id="no-decorator"
        ),
        pytest.param("fw_lifespan_yields_twice", "LC202", "exactly once", id="yields-twice"),
    ],
)
def test_broken_lifespan_contract_points_at_the_lifespan_with_advice(
    module: str, code: str, advice: str
) -> None:
    """A lifespan that breaks the context-manager contract fails inside the framework, with
    no line of the user's in the traceback: the finding points at the lifespan function
    and says what the contract is."""
    run = check(f"{module}:app")
    assert run.rc == 1
    finding = run.finding(code)
    assert_points_at(finding, module, "handler")
    assert advice in finding["hint"]


def test_framework_reporting_an_exception_group_names_every_failure() -> None:
    """FastAPI sends the group's traceback: the finding names both failures, each with
    its line, and points at the first; nothing reads as one exception handling another."""
    run = check("fw_fastapi_task_group_fails:app")
    finding = run.finding("LC102")
    second = marker("fw_fastapi_task_group_fails", "second")
    assert "ConnectionRefusedError: database refused" in finding["message"]
    assert (
        f"TimeoutError: cache timed out at fw_fastapi_task_group_fails.py:{second}"
        in (finding["message"])
    )
    assert "while handling" not in finding["message"]
    assert_points_at(finding, "fw_fastapi_task_group_fails", "first")
