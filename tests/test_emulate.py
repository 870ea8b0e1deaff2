"""--emulate SERVER: the app sees the scope and the send() errors of that server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from asgi_lifespan_check import emulate
from asgi_lifespan_check.api import check_sync
from asgi_lifespan_check.cliargs import OPTIONS
from tests.helpers import Run, assert_points_at, check, invoke, run_cli


def seen(run: Run) -> dict[str, Any]:
    """What the probe app printed about its scope (captured from the app's stdout)."""
    lines = [line for line in run.report["output"]["stdout"].splitlines() if line.strip()]
    assert len(lines) == 1, run.report["output"]
    shown: dict[str, Any] = json.loads(lines[0])
    return shown


@pytest.mark.parametrize(
    ("server", "asgi"),
    [
        (None, {"version": "3.0", "spec_version": "2.0"}),
        ("uvicorn", {"version": "3.0", "spec_version": "2.0"}),
        ("hypercorn", {"version": "3.0", "spec_version": "2.0"}),
        ("granian", {"version": "3.0", "spec_version": "2.3"}),
        ("asgi-lifespan", "<missing>"),
    ],
)
def test_scope_shape_per_server(server: str | None, asgi: Any) -> None:
    """Each server's lifespan scope: its "asgi" entry (none for asgi-lifespan), with state."""
    args = ("--emulate", server) if server else ()
    run = check("emulate_probe:scope_probe", *args)
    assert run.rc == 0
    assert seen(run) == {"asgi": asgi, "has_state": True}


def test_no_state_gives_a_scope_without_state() -> None:
    """--no-state hands the app a scope without "state"."""
    run = check("emulate_probe:scope_probe", "--no-state")
    assert seen(run)["has_state"] is False


def test_hypercorn_raises_into_send_after_a_failed_message() -> None:
    """Under hypercorn, send(lifespan.startup.failed) raises into the app."""
    run = check("emulate_probe:fails_startup", "--emulate", "hypercorn")
    assert seen(run)["send_raised"] == "LifespanFailureError"
    finding = run.finding("LC102")
    assert "no database" in finding["message"]
    assert "LifespanFailureError" in finding["message"]
    plain = check("emulate_probe:fails_startup")
    assert plain.report["output"]["stdout"] == ""
    assert "LifespanFailureError" not in plain.finding("LC102")["message"]


@pytest.mark.parametrize(
    ("server", "raised"),
    [
        ("uvicorn", "AssertionError"),
        ("granian", "KeyError"),
        ("hypercorn", "UnexpectedMessageError"),
    ],
)
def test_unknown_message_type_raises_what_each_server_raises(server: str, raised: str) -> None:
    """An unknown message type raises into the app as that server's send() does."""
    run = check("emulate_probe:sends_typo", "--emulate", server)
    assert seen(run)["send_raised"] == raised
    assert run.report["findings"][0]["code"] == "LC301"


def test_asgi_lifespan_stays_silent_on_an_unknown_message_type() -> None:
    """asgi-lifespan ignores unknown types: nothing raises into the app."""
    run = check("emulate_probe:sends_typo", "--emulate", "asgi-lifespan")
    assert run.report["output"]["stdout"] == ""
    assert run.report["findings"][0]["code"] == "LC301"


@pytest.mark.parametrize(
    ("server", "raised"),
    [("uvicorn", "AssertionError"), ("granian", "AssertionError"), ("hypercorn", None)],
)
def test_duplicate_complete_raises_where_the_server_asserts(
    server: str, raised: str | None
) -> None:
    """uvicorn and granian assert on a second startup.complete; hypercorn says nothing."""
    run = check("emulate_probe:completes_twice", "--emulate", server)
    if raised is None:
        assert run.report["output"]["stdout"] == ""
    else:
        assert seen(run)["send_raised"] == raised
    assert "LC302" in [f["code"] for f in run.report["findings"]]


def test_asgi_lifespan_raises_on_send_before_receive() -> None:
    """asgi-lifespan raises LifespanNotSupported into a send() that comes first."""
    run = check("emulate_probe:sends_first", "--emulate", "asgi-lifespan")
    assert seen(run)["send_raised"] == "LifespanNotSupported"
    assert run.report["findings"][0]["code"] == "LC303"


def test_uvicorn_tells_an_asgi2_app_version_2() -> None:
    """uvicorn puts asgi version "2.0" in the scope of an ASGI2 app."""
    from asgi_lifespan_check.options import DriveOptions
    from asgi_lifespan_check.runner import Runner

    seen_scopes: list[dict[str, Any]] = []

    class Asgi2:
        def __init__(self, scope: dict[str, Any]) -> None:
            seen_scopes.append({k: v for k, v in scope.items() if k != "state"})

        async def __call__(self, receive: Any, send: Any) -> None:
            await receive()
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})

    report = check_sync(Asgi2, emulate="uvicorn")
    assert report.passed
    assert seen_scopes[0]["asgi"] == {"version": "2.0", "spec_version": "2.0"}
    assert DriveOptions().emulate is None
    assert Runner is not None


