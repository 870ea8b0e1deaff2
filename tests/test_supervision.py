"""The supervisor survives whatever the app does: GIL hangs, floods, closed descriptors,
ignored signals, daemonized grandchildren, hanging exits and Ctrl+C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import (
    APPS,
    BIN,
    REPO,
    Run,
    assert_points_at,
    clean_env,
    parse_report,
    phase,
    run_cli,
    survivors,
)


def run_app(target: str, *args: str, token: str | None = None) -> Run:
    env = {"LC_TEST_RUN": token} if token else None
    return run_cli(["--app-dir", str(APPS), *args, target], env=env)


def test_child_holding_the_gil_is_dumped_and_killed(run_token: str) -> None:
    """A C call that never releases the GIL is still reported as a hang, with its line."""
    run = run_app("holds_gil:app", "--startup-timeout", "0.5", token=run_token)
    assert run.rc == 4
    assert run.report["outcome"] == "startup-timeout"
    finding = run.finding("LC103")
    assert "stopped responding" in finding["message"]
    assert_points_at(finding, "holds_gil", "gil")
    assert phase(run.report, "startup")["status"] == "timeout"
    assert phase(run.report, "shutdown")["status"] == "skipped"
    # faulthandler's dump, requested with SIGUSR1, is where the location came from.
    assert "holds_gil.py" in finding["details"]["dump"]
    assert run.wall_s < 10  # far from the 30 s the call would take
    assert survivors(run_token) == []


def test_app_closing_the_tools_pipes_is_named_as_such(run_token: str) -> None:
    """os.closerange() in the app closes the child's event pipe too: the check cannot go
    on, and the report says why instead of "exited with status 0"."""
    run = run_app("closes_every_descriptor:app", token=run_token)
    assert run.rc == 5
    finding = run.finding("LC602")
    assert finding["phase"] == "startup"
    assert "closed lifespan-check's event pipe" in finding["message"]
    assert "os.closerange" in finding["message"]
    assert survivors(run_token) == []


def test_fifty_megabytes_of_stdout_keep_the_json_clean() -> None:
    """An app that floods stdout leaves stdout one JSON document and the tail in the report."""
    run = run_app("floods_stdout:app")
    assert run.rc == 0
    output = run.report["output"]
    assert output["stdout_bytes"] == 50 * 1024 * 1024 + len("last line of the flood\n")
    assert output["stdout"].endswith("last line of the flood\n")
    assert len(output["stdout"]) <= 64 * 1024


def test_app_closing_its_stdout_and_stderr_is_harmless() -> None:
    """Closing its own descriptors does not disturb the check or its report."""
    run = run_app("closes_stdout:app")
    assert run.rc == 0
    assert run.report["outcome"] == "ok"
    assert run.report["output"]["stdout"] == "said before closing\n"


def test_app_ignoring_sigterm_and_sigint_is_still_ended(run_token: str) -> None:
    """Signal handlers the app installs do not keep it alive past the deadline."""
    run = run_app("own_signal_handlers:app", "--startup-timeout", "0.5", token=run_token)
    assert run.rc == 4
    finding = run.finding("LC104")
    assert_points_at(finding, "own_signal_handlers", "block")
    assert run.wall_s < 10
    assert survivors(run_token) == []


def test_daemonized_grandchild_does_not_survive(run_token: str) -> None:
    """A grandchild that left the process group with setsid() is killed with the check."""
    run = run_app("daemonizes:app", token=run_token)
    assert run.rc == 0
    assert "daemon pid" in run.report["output"]["stdout"]
    assert survivors(run_token) == []


def test_atexit_hook_that_hangs_is_lc408_and_killed(run_token: str) -> None:
    """An interpreter kept alive by an atexit hook is named (LC408) and killed."""
    run = run_app("atexit_hangs:app", token=run_token)
    assert run.rc == 0  # a warning
    finding = run.finding("LC408")
    assert "atexit" in finding["message"]
    assert_points_at(finding, "atexit_hangs", "atexit")
    assert run.wall_s < 10
    assert survivors(run_token) == []


def test_leaked_thread_is_named_as_what_keeps_the_interpreter_alive() -> None:
    """LC408 names the app's non-daemon thread, never the tool's own threads."""
    run = run_app("leak_thread:app")
    assert {"LC402", "LC408"} <= set(run.codes)
    finding = run.finding("LC408")
    assert "config-poller" in finding["message"]
    names = [t["name"] for t in finding["details"]["threads"]]
    assert not [n for n in names if n.startswith("lifespan-check-")]


def start_and_interrupt(
    target: str, tmp_path: Path, presses: int, *args: str, sig: int = signal.SIGINT
) -> Run:
    """Start the real CLI, wait until the app says it is hanging, press Ctrl+C (or send
    `sig`) `presses` times."""
    ready = tmp_path / "ready"
    env = clean_env({"LC_READY_FILE": str(ready), "LC_TEST_RUN": tmp_path.name})
    proc = subprocess.Popen(
        [str(BIN), "--format", "json", "--app-dir", str(APPS), *args, target],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while not ready.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the app never reached its hang"
        time.sleep(0.02)
    start = time.monotonic()
    for press in range(presses):
        if press:
            time.sleep(0.1)
        proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=20)
    assert stdout, f"exit status {proc.returncode}, stderr: {stderr[-3000:]}"
    return Run(proc.returncode, stdout, stderr, time.monotonic() - start, parse_report(stdout))


@pytest.mark.parametrize("isolate", ["--isolate", "--no-isolate"])
def test_ctrl_c_reports_where_the_app_waits(tmp_path: Path, isolate: str) -> None:
    """Ctrl+C once: LC110 with the await the app was stuck on, the report so far, exit 130."""
    run = start_and_interrupt("hangs_when_ready:app", tmp_path, 1, isolate)
    assert run.rc == 130
    assert run.report["outcome"] == "interrupted"
    finding = run.finding("LC110")
    assert_points_at(finding, "hangs_when_ready", "waits")
    assert phase(run.report, "startup")["status"] == "interrupted"
    assert "Ctrl+C again" in run.stderr
    assert survivors(tmp_path.name) == []


@pytest.mark.parametrize("isolate", ["--isolate", "--no-isolate"])
def test_ctrl_c_on_a_blocked_loop_reports_the_blocking_call(tmp_path: Path, isolate: str) -> None:
    """Ctrl+C while the loop is blocked names the blocking call (answered by the watchdog),
    in-process too, without waiting for the blocking call to return."""
    run = start_and_interrupt("hangs_when_ready:blocking_app", tmp_path, 1, isolate)
    assert run.wall_s < 10  # the call would block for 30 s
    assert run.rc == 130
    finding = run.finding("LC110")
    assert "blocked" in finding["message"]
    assert_points_at(finding, "hangs_when_ready", "blocks")
    assert survivors(tmp_path.name) == []


def test_second_ctrl_c_stops_at_once(tmp_path: Path) -> None:
    """Ctrl+C twice is a hard stop that still leaves one JSON document and no process."""
    run = start_and_interrupt("hangs_when_ready:blocking_app", tmp_path, 2)
    assert run.rc == 130
    assert run.report["outcome"] == "interrupted"
    assert "LC110" in run.codes
    assert run.wall_s < 5
    assert survivors(tmp_path.name) == []


def test_no_isolate_ends_a_blocked_loop_at_its_deadline() -> None:
    """In-process, the watchdog still reports at the deadline instead of after the sleep."""
    run = run_app("startup_blocks:app", "--no-isolate", "--startup-timeout", "0.5")
    assert run.rc == 4
    assert run.report["outcome"] == "startup-timeout"
    assert_points_at(run.finding("LC104"), "startup_blocks", "block")
    assert run.wall_s < 10


def test_report_is_one_json_document_even_when_the_app_writes_json() -> None:
    """Whatever the app prints, stdout parses as exactly the tool's report."""
    run = run_app("noisy:app")
    assert json.loads(run.stdout)["schema"] == "lifespan-check/1"
    assert os.linesep.join(run.stdout.splitlines()).startswith("{")


