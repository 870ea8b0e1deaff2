"""Driving the lifespan: what each way an app can fail its startup, run or shutdown reports."""

from __future__ import annotations

import json

import pytest

from tests.helpers import Run, assert_points_at, check, marker, phase, stack_has

STARTUP_TIMEOUT = ("--startup-timeout", "0.3")
SHUTDOWN_TIMEOUT = ("--shutdown-timeout", "0.3")


def assert_verdict(run: Run, outcome: str, exit_code: int, *, passed: bool = False) -> None:
    """The process exit status and the report's verdict agree with what is expected."""
    assert run.rc == exit_code, run.stdout[:2000]
    assert run.report["outcome"] == outcome
    assert run.report["exit_code"] == exit_code
    assert run.report["passed"] is passed


def message_types(run: Run) -> list[tuple[str, str]]:
    return [(m["direction"], m["type"]) for m in run.report["messages"]]


# A clean lifespan ---------------------------------------------------------------------


def test_clean_lifespan_passes_with_exit_0() -> None:
    """An app that answers startup and shutdown passes, with every phase ok."""
    run = check("ok:app")
    assert_verdict(run, "ok", 0, passed=True)
    assert run.report["findings"] == []
    assert [(p["name"], p["status"]) for p in run.report["phases"]] == [
        ("import", "ok"),
        ("startup", "ok"),
        ("shutdown", "ok"),
    ]
    assert message_types(run) == [
        ("receive", "lifespan.startup"),
        ("send", "lifespan.startup.complete"),
        ("receive", "lifespan.shutdown"),
        ("send", "lifespan.shutdown.complete"),
    ]


def test_state_keys_are_listed_but_never_their_values() -> None:
    """The keys the app put in scope["state"] are reported; their values are not."""
    run = check("ok:app")
    assert run.report["state_keys"] == ["db", "cache"]
    assert "never reported" not in json.dumps(run.report)


def test_scope_and_messages_follow_the_spec() -> None:
    """The app sees the spec's scope and gets lifespan.startup then lifespan.shutdown."""
    run = check("scope_check:app")
    assert_verdict(run, "ok", 0, passed=True)


# Startup ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "tag", "named"),
    [
        pytest.param(
            "startup_raises",
            "raise",
            "ConnectionError: postgres://db:5432 refused the connection",
            id="exception",
        ),
        pytest.param("startup_sys_exit", "exit", "SystemExit", id="systemexit"),
        pytest.param("startup_keyboard_interrupt", "interrupt", "KeyboardInterrupt", id="kbint"),
        pytest.param(
            "startup_cancelled",
            "cancel",
            "CancelledError: cancelled by the app itself",
            id="cancellederror",
        ),
    ],
)
def test_startup_raising_is_lc101_naming_the_exception(module: str, tag: str, named: str) -> None:
    """Whatever startup raises (SystemExit, KeyboardInterrupt, CancelledError too) is LC101."""
    run = check(f"{module}:app")
    assert_verdict(run, "startup-failed", 1)
    assert run.codes == ["LC101"]
    finding = run.finding("LC101")
    assert finding["severity"] == "error"
    assert finding["phase"] == "startup"
    assert named in finding["message"]
    assert_points_at(finding, module, tag)
    assert phase(run.report, "startup")["status"] == "failed"
    assert phase(run.report, "shutdown")["status"] == "skipped"


def test_sys_exit_status_is_reported() -> None:
    """sys.exit(3) in startup reports its exit status."""
    assert "3" in check("startup_sys_exit:app").finding("LC101")["message"]


def test_exception_group_names_every_exception_and_points_at_the_first() -> None:
    """Two tasks of a task group fail: the finding names both, not only the first."""
    run = check("raises_a_group:app")
    finding = run.finding("LC101")
    assert "ValueError: bad database url" in finding["message"]
    assert "KeyError: 'cache'" in finding["message"]
    assert finding["details"]["exception"]["group_size"] == 2
    assert_points_at(finding, "raises_a_group", "first")


def test_timeout_scope_that_expires_names_what_it_was_awaiting() -> None:
    """A TimeoutError from asyncio.timeout() is raised at the `async with`; the finding
    also names the call that was still awaiting when the deadline passed."""
    run = check("times_out_waiting:app")
    finding = run.finding("LC101")
    awaits = marker("times_out_waiting", "awaits")
    assert f"awaited in connect_broker() at times_out_waiting.py:{awaits}" in finding["message"]
    assert_points_at(finding, "times_out_waiting", "deadline")


