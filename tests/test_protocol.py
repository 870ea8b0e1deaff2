"""Protocol violations (LC301-LC304): named precisely, and located at the send() call."""

from __future__ import annotations

import pytest

from tests.helpers import assert_points_at, check, phase, stack_has

CASES = [
    pytest.param(
        "protocol_typo:app",
        "send",
        "LC301",
        "did you mean 'lifespan.startup.complete'?",
        id="lc301-typo",
    ),
    pytest.param(
        "protocol_not_lifespan:app",
        "send",
        "LC301",
        "'http.response.start' is not a lifespan message",
        id="lc301-http-message",
    ),
    pytest.param(
        "protocol_duplicate:app",
        "send",
        "LC302",
        "duplicate 'lifespan.startup.complete'",
        id="lc302-duplicate",
    ),
    pytest.param(
        "protocol_early_shutdown:app",
        "send",
        "LC302",
        "'lifespan.shutdown.complete' sent before 'lifespan.shutdown' was received",
        id="lc302-shutdown-complete-too-early",
    ),
    pytest.param(
        "protocol_send_first:app",
        "send",
        "LC303",
        "before its first receive()",
        id="lc303-send-before-receive",
    ),
    pytest.param(
        "protocol_malformed:not_a_dict",
        "not a dict",
        "LC304",
        "send() was given a list, not a dict",
        id="lc304-not-a-dict",
    ),
    pytest.param(
        "protocol_malformed:no_type",
        "no type",
        "LC304",
        "no 'type' key",
        id="lc304-no-type",
    ),
    pytest.param(
        "protocol_malformed:non_str_message",
        "non-str message",
        "LC304",
        "'message' of type int",
        id="lc304-non-str-message",
    ),
]


@pytest.mark.parametrize(("target", "tag", "code", "fragment"), CASES)
def test_violation_is_reported_at_the_line_that_called_send(
    target: str, tag: str, code: str, fragment: str
) -> None:
    """Each protocol violation has its own code, a precise message and the send() line."""
    run = check(target)
    assert run.rc == 1
    assert run.report["outcome"] == "protocol-error"
    assert run.report["exit_code"] == 1
    assert run.codes == [code]
    finding = run.finding(code)
    assert finding["severity"] == "error"
    assert fragment in finding["message"]
    module = target.partition(":")[0]
    assert_points_at(finding, module, tag)
    assert stack_has(finding, module, tag)


def test_violation_ends_the_startup_and_skips_shutdown() -> None:
    """After a protocol error in startup, startup failed and shutdown is not attempted."""
    run = check("protocol_typo:app")
    assert phase(run.report, "startup")["status"] == "failed"
    assert phase(run.report, "shutdown")["status"] == "skipped"
    assert [m["type"] for m in run.report["messages"] if m["direction"] == "receive"] == [
        "lifespan.startup"
    ]


def test_offending_message_appears_in_the_timeline() -> None:
    """The misspelled message that was sent is recorded in the messages list as sent."""
    run = check("protocol_typo:app")
    assert {"direction": "send", "type": "lifespan.startup.completed"}.items() <= next(
        m for m in run.report["messages"] if m["direction"] == "send"
    ).items()
