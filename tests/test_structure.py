"""Lifespan code that never runs, found in the app's structure (LC403, LC404, LC405, LC406)."""

from __future__ import annotations

from typing import Any

import pytest

from asgi_lifespan_check import entry_trace, structure
from asgi_lifespan_check.frames import CodeClassifier
from tests.helpers import APPS, app_file, assert_points_at, check, codes, marker


def handler_names(finding: dict[str, Any]) -> list[str]:
    return [h["name"] for h in finding["details"]["handlers"]]


def call_line(module: str) -> int:
    """The line of the first `def __call__` of a target app."""
    lines = app_file(module).read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if "def __call__" in line)


# Must show -------------------------------------------------------------------------------


def test_fastapi_sub_app_with_on_event_handlers_is_lc403() -> None:
    """A FastAPI sub-app mounted under FastAPI: its on_event handlers are named as never run."""
    run = check("fw_fastapi_mounted_on_event:app")
    assert run.rc == 0
    finding = run.finding("LC403")
    assert finding["severity"] == "warning"
    assert "'/admin'" in finding["message"]
    assert "fastapi.applications.FastAPI" in finding["message"]
    assert "open_admin_db (startup)" in finding["message"]
    assert "close_admin_db (shutdown)" in finding["message"]
    assert finding["details"]["mount_path"] == "/admin"
    assert handler_names(finding) == ["open_admin_db", "close_admin_db"]
    assert "parent's lifespan" in finding["hint"]
    assert_points_at(finding, "fw_fastapi_mounted_on_event", "handler")


def test_starlette_sub_app_with_lifespan_is_lc403() -> None:
    """A Starlette app mounted with Mount: its lifespan= context never runs."""
    run = check("fw_starlette_mounted_lifespan:app")
    finding = run.finding("LC403")
    assert "'/reports'" in finding["message"]
    assert "starlette.applications.Starlette" in finding["message"]
    assert "reports_lifespan (lifespan)" in finding["message"]
    assert_points_at(finding, "fw_starlette_mounted_lifespan", "handler")
    assert run.report["outcome"] == "ok"


def test_middleware_returning_early_for_non_http_is_lc404() -> None:
    """A pure-ASGI middleware that returns for non-http scopes is named, with its line."""
    run = check("fw_middleware_returns_early:app")
    assert run.rc == 1
    assert run.report["outcome"] == "startup-failed"
    assert codes(run.report) == ["LC404", "LC107"]
    finding = run.finding("LC404")
    assert finding["severity"] == "error"
    assert "fw_middleware_returns_early.HttpOnly" in finding["message"]
    line = marker("fw_middleware_returns_early", "return")
    assert f"fw_middleware_returns_early.py:{line}" in finding["message"]
    assert "returned without answering the lifespan scope" in finding["message"]
    assert "lifespan (lifespan)" in finding["message"]
    assert finding["details"]["middleware"] == "fw_middleware_returns_early.HttpOnly"
    assert_points_at(finding, "fw_middleware_returns_early", "return")


def test_middleware_asserting_http_is_lc404_at_the_assert() -> None:
    """A middleware asserting scope["type"] == "http" is named, at the assert's line."""
    run = check("fw_middleware_asserts_http:app")
    assert run.report["outcome"] == "startup-failed"
    finding = run.finding("LC404")
    assert "fw_middleware_asserts_http.RequireHttp" in finding["message"]
    assert "raised on the lifespan scope" in finding["message"]
    assert "lifespan (lifespan)" in finding["message"]
    assert_points_at(finding, "fw_middleware_asserts_http", "assert")
    assert_points_at(run.finding("LC106"), "fw_middleware_asserts_http", "assert")


def test_fastapi_with_lifespan_and_on_event_is_lc405() -> None:
    """on_event handlers next to lifespan= are named as ignored."""
    run = check("fw_fastapi_lifespan_and_on_event:app")
    assert run.rc == 0
    assert codes(run.report) == ["LC405"]
    finding = run.finding("LC405")
    assert "warm_cache (startup)" in finding["message"]
    assert "flush_metrics (shutdown)" in finding["message"]
    assert_points_at(finding, "fw_fastapi_lifespan_and_on_event", "handler")


