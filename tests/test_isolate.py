"""The child interpreter: crashes, a blocked loop, leftovers after shutdown, no orphans."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from asgi_lifespan_check import check_sync
from tests.helpers import (
    APPS,
    Run,
    assert_points_at,
    clean_env,
    marker,
    phase,
    processes_with_env,
    run_cli,
    survivors,
)


def run_app(target: str, *args: str, token: str | None = None, cwd: Path | None = None) -> Run:
    """Check a tests/apps target through the real console script.

    Crashing apps run in a temporary directory, where a core dump would land harmlessly.
    """
    env = {"LC_TEST_RUN": token} if token else None
    return run_cli(["--app-dir", str(APPS), *args, target], cwd=cwd, env=env)


# Crashes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "signal_name"),
    [
        pytest.param("crash_segfault", "SIGSEGV", id="segfault"),
        pytest.param("crash_abort", "SIGABRT", id="abort"),
    ],
)
def test_child_killed_by_a_signal_is_lc601(module: str, signal_name: str, tmp_path: Path) -> None:
    """A segfault or abort in startup is LC601 naming the signal, the phase and the line."""
    run = run_app(f"{module}:app", cwd=tmp_path)
    assert run.rc == 5
    assert run.report["outcome"] == "crashed"
    assert run.report["exit_code"] == 5
    assert run.codes == ["LC601"]
    finding = run.finding("LC601")
    assert signal_name in finding["message"]
    assert finding["phase"] == "startup"
    assert_points_at(finding, module, "crash")
    assert phase(run.report, "startup")["status"] == "failed"
    assert phase(run.report, "shutdown")["status"] == "skipped"


def test_child_exiting_in_startup_is_lc602_with_its_status() -> None:
    """os._exit(7) during startup is LC602 with status 7 and the phase."""
    run = run_app("crash_os_exit:app")
    assert run.rc == 5
    assert run.report["outcome"] == "crashed"
    assert run.codes == ["LC602"]
    finding = run.finding("LC602")
    assert "status 7" in finding["message"]
    assert finding["phase"] == "startup"


def test_sys_exit_at_import_is_lc602_with_its_status() -> None:
    """sys.exit(3) while the module is imported is LC602 with status 3, in the import phase."""
    run = run_app("crash_exit_at_import:app")
    assert run.rc == 5
    assert run.report["outcome"] == "crashed"
    assert run.codes == ["LC602"]
    finding = run.finding("LC602")
    assert "status 3" in finding["message"]
    assert finding["phase"] == "import"


# A blocked event loop -----------------------------------------------------------------


def test_loop_blocked_past_the_deadline_ends_the_run_at_the_deadline() -> None:
    """A 30 s time.sleep in startup is LC104 reported at a 0.5 s deadline, not after 30 s."""
    run = run_app("startup_blocks:app", "--startup-timeout", "0.5")
    assert run.wall_s < 8.0  # the sleep would take 30 s; the report comes at the deadline
    assert run.rc == 4
    assert run.report["outcome"] == "startup-timeout"
    assert run.codes == ["LC104"]
    finding = run.finding("LC104")
    assert finding["severity"] == "error"
    assert finding["phase"] == "startup"
    assert_points_at(finding, "startup_blocks", "block")
    assert finding["location"]["function"] == "load_model"
    startup = phase(run.report, "startup")
    assert startup["status"] == "timeout"
    assert startup["duration_s"] == pytest.approx(0.5, abs=0.05)


def test_short_block_within_the_deadline_is_a_warning() -> None:
    """A 0.6 s block in a startup that still finishes in time is an LC104 warning, exit 0."""
    run = run_app("startup_blocks_briefly:app")
    assert run.rc == 0
    assert run.report["passed"] is True
    assert run.report["outcome"] == "ok"
    finding = run.finding("LC104")
    assert finding["severity"] == "warning"
    assert finding["phase"] == "startup"
    assert_points_at(finding, "startup_blocks_briefly", "block")
    assert 0.4 <= finding["details"]["blocked_s"] <= 1.0


# Leftovers after shutdown --------------------------------------------------------------


def test_task_left_pending_after_shutdown_is_lc401() -> None:
    """A task still pending after shutdown.complete is an LC401 warning naming it and its line."""
    run = run_app("leak_task:app")
    assert run.rc == 0
    assert run.report["passed"] is True
    finding = run.finding("LC401")
    assert finding["severity"] == "warning"
    assert "'metrics-ticker'" in finding["message"]
    assert_points_at(finding, "leak_task", "waits")


def test_thread_left_running_after_shutdown_is_lc402(run_token: str) -> None:
    """A new non-daemon thread alive after shutdown is LC402 naming it; the child still goes."""
    run = run_app("leak_thread:app", token=run_token)
    assert run.rc == 0
    assert run.report["passed"] is True
    finding = run.finding("LC402")
    assert finding["severity"] == "warning"
    assert "'config-poller'" in finding["message"]
    assert "poll" in finding["message"]
    assert_points_at(finding, "leak_thread", "waits")
    start = marker("leak_thread", "start")
    assert f"started at {APPS / 'leak_thread.py'}:{start}" in finding["message"]
    assert finding["details"]["threads"][0]["started_at"]["line"] == start
    assert survivors(run_token) == []  # the thread kept the child alive; it was killed


# No process outlives the check ----------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "args", "exit_code"),
    [
        pytest.param("startup_hang_swallows:app", ("--startup-timeout", "0.3"), 4, id="hang"),
        pytest.param("startup_blocks:app", ("--startup-timeout", "0.3"), 4, id="blocked"),
        pytest.param("crash_segfault:app", (), 5, id="crash"),
    ],
)
def test_no_process_survives_the_check(
    target: str, args: tuple[str, ...], exit_code: int, run_token: str, tmp_path: Path
) -> None:
    """Once lifespan-check has exited, no process it started (or the app started) is left."""
    run = run_app(target, *args, token=run_token, cwd=tmp_path)
    assert run.rc == exit_code
    assert survivors(run_token) == []


def test_grandchild_started_by_the_app_is_gone_after_the_check(run_token: str) -> None:
    """A helper process the app started during a hanging startup is killed with the check."""
    run = run_app("spawns_grandchild:app", "--startup-timeout", "0.3", token=run_token)
    assert run.rc == 4
    found = re.search(r"helper pid (\d+)", run.report["output"]["stdout"])
    assert found is not None, run.report["output"]  # the helper was started
    assert survivors(run_token) == []


def test_survivor_scan_sees_a_process_that_carries_the_marker(run_token: str) -> None:
    """The /proc scan used above does find a live process carrying the marker."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)"],
        env=clean_env({"LC_TEST_RUN": run_token}),
    )
    try:
        # Popen returns once exec has closed its error pipe, which the kernel does before
        # it writes the new environment: poll (bounded) rather than read once.
        deadline = time.monotonic() + 5.0
        while not processes_with_env(run_token) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert processes_with_env(run_token) == [proc.pid]
    finally:
        proc.kill()
        proc.wait()
    assert processes_with_env(run_token) == []


