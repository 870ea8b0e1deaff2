"""TARGET strings: `package.module:attr.attr`, parsed or rejected with a precise reason.

Kept apart from loading.py so the command line can validate a target without importing
what loading needs (inspect, pkgutil).
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import TargetError


@dataclass(frozen=True, slots=True)
class Target:
    """A parsed `module:attr.attr` target."""

    module: str
    attrs: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.module}:{'.'.join(self.attrs)}"


def parse_target(text: str) -> Target:
    """Parse TARGET, or raise TargetError naming what is wrong with it."""
    if not isinstance(text, str) or ":" not in text:
        raise TargetError(
            f"target {text!r} must be 'module:attribute' (for example 'app.main:app'): "
            "there is no ':' between the module and the attribute"
        )
    module, _, attr = text.partition(":")
    if not module:
        raise TargetError(f"target {text!r} has no module before the ':' (e.g. 'main{text}')")
    if not attr:
        raise TargetError(f"target {text!r} has no attribute after the ':' (e.g. '{text}app')")
    if "/" in module or "\\" in module or module.endswith(".py"):
        # A file path instead of a module name: say how to name it as uvicorn does.
        folder, _, name = module.replace("\\", "/").rpartition("/")
        name = name.removesuffix(".py")
        suggestion = f"--app-dir {folder} {name}:{attr}" if folder else f"{name}:{attr}"
        raise TargetError(
            f"target {text!r} names a file; TARGET takes a module name, as uvicorn does: "
            f"try {suggestion!r}"
        )
    for label, dotted in (("module", module), ("attribute", attr)):
        if "" in dotted.split("."):
            raise TargetError(
                f"target {text!r}: the {label} path {dotted!r} is malformed: it has a "
                "leading, trailing or doubled '.'"
            )
        for part in dotted.split("."):
            if not part.isidentifier():
                raise TargetError(
                    f"target {text!r}: {part!r} in the {label} {dotted!r} is not a valid "
                    "Python identifier"
                )
    return Target(module, tuple(attr.split(".")))