def test_dispatcher_dropping_lifespan_is_lc404_naming_children() -> None:
    """A path dispatcher that drops the lifespan is named with every child's handler."""
    run = check("fw_dispatcher_drops_lifespan:app")
    finding = run.finding("LC404")
    assert "fw_dispatcher_drops_lifespan.PathDispatcher" in finding["message"]
    assert "api_lifespan (lifespan, for '/api')" in finding["message"]
    assert "web_lifespan (lifespan, for '/web')" in finding["message"]
    assert_points_at(finding, "fw_dispatcher_drops_lifespan", "return")


def test_middleware_answering_the_lifespan_itself_is_lc404() -> None:
    """A middleware that answers startup and shutdown itself makes the run pass, but the
    FastAPI lifespan below it never ran: LC404 names the layer at its receive() line."""
    run = check("fw_middleware_answers_lifespan:app")
    assert run.rc == 1
    assert codes(run.report) == ["LC404"]
    finding = run.finding("LC404")
    assert "fw_middleware_answers_lifespan.ServeStatic" in finding["message"]
    assert "answered the lifespan scope itself" in finding["message"]
    assert "lifespan (lifespan)" in finding["message"]
    assert_points_at(finding, "fw_middleware_answers_lifespan", "answers")
    assert finding["details"]["handlers"][0]["location"]["line"] == marker(
        "fw_middleware_answers_lifespan", "handler"
    )


def test_dispatcher_forwarding_the_lifespan_to_one_app_is_lc404_for_the_others() -> None:
    """A dispatcher that passes the lifespan to one child only: the other child's lifespan
    is named, not the one that ran."""
    run = check("fw_dispatcher_forwards_to_one:app")
    assert codes(run.report) == ["LC404"]
    finding = run.finding("LC404")
    assert "fw_dispatcher_forwards_to_one.PathDispatcher" in finding["message"]
    assert "api_lifespan (lifespan, for '/api')" in finding["message"]
    assert "site_lifespan" not in finding["message"]


def test_wrapped_quart_asgi_app_is_lc404() -> None:
    """Quart's documented app.asgi_app wrapping, dropping the lifespan, is caught too."""
    run = check("fw_quart_wrapped_asgi_app:app")
    finding = run.finding("LC404")
    assert "fw_quart_wrapped_asgi_app.OnlyHttp" in finding["message"]
    assert "connect (startup)" in finding["message"]
    assert handler_names(finding) == ["connect"]


@pytest.mark.parametrize(
    ("attr", "line_of"),
    [
        pytest.param("wrapper", "wrapper", id="plain-def"),
        pytest.param("configured", None, id="partial"),
    ],
)
def test_asgi3_app_uvicorn_takes_for_asgi2_is_lc411(attr: str, line_of: str | None) -> None:
    """A sync callable returning the coroutine (a wrapper, a functools.partial) runs here,
    but uvicorn's interface detection calls it as ASGI2: an error, at its definition."""
    run = check(f"servers_misdetect:{attr}")
    assert run.rc == 1
    assert codes(run.report) == ["LC411"]
    finding = run.finding("LC411")
    assert "ASGI2" in finding["message"]
    assert "--interface asgi3" in finding["hint"]
    if line_of is not None:
        assert_points_at(finding, "servers_misdetect", line_of)
    else:  # a partial points at the function it wraps
        assert finding["location"]["function"] == "_lifespan"


def test_uvicorn_emulation_calls_a_misdetected_app_as_asgi2() -> None:
    """--emulate uvicorn does what uvicorn would: app(scope) fails, the lifespan is
    'unsupported'."""
    run = check("servers_misdetect:wrapper", "--emulate", "uvicorn")
    assert {"LC106", "LC411"} <= set(codes(run.report))
    assert "TypeError" in run.finding("LC106")["message"]


def test_asgi2_app_is_lc406_info() -> None:
    """A legacy ASGI2 app gets an info finding that does not fail the check."""
    run = check("outlook_apps:Asgi2App")
    assert run.rc == 0
    finding = run.finding("LC406")
    assert finding["severity"] == "info"
    assert "hypercorn and granian" in finding["message"]
    assert finding["location"]["file"].endswith("outlook_apps.py")


