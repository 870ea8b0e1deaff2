"""`[tool.lifespan-check]` in pyproject.toml: found, read and checked; nothing more.

The entry point reads the configuration before it spawns the children that import the
apps, so this module must stay cheap: it imports only `os` at module level, and
`tomllib` only when a file that mentions lifespan-check has to be parsed.

Values come out normalised: seconds as floats, paths absolute (relative paths in the
file count from the file's directory, as ruff and pytest do), code lists upper-cased.
Anything unknown or of the wrong type is a `ConfigError` that names the key and the file.
"""

from __future__ import annotations

import os

from ._text import with_article
from .errors import ConfigError

TYPE_CHECKING = False  # typing itself costs ~10 ms, before the children can start
if TYPE_CHECKING:
    from typing import Any

FILENAME = "pyproject.toml"
TABLE = "[tool.lifespan-check]"
OVERRIDES = "overrides"

FORMATS = ("rich", "json", "junit", "github", "text")

# Every key, and the kind of value it takes. A tuple lists the strings allowed.
KEYS: dict[str, str | tuple[str, ...]] = {
    "targets": "targets",
    "app-dir": "path",
    "env-file": "path",
    "factory": "bool",
    "startup-timeout": "positive",
    "shutdown-timeout": "positive",
    "import-timeout": "positive",
    "hold": "seconds",
    "block-threshold": "positive",
    "lifespan": ("auto", "on"),
    "backend": ("asyncio", "trio"),
    "isolate": "bool",
    "jobs": "count",
    "repeat": "count",
    "max-import": "seconds",
    "max-startup": "seconds",
    "max-shutdown": "seconds",
    "max-total": "seconds",
    "budget-severity": ("error", "warning"),
    "baseline": "path",
    "tolerance": "percent",
    "baseline-floor": "seconds",
    "strict": "bool",
    "ignore": "codes",
    "format": FORMATS,
    "json": "path",
    "junit-xml": "path",
    "probe": "strings",
    "probe-status": "statuses",
    "probe-timeout": "positive",
    # emulate.SERVERS, spelled out: emulate.py is too heavy to import before the spawn
    # (tests/test_config.py keeps the two equal).
    "emulate": ("uvicorn", "hypercorn", "granian", "asgi-lifespan"),
    "state": "bool",
}

# The keys a `[tool.lifespan-check.overrides."module:attr"]` table may set.
PER_TARGET = frozenset(
    {
        "app-dir",
        "env-file",
        "factory",
        "startup-timeout",
        "shutdown-timeout",
        "import-timeout",
        "hold",
        "block-threshold",
        "lifespan",
        "backend",
        "max-import",
        "max-startup",
        "max-shutdown",
        "max-total",
        "budget-severity",
        "strict",
        "ignore",
        "probe",
        "probe-status",
        "probe-timeout",
        "emulate",
        "state",
    }
)

_DESCRIBE = {
    "targets": "a 'module:attr' string or a list of them",
    "path": "a path (a string)",
    "bool": "true or false",
    "seconds": "a number of seconds >= 0",
    "positive": "a number of seconds > 0",
    "count": "a whole number >= 1",
    "percent": 'a percentage such as "20%" or 20',
    "codes": 'a list of finding codes such as ["LC206"]',
    "strings": "a string or a list of strings",
    "statuses": 'an HTTP status, a class such as "2xx", or a list of them',
}


class Config:
    """A checked `[tool.lifespan-check]` table: top-level values and per-target overrides."""

    __slots__ = ("overrides", "path", "values")

    def __init__(
        self, path: str, values: dict[str, Any], overrides: dict[str, dict[str, Any]]
    ) -> None:
        self.path = path
        self.values = values
        self.overrides = overrides

    @property
    def directory(self) -> str:
        return os.path.dirname(self.path)

    @property
    def shown(self) -> str:
        """The file's path as errors show it (relative below the working directory)."""
        return _shown(self.path)

    def get(self, key: str, target: str | None = None) -> Any:
        """The value for `key`: the target's override first, then the top level, or None."""
        if target is not None:
            override = self.overrides.get(target, {})
            if key in override:
                return override[key]
        return self.values.get(key)

    def __repr__(self) -> str:
        return f"Config({self.path!r})"


