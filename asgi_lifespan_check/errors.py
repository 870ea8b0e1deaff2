"""Errors raised by asgi-lifespan-check itself.

What the *app* does wrong is never an exception here: it is a finding in the report.
These exceptions are about the request made to the tool:

    LifespanCheckError            base class of everything below
    ├── UsageError                the request cannot be run as given (CLI exit 2)
    │   ├── TargetError           TARGET is not of the form module:attribute
    │   ├── EnvFileError          --env-file names a file that cannot be read
    │   ├── BackendUnavailable    --backend trio without trio installed
    │   └── ConfigError           a bad key or value in [tool.lifespan-check]
    └── SupervisorError           the child interpreter could not be started or talked to
"""

from __future__ import annotations


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


class SupervisorError(LifespanCheckError):
    """The isolated child interpreter could not be started or supervised."""