@pytest.mark.parametrize(
    "target",
    ["fw_fastapi_lifespan_ok:app", "fw_starlette_ok:app", "fw_fastapi_on_event_ok:app"],
)
def test_apps_whose_lifespan_runs_get_no_structural_finding(target: str) -> None:
    """Handlers that really run (the top-level lifespan, on_event alone) are not reported."""
    run = check(target)
    assert codes(run.report) == []


def test_lifespan_refused_without_handlers_below_is_only_lc106() -> None:
    """An app that rejects the lifespan with nothing below it is plain LC106, no LC404."""
    run = check("outlook_apps:raises_before_receive")
    assert codes(run.report) == ["LC106"]
    assert run.rc == 0


# The walker on its own -------------------------------------------------------------------


def _load(module: str, attr: str = "app") -> Any:
    import importlib
    import sys

    sys.path.insert(0, str(APPS))
    try:
        return getattr(importlib.import_module(module), attr)
    finally:
        sys.path.remove(str(APPS))


def test_refusal_without_a_trace_blames_the_outermost_unknown_layer() -> None:
    """With no trace of what ran, LC404 names the outermost non-framework layer, at its def."""
    tree = structure.walk(_load("fw_middleware_returns_early"), CodeClassifier())
    assert tree is not None
    found = structure.refused_findings(
        tree, entry_trace.Refusal("ignored"), CodeClassifier(), t_s=0.5
    )
    assert [f.code for f in found] == ["LC404"]
    assert found[0].details["middleware"] == "fw_middleware_returns_early.HttpOnly"
    assert found[0].location is not None
    assert found[0].location.line == call_line("fw_middleware_returns_early")
    assert found[0].t_s == 0.5


def test_walk_sees_mount_paths_and_relations() -> None:
    """The walk of a FastAPI app with a mounted sub-app records the mount edge and path."""
    tree = structure.walk(_load("fw_fastapi_mounted_on_event"), CodeClassifier())
    assert tree is not None
    mounts = [n for n in tree.nodes() if n.relation == "mount"]
    assert [(n.path, n.type_name, n.forwards) for n in mounts] == [
        ("/admin", "fastapi.applications.FastAPI", False)
    ]
    assert [h.name for _, h in mounts[0].reachable_handlers()] == [
        "open_admin_db",
        "close_admin_db",
    ]


class _Weird:
    """An object whose attributes raise, loop back on themselves and hold junk."""

    def __init__(self) -> None:
        self.me = self
        self.apps = {"/x": self, 3: "not an app"}
        self.items = [("/y", print), object()]

    @property
    def app(self) -> Any:
        raise RuntimeError("property that explodes")

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        return None


@pytest.mark.parametrize(
    "obj",
    [_Weird(), object(), print, 42, {"a": 1}, _Weird, lambda scope, r, s: None],
)
def test_walk_fails_soft_on_unknown_objects(obj: object) -> None:
    """Unknown or hostile objects give a structure without handlers, never an exception."""
    tree = structure.walk(obj, CodeClassifier())
    assert tree is not None
    assert tree.root.reachable_handlers() == []
    assert structure.static_findings(tree) == []


def test_walk_stops_at_its_size_limit() -> None:
    """Nested dispatchers over hundreds of apps are walked up to a bound, marked incomplete."""

    class Dispatcher:
        def __init__(self, inner: Any) -> None:
            self.mounts: dict[str, Any] = {"/deeper": inner} if inner is not None else {}
            self.mounts.update({f"/{i}": _Weird() for i in range(60)})

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            return None

    root: Any = None
    for _ in range(12):
        root = Dispatcher(root)
    tree = structure.walk(root, CodeClassifier())
    assert tree is not None
    assert sum(1 for _ in tree.nodes()) <= 401
    assert tree.complete is False


