"""The real-framework matrix: one app that passes and one that fails, per framework."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.helpers import assert_points_at, check, codes


@dataclass(frozen=True)
class Case:
    target: str
    outcome: str
    exit_code: int
    codes: tuple[str, ...] = ()
    marked: str | None = None  # the `# <- tag` of the line the first finding points at
    args: tuple[str, ...] = ()

    @property
    def module(self) -> str:
        return self.target.partition(":")[0]


PASSING = [
    Case("fw_fastapi_lifespan_ok:app", "ok", 0),
    Case("fw_fastapi_on_event_ok:app", "ok", 0),
    Case("fw_starlette_ok:app", "ok", 0),
    Case("fw_litestar_ok:app", "ok", 0),
    Case("fw_quart_ok:app", "ok", 0),
    Case("fw_falcon_ok:app", "ok", 0),
    Case("fw_blacksheep_ok:app", "ok", 0),
]

FAILING = [
    Case("fw_fastapi_lifespan_raises:app", "startup-failed", 1, ("LC102",), "raise"),
    Case("fw_fastapi_on_event_raises:app", "shutdown-failed", 1, ("LC202",), "raise"),
    Case(
        "fw_starlette_hangs:app",
        "startup-timeout",
        4,
        ("LC103",),
        "wait",
        ("--startup-timeout", "0.5"),
    ),
    Case("fw_litestar_startup_raises:app", "startup-failed", 1, ("LC102",), "raise"),
    Case("fw_quart_before_serving_raises:app", "startup-failed", 1, ("LC102",), "raise"),
    Case("fw_falcon_startup_raises:app", "startup-failed", 1, ("LC102",), "raise"),
    Case("fw_blacksheep_start_raises:app", "startup-failed", 1, ("LC102",), "raise"),
]


@pytest.mark.parametrize("case", PASSING, ids=lambda c: c.module)
def test_framework_app_that_works_passes(case: Case) -> None:
    """A well-behaved app of each framework passes with no findings and every phase ok."""
    run = check(case.target, *case.args)
    assert run.rc == 0, run.stdout[:2000]
    assert run.report["outcome"] == "ok"
    assert codes(run.report) == []
    assert [p["status"] for p in run.report["phases"]] == ["ok", "ok", "ok"]
    assert [r["behaviour"] for r in run.report["server_outlook"]] == ["clean"]


@pytest.mark.parametrize("case", FAILING, ids=lambda c: c.module)
def test_framework_app_that_fails_points_at_the_users_line(case: Case) -> None:
    """A failing app of each framework gets the right outcome, codes and user-code line."""
    run = check(case.target, *case.args)
    assert run.rc == case.exit_code, run.stdout[:2000]
    assert run.report["outcome"] == case.outcome
    assert tuple(codes(run.report)) == case.codes
    assert case.marked is not None
    assert_points_at(run.finding(case.codes[0]), case.module, case.marked)


def test_framework_failed_message_names_the_exception() -> None:
    """Quart and BlackSheep swallow the exception: the one being handled is still named."""
    quart = check("fw_quart_before_serving_raises:app").finding("LC102")
    assert "RuntimeError: missing API key" in quart["message"]
    sheep = check("fw_blacksheep_start_raises:app").finding("LC102")
    assert "PermissionError: no access to the secrets store" in sheep["message"]


def test_litestar_exception_group_message_is_summarised() -> None:
    """Litestar's exception-group traceback text is summarised by its exception line."""
    finding = check("fw_litestar_startup_raises:app").finding("LC102")
    assert "ConnectionRefusedError: redis refused the connection" in finding["message"]
    assert "+---" not in finding["message"].splitlines()[0]


def test_django_asgi_handler_is_lifespan_unsupported() -> None:
    """Django's ASGI handler rejects the lifespan: LC106, a warning that still passes."""
    run = check("fw_django_asgi:application")
    assert run.rc == 0
    assert run.report["outcome"] == "unsupported"
    assert codes(run.report) == ["LC106"]
    finding = run.finding("LC106")
    assert "Django can only handle ASGI/HTTP connections, not lifespan" in finding["message"]
    # The rejection happens inside Django: there is no line of the user's to point at.
    assert finding["location"] is None
    assert any(f["file"].endswith("django/core/handlers/asgi.py") for f in finding["stack"])


def test_django_lifespan_on_fails() -> None:
    """With --lifespan on, Django's missing lifespan support fails the check."""
    run = check("fw_django_asgi:application", "--lifespan", "on")
    assert run.rc == 1
    assert run.finding("LC106")["severity"] == "error"


def test_channels_router_without_lifespan_key_is_lc106_naming_the_key() -> None:
    """Channels' ProtocolTypeRouter without a "lifespan" key: LC106 names the missing key."""
    run = check("fw_channels_router:application")
    assert run.report["outcome"] == "unsupported"
    assert codes(run.report) == ["LC106"]
    finding = run.finding("LC106")
    assert "No application configured for scope type 'lifespan'" in finding["message"]
    assert any(f["file"].endswith("channels/routing.py") for f in finding["stack"])
    outlook = run.report["server_outlook"]
    assert [r["behaviour"] for r in outlook] == ["raises-before-receive"]
