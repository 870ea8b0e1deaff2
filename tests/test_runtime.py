"""Both async backends: the same apps give the same verdicts on asyncio and on trio."""

from __future__ import annotations

import pytest

from tests.helpers import assert_points_at, check, phase

BACKENDS = ["asyncio", "trio"]

CASES = [
    pytest.param("ok:app", (), "ok", 0, None, id="ok"),
    pytest.param("startup_raises:app", (), "startup-failed", 1, ("LC101", "raise"), id="raise"),
    pytest.param(
        "startup_hang:app",
        ("--startup-timeout", "0.3"),
        "startup-timeout",
        4,
        ("LC103", "hang"),
        id="hang",
    ),
    pytest.param(
        "shutdown_hang:app",
        ("--shutdown-timeout", "0.3"),
        "shutdown-timeout",
        4,
        ("LC203", "hang"),
        id="shutdown-hang",
    ),
    pytest.param("protocol_typo:app", (), "protocol-error", 1, ("LC301", "send"), id="protocol"),
    pytest.param(
        "starlette_lifespan_raises:app",
        (),
        "startup-failed",
        1,
        ("LC102", "raise"),
        id="starlette-raise",
    ),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("target", "args", "outcome", "exit_code", "expected"), CASES)
def test_verdict_is_the_same_on_each_backend(
    backend: str,
    target: str,
    args: tuple[str, ...],
    outcome: str,
    exit_code: int,
    expected: tuple[str, str] | None,
) -> None:
    """The outcome, exit code, finding and its location do not depend on the backend."""
    run = check(target, "--backend", backend, *args)
    assert run.report["environment"]["backend"] == backend
    assert run.report["outcome"] == outcome
    assert run.rc == exit_code
    if expected is None:
        assert run.codes == []
        assert phase(run.report, "shutdown")["status"] == "ok"
    else:
        code, tag = expected
        assert run.codes == [code]
        assert_points_at(run.finding(code), target.partition(":")[0], tag)


@pytest.mark.parametrize("backend", BACKENDS)
def test_hang_message_says_the_cancellation_was_honoured(backend: str) -> None:
    """On each backend the timed-out startup is cancelled and the report says it worked."""
    finding = check("startup_hang:app", "--backend", backend, "--startup-timeout", "0.3").finding(
        "LC103"
    )
    assert "cancellation was honoured" in finding["message"]
