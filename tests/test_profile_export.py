"""--profile-output: speedscope and Chrome trace files that their viewers can open.

Both are validated against a schema (speedscope's published one, vendored; ours for the
trace event format, see tests/schemas/README.md) and then for what a schema cannot say:
evented frames open and close in order, slices on one track nest, every index is valid.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from asgi_lifespan_check.export import format_for
from tests.helpers import APPS, marker, run_cli

SCHEMAS = Path(__file__).resolve().parent / "schemas"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Both export files of one profiled FastAPI run, read back."""
    out = tmp_path_factory.mktemp("export")
    files = {"speedscope": out / "boot.speedscope.json", "chrome": out / "boot.trace.json"}
    for fmt, path in files.items():
        proc = run_cli(
            [
                "--format",
                "json",
                "--profile-output",
                str(path),
                "--app-dir",
                str(APPS),
                "profile_costs_fastapi:app",
            ]
        )
        assert proc.rc == 0, proc.stderr
        assert f"profile written to {path} ({fmt}" in proc.stderr
        assert proc.report["profile"] is not None  # --profile-output implies it
    return {fmt: json.loads(path.read_text()) for fmt, path in files.items()}


def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / name).read_text())
    return schema


def test_speedscope_file_matches_the_published_schema(exported: dict[str, Any]) -> None:
    """The speedscope file validates against speedscope's file-format schema."""
    jsonschema.Draft6Validator(_schema("speedscope-file-format-schema.json")).validate(
        exported["speedscope"]
    )


def test_speedscope_profiles_are_consistent(exported: dict[str, Any]) -> None:
    """Sampled stacks point at real frames, weights match samples, evented frames nest."""
    data = exported["speedscope"]
    frames = data["shared"]["frames"]
    names = [p["name"] for p in data["profiles"]]
    assert names == [
        "import",
        "startup: lifespan",
        "startup: concurrent tasks and threads",
        "shutdown: lifespan",
    ]
    assert data["profiles"][data["activeProfileIndex"]]["name"] == "startup: lifespan"
    for profile in data["profiles"]:
        if profile["type"] == "sampled":
            assert len(profile["samples"]) == len(profile["weights"])
            assert all(0 <= i < len(frames) for s in profile["samples"] for i in s)
            assert profile["endValue"] == pytest.approx(sum(profile["weights"]), abs=0.01)
        else:
            opened: list[int] = []
            last = 0.0
            for event in profile["events"]:
                assert event["at"] >= last
                last = event["at"]
                if event["type"] == "O":
                    opened.append(event["frame"])
                else:
                    assert opened.pop() == event["frame"]
            assert not opened
    startup = data["profiles"][1]
    assert sum(startup["weights"]) == pytest.approx(540, rel=0.15)  # ms, the startup


def test_speedscope_frames_name_the_users_code(exported: dict[str, Any]) -> None:
    """The frames carry file and line, and awaited time ends in an 'awaiting' leaf."""
    frames = exported["speedscope"]["shared"]["frames"]
    connect = next(f for f in frames if f["name"] == "connect_db")
    assert Path(connect["file"]).resolve() == (APPS / "profile_costs.py").resolve()
    assert connect["line"] == marker("profile_costs", "connect") - 1  # its def line
    startup = exported["speedscope"]["profiles"][1]
    index = frames.index(connect)
    leaves = {frames[s[-1]]["name"] for s in startup["samples"] if index in s}
    assert leaves == {"(awaiting Future)"}
    assert any(f["name"] == "[task Task-3]" for f in frames)


def test_chrome_trace_matches_the_trace_event_format(exported: dict[str, Any]) -> None:
    """The trace validates against the trace event format's JSON object form."""
    jsonschema.Draft6Validator(_schema("chrome-trace-event-format.schema.json")).validate(
        exported["chrome"]
    )


def test_chrome_trace_tracks_nest_and_are_named(exported: dict[str, Any]) -> None:
    """Each track is named, its slices nest, and it holds the phases and the user's steps."""
    events = exported["chrome"]["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in events if e["name"] == "thread_name"}
    slices = [e for e in events if e["ph"] == "X"]
    assert {e["tid"] for e in slices} <= set(names)
    assert {"phases", "imports", "lifespan (your code)", "task Task-3"} <= set(names.values())
    for tid, track in names.items():
        ends: list[float] = []
        for event in sorted(
            (e for e in slices if e["tid"] == tid), key=lambda e: (e["ts"], -e["dur"])
        ):
            while ends and ends[-1] <= event["ts"] + 10:  # µs: sample times are rounded
                ends.pop()
            end = event["ts"] + event["dur"]
            assert not ends or end <= ends[-1] + 0.2, (track, event)
            ends.append(end)
    phases = {e["name"]: e for e in slices if e["cat"] == "phase"}
    assert set(phases) == {"import", "startup", "shutdown"}
    steps = {e["name"] for e in slices if names[e["tid"]] == "lifespan (your code)"}
    assert {"connect_db", "warm_cache", "build_index", "load_model", "fan_out"} <= steps
    connect = next(e for e in slices if e["name"] == "connect_db")
    assert connect["dur"] == pytest.approx(200_000, rel=0.1)
    for step, took in (("warm_cache", 100_000), ("build_index", 100_000), ("fan_out", 80_000)):
        event = next(e for e in slices if e["name"] == step)
        assert event["dur"] >= 0.8 * took, event  # a step is never squeezed by its neighbour
    startup = phases["startup"]
    # Span times are rounded to the microsecond.
    assert startup["ts"] - 1 <= connect["ts"] <= startup["ts"] + startup["dur"]
    messages = [e["name"] for e in events if e["ph"] == "i"]
    assert messages[:2] == ["lifespan.startup", "lifespan.startup.complete"]


@pytest.mark.parametrize(
    ("path", "explicit", "expected"),
    [
        ("boot.speedscope.json", None, "speedscope"),
        ("boot.json", None, "speedscope"),
        ("boot.trace.json", None, "chrome"),
        ("BOOT.TRACE", None, "chrome"),
        ("boot.json", "chrome", "chrome"),
        ("boot.trace.json", "speedscope", "speedscope"),
    ],
)
def test_format_follows_the_extension_unless_told(
    path: str, explicit: str | None, expected: str
) -> None:
    """*.trace.json and *.trace mean a Chrome trace, anything else speedscope;
    --profile-format wins."""
    assert format_for(path, explicit) == expected


def test_profile_format_overrides_the_extension(tmp_path: Path) -> None:
    """--profile-format chrome writes a trace even to a file named .json."""
    path = tmp_path / "boot.json"
    proc = run_cli(
        [
            "--format",
            "json",
            "--profile-output",
            str(path),
            "--profile-format",
            "chrome",
            "--app-dir",
            str(APPS),
            "profile_trio:app",
        ]
    )
    assert proc.rc == 0, proc.stderr
    assert "traceEvents" in json.loads(path.read_text())
