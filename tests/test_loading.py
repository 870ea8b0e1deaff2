"""Loading the target: module:attr, dotted attributes, factories, interfaces (LC002-LC006)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import APPS, Report, assert_points_at, check, codes, phase, run_cli


def assert_load_failed(report: Report, code: str) -> None:
    """The report says the target could not be loaded, with `code` as the only finding."""
    assert report["outcome"] == "load-failed"
    assert report["exit_code"] == 3
    assert report["passed"] is False
    assert codes(report) == [code]


def test_missing_module_is_lc002_naming_the_module() -> None:
    """A target module that does not exist is LC002, names the module, and exits 3."""
    run = check("no_such_module:app")
    assert run.rc == 3
    assert_load_failed(run.report, "LC002")
    assert "'no_such_module'" in run.finding("LC002")["message"]
    assert phase(run.report, "import")["status"] == "failed"
    assert phase(run.report, "startup")["status"] == "skipped"
    assert phase(run.report, "shutdown")["status"] == "skipped"


def test_missing_submodule_of_an_existing_package_names_the_submodule() -> None:
    """A package that exists with a missing submodule names the submodule and the package."""
    run = check("pkg_demo.missing:app")
    assert_load_failed(run.report, "LC002")
    message = run.finding("LC002")["message"]
    assert "'pkg_demo.missing'" in message
    assert "package 'pkg_demo'" in message


def test_misspelled_submodule_suggests_the_module_that_exists() -> None:
    """A near miss of a module in the package gets a did-you-mean with the real name."""
    run = check("pkg_demo.mian:app")
    assert_load_failed(run.report, "LC002")
    assert "'main'" in (run.finding("LC002")["hint"] or "")


def test_module_in_a_package_loads() -> None:
    """A dotted module path inside a package is imported and checked."""
    run = check("pkg_demo.main:app")
    assert run.rc == 0
    assert run.report["outcome"] == "ok"


@pytest.mark.parametrize(
    ("module", "fragments"),
    [
        pytest.param(
            "import_missing_dep",
            ["'definitely_not_installed_dependency'", "not installed"],
            id="missing-dependency",
        ),
        pytest.param(
            "import_bad_name",
            ["ImportError", "this_name_does_not_exist"],
            id="importerror-of-a-name",
        ),
        pytest.param("broken_syntax", ["SyntaxError", "expected ':'"], id="syntax-error"),
        pytest.param(
            "import_raises", ["LookupError", "setting 'DATABASE_URL' is not set"], id="raises"
        ),
    ],
)
def test_module_raising_at_import_is_lc003_at_the_users_line(
    module: str, fragments: list[str]
) -> None:
    """A module that raises while importing is LC003 pointing at the line that raised."""
    tag = {"broken_syntax": "syntax", "import_raises": "raise"}.get(module, "import")
    run = check(f"{module}:app")
    assert_load_failed(run.report, "LC003")
    finding = run.finding("LC003")
    for fragment in fragments:
        assert fragment in finding["message"]
    assert_points_at(finding, module, tag)


def test_missing_dependency_is_not_reported_as_a_missing_target() -> None:
    """An ImportError inside an existing module is told apart from the module being absent."""
    run = check("import_missing_dep:app")
    assert "LC002" not in run.codes
    assert "'import_missing_dep'" in run.finding("LC003")["message"]


def test_missing_attribute_is_lc004_with_the_close_names() -> None:
    """A missing attribute is LC004, naming the attribute and the close names that exist."""
    run = check("attrs_demo:app")
    assert_load_failed(run.report, "LC004")
    message = run.finding("LC004")["message"]
    assert "no attribute 'app'" in message
    assert "'apps'" in message
    assert "'application'" in message


def test_missing_last_part_of_a_dotted_attribute_names_that_part() -> None:
    """In mod:container.app the message names the missing part and what container holds."""
    run = check("attrs_demo:container.app")
    assert_load_failed(run.report, "LC004")
    message = run.finding("LC004")["message"]
    assert "'attrs_demo:container'" in message
    assert "no attribute 'app'" in message
    assert "'application'" in message


def test_dotted_attribute_is_followed() -> None:
    """A dotted attribute path reaches the app inside a container object."""
    run = check("attrs_demo:container.application")
    assert run.rc == 0
    assert run.report["outcome"] == "ok"


@pytest.mark.parametrize(
    ("attr", "fragment"),
    [
        pytest.param("nothing", "None", id="none"),
        pytest.param("number", "int", id="int"),
        pytest.param("a_module", "a module (os)", id="module"),
        pytest.param("wsgi_app", "WSGI", id="wsgi"),
        pytest.param("starlette_class", "the class Starlette itself", id="class"),
        pytest.param("lifespan", "context manager function", id="lifespan-function"),
        pytest.param("Database", "instances are not even callable", id="plain-class"),
        pytest.param("create_app", "pass --factory", id="factory-without-flag"),
        pytest.param("unknowable", "RuntimeError: no backend for", id="getattr-raises"),
    ],
)
def test_object_that_is_not_an_asgi_app_is_lc005(attr: str, fragment: str) -> None:
    """An object that is not an ASGI application is LC005, saying what it is instead."""
    run = check(f"not_apps:{attr}")
    assert_load_failed(run.report, "LC005")
    finding = run.finding("LC005")
    assert fragment in f"{finding['message']} {finding['hint']}"
    assert phase(run.report, "startup")["status"] == "skipped"


def test_factory_that_raises_is_lc006_at_the_users_line() -> None:
    """A factory that raises is LC006 with the exception and the line in the factory."""
    run = check("factories:raising_factory", "--factory")
    assert_load_failed(run.report, "LC006")
    finding = run.finding("LC006")
    assert "ValueError" in finding["message"]
    assert "no configuration for environment 'staging'" in finding["message"]
    assert_points_at(finding, "factories", "raise")
    assert phase(run.report, "factory")["status"] == "failed"


@pytest.mark.parametrize(
    ("attr", "fragment"),
    [
        pytest.param("none_factory", "returned None", id="returns-none"),
        pytest.param("async_factory", "awaitable", id="async-factory"),
    ],
)
def test_factory_that_returns_no_app_is_lc006(attr: str, fragment: str) -> None:
    """A factory that returns something other than an app is LC006, saying what it returned."""
    run = check(f"factories:{attr}", "--factory")
    assert_load_failed(run.report, "LC006")
    assert fragment in run.finding("LC006")["message"]
    assert phase(run.report, "factory")["status"] == "failed"


def test_factory_call_is_timed_as_its_own_phase() -> None:
    """With --factory the call is a phase of its own, between import and startup."""
    run = check("factories:create_app", "--factory")
    assert run.rc == 0
    names = [p["name"] for p in run.report["phases"]]
    assert names == ["import", "factory", "startup", "shutdown"]
    factory = phase(run.report, "factory")
    assert factory["status"] == "ok"
    assert 0.2 <= factory["duration_s"] < 1.0


@pytest.mark.parametrize(
    ("attr", "interface"),
    [
        pytest.param("LegacyApp", "asgi2", id="asgi2-class"),
        pytest.param("legacy_function", "asgi2", id="asgi2-function"),
        pytest.param("asgi3_instance", "asgi3", id="asgi3-instance"),
        pytest.param("lazy_proxy", "asgi3", id="getattr-raises"),
    ],
)
def test_interface_is_detected_and_the_app_is_driven(attr: str, interface: str) -> None:
    """ASGI2 double callables (class and function) and ASGI3 instances are driven to a pass."""
    run = check(f"asgi2_apps:{attr}")
    assert run.rc == 0
    assert run.report["interface"] == interface
    assert run.report["outcome"] == "ok"
    assert [m["type"] for m in run.report["messages"]] == [
        "lifespan.startup",
        "lifespan.startup.complete",
        "lifespan.shutdown",
        "lifespan.shutdown.complete",
    ]


def test_setting_read_at_import_without_env_file_points_at_the_read() -> None:
    """Without --env-file, a setting read at import is LC003 at the line that reads it."""
    run = check("env_app:app")
    finding = run.finding("LC003")
    assert "LC_TEST_GREETING" in finding["message"]
    assert_points_at(finding, "env_app", "read")


def test_target_named_like_a_loaded_stdlib_module_is_lc002(tmp_path: Path) -> None:
    """An app file called json.py can never be imported as `json`: LC002 says so and why,
    instead of the tool's own imports breaking on it."""
    (tmp_path / "json.py").write_text("async def app(scope, receive, send):\n    await receive()\n")
    run = run_cli(["--format", "json", "json:app"], cwd=tmp_path, timeout=30)
    assert run.rc == 3
    finding = run.finding("LC002")
    assert "standard library" in finding["message"]
    assert str(tmp_path / "json.py") in finding["message"]


