"""The catalogue of finding codes as users meet it: `--explain CODE` for every code."""

from __future__ import annotations

import pytest

from tests.helpers import invoke

# The codes the core and the isolation produce, with the outcome they decide (None for
# codes that never decide one) and the exit code given in the table.
CODES: list[tuple[str, str, str | None, int]] = [
    ("LC002", "error", "load-failed", 3),
    ("LC003", "error", "load-failed", 3),
    ("LC004", "error", "load-failed", 3),
    ("LC005", "error", "load-failed", 3),
    ("LC006", "error", "load-failed", 3),
    ("LC101", "error", "startup-failed", 1),
    ("LC102", "error", "startup-failed", 1),
    ("LC103", "error", "startup-timeout", 4),
    ("LC105", "error", "protocol-error", 1),
    ("LC106", "warning", "unsupported", 1),
    ("LC107", "warning", "unsupported", 1),
    ("LC109", "error", "running-failed", 1),
    ("LC111", "error", "startup-failed, running-failed or shutdown-failed", 1),
    ("LC201", "error", "shutdown-failed", 1),
    ("LC202", "error", "shutdown-failed", 1),
    ("LC203", "error", "shutdown-timeout", 4),
    ("LC205", "error", "protocol-error", 1),
    ("LC206", "warning", None, 1),
    ("LC301", "error", "protocol-error", 1),
    ("LC302", "error", "protocol-error", 1),
    ("LC303", "error", "protocol-error", 1),
    ("LC304", "error", "protocol-error", 1),
    ("LC401", "warning", None, 1),
    ("LC402", "warning", None, 1),
    ("LC410", "warning", None, 1),
    ("LC411", "error", None, 1),
    ("LC601", "error", "crashed", 5),
    ("LC602", "error", "crashed", 5),
]


@pytest.mark.parametrize(
    ("code", "severity", "outcome", "exit_code"), CODES, ids=[c[0] for c in CODES]
)
def test_every_code_is_explained(
    code: str, severity: str, outcome: str | None, exit_code: int
) -> None:
    """`--explain CODE` prints the code, its default severity, its outcome and how to fix it."""
    run = invoke(["--explain", code])
    assert run.rc == 0
    first = run.stdout.splitlines()[0]
    assert first.startswith(f"{code} · ")
    assert first.endswith(f"default severity: {severity}")
    if outcome is not None:
        assert f"outcome {outcome}, exit code {exit_code}." in run.stdout
    assert "How to fix" in run.stdout
    assert len(run.stdout.split()) > 30  # a real explanation, not just a title


def test_lc104_explains_both_of_its_outcomes() -> None:
    """LC104 decides a startup or shutdown timeout depending on the phase; --explain says so."""
    run = invoke(["--explain", "LC104"])
    assert run.rc == 0
    decides = next(line for line in run.stdout.splitlines() if "exit code" in line)
    assert "startup" in decides
    assert "shutdown" in decides
    assert "exit code 4" in decides