def test_blocks_on_either_side_of_a_phase_change_are_two_findings() -> None:
    """Two blocking calls with no await between them, one per phase, are each reported in
    their own phase, not merged into one long block charged to startup."""
    run = run_app("blocks_twice:app")
    assert run.rc == 0
    blocks = {f["phase"]: f for f in run.report["findings"] if f["code"] == "LC104"}
    assert set(blocks) == {"startup", "shutdown"}
    assert_points_at(blocks["startup"], "blocks_twice", "startup")
    assert_points_at(blocks["shutdown"], "blocks_twice", "shutdown")
    assert blocks["startup"]["details"]["blocked_s"] < 0.7


# Child processes left running (LC409) ------------------------------------------------


@pytest.mark.parametrize(
    ("app", "tag", "command"),
    [
        pytest.param("leaves_subprocess", "popen", "time.sleep(60)", id="subprocess"),
        pytest.param("leaves_shell", "shell", "sleep 60", id="shell"),
        pytest.param("leaves_forked_worker", "forked", "multiprocessing 'forked'", id="fork"),
    ],
)
def test_process_left_running_after_shutdown_is_lc409(
    app: str, tag: str, command: str, run_token: str
) -> None:
    """A process started in startup and not stopped is LC409: its pid, its command line
    and the line that started it. The check still passes (a warning), and the process
    does not outlive it."""
    run = run_app(f"leak_process:{app}", token=run_token)
    assert run.rc == 0, run.report
    finding = run.finding("LC409")
    assert finding["severity"] == "warning"
    assert finding["phase"] == "shutdown"
    [process] = finding["details"]["processes"]
    assert command in (process["worker"] or process["command"])
    assert f"pid {process['pid']}" in finding["message"]
    assert_points_at(finding, "leak_process", tag)
    assert survivors(run_token) == []


