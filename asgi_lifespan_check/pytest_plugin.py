"""The pytest plugin (entry point `pytest11: lifespan_check`).

Two ways in:

- the `lifespan_check` fixture, for tests that hold the app object or want to look at
  the report: `report = lifespan_check(app, max_startup=2.0)` checks in-process and
  fails the test, with the plain-text report, unless the app starts and stops cleanly
  within budget. Async tests `await lifespan_check.acheck(app)`, which runs on the
  test's own event loop (pytest-asyncio, anyio's plugin, asyncio or trio).
- `--lifespan-check TARGET` (repeatable), or the `lifespan_check` ini key, adds one test
  item per "module:attr" target, checked in a child interpreter as the command line
  does. No test has to be written, and a failure is the report and nothing else.

A marker (`@pytest.mark.lifespan_check("app:app")`) was left out on purpose: it needs a
test function whose body means nothing, and `pytestmark` on a module or class would
run the same check once per test. The option says exactly what it does: one item per
target, configured once for the project.

Importing this module costs nothing beyond pytest itself: the checker is imported when
a check runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from typing import Unpack

    from _pytest._code.code import TerminalRepr

    from .api import CheckOptions
    from .report import Report

_BUDGETS = ("max_import", "max_startup", "max_shutdown", "max_total")
_FLOAT_SETTINGS = ("timeout", *_BUDGETS)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lifespan-check", "ASGI lifespan checks (asgi-lifespan-check)")
    group.addoption(
        "--lifespan-check",
        action="append",
        default=[],
        dest="lifespan_check",
        metavar="TARGET",
        help="Add a test item that checks the ASGI app TARGET (module:attr) in a child "
        "interpreter. Repeatable; adds to the 'lifespan_check' ini targets.",
    )
    group.addoption(
        "--lifespan-check-app-dir",
        dest="lifespan_check_app_dir",
        metavar="DIR",
        help="Directory put first on sys.path to import the targets (default: the ini "
        "file's directory, else the rootdir).",
    )
    group.addoption(
        "--lifespan-check-timeout",
        dest="lifespan_check_timeout",
        metavar="SECONDS",
        help="Startup and shutdown timeout of the items (default: 60 and 30).",
    )
    for budget in _BUDGETS:
        phase = budget.removeprefix("max_")
        group.addoption(
            f"--lifespan-check-{budget.replace('_', '-')}",
            dest=f"lifespan_check_{budget}",
            metavar="SECONDS",
            help=f"Fail an item whose {phase} takes longer than this (LC501-LC504).",
        )
    parser.addini(
        "lifespan_check",
        type="linelist",
        default=[],
        help="ASGI app targets (module:attr) checked as test items in every run.",
    )
    parser.addini(
        "lifespan_check_app_dir",
        default="",
        help="Directory (relative to the ini file) to import lifespan_check targets from.",
    )
    for setting in _FLOAT_SETTINGS:
        parser.addini(
            f"lifespan_check_{setting}",
            default="",
            help=f"{setting} in seconds for the lifespan_check items.",
        )


@dataclass(frozen=True, slots=True)
class ItemSettings:
    """How the option's items check their targets (seconds; None: the default)."""

    app_dir: Path
    timeout: float | None = None
    max_import: float | None = None
    max_startup: float | None = None
    max_shutdown: float | None = None
    max_total: float | None = None


_SETTINGS = pytest.StashKey[ItemSettings]()


def pytest_configure(config: pytest.Config) -> None:
    # Read everything now, so a bad value is a usage error before anything runs; and
    # cheaply, since this runs in every pytest session of the environment.
    config.stash[_SETTINGS] = _settings(config)
    targets = _targets(config)
    if targets:
        from .errors import TargetError
        from .targets import parse_target

        for target in targets:
            try:
                parse_target(target)
            except TargetError as exc:
                raise pytest.UsageError(f"--lifespan-check: {exc}") from None


def _settings(config: pytest.Config) -> ItemSettings:
    from .config import seconds_rule, valid_seconds

    values: dict[str, float | None] = {}
    for setting in _FLOAT_SETTINGS:
        raw = config.getoption(f"lifespan_check_{setting}")
        source = f"--lifespan-check-{setting.replace('_', '-')}"
        if raw is None:
            raw = str(config.getini(f"lifespan_check_{setting}")).strip() or None
            source = f"ini option lifespan_check_{setting}"
        if raw is None:
            values[setting] = None
            continue
        # The command line's rule: the timeout is a startup timeout (> 0), budgets >= 0.
        key = "startup-timeout" if setting == "timeout" else setting.replace("_", "-")
        try:
            value = float(raw)
        except ValueError:
            value = None
        if value is None or not valid_seconds(key, value):
            raise pytest.UsageError(f"{source}: {raw!r} is not {seconds_rule(key)}")
        values[setting] = value
    app_dir = config.getoption("lifespan_check_app_dir")
    source = "--lifespan-check-app-dir"
    if app_dir is not None:
        base = config.invocation_params.dir
    else:
        app_dir = str(config.getini("lifespan_check_app_dir")).strip() or "."
        base = config.inipath.parent if config.inipath is not None else config.rootpath
        source = "ini option lifespan_check_app_dir"
    directory = (base / app_dir).resolve()
    if not directory.is_dir():  # else every item would fail as a load failure
        raise pytest.UsageError(f"{source}: {str(directory)!r} is not a directory")
    return ItemSettings(directory, **values)


