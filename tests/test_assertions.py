"""assert_lifespan_ok: the failure text, time budgets, and reprs fit for assertion output."""

from __future__ import annotations

import pickle
import re

import pytest

from asgi_lifespan_check import (
    LifespanCheckFailed,
    UsageError,
    assert_lifespan_ok,
    check_sync,
)
from tests.api_support import app, marker


def test_a_clean_report_passes() -> None:
    """A passing report within its budgets raises nothing."""
    report = check_sync(app("api_slow"))
    assert_lifespan_ok(report, max_startup=30.0, max_shutdown=30.0, max_total=60.0)


def test_a_failed_report_raises_the_plain_text_report() -> None:
    """The exception is an AssertionError whose text is a headline and the report."""
    report = check_sync(app("api_startup_fails"))
    with pytest.raises(LifespanCheckFailed) as raised:
        assert_lifespan_ok(report)
    assert isinstance(raised.value, AssertionError)
    text = str(raised.value)
    lines = text.splitlines()
    assert lines[0] == (
        "lifespan check of api_startup_fails:app failed: "
        "startup-failed, LC102 Startup failed (lifespan.startup.failed)"
    )
    assert lines[2] == "lifespan-check api_startup_fails:app"
    assert "LC102 error [startup] Startup failed" in text
    assert f"api_startup_fails.py:{marker('api_startup_fails', 'raise')} in connect" in text
    assert lines[-1].startswith("FAILED outcome=startup-failed exit=1")
    assert raised.value.report is report
    assert raised.value.problems == (
        "startup-failed, LC102 Startup failed (lifespan.startup.failed)",
    )


def test_a_startup_over_budget_fails() -> None:
    """A startup slower than max_startup fails, saying by how much."""
    report = check_sync(app("api_slow"))
    assert report.passed
    with pytest.raises(LifespanCheckFailed) as raised:
        assert_lifespan_ok(report, max_startup=0.01)
    (problem,) = raised.value.problems
    assert re.fullmatch(r"startup took \d+\.\d\d s, over max_startup=0\.01 s", problem)


def test_max_total_counts_every_phase_but_hold() -> None:
    """max_total covers startup and shutdown but not the hold the caller asked for."""
    report = check_sync(app("api_slow"), hold=0.8)
    with pytest.raises(
        LifespanCheckFailed, match=r"total took \d+\.\d\d s, over max_total=0\.05 s"
    ):
        assert_lifespan_ok(report, max_total=0.05)
    assert_lifespan_ok(report, max_total=0.7)  # a 0.1 s startup; the 0.8 s hold is free


def test_strict_warnings_fail() -> None:
    """With strict=True, a report with only warnings fails and names their codes."""
    report = check_sync(app("api_leaky"), strict=True)
    with pytest.raises(LifespanCheckFailed) as raised:
        assert_lifespan_ok(report)
    assert raised.value.problems == ("warnings with strict=True: LC401",)


@pytest.mark.parametrize("value", [-1, "2", True, float("nan")])
def test_bad_budgets_are_usage_errors(value: object) -> None:
    """A budget that is not a number of seconds >= 0 is a UsageError naming it."""
    report = check_sync(app("api_ok"))
    with pytest.raises(UsageError, match="max_startup must be a number of seconds >= 0"):
        assert_lifespan_ok(report, max_startup=value)  # type: ignore[arg-type]


def test_the_failure_survives_pickling() -> None:
    """LifespanCheckFailed pickles with its report and problems (for parallel runners)."""
    report = check_sync(app("api_typo"))
    with pytest.raises(LifespanCheckFailed) as raised:
        assert_lifespan_ok(report)
    copy = pickle.loads(pickle.dumps(raised.value))
    assert str(copy) == str(raised.value)
    assert copy.report == report


def test_reprs_are_one_short_line() -> None:
    """Report and Finding reprs (shown by pytest's assertion rewriting) are one line."""
    report = check_sync(app("api_startup_fails"))
    assert repr(report) == "<Report api_startup_fails:app FAILED startup-failed LC102>"
    line = marker("api_startup_fails", "raise")
    assert repr(report.findings[0]).startswith("<Finding LC102 error startup at ")
    assert repr(report.findings[0]).endswith(
        f"api_startup_fails.py:{line}: Startup failed (lifespan.startup.failed)>"
    )
    assert repr(check_sync(app("api_ok"))) == "<Report api_ok:app passed ok>"