@pytest.mark.parametrize(
    ("app", "tag", "command"),
    [
        pytest.param("leaves_daemon", "daemon", "asgi_lifespan_check._child", id="double-fork"),
        pytest.param("leaves_daemon_that_execs", "daemon-exec", "sleep 62", id="fork-exec"),
        pytest.param("leaves_daemon_by_shell", "setsid", "sleep 61", id="shell-setsid"),
    ],
)
def test_daemon_that_detached_itself_is_lc409_too(
    app: str, tag: str, command: str, run_token: str
) -> None:
    """A process that left the app's process tree (a double fork, setsid) is no child of
    the app's any more, and a server's process-group kill would miss it: it is found by
    the marker it inherited, named as detached, and killed."""
    run = run_app(f"leak_process:{app}", token=run_token)
    assert run.rc == 0, run.report
    finding = run.finding("LC409")
    [process] = finding["details"]["processes"]
    assert command in process["command"]
    assert process["detached"] is True
    assert "detached" in finding["message"]
    assert_points_at(finding, "leak_process", tag)
    assert survivors(run_token) == []


@pytest.mark.parametrize("app", ["leaves_daemon", "leaves_daemon_by_shell"])
def test_isolated_api_check_leaves_no_daemon_behind(
    app: str, run_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Python API's isolated check is no subreaper, yet a daemon the app detached is
    still found (LC409, detached) and killed when the check ends."""
    monkeypatch.setenv("LC_TEST_RUN", run_token)  # inherited by the child and its daemon
    report = check_sync(f"leak_process:{app}", isolate=True, app_dir=APPS)
    [finding] = [f for f in report.findings if f.code == "LC409"]
    assert finding.details["processes"][0]["detached"] is True
    assert survivors(run_token) == []


def test_spawned_multiprocessing_worker_left_running_is_lc409_by_name(run_token: str) -> None:
    """multiprocessing's spawn start method raises no audit event, so the line that started
    the worker is unknown; the worker's name is given instead."""
    run = run_app("leak_process:leaves_worker", token=run_token)
    assert run.rc == 0
    finding = run.finding("LC409")
    assert "multiprocessing 'indexer'" in finding["message"]
    assert "spawn_main" in finding["details"]["processes"][0]["command"]
    assert survivors(run_token) == []


@pytest.mark.parametrize(
    "app",
    [
        pytest.param("stops_subprocess", id="terminated-and-waited"),
        pytest.param("kills_without_wait", id="killed-not-reaped"),
        pytest.param("joins_worker", id="multiprocessing-joined"),
    ],
)
def test_process_stopped_at_shutdown_is_not_lc409(app: str) -> None:
    """A process stopped at shutdown is no finding, even one killed but not yet reaped,
    and multiprocessing's own helper processes are not counted."""
    run = run_app(f"leak_process:{app}")
    assert run.rc == 0
    assert run.codes == []


def test_process_left_running_is_found_in_process_too() -> None:
    """--no-isolate finds the process as well, without the line that started it (no audit
    hook is added to a process the tool does not own)."""
    run = run_app("leak_process:leaves_subprocess", "--no-isolate")
    assert run.rc == 0
    finding = run.finding("LC409")
    assert "time.sleep(60)" in finding["details"]["processes"][0]["command"]
    assert finding["details"]["processes"][0]["started_at"] is None