def test_startup_exception_stack_goes_through_the_caller() -> None:
    """The LC101 stack holds both the raising line and the user's line that called it."""
    finding = check("startup_raises:app").finding("LC101")
    assert stack_has(finding, "startup_raises", "raise")
    assert stack_has(finding, "startup_raises", "call")
    assert finding["location"]["function"] == "connect"


def test_startup_failed_is_lc102_with_the_message_verbatim() -> None:
    """lifespan.startup.failed is LC102 and shows the app's message exactly as sent."""
    run = check("startup_failed_message:app")
    assert_verdict(run, "startup-failed", 1)
    finding = run.finding("LC102")
    assert run.codes == ["LC102"]
    sent = """Could not connect to "postgres://db:5432": the server isn't running"""
    assert sent in finding["message"]
    assert_points_at(finding, "startup_failed_message", "send")
    assert ("send", "lifespan.startup.failed") in message_types(run)


def test_startup_hang_is_lc103_at_the_users_await() -> None:
    """A startup past --startup-timeout is LC103 at the await where the app waits."""
    run = check("startup_hang:app", *STARTUP_TIMEOUT)
    assert_verdict(run, "startup-timeout", 4)
    finding = run.finding("LC103")
    assert_points_at(finding, "startup_hang", "hang")
    assert finding["location"]["function"] == "wait_for_broker"
    assert "0.3 s" in finding["message"]
    assert "cancellation was honoured" in finding["message"]
    startup = phase(run.report, "startup")
    assert startup["status"] == "timeout"
    assert startup["duration_s"] == pytest.approx(0.3, abs=0.01)  # it ends at the deadline
    assert phase(run.report, "shutdown")["status"] == "skipped"


def test_startup_hang_reports_the_whole_await_chain() -> None:
    """The LC103 stack runs from the app through the helper down to the awaited line."""
    finding = check("startup_hang:app", *STARTUP_TIMEOUT).finding("LC103")
    functions = [frame["function"] for frame in finding["stack"]]
    assert "app" in functions
    assert "wait_for_broker" in functions
    assert functions.index("app") < functions.index("wait_for_broker")
    assert stack_has(finding, "startup_hang", "hang")


def test_startup_hang_that_swallows_cancellation_says_so() -> None:
    """An app that ignores the cancellation after LC103 is reported as such, and the run ends."""
    run = check("startup_hang_swallows:app", *STARTUP_TIMEOUT)
    assert_verdict(run, "startup-timeout", 4)
    finding = run.finding("LC103")
    assert_points_at(finding, "startup_hang_swallows", "hang")
    assert "ignored the cancellation" in finding["message"]
    assert "honoured" not in finding["message"]


def test_startup_without_an_answer_is_lc105() -> None:
    """Returning after lifespan.startup without answering it is LC105, a protocol error."""
    run = check("startup_no_answer:app")
    assert_verdict(run, "protocol-error", 1)
    assert run.codes == ["LC105"]
    assert run.finding("LC105")["phase"] == "startup"
    assert message_types(run) == [("receive", "lifespan.startup")]


def test_raising_before_receive_is_lc106_warning_in_auto_mode() -> None:
    """An app that raises before its first receive() is LC106, a warning that still passes."""
    run = check("lifespan_unsupported:app")
    assert_verdict(run, "unsupported", 0, passed=True)
    finding = run.finding("LC106")
    assert finding["severity"] == "warning"
    assert "ValueError: unsupported scope type 'lifespan'" in finding["message"]
    assert_points_at(finding, "lifespan_unsupported", "raise")
    assert "LC101" not in run.codes


def test_raising_before_receive_is_an_error_with_lifespan_on() -> None:
    """With --lifespan on, an app without lifespan support fails the check with exit 1."""
    run = check("lifespan_unsupported:app", "--lifespan", "on")
    assert_verdict(run, "unsupported", 1)
    assert run.finding("LC106")["severity"] == "error"


def test_returning_without_a_word_is_lc107_warning() -> None:
    """An app that returns without receiving or sending is LC107, a warning."""
    run = check("lifespan_ignored:app")
    assert_verdict(run, "unsupported", 0, passed=True)
    assert run.finding("LC107")["severity"] == "warning"
    assert run.report["messages"] == []


