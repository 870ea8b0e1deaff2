"""From `"pkg.module:attr"` to an ASGI 3 callable, or a finding that names the bad part.

Import, factory call and interface detection are separate steps so the runner can time
each one as its own phase. Failures raise `LoadFailure`, which carries the finding.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from . import findings
from ._text import with_article
from .errors import EnvFileError
from .frames import CodeClassifier, clip, describe_exception, safe_str
from .model import Finding
from .targets import Target

AsgiApp = Callable[[Any, Any, Any], Any]


def env_file_problem(path: str) -> str | None:
    """What is wrong with a .env file, said after its name; None when it loads cleanly."""
    if not os.path.isfile(path):
        return f"{path!r} does not exist or is not a file"
    try:
        from dotenv.parser import parse_stream

        with open(path, encoding="utf-8") as stream:
            bad = [b.original.line for b in parse_stream(stream) if b.error]
    except (OSError, UnicodeDecodeError) as exc:
        return f"{path!r} cannot be read: {exc}"
    if bad:
        # python-dotenv only logs these and skips them: the variable would be missing.
        lines = ", ".join(map(str, bad[:10])) + (" ..." if len(bad) > 10 else "")
        return (
            f"{path!r}: line{'s' if len(bad) > 1 else ''} {lines} cannot be parsed "
            "(expected NAME=value)"
        )
    return None


def load_env_file(path: str) -> list[str]:
    """Load variables from a .env file (existing variables win, as with uvicorn)."""
    problem = env_file_problem(path)
    if problem is not None:
        raise EnvFileError(f"--env-file {problem}")
    from dotenv import dotenv_values

    values = dotenv_values(path)
    loaded = []
    for key, value in values.items():
        if value is not None and key not in os.environ:
            os.environ[key] = value
            loaded.append(key)
    return loaded


class LoadFailure(Exception):
    """Loading failed; `finding` says how (LC002-LC006)."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


@dataclass(frozen=True, slots=True)
class LoadedApp:
    """An app ready to drive, and what it was before we adapted it."""

    app: AsgiApp
    interface: str  # "asgi3" or "asgi2"
    app_type: str
    original: object


def import_module(target: Target, classifier: CodeClassifier) -> ModuleType:
    """Import the target's module; LC002 if it does not exist, LC003 if it raised,
    LC602 if it called sys.exit() (a server's process would exit right there)."""
    shadowed = _shadowed_stdlib(target.module)
    if shadowed is not None:
        raise LoadFailure(shadowed)
    try:
        return importlib.import_module(target.module)
    except ModuleNotFoundError as exc:
        if exc.name and _is_target_path(exc.name, target.module):
            raise LoadFailure(_module_not_found(target, exc.name)) from None
        raise LoadFailure(_import_raised(target, exc, classifier)) from None
    except SystemExit as exc:
        raise LoadFailure(_exited_at_import(target, exc, classifier)) from None
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise LoadFailure(_import_raised(target, exc, classifier)) from None


def _shadowed_stdlib(module: str) -> Finding | None:
    """LC002 for a target named like a standard-library module that is already loaded:
    the import would return the standard library's module, never the app's file."""
    top = module.partition(".")[0]
    loaded = sys.modules.get(top)
    if top not in sys.stdlib_module_names or loaded is None:
        return None
    for directory in sys.path[:1]:
        for candidate in (os.path.join(directory, f"{top}.py"), os.path.join(directory, top)):
            if os.path.exists(candidate):
                return findings.make(
                    "LC002",
                    phase="import",
                    message=f"the target's module {top!r} is the standard library's {top!r}: "
                    f"{candidate} can never be imported under that name, in lifespan-check or "
                    "in a server (the standard library module is loaded first)",
                    hint=f"rename {candidate} (and the target) so it does not share a name with "
                    "the standard library",
                    details={"module": top, "shadowed_by": candidate},
                )
    return None


def _exited_at_import(target: Target, exc: SystemExit, classifier: CodeClassifier) -> Finding:
    info = describe_exception(exc, classifier)
    status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    said = f" after printing {exc.code!r}" if isinstance(exc.code, str) else ""
    return findings.make(
        "LC602",
        phase="import",
        message=f"importing {target.module!r} called sys.exit(){said}: a server importing it "
        f"would exit right there with status {status}",
        location=info.location,
        stack=info.stack,
        hint="raise an exception instead, so the server can report what is wrong",
        details={"status": status, **info.details()},
    )


def _is_target_path(missing: str, module: str) -> bool:
    """True when the missing module is the target or one of its parent packages."""
    return module == missing or module.startswith(missing + ".")