def find(start: str) -> str | None:
    """The nearest pyproject.toml at or above `start` that has a [tool.lifespan-check]
    table; files without one are passed over, as ruff does."""
    directory = os.path.abspath(start)
    while True:
        candidate = os.path.join(directory, FILENAME)
        if os.path.isfile(candidate) and _mentions_table(candidate):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def discover(start: str) -> Config | None:
    """The configuration that applies in `start` (the working directory), if any."""
    path = find(start)
    return load(path) if path is not None else None


def load(path: str, *, explicit: bool = False) -> Config | None:
    """Read and check the table in `path`. With `explicit` (from --config) a missing file
    or a missing table is an error; otherwise a file without the table is no config."""
    shown = _shown(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        raise ConfigError(f"{shown}: the configuration file does not exist") from None
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot read the configuration file ({exc.strerror})") from None
    import tomllib

    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{shown}: the file is not UTF-8 text, so it is not TOML") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown}: not valid TOML: {exc}") from None
    tool = document.get("tool")
    table = tool.get("lifespan-check") if isinstance(tool, dict) else None
    if table is None:
        if explicit:
            raise ConfigError(
                f"{shown} has no {TABLE} table; add one, or leave out --config to use the "
                "pyproject.toml found from the current directory"
            )
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{shown}: {TABLE} must be a table, not {_kind_of(table)}")
    path = os.path.abspath(path)
    directory = os.path.dirname(path)
    values = _check_table(table, shown, directory, TABLE, set(KEYS) | {OVERRIDES})
    overrides: dict[str, dict[str, Any]] = {}
    raw_overrides = table.get(OVERRIDES, {})
    if not isinstance(raw_overrides, dict):
        raise ConfigError(
            f"{shown}: {TABLE} {OVERRIDES} must be a table of tables keyed by target, such as "
            f'[tool.lifespan-check.overrides."app.main:app"]'
        )
    targets = values.get("targets")
    for target, override in raw_overrides.items():
        where = f'[tool.lifespan-check.overrides."{target}"]'
        if not isinstance(override, dict):
            raise ConfigError(f"{shown}: {where} must be a table, not {_kind_of(override)}")
        if targets is not None and target not in targets:
            raise ConfigError(
                f"{shown}: {where} names a target that is not in targets "
                f"({', '.join(targets)}); check its spelling"
            )
        overrides[target] = _check_table(override, shown, directory, where, set(PER_TARGET))
    return Config(path, values, overrides)


def _mentions_table(path: str) -> bool:
    # Parsing TOML costs the entry point ~25 ms; most pyproject.toml files never mention us.
    try:
        with open(path, "rb") as handle:
            return b"lifespan-check" in handle.read()
    except OSError:
        return False