def test_ignoring_lifespan_fails_with_lifespan_on() -> None:
    """With --lifespan on, an app that ignores the lifespan scope fails with exit 1."""
    run = check("lifespan_ignored:app", "--lifespan", "on")
    assert_verdict(run, "unsupported", 1)
    assert run.finding("LC107")["severity"] == "error"


# Running ------------------------------------------------------------------------------


def test_lifespan_dying_while_held_is_lc109_at_the_users_line() -> None:
    """A lifespan that raises during --hold is LC109 in the running phase, at the raise."""
    run = check("dies_while_running:app", "--hold", "0.5")
    assert_verdict(run, "running-failed", 1)
    finding = run.finding("LC109")
    assert finding["phase"] == "running"
    assert "RuntimeError: background consumer died" in finding["message"]
    assert_points_at(finding, "dies_while_running", "die")
    assert phase(run.report, "startup")["status"] == "ok"
    assert phase(run.report, "running")["status"] == "failed"
    assert phase(run.report, "shutdown")["status"] == "skipped"


@pytest.mark.parametrize("isolation", ["--isolate", "--no-isolate"])
def test_framework_lifespan_dying_while_serving_is_lc109_not_a_protocol_error(
    isolation: str,
) -> None:
    """Starlette reports a lifespan that dies while serving by sending
    lifespan.shutdown.failed before any lifespan.shutdown: that is the app dying (LC109,
    with the exception and the user's line), not a protocol mistake of the user's."""
    run = check("fw_fastapi_dies_while_serving:app", "--hold", "1", isolation)
    assert_verdict(run, "running-failed", 1)
    assert run.codes == ["LC109"]
    finding = run.finding("LC109")
    assert finding["phase"] == "running"
    assert "ConnectionResetError: broker closed the connection" in finding["message"]
    assert "lifespan.shutdown.failed" in finding["message"]
    assert_points_at(finding, "fw_fastapi_dies_while_serving", "die")
    assert phase(run.report, "running")["status"] == "failed"
    assert phase(run.report, "shutdown")["status"] == "skipped"
    assert [row["behaviour"] for row in run.report["server_outlook"]] == ["dies-while-running"]


def test_failure_reported_while_running_is_lc109_and_the_app_is_stopped() -> None:
    """An app that sends lifespan.shutdown.failed while it runs and carries on waiting has
    still declared its lifespan failed: LC109 with its message, and it is cancelled."""
    run = check("reports_failure_while_running:app", "--hold", "1")
    assert_verdict(run, "running-failed", 1)
    assert run.codes == ["LC109"]
    finding = run.finding("LC109")
    assert "lost the database" in finding["message"]
    assert_points_at(finding, "reports_failure_while_running", "send")
    assert phase(run.report, "shutdown")["status"] == "skipped"


def test_lifespan_returning_while_held_points_at_its_last_receive() -> None:
    """A lifespan that stops waiting for lifespan.shutdown and returns: LC109 points at
    the receive() it gave up on."""
    run = check("gives_up_waiting:app", "--hold", "0.5")
    assert_verdict(run, "running-failed", 1)
    finding = run.finding("LC109")
    assert "returned" in finding["message"]
    assert_points_at(finding, "gives_up_waiting", "waits")


def test_lifespan_returning_after_startup_is_lc109_without_hold() -> None:
    """A lifespan that returns right after startup.complete is LC109 even without --hold."""
    run = check("returns_after_startup:app")
    assert_verdict(run, "running-failed", 1)
    assert run.codes == ["LC109"]
    assert phase(run.report, "startup")["status"] == "ok"
    assert phase(run.report, "shutdown")["status"] == "skipped"
    assert ("receive", "lifespan.shutdown") not in message_types(run)


def test_hold_keeps_the_app_running_before_shutdown() -> None:
    """--hold adds a timed running phase between startup and shutdown."""
    run = check("ok:app", "--hold", "0.2")
    assert_verdict(run, "ok", 0, passed=True)
    assert [p["name"] for p in run.report["phases"]] == ["import", "startup", "running", "shutdown"]
    running = phase(run.report, "running")
    assert running["status"] == "ok"
    assert 0.2 <= running["duration_s"] < 0.5


# Shutdown -----------------------------------------------------------------------------


def test_shutdown_raising_is_lc201_at_the_users_line() -> None:
    """Shutdown raising is LC201 with the exception and the deepest user frame."""
    run = check("shutdown_raises:app")
    assert_verdict(run, "shutdown-failed", 1)
    finding = run.finding("LC201")
    assert "OSError: cannot flush 3 records: disk full" in finding["message"]
    assert_points_at(finding, "shutdown_raises", "raise")
    assert phase(run.report, "startup")["status"] == "ok"
    assert phase(run.report, "shutdown")["status"] == "failed"


