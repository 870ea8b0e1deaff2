"""Where the results go: which text is written to stdout, stderr and which files.

Pure: `plan_writes` returns the writes and command.py carries them out. The rules:

- the chosen format goes to stdout;
- when stdout is machine-readable (json, junit, github), a short human summary goes to
  stderr, so a CI log still says what happened;
- --json FILE and --junit-xml FILE get their payloads beside whatever stdout shows;
- with --format github and $GITHUB_STEP_SUMMARY set, a Markdown summary is appended there
  (best effort: the runner creates that file, and a failure must not hide the verdict).
"""

from __future__ import annotations

from dataclasses import dataclass

from .render import render_results
from .results import Results

MACHINE_FORMATS = ("json", "junit", "github")


@dataclass(frozen=True, slots=True)
class Write:
    """One piece of output: where it goes ("stdout", "stderr" or a file path) and what.

    A `best_effort` write is an extra nobody asked for by name: its failure is a warning
    that leaves the exit code alone, and no folder is created for it.
    """

    to: str
    text: str
    what: str = "the report"
    append: bool = False
    best_effort: bool = False


def plan_writes(
    results: Results,
    fmt: str,
    *,
    json_file: str | None = None,
    junit_file: str | None = None,
    step_summary: str | None = None,
    width: int | None = None,
    token: str = "lifespan-check",
    top: int = 10,
    encoding: str = "utf-8",
) -> list[Write]:
    """Every write for these results, in the order they should happen; `encoding` is
    stdout's."""
    writes = []
    if fmt in MACHINE_FORMATS:
        summary = render_results(results, "summary")
        if fmt == "github":
            # The summary quotes app text; stop the runner from reading it as commands.
            summary = f"::stop-commands::{token}\n{summary}::{token}::\n"
        writes.append(Write("stderr", summary, "the summary"))
    text = render_results(results, fmt, width=width, top=top)
    if fmt == "json" and not _encodable(text, encoding):
        # stdout escapes what it cannot encode, and "\\xe9" would break the JSON: JSON's
        # own escapes keep the same document valid in any encoding.
        text = render_results(results, fmt, ascii_only=True)
    if text:  # a passing run in github format has nothing to annotate
        writes.append(Write("stdout", text if text.endswith("\n") else text + "\n"))
    if json_file:
        writes.append(Write(json_file, render_results(results, "json") + "\n", "the JSON report"))
    if junit_file:
        writes.append(Write(junit_file, render_results(results, "junit"), "the JUnit XML report"))
    if fmt == "github" and step_summary:
        writes.append(
            Write(
                step_summary,
                render_results(results, "markdown"),
                "the job summary",
                append=True,
                best_effort=True,
            )
        )
    return writes


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True
