"""The server outlook: the measured matrix as data, and the rows each kind of app gets."""

from __future__ import annotations

from typing import Any

import pytest

from asgi_lifespan_check import servers
from asgi_lifespan_check.model import Finding
from asgi_lifespan_check.report import Report
from tests.helpers import check, run_cli

# One app per behaviour row, with the arguments that make it show, and the findings that
# put the row into the outlook.
ROWS: list[tuple[str, str, tuple[str, ...], list[str]]] = [
    ("raises-before-receive", "outlook_apps:raises_before_receive", (), ["LC106"]),
    ("raises-in-startup", "outlook_apps:raises_in_startup", (), ["LC101"]),
    ("startup-failed-message", "fw_fastapi_lifespan_raises:app", (), ["LC102"]),
    ("hangs", "fw_starlette_hangs:app", ("--startup-timeout", "0.5"), ["LC103"]),
    ("blocks-loop", "outlook_apps:blocks_loop", ("--block-threshold", "0.1"), ["LC104"]),
    ("returns-without-reply", "outlook_apps:returns_without_reply", (), ["LC105"]),
    ("duplicate-complete", "outlook_apps:duplicate_complete", (), ["LC302"]),
    ("unknown-message", "outlook_apps:unknown_message", (), ["LC301"]),
    ("shutdown-fails", "outlook_apps:shutdown_fails", (), ["LC202"]),
    ("dies-while-running", "outlook_apps:dies_while_running", ("--hold", "0.2"), ["LC109"]),
    ("leaked-thread", "outlook_apps:leaks_thread", (), ["LC402", "LC408"]),
    ("asgi2", "outlook_apps:Asgi2App", (), ["LC406"]),
    ("mounted-lifespan-never-runs", "fw_starlette_mounted_lifespan:app", (), ["LC403"]),
    ("lifespan-cut-off", "fw_middleware_answers_lifespan:app", (), ["LC404"]),
    ("on-event-ignored", "fw_fastapi_lifespan_and_on_event:app", (), ["LC405"]),
    ("reads-state-at-shutdown", "st_granian_shutdown_read:app", (), ["LC407"]),
    ("clean", "outlook_apps:clean", (), []),
]


def cells(row: dict[str, Any]) -> dict[str, str]:
    return {c["server"]: c["text"] for c in row["servers"]}


def test_every_behaviour_of_the_table_has_an_app() -> None:
    """The row-by-row test below covers every row of the data table."""
    assert sorted(b for b, *_ in ROWS) == sorted(servers.BEHAVIOURS)


@pytest.mark.parametrize(("behaviour", "target", "args", "codes"), ROWS, ids=[r[0] for r in ROWS])
def test_outlook_row_for_each_behaviour(
    behaviour: str, target: str, args: tuple[str, ...], codes: list[str]
) -> None:
    """A real run of an app showing the behaviour gets exactly that row, with its codes."""
    report = check(target, *args).report
    rows = report["server_outlook"]
    assert [r["behaviour"] for r in rows] == [behaviour]
    assert rows[0]["codes"] == codes
    assert cells(rows[0]) == {c.server: c.text for c in servers.BEHAVIOURS[behaviour].cells}


def test_measured_cells_say_what_the_issue_measured() -> None:
    """Spot checks of the measured matrix: the cells that surprise people most."""
    table = servers.BEHAVIOURS
    assert table["raises-before-receive"].cell("uvicorn-on").text == "exits 3"
    assert "unsupported" in table["raises-before-receive"].cell("uvicorn-auto").text
    assert "LifespanNotSupported" in table["raises-before-receive"].cell("asgi-lifespan").text
    assert table["startup-failed-message"].cell("hypercorn").text == "logs it, then exits 0"
    assert table["startup-failed-message"].cell("granian").text == "exits 1"
    assert "TestClient" in table["startup-failed-message"].cell("asgi-lifespan").text
    assert "60 s" in table["hangs"].cell("hypercorn").text
    assert "SIGINT" in table["hangs"].cell("granian").text
    assert "5 s" in table["hangs"].cell("asgi-lifespan").text
    assert table["unknown-message"].cell("granian").text == "KeyError"
    assert table["asgi2"].cell("hypercorn").tone == "silent"
    assert {c.text for c in table["shutdown-fails"].cells[:4]} == {"exits 0"}