def test_shutdown_failed_is_lc202_with_the_message() -> None:
    """lifespan.shutdown.failed is LC202 and shows the app's message."""
    run = check("shutdown_failed_message:app")
    assert_verdict(run, "shutdown-failed", 1)
    finding = run.finding("LC202")
    assert "3 jobs were lost while draining" in finding["message"]
    assert_points_at(finding, "shutdown_failed_message", "send")


def test_shutdown_hang_is_lc203_at_the_users_await() -> None:
    """A shutdown past --shutdown-timeout is LC203 at the await, with the cancellation result."""
    run = check("shutdown_hang:app", *SHUTDOWN_TIMEOUT)
    assert_verdict(run, "shutdown-timeout", 4)
    finding = run.finding("LC203")
    assert_points_at(finding, "shutdown_hang", "hang")
    assert finding["location"]["function"] == "drain"
    assert "cancellation was honoured" in finding["message"]
    assert phase(run.report, "startup")["status"] == "ok"
    shutdown = phase(run.report, "shutdown")
    assert shutdown["status"] == "timeout"
    assert shutdown["duration_s"] == pytest.approx(0.3, abs=0.01)


def test_shutdown_without_an_answer_is_lc205() -> None:
    """Returning after lifespan.shutdown without answering it is LC205, a protocol error."""
    run = check("shutdown_no_answer:app")
    assert_verdict(run, "protocol-error", 1)
    assert run.codes == ["LC205"]
    assert run.finding("LC205")["phase"] == "shutdown"


def test_running_on_after_shutdown_complete_is_lc206_warning() -> None:
    """Still running after shutdown.complete is LC206, a warning pointing at where it waits."""
    run = check("shutdown_lingers:app")
    assert_verdict(run, "ok", 0, passed=True)
    finding = run.finding("LC206")
    assert finding["severity"] == "warning"
    assert_points_at(finding, "shutdown_lingers", "linger")
    assert phase(run.report, "shutdown")["status"] == "ok"


def test_exception_whose_str_raises_is_still_reported() -> None:
    """An exception that cannot be printed is named and located, not a crash of the tool."""
    run = check("hostile_texts:unprintable")
    assert run.rc == 1
    finding = run.finding("LC101")
    assert "<unprintable Unprintable object>" in finding["message"]
    assert_points_at(finding, "hostile_texts", "raises")


@pytest.mark.parametrize("attr", ["huge_failed_message", "huge_exception"])
def test_enormous_texts_are_clipped_in_the_report(attr: str) -> None:
    """A 10 MB message or exception text is cut to a readable size, everywhere in the
    report, and writing it does not pass for a blocked event loop."""
    run = check(f"hostile_texts:{attr}")
    assert run.rc == 1
    assert len(run.stdout) < 200_000
    assert "more characters" in run.stdout
    assert "LC104" not in run.codes


@pytest.mark.parametrize("isolation", ["--isolate", "--no-isolate"])
def test_app_stopping_the_event_loop_is_a_finding_not_an_internal_error(isolation: str) -> None:
    """loop.stop() from the app ends a server's asyncio.run(); the check carries on to
    the end and reports the call at the user's line (LC111), as an error."""
    run = check("stops_the_loop:app", isolation)
    assert_verdict(run, "startup-failed", 1)
    assert run.codes == ["LC111"]
    finding = run.finding("LC111")
    assert finding["phase"] == "startup"
    assert_points_at(finding, "stops_the_loop", "stop")
    assert phase(run.report, "shutdown")["status"] == "ok"


def test_startup_answer_lost_on_the_way_says_the_app_is_waiting_for_the_next_message() -> None:
    """A send wrapper that drops lifespan.* messages: the app has answered and waits in
    receive() for lifespan.shutdown. The hang says so, instead of sending the user
    looking for a slow call."""
    run = check("fw_middleware_drops_lifespan_answers:app", "--startup-timeout", "0.5")
    assert_verdict(run, "startup-timeout", 4)
    finding = run.finding("LC103")
    assert "in receive(), waiting for the next message" in finding["message"]
    assert "send wrapper" in finding["hint"]
    assert_points_at(finding, "fw_middleware_drops_lifespan_answers", "wrap")