def _targets(config: pytest.Config) -> list[str]:
    ini: Iterable[str] = config.getini("lifespan_check")
    given: Iterable[str] = config.getoption("lifespan_check")
    return list(dict.fromkeys(t.strip() for t in (*ini, *given) if t.strip()))


@pytest.hookimpl(tryfirst=True)  # before -k, -m, --deselect and --lf select items
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    targets = _targets(config)
    if not targets:
        return
    settings = config.stash[_SETTINGS]
    added: list[pytest.Item] = [
        LifespanCheckItem.from_parent(
            session,
            name=f"lifespan-check[{target}]",
            nodeid=f"lifespan-check[{target}]",
            path=_module_file(target, settings.app_dir) or session.path,
            target=target,
            settings=settings,
        )
        for target in targets
    ]
    # First: an app that cannot start is the most basic failure of all. Reported as
    # collected, so pytest's "collected N items" counts them too.
    items[:0] = added
    collected: list[pytest.Item | pytest.Collector] = [*added]
    config.hook.pytest_collectreport(
        report=pytest.CollectReport("lifespan-check", "passed", None, collected)
    )


def _module_file(target: str, app_dir: Path) -> Path | None:
    """The target module's source file under app_dir, found without importing it."""
    module = target.partition(":")[0]
    base = app_dir.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


class LifespanCheckItem(pytest.Item):
    """One `--lifespan-check TARGET`: the app's lifespan, checked in a child interpreter."""

    def __init__(self, *, target: str, settings: ItemSettings, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target
        self.settings = settings

    def runtest(self) -> None:
        from .api import check_sync
        from .assertions import assert_lifespan_ok

        settings = self.settings
        options: CheckOptions = {
            "isolate": True,
            "app_dir": settings.app_dir,
            "max_import": settings.max_import,
            "max_startup": settings.max_startup,
            "max_shutdown": settings.max_shutdown,
            "max_total": settings.max_total,
        }
        if settings.timeout is not None:
            options["startup_timeout"] = options["shutdown_timeout"] = settings.timeout
        report = check_sync(self.target, **options)
        self.user_properties.append(("lifespan_check_outcome", report.outcome))
        assert_lifespan_ok(report)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | TerminalRepr:
        from .errors import LifespanCheckFailed, UsageError

        if isinstance(excinfo.value, LifespanCheckFailed):
            return str(excinfo.value)  # the report is the whole story: no traceback
        if isinstance(excinfo.value, UsageError):
            return f"lifespan-check: {excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, None, str]:
        return self.path, None, self.name


class LifespanCheck:
    """The `lifespan_check` fixture: check an app, fail the test unless it is clean.

    Calling it takes the arguments of `asgi_lifespan_check.check_sync`, time budgets
    (`max_startup`, ...) included, and returns the report of a check that passed. A
    string target is imported from the rootdir unless `app_dir` says otherwise.
    """

    def __init__(self, rootdir: Path) -> None:
        self._rootdir = rootdir

    def __repr__(self) -> str:
        return "<lifespan_check fixture>"

    def __call__(self, app_or_target: object, /, **options: Unpack[CheckOptions]) -> Report:
        """Check in a sync test (a loop of its own); fail the test unless it passed."""
        __tracebackhide__ = True
        from .api import check_sync
        from .assertions import assert_lifespan_ok
        from .errors import EventLoopRunning

        try:
            report = check_sync(app_or_target, **self._defaults(app_or_target, options))
        except EventLoopRunning:
            raise EventLoopRunning(
                "lifespan_check(...) was called where an event loop is running (an async "
                "test): use `await lifespan_check.acheck(...)` there"
            ) from None
        assert_lifespan_ok(report)
        return report

    async def acheck(self, app_or_target: object, /, **options: Unpack[CheckOptions]) -> Report:
        """Check in an async test, on its own event loop; fail the test unless it passed."""
        __tracebackhide__ = True
        from .api import check
        from .assertions import assert_lifespan_ok

        report = await check(app_or_target, **self._defaults(app_or_target, options))
        assert_lifespan_ok(report)
        return report

    def _defaults(self, app_or_target: object, options: CheckOptions) -> CheckOptions:
        if isinstance(app_or_target, str) and options.get("app_dir") is None:
            return {**options, "app_dir": self._rootdir}
        return options


@pytest.fixture
def lifespan_check(request: pytest.FixtureRequest) -> LifespanCheck:
    """Check an ASGI app's lifespan; fail the test with the report unless it is clean."""
    return LifespanCheck(request.config.rootpath)