def _shown(path: str) -> str:
    """The path as the user would write it: relative when it is below the cwd."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute)
    except ValueError:
        return absolute
    return absolute if relative.startswith("..") else relative


def _check_table(
    table: dict[str, Any], shown: str, directory: str, where: str, allowed: set[str]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key == OVERRIDES and OVERRIDES in allowed:
            continue
        if key not in allowed:
            hint = _close(key, allowed)
            where_else = (
                f" ({key!r} can only be set at the top level of {TABLE})"
                if key in KEYS and key not in PER_TARGET
                else ""
            )
            raise ConfigError(
                f"{shown}: {where} has an unknown key {key!r}{where_else}"
                + (f"; did you mean {hint!r}?" if hint and not where_else else "")
            )
        out[key] = _value(key, value, shown, directory, where)
    return out


def _close(key: str, allowed: set[str]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(key.replace("_", "-"), sorted(allowed), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _kind_of(value: Any) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "a table",
    }
    return names.get(type(value)) or with_article(type(value).__name__)


def _value(key: str, value: Any, shown: str, directory: str, where: str) -> Any:
    kind = KEYS[key]

    def bad(extra: str = "") -> ConfigError:
        expected = (
            "one of " + ", ".join(repr(k) for k in kind)
            if isinstance(kind, tuple)
            else _DESCRIBE[kind]
        )
        return ConfigError(
            f"{shown}: {where} {key} must be {expected}, not {_kind_of(value)} {value!r}{extra}"
        )

    if isinstance(kind, tuple):
        if not isinstance(value, str) or value not in kind:
            raise bad()
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise bad()
        return value
    if kind in ("seconds", "positive"):
        if not valid_seconds(key, value):
            raise bad(_not_finite(value))
        return float(value)
    if kind == "count":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise bad()
        return value
    if kind == "path":
        if not isinstance(value, str) or not value.strip():
            raise bad()
        return os.path.normpath(os.path.join(directory, os.path.expanduser(value)))
    if kind == "percent":
        try:
            return parse_percent(value)
        except ValueError:
            raise bad() from None
    if kind in ("targets", "strings", "codes"):
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
            raise bad()
        if kind == "codes":
            # "LC206,LC402" in one string, as on the command line, means two codes.
            return tuple(c.strip().upper() for i in items for c in i.split(",") if c.strip())
        if kind == "targets" and not items:
            raise bad(" (an empty list)")
        return tuple(i.strip() for i in items)
    if kind == "statuses":
        items = value if isinstance(value, list) else [value]
        if not items or not all(
            (isinstance(i, int) and not isinstance(i, bool)) or isinstance(i, str) for i in items
        ):
            raise bad()
        return tuple(str(i).strip() for i in items)
    raise AssertionError(f"no checker for {kind!r}")  # pragma: no cover - KEYS is closed


def valid_seconds(key: str, value: object) -> bool:
    """Whether `value` is a valid duration for the setting `key`: a finite number, > 0
    for the timeouts and the block threshold (0 would end a phase before the app ran, or
    call every await a block), >= 0 for the rest. The command line, this file and the
    Python API share this one rule per key."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if value - value != 0:  # inf and nan: no math import before the spawn
        return False
    return value > 0 if KEYS.get(key) == "positive" else value >= 0


def seconds_rule(key: str, value: object = None) -> str:
    """What a valid duration for `key` is, in words (and why `value` is not one, when it
    is not finite)."""
    return _DESCRIBE["positive" if KEYS.get(key) == "positive" else "seconds"] + _not_finite(value)


def _not_finite(value: object) -> str:
    return " (it must be finite)" if isinstance(value, float) and value - value != 0 else ""


def parse_percent(value: object) -> float:
    """A tolerance as a percentage: "20%", "20" and 20 all mean 20 %."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        number = float(value.strip().removesuffix("%").strip())
    else:
        raise ValueError(value)
    if not 0 <= number < float("inf"):
        raise ValueError(value)
    return number


# What a setting is when neither the command line nor the file gives it.
LOAD_DEFAULTS: dict[str, Any] = {
    "app-dir": ".",
    "env-file": None,
    "factory": False,
    "import-timeout": 60.0,
}


def setting(key: str, target: str | None, cli: dict[str, Any], config: Config | None) -> Any:
    """One setting for one target: the command line, then the target's override table,
    then the top of the file; None when none of them sets it."""
    if key in cli:
        return cli[key]
    if config is not None:
        return config.get(key, target)
    return None


def load_plan(target: str, cli: dict[str, Any], config: Config | None) -> dict[str, Any]:
    """What the child must import for `target`, as `LoadOptions` fields.

    Shared by the entry point's early spawn and the real run, so both agree on whether
    the child started early is the one wanted. With a config, the app directory defaults
    to the config file's directory.
    """
    defaults = dict(LOAD_DEFAULTS)
    if config is not None:
        defaults["app-dir"] = config.directory
    plan: dict[str, Any] = {"target": target}
    for key, field in (
        ("app-dir", "app_dir"),
        ("env-file", "env_file"),
        ("factory", "factory"),
        ("import-timeout", "import_timeout"),
    ):
        value = setting(key, target, cli, config)
        plan[field] = defaults[key] if value is None else value
    return plan


def targets_of(cli: dict[str, Any], config: Config | None) -> tuple[str, ...]:
    """The targets to check: those on the command line, else those in the file."""
    given = cli.get("targets")
    if given:
        return tuple(given)
    if config is not None and config.values.get("targets"):
        return tuple(config.values["targets"])
    return ()


def default_jobs() -> int:
    """--jobs when none is given: the CPUs this process may run on (a CI runner's quota
    shows in its affinity mask, not in os.cpu_count())."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