def _module_not_found(target: Target, missing: str) -> Finding:
    import difflib  # error paths import their helpers; the happy path stays lean
    import pkgutil

    parent, _, leaf = missing.rpartition(".")
    if parent and parent in sys.modules:
        package = sys.modules[parent]
        where = f"package {parent!r} ({_dir_of(package)})"
        names = [m.name for m in pkgutil.iter_modules(getattr(package, "__path__", []))]
    else:
        where = "sys.path (the current directory or --app-dir first)"
        names = [m.name for m in pkgutil.iter_modules([p for p in sys.path[:1] if p])]
    message = f"module {missing!r} not found in {where}"
    if missing != target.module:
        message += f" (needed for the target module {target.module!r})"
    close = difflib.get_close_matches(leaf or missing, names, n=3, cutoff=0.6)
    hint = (
        f"did you mean {' or '.join(repr(c) for c in close)}?"
        if close
        else "check the spelling and the directory you run from; use --app-dir for a src/ layout"
    )
    return findings.make(
        "LC002", phase="import", message=message, hint=hint, details={"module": missing}
    )


def _dir_of(module: ModuleType) -> str:
    paths = list(getattr(module, "__path__", []) or [])
    return paths[0] if paths else str(getattr(module, "__file__", "?"))


def _import_raised(target: Target, exc: BaseException, classifier: CodeClassifier) -> Finding:
    info = describe_exception(exc, classifier)
    if isinstance(exc, ModuleNotFoundError):
        message = (
            f"importing {target.module!r} failed: it imports {exc.name!r}, which is not installed"
        )
        hint = f"install the distribution that provides {exc.name!r} in this environment"
    elif isinstance(exc, SyntaxError):
        where = f"{exc.filename}:{exc.lineno}" if exc.filename else "the module"
        message = f"SyntaxError in {where}: {exc.msg}"
        if exc.text:
            message += f"\n    {exc.text.rstrip()}"
        hint = "fix the syntax at the reported line"
    else:
        message = f"importing {target.module!r} raised {info.summary}"
        hint = "fix the error at the reported line; module-level code runs at import time"
    return findings.make(
        "LC003",
        phase="import",
        message=message,
        location=info.location,
        stack=info.stack,
        hint=hint,
        details=info.details(),
    )


def resolve_attribute(module: ModuleType, target: Target) -> object:
    """Follow the dotted attribute; LC004 naming the missing part and close names."""
    obj: object = module
    path = target.module
    for attr in target.attrs:
        try:
            obj = getattr(obj, attr)
        except AttributeError:
            raise LoadFailure(_attribute_missing(module, obj, path, attr)) from None
        except Exception as exc:  # a property or module __getattr__ that raised
            info = describe_exception(exc, CodeClassifier())
            raise LoadFailure(
                findings.make(
                    "LC004",
                    phase="import",
                    message=f"reading {attr!r} of {path!r} raised {info.summary}",
                    location=info.location,
                    stack=info.stack,
                    details=info.details(),
                )
            ) from None
        path = f"{path}:{attr}" if path == target.module else f"{path}.{attr}"
    return obj


def _attribute_missing(module: ModuleType, owner: object, path: str, attr: str) -> Finding:
    import difflib

    names = [n for n in dir(owner) if not n.startswith("__")]
    close = difflib.get_close_matches(attr, names, n=3, cutoff=0.5)
    apps = [n for n in names if n not in close and _looks_like_app(getattr(owner, n, None))]
    what = f"module {path!r}" if owner is module else f"{path!r} ({type(owner).__name__})"
    message = f"{what} has no attribute {attr!r}"
    suggestions = [*close, *apps][:5]
    hint = None
    if suggestions:
        message += "; names that exist: " + ", ".join(repr(s) for s in suggestions)
        hint = f"did you mean {path}{':' if owner is module else '.'}{suggestions[0]}?"
    if owner is module and getattr(module, "__file__", None):
        message += f" (module file: {module.__file__})"
    return findings.make(
        "LC004",
        phase="import",
        message=message,
        hint=hint,
        details={"missing": attr, "suggestions": suggestions},
    )


def _looks_like_app(obj: object) -> bool:
    if obj is None or inspect.ismodule(obj) or inspect.isclass(obj):
        return False
    call = obj if inspect.isfunction(obj) else getattr(obj, "__call__", None)  # noqa: B004
    return call is not None and inspect.iscoroutinefunction(call) and _accepts(call, 3)


