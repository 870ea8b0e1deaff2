"""The public JSON report: its schema, its phases and timings, its message timeline."""

from __future__ import annotations

import platform

import pytest

from asgi_lifespan_check import __version__
from tests.helpers import check, phase

TOP_LEVEL_KEYS = {
    "schema",
    "tool",
    "target",
    "passed",
    "outcome",
    "exit_code",
    "interface",
    "environment",
    "phases",
    "findings",
    "messages",
    "state_keys",
    "output",
}
FINDING_KEYS = {"code", "severity", "phase", "title", "message", "location", "stack"}
FRAME_KEYS = {"file", "line", "function"}


def test_report_has_the_documented_schema() -> None:
    """The report carries every documented key with the documented values for a run."""
    report = check("ok:app").report
    assert report.keys() >= TOP_LEVEL_KEYS
    assert report["schema"] == "lifespan-check/1"
    assert report["tool"] == {"name": "lifespan-check", "version": __version__}
    assert report["target"] == "ok:app"
    assert report["interface"] == "asgi3"
    env = report["environment"]
    assert env["python"] == platform.python_version()
    assert env["platform"] == "linux"
    assert env["backend"] == "asyncio"


def test_findings_and_frames_have_the_documented_keys() -> None:
    """A finding has code, severity, phase, title, message, location and stack frames."""
    finding = check("startup_raises:app").finding("LC101")
    assert finding.keys() >= FINDING_KEYS
    assert finding["title"] == "Startup raised an exception"
    assert finding["location"].keys() >= FRAME_KEYS
    assert finding["stack"]
    for frame in finding["stack"]:
        assert frame.keys() >= FRAME_KEYS
        assert isinstance(frame["line"], int)


def test_every_phase_has_a_status_and_a_duration() -> None:
    """Phases come in order, each with a status and a duration (None only when skipped)."""
    report = check("startup_raises:app").report
    assert [p["name"] for p in report["phases"]] == ["import", "startup", "shutdown"]
    for entry in report["phases"]:
        assert entry["status"] in {"ok", "failed", "timeout", "skipped"}
        if entry["status"] == "skipped":
            assert entry["duration_s"] is None
        else:
            assert isinstance(entry["duration_s"], float)
            assert entry["duration_s"] >= 0


def test_phase_durations_are_accurate() -> None:
    """A startup that awaits 0.3 s is timed at 0.3-0.35 s, a 0.1 s shutdown at 0.1-0.15 s."""
    report = check("timed:app").report
    startup = phase(report, "startup")
    shutdown = phase(report, "shutdown")
    assert startup["status"] == "ok"
    assert 0.3 <= startup["duration_s"] <= 0.35
    assert shutdown["status"] == "ok"
    assert 0.1 <= shutdown["duration_s"] <= 0.15


def test_messages_are_stamped_in_order_with_their_direction() -> None:
    """Every message has t_s and direction; stamps grow and match the phase durations."""
    messages = check("timed:app").report["messages"]
    assert [(m["direction"], m["type"]) for m in messages] == [
        ("receive", "lifespan.startup"),
        ("send", "lifespan.startup.complete"),
        ("receive", "lifespan.shutdown"),
        ("send", "lifespan.shutdown.complete"),
    ]
    stamps = [m["t_s"] for m in messages]
    assert all(isinstance(t, float) for t in stamps)
    assert stamps == sorted(stamps)
    assert 0.3 <= stamps[1] - stamps[0] <= 0.35
    assert 0.1 <= stamps[3] - stamps[2] <= 0.15


@pytest.mark.parametrize(
    ("target", "args", "outcome", "exit_code"),
    [
        pytest.param("ok:app", (), "ok", 0, id="ok"),
        pytest.param("no_such_module:app", (), "load-failed", 3, id="load-failed"),
        pytest.param("startup_raises:app", (), "startup-failed", 1, id="startup-failed"),
        pytest.param(
            "startup_hang:app",
            ("--startup-timeout", "0.3"),
            "startup-timeout",
            4,
            id="startup-timeout",
        ),
        pytest.param("protocol_typo:app", (), "protocol-error", 1, id="protocol-error"),
        pytest.param("shutdown_raises:app", (), "shutdown-failed", 1, id="shutdown-failed"),
    ],
)
def test_outcome_and_exit_code_match_the_process_status(
    target: str, args: tuple[str, ...], outcome: str, exit_code: int
) -> None:
    """The report's outcome and exit_code follow the documented table and equal the status."""
    run = check(target, *args)
    assert run.report["outcome"] == outcome
    assert run.report["exit_code"] == exit_code
    assert run.rc == exit_code
    assert run.report["passed"] is (exit_code == 0)


def test_first_failure_in_time_decides_the_outcome() -> None:
    """A startup that raised decides the outcome even though later phases were skipped."""
    report = check("dies_while_running:app", "--hold", "0.5").report
    assert report["outcome"] == "running-failed"
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert [f["code"] for f in errors] == ["LC109"]
