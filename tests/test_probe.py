"""The smoke probe: an in-memory request between startup and shutdown, with a shallow copy
of the lifespan state, against real FastAPI and Starlette apps and raw edge cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.gate_helpers import APPS, codes, finding, invoke, marker, write_project

BASE = ["--app-dir", str(APPS), "--no-config", "-f", "json"]
BACKENDS = ["asyncio", "trio"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "target", ["gate_fastapi_state:app", "gate_starlette_state:app"], ids=["fastapi", "starlette"]
)
def test_probe_passes_when_the_handler_finds_the_state(target: str, backend: str) -> None:
    """request.state carries what the lifespan yielded, so GET /healthz answers 200."""
    run = invoke([*BASE, "--backend", backend, "--probe", "GET /healthz", target])
    assert run.rc == 0, run.stdout
    report = run.json()
    (probe,) = report["probes"]
    assert probe["ok"] is True
    assert (probe["method"], probe["path"], probe["status"]) == ("GET", "/healthz", 200)
    assert probe["error"] is None
    assert [p["name"] for p in report["phases"]] == ["import", "startup", "running", "shutdown"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("target", "module", "missing"),
    [
        ("gate_fastapi_state:app_without_state", "gate_fastapi_state", "db"),
        ("gate_starlette_state:app_without_state", "gate_starlette_state", "cache"),
    ],
    ids=["fastapi", "starlette"],
)
def test_probe_failure_points_at_the_handler_line(
    target: str, module: str, missing: str, backend: str
) -> None:
    """A lifespan that yields no state makes the handler raise: LC510 at the user's line,
    with the status the framework answered and the start of the body."""
    run = invoke([*BASE, "--backend", backend, "--probe", "GET /healthz", target])
    assert run.rc == 1
    report = run.json()
    assert report["outcome"] == "running-failed"
    lc510 = finding(report, "LC510")
    assert f"has no attribute '{missing}'" in lc510["message"]
    assert "GET /healthz raised AttributeError" in lc510["message"]
    assert "(after answering 500)" in lc510["message"]
    assert lc510["location"]["line"] == marker(module, "reads state")
    assert lc510["location"]["file"].endswith(f"{module}.py")
    assert lc510["details"]["status"] == 500
    assert report["probes"][0]["body"] == "Internal Server Error"


def test_request_state_is_a_copy_per_request() -> None:
    """A handler that replaces request.state.cache does not change what the next sees."""
    run = invoke(
        [
            *BASE,
            "--probe",
            "POST /mutate",
            "--probe",
            "GET /healthz",
            "gate_starlette_state:app",
        ]
    )
    assert run.rc == 0, run.stdout
    assert [p["status"] for p in run.json()["probes"]] == [200, 200]


def test_scope_is_built_like_a_servers() -> None:
    """The http scope has the method, decoded path, query, a host header and the state
    copy; what the request writes into its state never reaches the lifespan's."""
    run = invoke(
        [
            *BASE,
            "--probe",
            "GET /a%20b?x=1",
            "--probe",
            "/second",
            "gate_probe_edges:echo_scope",
        ]
    )
    assert run.rc == 0, run.stdout
    first, second = (json.loads(p["body"]) for p in run.json()["probes"])
    assert first == {
        "method": "GET",
        "path": "/a b",
        "query": "x=1",
        "state": {"token": "from-lifespan"},
        "has_host": True,
    }
    assert second["path"] == "/second"
    assert second["state"] == {"token": "from-lifespan"}