def test_table_rows_have_every_server_in_order() -> None:
    """Each row has one cell per server, in the column order, with a known tone."""
    keys = [key for key, _ in servers.SERVERS]
    for row in servers.BEHAVIOURS.values():
        assert [c.server for c in row.cells] == keys
        assert all(c.tone in ("ok", "loud", "silent", "hang") for c in row.cells)
        assert all(c.text for c in row.cells)


def _finding(code: str, severity: str = "warning", **details: Any) -> Finding:
    return Finding(code, severity, "startup", "t", "message", details=details)  # type: ignore[arg-type]


def test_lc104_is_a_late_start_even_at_a_deadline() -> None:
    """A blocked loop makes servers start late, whether or not it missed our deadline:
    they have no deadline, and a 1.5 s block is not a hang for them."""
    assert servers.behaviour_of(_finding("LC104", "error")) == "blocks-loop"
    assert servers.behaviour_of(_finding("LC104", "warning")) == "blocks-loop"


def test_duplicate_is_read_from_the_findings_details_not_its_wording() -> None:
    """The outlook keys a duplicate answer on details["problem"], set by the protocol."""
    duplicate = Finding(
        "LC302", "error", "startup", "t", "reworded", details={"problem": "duplicate"}
    )
    assert servers.behaviour_of(duplicate) == "duplicate-complete"


def test_out_of_order_messages_and_other_state_problems_have_no_row() -> None:
    """Only a duplicate LC302 and the read-at-shutdown LC407 map to measured rows."""
    out_of_order = Finding("LC302", "error", "startup", "t", "'x' sent while starting")
    assert servers.behaviour_of(out_of_order) is None
    assert servers.behaviour_of(_finding("LC407", problem="changed")) is None
    assert servers.behaviour_of(_finding("LC407", problem="read-at-shutdown")) == (
        "reads-state-at-shutdown"
    )


@pytest.mark.parametrize("outcome", ["load-failed", "crashed", "interrupted"])
def test_no_outlook_when_the_app_never_got_to_its_lifespan(outcome: str) -> None:
    """Load failures, crashes and interrupts say nothing about servers."""
    report = Report(target="a:b", passed=False, outcome=outcome, exit_code=3, interface="asgi3")
    assert servers.outlook(report) == ()


def test_outlook_survives_a_json_round_trip() -> None:
    """server_outlook read back with Report.from_dict is the same value."""
    report = Report.from_dict(check("fw_starlette_mounted_lifespan:app").report)
    again = Report.from_dict(report.to_dict())
    assert again.server_outlook == report.server_outlook
    assert again.server_outlook[0].behaviour == "mounted-lifespan-never-runs"


def test_outlook_in_the_text_report() -> None:
    """The text report lists each server's fate for the behaviour the app showed."""
    run = check("outlook_apps:raises_before_receive", "--format", "text")
    assert "server outlook" in run.stdout
    assert "it raises before its first receive() [LC106]:" in run.stdout
    assert "uvicorn --lifespan on       exits 3" in run.stdout
    assert "asgi-lifespan / TestClient  raises LifespanNotSupported" in run.stdout


def test_outlook_in_the_rich_report_at_terminal_width() -> None:
    """The rich report (forced colour, 100 columns) has the outlook table, one row a server."""
    run = run_cli(
        ["--format", "rich", "--app-dir", "tests/apps", "fw_fastapi_lifespan_and_on_event:app"],
        env={"COLUMNS": "100", "FORCE_COLOR": "1"},
        json_output=False,
    )
    assert run.rc == 0
    assert "Server outlook" in run.stdout
    assert "on_event handlers shadowed by lifespan=" in run.stdout
    for label in ("uvicorn --lifespan on", "hypercorn", "granian", "asgi-lifespan / TestClient"):
        assert label in run.stdout
    assert "\x1b[" in run.stdout  # coloured by tone
    assert max(len(line) for line in _plain(run.stdout).splitlines()) <= 100


def _plain(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_outlook_follows_findings_added_after_the_build() -> None:
    """Findings added to a built report (the supervisor's) update its outlook too."""
    from asgi_lifespan_check import findings
    from asgi_lifespan_check.report import with_findings

    report = Report.from_dict(check("outlook_apps:clean").report)
    assert [r.behaviour for r in report.server_outlook] == ["clean"]
    leak = findings.make("LC408", phase="shutdown", message="a thread held the interpreter")
    updated = with_findings(report, [leak])
    assert [r.behaviour for r in updated.server_outlook] == ["leaked-thread"]
