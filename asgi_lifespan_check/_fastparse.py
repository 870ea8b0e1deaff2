"""Cheaper value coercion for typer's parameters.

typer 0.29 coerces each parameter's value with a pydantic TypeAdapter that it builds on
first use, for every parameter of the command on every run, given or not. With the
options this tool has, that costs the parent 150-250 ms (importing pydantic and building
~35 adapters), which made the CLI, not the app, the slowest part of a check.

Our parameters use only plain types (str, int, float, bool, StrEnum and lists of str), so
`install()` hands typer a ready-made coercer for each of them. typer still does all the
rest: parsing, defaults, help, errors. A parameter whose annotation is not one of those
keeps typer's own coercion, and so does every parameter if typer's internals change
shape (`_runtime_param` and `type_descriptor` are checked before use). The test suite
parses a table of command lines both ways and requires the same values and errors.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from typing import Any

import typer

Convert = Callable[[Any], Any]


class _Coercer:
    """Stands in for typer's RuntimeParam: `coerce(value, param, ctx)`."""

    def __init__(self, convert: Convert, multi: bool) -> None:
        self._convert = convert
        self._multi = multi

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None:
            return () if self._multi else None
        try:
            if self._multi:
                if isinstance(value, str):
                    raise ValueError("Value must be an iterable.")
                return [self._convert(item) for item in value]
            return self._convert(value)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), ctx=ctx, param=param) from None


def _number(kind: type[int] | type[float], minimum: float | None, maximum: float | None) -> Convert:
    noun = "a whole number" if kind is int else "a number"

    def convert(value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not {noun}")
        try:
            number = kind(value)
        except (TypeError, ValueError):
            raise ValueError(f"{value!r} is not {noun}") from None
        if not math.isfinite(number):  # every number here is seconds or a count
            raise ValueError(f"{value!r} is not a finite number")
        if minimum is not None and number < minimum:
            raise ValueError(f"{value!r} is less than the minimum of {minimum:g}")
        if maximum is not None and number > maximum:
            raise ValueError(f"{value!r} is more than the maximum of {maximum:g}")
        return number

    return convert


def _choice(members: type[enum.Enum]) -> Convert:
    def convert(value: Any) -> Any:
        if isinstance(value, members):
            return value
        for member in members:
            if member.value == value:
                return member
        choices = ", ".join(repr(m.value) for m in members)
        raise ValueError(f"{value!r} is not one of {choices}")

    return convert


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a string")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{value!r} is not a boolean")
    return value


def coercer_for(annotation: Any, info: Any, multi: bool) -> _Coercer | None:
    """A coercer for one parameter, or None to leave it to typer."""
    if getattr(info, "parser", None) is not None or getattr(info, "clamp", False):
        return None
    element = annotation
    if getattr(annotation, "__origin__", None) is list:
        (element,) = annotation.__args__
        multi = True
    convert: Convert | None = None
    if element is str:
        convert = _text
    elif element is bool:
        convert = _flag
    elif element in (int, float):
        convert = _number(element, getattr(info, "min", None), getattr(info, "max", None))
    elif isinstance(element, type) and issubclass(element, enum.Enum):
        if getattr(info, "case_sensitive", True) is False:
            return None
        convert = _choice(element)
    return None if convert is None else _Coercer(convert, multi)


def _help_option(command: Any) -> list[Any]:
    """The --help option, which click creates (and caches) on first use."""
    try:
        ctx = command.context_class(command, **(command.context_settings or {}))
        option = command.get_help_option(ctx)
    except (AttributeError, TypeError):
        return []
    return [] if option is None else [option]


def install(command: Any) -> int:
    """Give each plain-typed parameter of a typer command our coercer; how many got one."""
    installed = 0
    for param in [*getattr(command, "params", ()), *_help_option(command)]:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or not hasattr(param, "_runtime_param"):
            continue
        multi = bool(param.multiple or param.nargs == -1)
        coercer = coercer_for(descriptor.annotation, descriptor.parameter_info, multi)
        if coercer is not None:
            param._runtime_param = coercer
            installed += 1
    return installed