def call_factory(factory: object, target: Target, classifier: CodeClassifier) -> object:
    """Call the target with no arguments (--factory); LC006 if that fails."""
    if not callable(factory):
        raise LoadFailure(
            findings.make(
                "LC006",
                phase="factory",
                message=f"{target} is {with_article(type(factory).__name__)}, not callable, "
                "so it "
                "cannot be used with --factory",
            )
        )
    if not _accepts(factory, 0):
        is_app = _accepts(factory, 3) and (
            inspect.iscoroutinefunction(factory)
            or inspect.iscoroutinefunction(getattr(factory, "__call__", None))  # noqa: B004
        )
        raise LoadFailure(
            findings.make(
                "LC006",
                phase="factory",
                message=f"{target} is already an ASGI application, not a factory"
                if is_app
                else f"{target} cannot be called without arguments {_signature_text(factory)}",
                hint="drop --factory" if is_app else "a factory takes no arguments",
            )
        )
    try:
        app = factory()
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        info = describe_exception(exc, classifier)
        raise LoadFailure(
            findings.make(
                "LC006",
                phase="factory",
                message=f"the factory {target}() raised {info.summary}",
                location=info.location,
                stack=info.stack,
                details=info.details(),
            )
        ) from None
    if inspect.isawaitable(app):
        if inspect.iscoroutine(app):
            app.close()
        raise LoadFailure(
            findings.make(
                "LC006",
                phase="factory",
                message=f"the factory {target}() returned an awaitable; factories must "
                "be plain functions that return the app",
                hint="make the factory a regular def, or build the app at import time",
            )
        )
    return app


def uvicorn_takes_for_asgi2(obj: object) -> bool:
    """Whether uvicorn's `--interface auto` detection would call this app as ASGI2: it
    asks whether the function (or the object's __call__) is a coroutine function, so a
    plain def returning the coroutine, or a functools.partial, fails the test."""
    try:
        if inspect.isclass(obj):
            return not hasattr(obj, "__await__")
        if inspect.isfunction(obj):
            return not inspect.iscoroutinefunction(obj)
        return not inspect.iscoroutinefunction(getattr(obj, "__call__", None))  # noqa: B004
    except Exception:  # the app's own attribute hooks
        return False


def called_as_asgi2(obj: Any) -> AsgiApp:
    """`obj` called the way uvicorn calls an app it takes for ASGI2 (--emulate uvicorn)."""

    async def as_asgi2(scope: Any, receive: Any, send: Any) -> None:
        try:
            instance = obj(scope)
        except TypeError as exc:
            raise TypeError(f"uvicorn calls it as ASGI2, app(scope): {exc} (LC411)") from None
        await instance(receive, send)

    return as_asgi2


def as_asgi(obj: Any, target: Target, *, factory: bool = False) -> LoadedApp:
    """Detect the interface of `obj` and adapt it to ASGI 3; LC005 (LC006) if it is none."""
    try:
        return _classify(obj, target, factory)
    except LoadFailure:
        raise
    except Exception as exc:
        # Looking at the object ran its own code (a lazy proxy's __getattr__) and that
        # raised: judge it by its class alone.
        if inspect.iscoroutinefunction(getattr(type(obj), "__call__", None)):  # noqa: B004
            return LoadedApp(obj, "asgi3", _type_name(obj), obj)
        raise LoadFailure(
            findings.make(
                "LC006" if factory else "LC005",
                phase="factory" if factory else "import",
                message=f"{target} could not be inspected: looking at its attributes raised "
                f"{type(exc).__name__}: {clip(safe_str(exc))}",
                details={"type": _type_name(obj)},
            )
        ) from None


