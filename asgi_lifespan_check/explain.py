"""`lifespan-check explain [CODE...] [--format text|json]`: what each finding code means.

Parsed here rather than by typer: the command takes only codes and one option, and
answers without importing the CLI.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from . import findings
from .findings import EXIT_IO, EXIT_USAGE, PHASE_FAILED, PHASE_TIMEOUT

USAGE = """\
Usage: lifespan-check explain [CODE...] [--format text|json]

Explain finding codes: what each means, why it matters and how to fix it. Without a
code, list every code with its severity and title. Codes are case-insensitive
(lc103 is LC103); 'all' lists them all.

Options:
  -f, --format [text|json]  text (default) or a JSON array of the codes asked for.
  -h, --help                Show this message and exit.
"""


def main(args: list[str]) -> int:
    """Run the explain command on its arguments (those after `explain`); the exit code."""
    codes: list[str] = []
    format_ = "text"
    rest = iter(args)
    for arg in rest:
        if arg in ("-h", "--help"):
            return _write(USAGE)
        if arg in ("-f", "--format") or arg.startswith("--format="):
            value = arg.partition("=")[2] if "=" in arg else next(rest, "")
            if value not in ("text", "json"):
                return _usage(f"--format takes text or json, not {value!r}")
            format_ = value
        elif arg.startswith("-") and arg != "-":
            return _usage(f"explain has no option {arg!r}")
        else:
            codes.append(arg)
    listing = not codes or any(code.lower() == "all" for code in codes)
    entries = list(findings.CATALOGUE.values()) if listing else []
    for code in [] if listing else codes:
        entry = findings.lookup(code)
        if entry is None:
            known = ", ".join(findings.CATALOGUE)
            return _usage(f"unknown finding code {code!r}; known codes: {known}")
        entries.append(entry)
    if format_ == "json":
        return _write(json.dumps([_as_dict(e) for e in entries], indent=2) + "\n")
    if listing:
        return _write(_listing(entries))
    return _write("\n\n".join(_text(e) for e in entries) + "\n")


def _write(text: str) -> int:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        pass  # `explain | head`: the reader has what it wanted
    except OSError as exc:  # a full disk or a failing device: say so, not "a bug"
        sys.stderr.write(f"lifespan-check: cannot write to stdout: {exc.strerror or exc}\n")
        return EXIT_IO
    return 0


def _usage(message: str) -> int:
    sys.stderr.write(f"lifespan-check explain: {message} (see 'lifespan-check explain --help')\n")
    return EXIT_USAGE


def _listing(entries: list[findings.Code]) -> str:
    lines = [f"{entry.code}  {entry.severity:<7}  {entry.title}" for entry in entries]
    lines += ["", "Run 'lifespan-check explain CODE' for the full explanation of one code."]
    return "\n".join(lines) + "\n"


def _outcome(entry: findings.Code) -> str | None:
    if entry.outcome is None:
        return None
    return entry.outcome.replace(PHASE_TIMEOUT, "startup-timeout or shutdown-timeout").replace(
        PHASE_FAILED, "startup-failed, running-failed or shutdown-failed"
    )


def _text(entry: findings.Code) -> str:
    lines = [f"{entry.code} · {entry.title} · default severity: {entry.severity}"]
    outcome = _outcome(entry)
    if outcome:
        lines.append(f"When it is the first error: outcome {outcome}, exit code {entry.exit_code}.")
    return "\n".join([*lines, "", entry.explanation.strip()])


def _as_dict(entry: findings.Code) -> dict[str, Any]:
    return {
        "code": entry.code,
        "severity": entry.severity,
        "title": entry.title,
        "outcome": _outcome(entry),
        "exit_code": entry.exit_code if entry.outcome else None,
        "explanation": entry.explanation.strip(),
    }
