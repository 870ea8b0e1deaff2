"""Errors raised by asgi-lifespan-check itself.

What the *app* does wrong is a finding in the report, never an exception here, unless
you ask for one with `assert_lifespan_ok`. These exceptions are about the request made
to the tool:

    LifespanCheckError            base class of everything below
    ├── UsageError                the request cannot be run as given (CLI exit 2)
    │   ├── TargetError           TARGET is not of the form module:attribute
    │   ├── EnvFileError          --env-file names a file that cannot be read
    │   ├── BackendUnavailable    --backend trio without trio installed
    │   ├── ConfigError           a bad key or value in [tool.lifespan-check]
    │   └── EventLoopRunning      check_sync() called where an event loop is running
    ├── SupervisorError           the child interpreter could not be started or talked to
    └── LifespanCheckFailed       assert_lifespan_ok(): the report did not pass (also an
                                  AssertionError, so test runners count it as a failure)
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~10 ms; nothing may delay the child's spawn
if TYPE_CHECKING:
    from collections.abc import Sequence

    from .report import Report


class LifespanCheckError(Exception):
    """Base class of the errors raised by asgi-lifespan-check."""


class UsageError(LifespanCheckError):
    """The check cannot run as requested; the message says what to change."""


class TargetError(UsageError):
    """TARGET is malformed (it must look like `package.module:attribute`)."""


class EnvFileError(UsageError):
    """The --env-file cannot be read."""


class BackendUnavailable(UsageError):
    """The requested async backend is not installed."""


class ConfigError(UsageError):
    """The [tool.lifespan-check] configuration has an unknown key or a bad value."""


class EventLoopRunning(UsageError):
    """`check_sync()` was called in a thread whose event loop is running: await `check()`."""


class SupervisorError(LifespanCheckError):
    """The isolated child interpreter could not be started or supervised."""


class LifespanCheckFailed(LifespanCheckError, AssertionError):
    """A report you asserted on did not pass (`assert_lifespan_ok`).

    `str()` is the whole plain-text report, headed by one line that says why it failed;
    `report` is the report itself and `problems` the reasons, one line each.
    """

    def __init__(self, report: Report, problems: Sequence[str]) -> None:
        self.report = report
        self.problems = tuple(problems)
        super().__init__(self._text())

    def __reduce__(self) -> tuple[type[LifespanCheckFailed], tuple[Report, tuple[str, ...]]]:
        return type(self), (self.report, self.problems)

    def _text(self) -> str:
        head = f"lifespan check of {self.report.target} failed: {'; '.join(self.problems)}"
        return f"{head}\n\n{self.report.render('text').rstrip()}"


# Tracebacks and pytest's summaries name the errors by their public import path
# (`asgi_lifespan_check.UsageError`), which is also where pickle finds them.
for _error in (
    LifespanCheckError,
    UsageError,
    TargetError,
    EnvFileError,
    BackendUnavailable,
    ConfigError,
    EventLoopRunning,
    SupervisorError,
    LifespanCheckFailed,
):
    _error.__module__ = "asgi_lifespan_check"
del _error