def test_nested_mounts_and_host_routes_are_lc403_with_their_paths() -> None:
    """A sub-app two mounts deep gets the joined path; one behind a Host route, its host."""
    from contextlib import asynccontextmanager

    from starlette.applications import Starlette
    from starlette.routing import Host, Mount, Router

    @asynccontextmanager
    async def deep_lifespan(app: Any) -> Any:
        yield

    @asynccontextmanager
    async def host_lifespan(app: Any) -> Any:
        yield

    deep = Starlette(lifespan=deep_lifespan)
    api = Starlette(lifespan=host_lifespan)
    app = Starlette(
        routes=[
            Mount("/v1", routes=[Mount("/deep", app=deep)]),
            Host("api.example.com", app=api),
            Mount("/plain", app=Router()),
        ]
    )
    tree = structure.walk(app, CodeClassifier())
    assert tree is not None
    found = structure.static_findings(tree)
    details = sorted((f.details["mount_path"], f.details["host"]) for f in found)
    assert details == [("/", "api.example.com"), ("/v1/deep", None)]
    messages = " | ".join(f.message for f in found)
    assert "mounted at '/v1/deep'" in messages
    assert "routed for host 'api.example.com'" in messages
    assert "deep_lifespan (lifespan)" in messages
    assert "host_lifespan (lifespan)" in messages


def test_handlers_of_an_included_router_run_and_are_not_lc405() -> None:
    """FastAPI merges an included router's lifespan: its startup handlers run, no LC405."""
    from contextlib import asynccontextmanager

    from fastapi import APIRouter, FastAPI

    @asynccontextmanager
    async def lifespan(app: Any) -> Any:
        yield

    async def router_startup() -> None:
        return None

    app = FastAPI(lifespan=lifespan)
    app.include_router(APIRouter(on_startup=[router_startup]))
    tree = structure.walk(app, CodeClassifier())
    assert tree is not None
    assert structure.static_findings(tree) == []
    running = [h.name for _, h in tree.root.reachable_handlers()]
    assert "test_handlers_of_an_included_router_run_and_are_not_lc405.<locals>.lifespan" in running
    assert any(name.endswith("router_startup") for name in running)


def test_entry_trace_stops_by_itself_after_its_cap() -> None:
    """The profile hook records calls, then removes itself after a bounded number of them."""
    import sys

    def work() -> int:
        return 1

    trace = entry_trace.EntryTrace(cap=50)
    before = sys.getprofile()
    trace.start()
    try:
        total = sum(work() for _ in range(200))
    finally:
        trace.stop()
    assert total == 200
    assert work.__code__ in trace.codes
    assert sys.getprofile() is before


def test_entry_trace_chains_to_a_profiler_already_installed() -> None:
    """A profile function set before the trace keeps getting events, and is restored."""
    import sys

    seen: list[str] = []

    def outer(frame: Any, event: str, arg: Any) -> None:
        seen.append(event)

    sys.setprofile(outer)
    try:
        trace = entry_trace.EntryTrace()
        trace.start()
        len("x")
        trace.stop()
        assert sys.getprofile() is outer
    finally:
        sys.setprofile(None)
    assert "c_call" in seen


def test_unbuilt_middleware_stack_is_read_from_user_middleware() -> None:
    """Before its first call, a FastAPI app's stack comes from add_middleware's classes."""
    app = _load("fw_middleware_asserts_http")
    assert app.middleware_stack is None
    tree = structure.walk(app, CodeClassifier())
    assert tree is not None
    layers = [n for n in tree.nodes() if n.relation == "middleware"]
    assert [n.type_name for n in layers] == ["fw_middleware_asserts_http.RequireHttp"]
    router = next(n for n in tree.nodes() if n.relation == "router")
    assert router.forwards is None  # below the user's middleware: it may never get there
    assert [h.name for _, h in tree.root.reachable_handlers()] == ["lifespan"]
    found = structure.refused_findings(
        tree, entry_trace.Refusal("ignored"), CodeClassifier(), t_s=None
    )
    assert found[0].details["middleware"] == "fw_middleware_asserts_http.RequireHttp"


def test_mounted_lifespan_run_by_the_parent_is_not_lc403() -> None:
    """Applying LC403's own hint (running the sub-app's lifespan from the parent's) clears
    it, and the check leaves the sub-app's lifespan_context as it found it."""
    import importlib
    import sys

    from asgi_lifespan_check.api import check_sync

    run = check("st_mount_run_by_parent:app")
    assert "LC403" not in run.codes
    sys.path.insert(0, str(APPS))
    try:
        module = importlib.import_module("st_mount_run_by_parent")
    finally:
        sys.path.remove(str(APPS))
    original = module.admin.router.lifespan_context
    report = check_sync(module.app)
    assert "LC403" not in [f.code for f in report.findings]
    assert module.admin.router.lifespan_context is original
    assert module.admin.state.ready is True