@pytest.mark.parametrize("isolate", ["--isolate", "--no-isolate"])
def test_unreadable_env_file_is_a_usage_error_in_both_modes(tmp_path: Path, isolate: str) -> None:
    """An --env-file that is not UTF-8 is found out in the child too: exit 2, one line."""
    env_file = tmp_path / "bad.env"
    env_file.write_bytes(b"A=\xff\xfe\n")
    run = run_cli(
        [isolate, "--env-file", str(env_file), "--app-dir", str(APPS), "ok:app"],
        json_output=False,
    )
    assert run.rc == 2
    assert run.stdout == ""
    assert "cannot be read" in run.stderr
    assert "Traceback" not in run.stderr


def test_ctrl_c_while_the_app_takes_its_time_to_cancel(tmp_path: Path) -> None:
    """An app that needs 0.8 s to honour the cancellation is reported by the loop (where it
    waited, cancellation honoured), not as a blocked loop by the fallback."""
    run = start_and_interrupt("hangs_when_ready:slow_to_cancel_app", tmp_path, 1)
    assert run.rc == 130
    finding = run.finding("LC110")
    assert "blocked" not in finding["message"]
    assert "honoured" in finding["message"]
    assert_points_at(finding, "hangs_when_ready", "drains")
    assert [p["status"] for p in run.report["phases"] if p["name"] == "startup"] == ["interrupted"]


@pytest.mark.parametrize("isolate", ["--isolate", "--no-isolate"])
def test_sigterm_stops_the_check_with_a_report_and_no_survivor(
    tmp_path: Path, isolate: str
) -> None:
    """SIGTERM (a cancelled CI job) stops at once, still prints the report so far and
    leaves no process of the run behind, even with the app's loop blocked."""
    run = start_and_interrupt(
        "hangs_when_ready:blocking_app", tmp_path, 1, isolate, sig=signal.SIGTERM
    )
    assert run.rc == 130
    assert run.report["outcome"] == "interrupted"
    assert "LC110" in run.codes
    assert run.wall_s < 5
    assert survivors(tmp_path.name) == []


@pytest.mark.parametrize("isolation", ["--isolate", "--no-isolate"])
@pytest.mark.parametrize(
    ("app", "tag", "handler"),
    [
        pytest.param("with_loop_handler", "loop-handler", "begin_draining", id="loop"),
        pytest.param("with_signal_signal", "plain-handler", "on_sigterm", id="signal"),
    ],
)
def test_app_replacing_the_sigterm_handler_in_startup_is_lc410(
    app: str, tag: str, handler: str, isolation: str
) -> None:
    """A handler the app installs in startup takes SIGTERM away from the server, even if
    the app puts the old one back at shutdown: LC410 names the handler at its line."""
    run = run_app(f"installs_signal_handlers:{app}", isolation)
    assert run.rc == 0  # a warning
    finding = run.finding("LC410")
    assert finding["details"]["signal"] == "SIGTERM"
    assert handler in finding["message"]
    assert_points_at(finding, "installs_signal_handlers", tag)
