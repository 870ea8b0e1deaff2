"""assert_lifespan_ok: the failure text, budgets in the report, and short reprs."""

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
    """A report that passed, budgets included, raises nothing."""
    report = check_sync(app("api_slow"), max_startup=30.0, max_shutdown=30.0, max_total=60.0)
    assert report.budgets == {"startup": 30.0, "shutdown": 30.0, "total": 60.0}
    assert_lifespan_ok(report)


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
    """A startup slower than max_startup is LC502 in the report, and the reason to fail."""
    report = check_sync(app("api_slow"), max_startup=0.01)
    assert not report.passed
    assert report.codes() == ["LC502"]
    with pytest.raises(LifespanCheckFailed) as raised:
        assert_lifespan_ok(report)
    (problem,) = raised.value.problems
    assert re.fullmatch(
        r"LC502 startup took \d+ ms, over its budget of 10 ms by \d+ ms \(\+\d+ %\)", problem
    )
    assert "LC502 error [startup] Startup over budget" in str(raised.value)


def test_max_total_counts_every_phase_but_hold() -> None:
    """max_total covers startup and shutdown (no import for an object), not the hold."""
    report = check_sync(app("api_slow"), hold=0.8, max_total=0.05)
    assert report.codes() == ["LC504"]
    assert report.figures["total"] < 0.8  # the 0.8 s hold is not in it
    assert check_sync(app("api_slow"), hold=0.8, max_total=0.7).passed


def test_strict_warnings_fail() -> None:
    """With strict=True, a report with only warnings fails and names their codes."""
    report = check_sync(app("api_leaky"), strict=True)
    with pytest.raises(LifespanCheckFailed) as raised:
        assert_lifespan_ok(report)
    assert raised.value.problems == ("warnings with strict=True: LC401",)


@pytest.mark.parametrize("value", [-1, "2", True, float("nan")])
def test_bad_budgets_are_usage_errors(value: object) -> None:
    """A budget that is not a number of seconds >= 0 is a UsageError naming it."""
    with pytest.raises(UsageError, match="max_startup must be a number of seconds >= 0"):
        check_sync(app("api_ok"), max_startup=value)  # type: ignore[arg-type]


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
