"""Renderers: one module per format, each a pure function of a Report.

Only `terminal.py` imports rich, and only when a rich report is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..report import Report
    from ..results import Results

FORMATS = ("rich", "json", "junit", "github", "text")
# Formats of a whole invocation only: the stderr summary and the GitHub job summary.
EXTRA_FORMATS = ("summary", "markdown")


def render(report: Report, fmt: str, **options: Any) -> str:
    """The report as text in format `fmt`."""
    if fmt == "json":
        from .json import render as render_json

        return render_json(report, ascii_only=bool(options.get("ascii_only")))
    if fmt == "text":
        from .text import render as render_text

        return render_text(report, **options)
    if fmt == "rich":
        from .terminal import render as render_rich

        return render_rich(report, **options)
    if fmt in ("junit", "github", *EXTRA_FORMATS):
        from ..results import Results

        return render_results(Results((report,)), fmt, **options)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def render_results(results: Results, fmt: str, **options: Any) -> str:
    """The reports of a whole invocation (one or several targets) in format `fmt`."""
    if fmt == "junit":
        from .junit import render as render_junit

        return render_junit(results)
    if fmt == "github":
        from .github import render as render_github

        return render_github(results)
    if fmt == "summary":
        from .summary import render as render_summary

        return render_summary(results)
    if fmt == "markdown":
        from .markdown import render as render_markdown

        return render_markdown(results)
    if results.single:
        return render(results.reports[0], fmt, **options)
    if fmt == "json":
        from .json import render_many as render_json_many

        return render_json_many(results, ascii_only=bool(options.get("ascii_only")))
    if fmt == "text":
        from .text import render_many as render_text_many

        return render_text_many(results, **options)
    if fmt == "rich":
        from .terminal import render_many as render_rich_many

        return render_rich_many(results, **options)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