def _classify(obj: Any, target: Target, factory: bool) -> LoadedApp:
    code = "LC006" if factory else "LC005"
    phase = "factory" if factory else "import"
    what = f"the factory {target}() returned" if factory else f"{target} is"

    def reject(reason: str, hint: str | None = None) -> LoadFailure:
        return LoadFailure(
            findings.make(
                code,
                phase=phase,
                message=f"{what} {reason}",
                hint=hint,
                details={"type": _type_name(obj)},
            )
        )

    if obj is None:
        raise reject("None, not an ASGI application")
    if inspect.ismodule(obj):
        raise reject(
            f"a module ({obj.__name__}), not an ASGI application",
            hint=f"name the application inside it, e.g. {_module_path(target)}:app",
        )
    if not callable(obj):
        raise reject(
            f"{with_article(_type_name(obj))}, which is not callable, so not an ASGI application"
        )
    if getattr(obj, "_asgi_single_callable", False):
        return LoadedApp(obj, "asgi3", _type_name(obj), obj)
    if getattr(obj, "_asgi_double_callable", False):
        return _asgi2(obj)

    if inspect.isclass(obj):
        # The class's own __call__ (for its instances), not type.__call__ (which makes them).
        call = next((vars(k)["__call__"] for k in obj.__mro__[:-1] if "__call__" in vars(k)), None)
        if call is not None and inspect.iscoroutinefunction(call):
            if _accepts(call, 3, bound=False) and not _accepts(call, 2, bound=False):
                raise reject(
                    f"the class {obj.__qualname__} itself; its instances are the ASGI apps",
                    hint=f"create an instance ({obj.__qualname__}()) in the module, or pass "
                    "--factory if the class is meant to be called to build the app",
                )
            if _accepts(obj, 1):
                return _asgi2(obj)
        if call is not None and _accepts(call, 2, bound=False) and _accepts(obj, 1):
            return _asgi2(obj)  # asgiref's rule: an uninstantiated class is a double callable
        raise reject(
            f"the class {obj.__qualname__}, which is not an ASGI application"
            + ("" if call is not None else " (its instances are not even callable)")
        )

    not_an_app = _known_non_app(obj)
    if not_an_app is not None:
        raise reject(*not_an_app)
    is_async = inspect.iscoroutinefunction(obj) or inspect.iscoroutinefunction(
        getattr(obj, "__call__", None)  # noqa: B004
    )
    if is_async:
        if _accepts(obj, 3):
            return LoadedApp(obj, "asgi3", _type_name(obj), obj)
        raise reject(
            f"an async callable that cannot be called as (scope, receive, send): "
            f"{_signature_text(obj)}"
        )
    if _accepts(obj, 3):
        # A sync callable returning an awaitable (a wrapper or partial); checked when called.
        return LoadedApp(obj, "asgi3", _type_name(obj), obj)
    if _accepts(obj, 2):
        raise reject(
            f"a WSGI application {_signature_text(obj)}, not an ASGI application; WSGI has no "
            "lifespan",
            hint="serve it with a WSGI server, or wrap it (asgiref.wsgi.WsgiToAsgi) for an ASGI "
            "server; a WSGI app has no startup or shutdown events to check",
        )
    if _accepts(obj, 1):
        return _asgi2(obj)
    raise reject(
        f"a callable with the signature {_signature_text(obj)}; an ASGI application "
        "takes (scope, receive, send)"
    )


def _known_non_app(obj: Any) -> tuple[str, str] | None:
    """Callables that are easily named by mistake and would pass for legacy ASGI 2 apps
    (one argument): a lifespan context manager, a generator, a plain factory."""
    wrapped = getattr(obj, "__wrapped__", None)
    if wrapped is not None and (
        inspect.isasyncgenfunction(wrapped) or inspect.isgeneratorfunction(wrapped)
    ):
        return (
            "a context manager function (such as a lifespan passed to FastAPI(lifespan=...)), "
            "not an ASGI application",
            "point TARGET at the application object that uses it, e.g. main:app",
        )
    if inspect.isasyncgenfunction(obj) or inspect.isgeneratorfunction(obj):
        return ("a generator function, not an ASGI application", "point TARGET at the app")
    if _accepts(obj, 0) and not _accepts(obj, 1):
        return (
            f"a callable taking no arguments {_signature_text(obj)}, not an ASGI application",
            "if it builds the app, pass --factory",
        )
    return None


def _asgi2(obj: object) -> LoadedApp:
    from asgiref.compatibility import double_to_single_callable

    adapt: Callable[[object], AsgiApp] = double_to_single_callable
    return LoadedApp(adapt(obj), "asgi2", _type_name(obj), obj)


def _accepts(fn: Any, count: int, *, bound: bool = True) -> bool:
    """True if `fn` can be called with `count` positional arguments."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return count == 3  # builtins and C callables: trust them to be ASGI 3
    params = list(sig.parameters.values())
    if not bound and params and params[0].name == "self":
        params = params[1:]
    try:
        inspect.Signature(params).bind(*range(count))
    except TypeError:
        return False
    return True


def _signature_text(obj: Any) -> str:
    try:
        text = str(inspect.signature(obj))
    except (TypeError, ValueError):
        return "(?)"
    return text if len(text) <= 120 else text[:117] + "..."


def _module_path(target: Target) -> str:
    """The module a target's attributes name, as the user would import it: "os:path" is
    os.path, whatever its __name__ says (posixpath)."""
    return ".".join((target.module, *target.attrs))


def _type_name(obj: object) -> str:
    if inspect.isfunction(obj) or inspect.isclass(obj):
        return f"{obj.__module__}.{obj.__qualname__}"
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"
