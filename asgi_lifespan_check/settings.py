"""What to run: the command line merged over [tool.lifespan-check], checked, as plans.

Precedence, for every setting and every target: the command line, then the target's
override table, then the top of the config file, then the built-in default. `cli` holds
only the options the user actually typed, keyed by their config names ("startup-timeout").
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn, cast

from . import config as configuration
from .budgets import Budgets
from .config import Config
from .errors import ConfigError, TargetError, UsageError
from .model import Severity
from .options import BACKENDS, LIFESPAN_MODES, DriveOptions, LoadOptions, RunOptions

DEFAULTS: dict[str, Any] = {
    "startup-timeout": 60.0,
    "shutdown-timeout": 30.0,
    "hold": 0.0,
    "block-threshold": 0.25,
    "lifespan": "auto",
    "backend": "asyncio",
    "isolate": True,
    "repeat": 1,
    "budget-severity": "error",
    "tolerance": 20.0,
    "baseline-floor": 0.05,
    "strict": False,
    "ignore": (),
    "probe": (),
    "probe-status": (),
    "probe-timeout": 10.0,
    "emulate": None,
    "state": True,
}


@dataclass(frozen=True, slots=True)
class TargetPlan:
    """Everything about one target: how to load it, drive it, and judge it."""

    load: LoadOptions
    run: RunOptions
    budgets: Budgets = field(default_factory=Budgets)
    strict: bool = False
    ignore: tuple[str, ...] = ()

    @property
    def target(self) -> str:
        return self.load.target


@dataclass(frozen=True, slots=True)
class Outputs:
    """Where the results go. `format` None means rich on a terminal, else text."""

    format: str | None = None
    json: str | None = None
    junit_xml: str | None = None


@dataclass(frozen=True, slots=True)
class GatePlan:
    """The whole invocation."""

    targets: tuple[TargetPlan, ...]
    isolate: bool = True
    jobs: int = 1
    repeat: int = 1
    baseline: str | None = None
    save_baseline: str | None = None
    tolerance_pct: float = 20.0
    baseline_floor: float = 0.05
    outputs: Outputs = field(default_factory=Outputs)
    config: str | None = None
    # Lines for stderr before the run (a target given twice is checked once).
    notes: tuple[str, ...] = ()

    @property
    def updates_its_baseline(self) -> bool:
        """--baseline and --save-baseline name one file: compare with it, then update it."""
        if self.baseline is None or self.save_baseline is None:
            return False
        return os.path.abspath(self.baseline) == os.path.abspath(self.save_baseline)


def read_config(cwd: str, config_file: str | None = None, no_config: bool = False) -> Config | None:
    """The configuration in force: --config FILE, none with --no-config, else discovered."""
    if config_file is not None and no_config:
        raise UsageError("--config and --no-config cannot be used together; choose one")
    if no_config:
        return None
    if config_file is not None:
        return configuration.load(config_file, explicit=True)
    return configuration.discover(cwd)


def resolve(cli: dict[str, Any], config: Config | None) -> GatePlan:
    """The plan for `cli` (typed options only) over `config`; UsageError/ConfigError."""

    def get(key: str, target: str | None = None) -> Any:
        value = configuration.setting(key, target, cli, config)
        return DEFAULTS.get(key) if value is None else value

    for key, value in cli.items():  # the file's values were checked as it was read
        kind = configuration.KEYS.get(key)
        if kind in ("seconds", "positive") and not configuration.valid_seconds(key, value):
            raise UsageError(f"--{key} must be {configuration.seconds_rule(key)}, not {value:g}")
    listed = configuration.targets_of(cli, config)
    targets = tuple(dict.fromkeys(listed))  # once each, and said so: see `notes`
    repeated = [t for t in targets if listed.count(t) > 1]
    if not targets:
        where = f" or in {config.path}" if config is not None else ""
        raise UsageError(
            "a TARGET such as app.main:app is required: give one or more on the command line"
            + (where or ", or list them as targets in [tool.lifespan-check] in pyproject.toml")
        )
    from_config = not cli.get("targets")
    plans = tuple(_target_plan(t, cli, config, get, from_config) for t in targets)
    isolate = bool(get("isolate"))
    repeat = int(get("repeat"))
    if not isolate and (len(plans) > 1 or repeat > 1):
        raise UsageError(
            "--no-isolate runs one target once, in this process; several targets and "
            "--repeat need a fresh process per run, so leave out --no-isolate"
        )
    jobs = get("jobs")
    fmt = get("format")
    writable(
        ("--json", get("json")),
        ("--junit-xml", get("junit-xml")),
        ("--save-baseline", cli.get("save-baseline")),
        bad=lambda option, problem: _bad(option.removeprefix("--"), cli, config, problem),
    )
    if cli.get("save-baseline"):
        from .baseline import existing

        existing(cli["save-baseline"])  # refused now, not after the whole run
    return GatePlan(
        targets=plans,
        isolate=isolate,
        jobs=int(jobs) if jobs is not None else configuration.default_jobs(),
        repeat=repeat,
        baseline=get("baseline"),
        save_baseline=cli.get("save-baseline"),
        tolerance_pct=float(get("tolerance")),
        baseline_floor=float(get("baseline-floor")),
        outputs=Outputs(format=fmt, json=get("json"), junit_xml=get("junit-xml")),
        config=config.path if config is not None else None,
        notes=(
            f"{', '.join(repeated)} given more than once: checked once "
            "(--repeat N runs a check N times)",
        )
        if repeated
        else (),
    )


def _bad(key: str, cli: dict[str, Any], config: Config | None, problem: str) -> NoReturn:
    """A bad file or directory setting, named where it was set: option or config file."""
    if key in cli or config is None:
        raise UsageError(f"--{key} {problem}")
    raise ConfigError(f"{config.shown}: [tool.lifespan-check] {key}: {problem}")


def _target_plan(
    target: str, cli: dict[str, Any], config: Config | None, get: Any, from_config: bool
) -> TargetPlan:
    from .probe import parse_probe, parse_statuses
    from .targets import parse_target

    try:
        parse_target(target)
    except TargetError as exc:
        if from_config and config is not None:
            raise ConfigError(f"{config.shown}: [tool.lifespan-check] targets: {exc}") from None
        raise
    load = LoadOptions(**configuration.load_plan(target, cli, config))
    if load.env_file is not None:
        from .loading import env_file_problem

        problem = env_file_problem(load.env_file)
        if problem is not None:
            _bad("env-file", cli, config, problem)
    if load.app_dir is not None and not os.path.isdir(load.app_dir):
        _bad("app-dir", cli, config, f"{load.app_dir!r} is not a directory")
    probes = tuple(get("probe", target))
    statuses = tuple(get("probe-status", target))
    for key, check in (
        ("probe", lambda: [parse_probe(probe) for probe in probes]),
        ("probe-status", lambda: parse_statuses(statuses)),
    ):
        try:
            check()
        except UsageError as exc:
            if config is not None and key not in cli:
                raise ConfigError(f"{config.shown}: [tool.lifespan-check] {key}: {exc}") from None
            raise
    backend = str(get("backend", target))
    lifespan = str(get("lifespan", target))
    if backend not in BACKENDS or lifespan not in LIFESPAN_MODES:  # pragma: no cover
        raise UsageError(f"unknown backend {backend!r} or lifespan mode {lifespan!r}")
    run = RunOptions(
        backend=backend,
        block_threshold=float(get("block-threshold", target)),
        drive=DriveOptions(
            startup_timeout=float(get("startup-timeout", target)),
            shutdown_timeout=float(get("shutdown-timeout", target)),
            hold=float(get("hold", target)),
            lifespan=lifespan,
            probes=probes,
            probe_status=statuses,
            probe_timeout=float(get("probe-timeout", target)),
            emulate=get("emulate", target),
            with_state=bool(get("state", target)),
        ),
    )
    ignore = tuple(get("ignore", target))
    _check_codes(ignore, config, "ignore" not in cli)
    return TargetPlan(
        load=load,
        run=run,
        budgets=Budgets(
            max_import=get("max-import", target),
            max_startup=get("max-startup", target),
            max_shutdown=get("max-shutdown", target),
            max_total=get("max-total", target),
            severity=cast(Severity, get("budget-severity", target)),
        ),
        strict=bool(get("strict", target)),
        ignore=ignore,
    )


def _check_codes(codes: tuple[str, ...], config: Config | None, from_config: bool) -> None:
    from .findings import CATALOGUE, unignorable

    unknown = [c for c in codes if c not in CATALOGUE]
    problem = unignorable(codes)
    if not unknown and problem is None:
        return
    where = (
        f"{config.shown}: [tool.lifespan-check] ignore"
        if from_config and config is not None
        else "--ignore"
    )
    error = ConfigError if from_config and config is not None else UsageError
    if unknown:
        raise error(
            f"{where}: unknown finding code(s) {', '.join(unknown)}; "
            "'lifespan-check explain' lists them all"
        )
    raise error(f"{where}: {problem}")


def _usage(option: str, problem: str) -> NoReturn:
    raise UsageError(f"{option} {problem}")


def writable(
    *outputs: tuple[str, str | None], bad: Callable[[str, str], NoReturn] = _usage
) -> None:
    """Check before any check runs that each output file can be written, and that no
    file is asked for twice (a late failure would hide the verdict behind exit 2).
    `bad(option, problem)` raises the error; resolve() names a value from the config
    file by its key there."""
    seen: dict[str, str] = {}
    for option, path in outputs:
        if path is None:
            continue
        if path == "-":
            # stdout carries what --format says, and nothing beside it: "-" would be a
            # second spelling of -f json, or a second payload beside -f junit.
            payload = {"--json": " json", "--junit-xml": " junit"}.get(option, "")
            raise UsageError(
                f"{option} takes a file, not '-': stdout is for --format"
                + (f" (--format{payload} puts the report there)" if payload else "")
                + "; write ./- for a file called '-'"
            )
        full = os.path.abspath(path)
        if full in seen:
            bad(option, f"names {path!r}, as {seen[full]} does: one file each")
        seen[full] = option
        if os.path.isdir(full):
            bad(option, f"{path!r} is a directory, not a file")
        existing = os.path.dirname(full)
        while not os.path.exists(existing):  # missing folders are created: judge the nearest
            existing = os.path.dirname(existing)
        if existing != os.path.dirname(full):
            if not os.access(existing, os.W_OK | os.X_OK):
                bad(option, f"{path!r} cannot be written in {existing!r}")
            continue
        # Opening it is the only test that also holds for root and for odd file systems.
        created = not os.path.exists(full)
        try:
            with open(full, "a", encoding="utf-8"):
                pass
        except OSError as exc:
            bad(option, f"{path!r} cannot be written: {exc.strerror or exc}")
        if created:
            os.remove(full)
