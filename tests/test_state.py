"""scope["state"] under watch: LC407, and a state dict that behaves exactly like a dict."""

from __future__ import annotations

from typing import Any

from asgi_lifespan_check.state import TrackedScope, TrackedState
from tests.helpers import assert_points_at, check, codes


def test_app_that_needs_state_fails_without_it_with_lc407() -> None:
    """A Starlette lifespan yielding state, run with --no-state, is LC407 'needs-state'."""
    run = check("st_state_apps:needs_state", "--no-state")
    assert run.rc == 1
    assert codes(run.report) == ["LC102", "LC407"]
    finding = run.finding("LC407")
    assert finding["details"]["problem"] == "needs-state"
    assert "needs scope['state']" in finding["message"]
    # Starlette looks for the state on behalf of the user's lifespan: that is the line.
    assert "routing.py" in finding["message"]
    assert_points_at(finding, "st_state_apps", "lifespan")


def test_app_that_needs_state_passes_with_it() -> None:
    """The same app passes when the server gives it a state."""
    run = check("st_state_apps:needs_state")
    assert run.rc == 0
    assert codes(run.report) == []
    assert run.report["state_keys"] == ["client"]


def test_app_replacing_the_state_dict_itself_is_lc407() -> None:
    """scope["state"] = {...} rebinds the app's copy of the scope only: the server keeps
    the dict it passed, and requests never see the values. LC407 at the assignment."""
    run = check("st_state_apps:rebinds_state")
    assert run.rc == 0  # a warning
    finding = run.finding("LC407")
    assert finding["details"]["problem"] == "state-replaced"
    assert "replaced scope['state']" in finding["message"]
    assert_points_at(finding, "st_state_apps", "rebind")


def test_replaced_value_between_startup_and_shutdown_is_lc407() -> None:
    """A state value replaced after startup is LC407 at the line that replaced it."""
    run = check("st_state_apps:replaces_value")
    assert run.rc == 0
    finding = run.finding("LC407")
    assert finding["details"] == {"problem": "changed", "replaced": ["client"], "removed": []}
    assert "replaced 'client'" in finding["message"]
    assert_points_at(finding, "st_state_apps", "replace")


def test_removed_value_between_startup_and_shutdown_is_lc407() -> None:
    """A state value removed after startup is LC407 at the line that removed it."""
    finding = check("st_state_apps:removes_value").finding("LC407")
    assert finding["details"]["removed"] == ["cache"]
    assert_points_at(finding, "st_state_apps", "remove")


def test_state_mutated_in_place_is_fine() -> None:
    """Mutating an object in the state (not replacing it) is not a finding."""
    assert codes(check("st_state_apps:behaves").report) == []


def test_shutdown_read_is_a_warning_under_other_servers() -> None:
    """Reading the state at shutdown passes under uvicorn, with a warning about granian."""
    run = check("st_granian_shutdown_read:app", "--emulate", "uvicorn")
    assert run.rc == 0
    finding = run.finding("LC407")
    assert "granian clears the state" in finding["message"]
    assert_points_at(finding, "st_granian_shutdown_read", "read")


def test_tracked_state_behaves_like_a_dict() -> None:
    """Every dict operation an app may use works and gives the plain-dict result."""
    state = TrackedState()
    plain: dict[str, Any] = {}
    for target in (state, plain):
        target["a"] = 1
        target.update({"b": 2}, c=3)
        target.setdefault("d", 4)
        target |= {"e": 5}
        del target["e"]
        target.pop("d")
    assert state == plain
    assert dict(state) == plain
    assert sorted(state) == sorted(plain)
    assert list(state.items()) == list(plain.items())
    assert state.get("zz", 9) == 9
    assert "a" in state
    assert state.copy() == plain
    assert type(state.copy()) is dict
    state.clear()
    assert state == {}


def test_tracked_state_records_phase_and_location() -> None:
    """Accesses are recorded with the phase and the caller's line."""
    state = TrackedState()
    state["db"] = object()
    state.snapshot("startup")
    state.snapshot("shutdown")
    value = state["db"]
    assert value is not None
    phases = [(a.phase, a.op, a.key) for a in state.accesses]
    assert phases == [("startup", "write", "db"), ("shutdown", "read", "db")]
    location = state.accesses[-1].location
    assert location is not None
    assert location.file == __file__


def test_server_side_operations_are_not_recorded() -> None:
    """The driver's own key listing and granian's clearing leave no trace of the app."""
    state = TrackedState()
    dict.__setitem__(state, "k", 1)
    assert state.key_list() == ["k"]
    state.server_clear()
    assert state.accesses == []
    assert state.cleared_by_server


def test_tracked_scope_notices_lookups_of_missing_state() -> None:
    """A scope without state records where the app looked for it, and only that."""
    scope = TrackedScope({"type": "lifespan"})
    assert "state" not in scope
    assert scope.get("state") is None
    assert scope["type"] == "lifespan"
    assert len(scope.state_lookups) == 2
    assert all(f is not None and f.file == __file__ for f in scope.state_lookups)