def test_factory_flag_on_an_app_says_to_drop_it() -> None:
    """--factory given an app object (not a factory) is LC006 saying it is already an app."""
    run = check("ok:app", "--factory")
    assert_load_failed(run.report, "LC006")
    finding = run.finding("LC006")
    assert "already an ASGI application" in finding["message"]
    assert finding["hint"] == "drop --factory"


@pytest.mark.parametrize("isolation", ["--isolate", "--no-isolate"])
@pytest.mark.parametrize(
    ("target", "options", "module", "phase_name"),
    [
        pytest.param("import_hangs:app", [], "import_hangs", "import", id="import"),
        pytest.param(
            "factory_hangs:create_app", ["--factory"], "factory_hangs", "factory", id="factory"
        ),
    ],
)
def test_import_or_factory_past_its_timeout_is_lc007_at_the_line(
    target: str, options: list[str], module: str, phase_name: str, isolation: str
) -> None:
    """A module (or factory) that blocks past --import-timeout is reported at the
    deadline as LC007 with the timeout and the line it was on, exit 4."""
    # A real process: in-process, the watchdog ends the process at the deadline.
    run = run_cli(["--app-dir", str(APPS), "--import-timeout", "0.5", isolation, *options, target])
    assert run.rc == 4
    assert run.report["outcome"] == "load-failed"
    finding = run.finding("LC007")
    assert finding["phase"] == phase_name
    assert "0.5 s" in finding["message"]
    assert_points_at(finding, module, "hang")
    assert phase(run.report, phase_name)["status"] == "timeout"
    assert run.report["duration_s"] < 30


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        pytest.param(
            ["--factory", "not_apps:number"], "not_apps:number is an int, not callable", id="an-int"
        ),
        pytest.param(["os:path"], "e.g. os.path:app", id="module-hint-as-written"),
    ],
)
def test_load_failures_read_as_written(args: list[str], fragment: str) -> None:
    """Messages say "an int", and a module's hint names it as the target did (os.path,
    not its real name posixpath)."""
    run = run_cli(["--no-config", "--app-dir", str(APPS), *args])
    assert run.rc == 3
    (finding,) = run.report["findings"]
    assert fragment in f"{finding['message']} hint: {finding['hint']}"
    assert "posixpath:app" not in run.stdout


@pytest.mark.parametrize("target", ["ok.:app", "ok..x:app", "ok:.app"])
def test_an_empty_part_in_a_dotted_path_is_called_malformed(target: str) -> None:
    """A stray '.' in the module or attribute path is named as such, not as the empty
    string being an invalid identifier."""
    run = run_cli(["--no-config", "--app-dir", str(APPS), target], json_output=False)
    assert run.rc == 2
    assert "path" in run.stderr, run.stderr
    assert "is malformed: it has a leading, trailing or doubled" in run.stderr
    assert "''" not in run.stderr


def test_a_target_given_twice_is_checked_once_and_said_so() -> None:
    """ok:app ok:app checks once (one report) with one notice line on stderr."""
    run = run_cli(["--no-config", "--app-dir", str(APPS), "ok:app", "ok:app"])
    assert run.rc == 0
    assert run.report["target"] == "ok:app"  # one target: the single-report schema
    notices = [line for line in run.stderr.splitlines() if "more than once" in line]
    assert notices == [
        "lifespan-check: ok:app given more than once: checked once "
        "(--repeat N runs a check N times)"
    ]
