"""JUnit XML: valid against the schema Jenkins uses, read correctly by junitparser, and
safe whatever text the app produces."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest
import xmlschema
from junitparser import Failure, JUnitXml, Skipped, TestSuite

from asgi_lifespan_check.render.junit import xml_safe
from tests.gate_helpers import APPS, SCHEMAS, marker, run_cli

ARGS = ["--app-dir", str(APPS), "--no-config", "--startup-timeout", "0.3"]
TARGETS = [
    "gate_ok:app",
    "gate_nasty:app",
    "gate_nasty:failed_message",
    "gate_hang:app",
    "gate_warns:app",
]


@cache
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "jenkins-junit-10.xsd"))


@cache
def junit_run() -> tuple[int, str]:
    run = run_cli([*ARGS, "-f", "junit", "-j", "2", *TARGETS])
    return run.rc, run.stdout


def suites() -> dict[str, TestSuite]:
    xml = JUnitXml.fromstring(junit_run()[1])
    return {suite.name: suite for suite in xml}


def test_report_validates_against_the_jenkins_schema() -> None:
    """The whole document, nasty app text included, is valid junit-10.xsd."""
    rc, text = junit_run()
    assert rc == 4
    schema().validate(text)


def test_one_suite_per_target_one_case_per_phase_with_time() -> None:
    """Each target is a testsuite; its phases (and "total") are testcases with a time."""
    found = suites()
    assert list(found) == TARGETS
    ok = found["gate_ok:app"]
    cases = {case.name: case for case in ok}
    assert list(cases) == ["import", "startup", "shutdown", "total"]
    assert all(case.classname == "gate_ok:app" for case in ok)
    assert all(case.time >= 0 for case in ok)
    phases = cases["import"].time + cases["startup"].time + cases["shutdown"].time
    assert cases["total"].time == pytest.approx(phases, abs=1e-5)
    assert (ok.tests, ok.failures, ok.errors) == (4, 0, 0)


def test_failures_carry_code_message_and_location() -> None:
    """A failing phase has one failure whose type is the code, with the user's line."""
    nasty = {case.name: case for case in suites()["gate_nasty:app"]}
    (failure,) = [r for r in nasty["startup"].result if isinstance(r, Failure)]
    assert failure.type == "LC101"
    assert failure.message.startswith("LC101 Startup raised an exception: startup raised")
    assert f"gate_nasty.py:{marker('gate_nasty', 'nasty')}" in failure.message
    assert "]]>" in failure.message  # escaped on the way in, intact on the way out
    assert any(isinstance(r, Skipped) for r in nasty["shutdown"].result)


def test_a_hang_fails_its_phase_with_the_timeout_code() -> None:
    """A startup hang is a failure of the startup case, typed LC103."""
    hang = {case.name: case for case in suites()["gate_hang:app"]}
    (failure,) = hang["startup"].result
    assert isinstance(failure, Failure)
    assert failure.type == "LC103"
    assert f"gate_hang.py:{marker('gate_hang', 'hangs')}" in failure.message


def test_warnings_do_not_fail_and_are_kept_in_system_out() -> None:
    """A warning is recorded in the case's system-out and is not a failure."""
    warns = suites()["gate_warns:app"]
    assert warns.failures == 0
    shutdown = {case.name: case for case in warns}["shutdown"]
    assert shutdown.is_passed
    assert "LC206 warning" in (shutdown.system_out or "")


def test_app_output_is_kept_in_the_suite_system_out() -> None:
    """What the app printed ends up in its suite's system-out, made XML-safe."""
    root = ET.fromstring(junit_run()[1])
    suite = root.find("testsuite[@name='gate_nasty:app']")
    assert suite is not None
    out = suite.find("system-out")
    assert out is not None
    assert out.text is not None
    assert "stdout with ]]> and \\x07 bell" in out.text


NASTY_TEXT = [
    "plain",
    "end]]>",
    "]]]]><![CDATA[>",
    "<failure>&amp;</failure>",
    "quotes \" and ' and tabs\tand\nnew\r\nlines",
    "nul \x00 bell \x07 escape \x1b[31m vt \x0b ff \x0c",
    "c1 controls \x80\x9f are allowed",
    "non-characters \ufffe \uffff",
    "lone surrogate \ud800 and \udfff",
    "astral \U0001f600 kept",
]


@pytest.mark.parametrize("text", NASTY_TEXT)
def test_xml_safe_text_survives_a_round_trip(text: str) -> None:
    """Any string, made XML-safe, parses back identical from an element and an attribute."""
    safe = xml_safe(text)
    element = ET.Element("failure", {"message": safe})
    element.text = safe
    parsed = ET.fromstring(ET.tostring(element, encoding="unicode"))
    assert parsed.text == safe
    assert parsed.get("message") == safe
    for char in safe:
        code = ord(char)
        assert (
            code in (0x9, 0xA)
            or 0x20 <= code <= 0xD7FF
            or 0xE000 <= code <= 0xFFFD
            or (code >= 0x10000)
        )


def test_junit_file_beside_a_terminal_report(tmp_path: Path) -> None:
    """--junit-xml FILE writes a valid report while stdout keeps the human report."""
    target = tmp_path / "reports" / "lifespan.xml"
    run = run_cli([*ARGS, "-f", "text", "--junit-xml", str(target), "gate_ok:app"])
    assert run.rc == 0
    assert run.stdout.startswith("lifespan-check gate_ok:app")
    schema().validate(target.read_text())
    assert [s.name for s in JUnitXml.fromfile(str(target))] == ["gate_ok:app"]