@pytest.mark.parametrize(
    ("status_option", "passes"),
    [(None, False), ("418", True), ("4xx", True), ("200,204", False), ("2xx,418", True)],
)
def test_probe_status_decides_what_passes(status_option: str | None, passes: bool) -> None:
    """By default any 2xx/3xx passes; --probe-status names codes or classes."""
    extra = ["--probe-status", status_option] if status_option else []
    run = invoke([*BASE, *extra, "--probe", "GET /teapot", "gate_fastapi_state:app"])
    assert run.rc == (0 if passes else 1)
    if not passes:
        message = finding(run.json(), "LC510")["message"]
        assert "answered 418, expected" in message
        assert "short" in message  # the start of the body


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("no_response", "returned without sending a response"),
        ("body_first", "http.response.body before http.response.start"),
        ("hangs", "did not answer within 0.3 s; it was waiting in hangs()"),
    ],
)
def test_raw_apps_that_get_http_wrong(target: str, expected: str) -> None:
    """No response, a body before the start, and a hang are each LC510, saying which."""
    run = invoke(
        [*BASE, "--probe-timeout", "0.3", "--probe", "GET /", f"gate_probe_edges:{target}"]
    )
    assert run.rc == 1
    lc510 = finding(run.json(), "LC510")
    assert expected in lc510["message"]
    if target == "hangs":
        assert lc510["location"]["line"] == marker("gate_probe_edges", "request hangs")


def test_probe_runs_in_process_too() -> None:
    """--no-isolate probes the same way, in this process."""
    run = invoke([*BASE, "--no-isolate", "--probe", "GET /healthz", "gate_fastapi_state:app"])
    assert run.rc == 0
    assert run.json()["environment"]["isolated"] is False
    assert run.json()["probes"][0]["status"] == 200


@pytest.mark.parametrize(
    ("probe", "expected"),
    [
        ("GET healthz", "must start with '/'"),
        ("FETCH /x", "'FETCH' is not an HTTP method"),
        ("GET / extra", "must be 'METHOD /path'"),
        ("GET /é", "percent-encode"),
    ],
)
def test_bad_probes_are_usage_errors(probe: str, expected: str) -> None:
    """A malformed --probe exits 2 before anything runs, saying what is wrong."""
    run = invoke([*BASE, "--probe", probe, "gate_ok:app"])
    assert run.rc == 2
    assert expected in run.stderr


def test_bad_probe_status_is_a_usage_error() -> None:
    """--probe-status must be codes or classes."""
    run = invoke([*BASE, "--probe-status", "ok", "--probe", "/", "gate_ok:app"])
    assert run.rc == 2
    assert "must be an HTTP status" in run.stderr


def test_probes_from_config_per_target(tmp_path: Path) -> None:
    """probe in the config applies to all targets; an override gives one target its own."""
    write_project(
        tmp_path,
        """
        [tool.lifespan-check]
        targets = ["gate_fastapi_state:app", "gate_starlette_state:app"]
        probe = ["GET /healthz"]
        format = "json"
        [tool.lifespan-check.overrides."gate_fastapi_state:app"]
        probe = ["GET /teapot"]
        probe-status = "418"
        """,
        ["gate_fastapi_state", "gate_starlette_state"],
    )
    from tests.gate_helpers import run_cli

    run = run_cli([], cwd=tmp_path)
    assert run.rc == 0, run.stderr
    fastapi, starlette = run.json()["results"]
    assert [p["path"] for p in fastapi["probes"]] == ["/teapot"]
    assert [p["path"] for p in starlette["probes"]] == ["/healthz"]
    assert codes(fastapi) == codes(starlette) == []


def test_probe_is_sent_to_an_app_without_lifespan_support() -> None:
    """Servers in lifespan 'auto' mode serve an app that turned the lifespan down (Django),
    so the probe is sent all the same; with --lifespan on, the server exits instead."""
    args = [*BASE, "--probe", "GET /nowhere", "--probe-status", "404"]
    run = invoke([*args, "fw_django_asgi:application"])
    assert run.rc == 0, run.stdout
    report = run.json()
    assert report["outcome"] == "unsupported"
    (probe,) = report["probes"]
    assert (probe["status"], probe["ok"]) == (404, True)

    strict = invoke([*args, "--lifespan", "on", "fw_django_asgi:application"])
    assert strict.rc == 1
    assert strict.json()["probes"] == []