def test_granian_emulation_of_a_shutdown_state_read_is_lc407() -> None:
    """Must show: --emulate granian on an app reading the state at shutdown gives LC407."""
    run = run_cli(
        ["--emulate", "granian", "--app-dir", "tests/apps", "st_granian_shutdown_read:app"]
    )
    assert run.rc == 1
    report = run.report
    assert report["outcome"] == "shutdown-failed"
    assert [f["code"] for f in report["findings"]] == ["LC201", "LC407"]
    finding = next(f for f in report["findings"] if f["code"] == "LC407")
    assert "granian had already cleared it" in finding["message"]
    assert finding["details"] == {"problem": "read-at-shutdown", "keys": ["pool"]}
    assert_points_at(finding, "st_granian_shutdown_read", "read")
    assert [r["behaviour"] for r in report["server_outlook"]] == [
        "shutdown-fails",
        "reads-state-at-shutdown",
    ]


def test_emulate_rejects_an_unknown_server_with_exit_2() -> None:
    """An unknown --emulate value is a usage error naming the choices, without a traceback."""
    run = invoke(["--emulate", "gunicorn", "x:app"])
    assert run.rc == 2
    assert "gunicorn" in run.stderr
    assert "granian" in run.stderr
    assert "Traceback" not in run.stderr


def test_api_rejects_an_unknown_server() -> None:
    """The Python API's emulate= is validated like the CLI's."""
    from asgi_lifespan_check.errors import UsageError

    async def app(scope: Any, receive: Any, send: Any) -> None:
        return None

    with pytest.raises(UsageError, match="unknown server 'daphne'"):
        check_sync(app, emulate="daphne")


def test_profile_names_match_the_cli_choices() -> None:
    """The servers the CLI offers are exactly the emulation profiles."""
    from asgi_lifespan_check.cli import Server

    assert [s.value for s in Server] == list(emulate.SERVERS)
    assert all(emulate.profile(name) is not None for name in emulate.SERVERS)
    assert emulate.profile(None) is None


def test_new_options_are_in_the_entry_scan_tables() -> None:
    """--emulate takes a value and --no-state is a flag in the entry point's quick parse."""
    assert OPTIONS["--emulate"][1] == tuple(emulate.SERVERS)
    assert OPTIONS["--no-state"] == ("state", "flag", False)
    help_text = invoke(["--help"]).stdout
    assert "--emulate" in help_text
    assert "--no-state" in help_text


def test_emulate_and_state_come_from_pyproject(tmp_path: Any) -> None:
    """`emulate` and `state` in [tool.lifespan-check] work like the options, per target."""
    from tests.helpers import APPS

    (tmp_path / "pyproject.toml").write_text(
        "[tool.lifespan-check]\n"
        f'app-dir = "{APPS}"\n'
        'emulate = "granian"\n'
        '[tool.lifespan-check.overrides."emulate_probe:scope_probe"]\n'
        "state = false\n"
    )
    run = run_cli(["emulate_probe:scope_probe"], cwd=tmp_path)
    assert run.rc == 0, run.stderr
    assert seen(run) == {"asgi": {"version": "3.0", "spec_version": "2.3"}, "has_state": False}


def test_unknown_emulate_value_in_pyproject_is_exit_2(tmp_path: Any) -> None:
    """A server name the config does not know is a usage error naming the key and file."""
    (tmp_path / "pyproject.toml").write_text('[tool.lifespan-check]\nemulate = "daphne"\n')
    run = run_cli(["x:app"], cwd=tmp_path, json_output=False)
    assert run.rc == 2
    assert run.stdout == ""
    assert "emulate" in run.stderr
    assert "pyproject.toml" in run.stderr
