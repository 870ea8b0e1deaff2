"""The app's object graph, read for lifespan code that will never run (LC403-LC406).

`walk(app)` follows the public attributes frameworks expose: wrapped apps (`.app`),
Starlette/FastAPI middleware stacks and routers with their `Mount`/`Host` routes and
lifespan contexts, FastAPI's `on_event` handlers, Litestar's and Quart's startup hooks,
and unknown objects that keep ASGI apps in a dict or list (path dispatchers). Every
probe fails soft: an object we do not understand is a leaf, never a crash.

Each edge says whether a lifespan scope reaching the parent reaches the child:
`Mount`/`Host` routes never forward it (Starlette's router answers the lifespan
itself), the framework's own middleware always does, and anything else is unknown
until the run shows what happened. `EntryTrace` records which code ran before the app's
first `receive()`, so a refused lifespan can be pinned on the layer that stopped it.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import itertools
import linecache
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import CodeType, FrameType, TracebackType
from typing import Any

from . import findings
from .entry_trace import Refusal
from .frames import CodeClassifier, from_frame, innermost_user, leaf_exceptions, make_frame
from .model import Finding, Frame

# Packages whose own lifespan plumbing is not "a handler of the user's".
_FRAMEWORK_PACKAGES = frozenset(
    {"starlette", "fastapi", "litestar", "quart", "falcon", "blacksheep", "django", "channels"}
)
_MAX_NODES = 400
_MAX_DEPTH = 40
# How many calls the entry trace follows before it gives up: the layers that pass a
# lifespan on run in the first few hundred; an app that works before its first receive()
# must not be slowed for longer than this.

FORWARDS = True
NEVER = False
UNKNOWN = None


@dataclass(frozen=True, slots=True)
class Handler:
    """A startup/shutdown hook or lifespan context the app registered."""

    kind: str  # "lifespan", "startup", "shutdown" or "while-serving"
    name: str
    location: Frame | None = None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.kind})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "location": self.location.to_dict() if self.location else None,
        }


@dataclass(eq=False)
class Node:
    """One object of the app graph and how the lifespan reaches it from its parent."""

    obj: object
    type_name: str
    framework: str | None = None
    relation: str = "top"  # top, wraps, middleware, router, mount, host, dispatch
    forwards: bool | None = FORWARDS  # does a lifespan reaching the parent reach this?
    path: str = ""  # the mount path accumulated from the top
    host: str | None = None  # for an app behind a Host route
    handlers: list[Handler] = field(default_factory=list)
    shadowed: list[Handler] = field(default_factory=list)  # registered but never run
    children: list[Node] = field(default_factory=list)
    parent: Node | None = None
    codes: tuple[CodeType, ...] = ()

    def descendants(self) -> Iterator[Node]:
        for child in self.children:
            yield child
            yield from child.descendants()

    def reachable(self) -> Iterator[Node]:
        """This node and those below it that a lifespan reaching it is meant to reach."""
        yield self
        for child in self.children:
            if child.forwards is not NEVER:
                yield from child.reachable()

    def reachable_handlers(self) -> list[tuple[Node, Handler]]:
        """Handlers of this node and below that a lifespan reaching it would run."""
        return [(node, h) for node in self.reachable() for h in node.handlers]

    def chain_to(self, target: Node) -> list[Node]:
        """The nodes from this one down to `target` (inclusive)."""
        chain: list[Node] = []
        node: Node | None = target
        while node is not None:
            chain.append(node)
            if node is self:
                break
            node = node.parent
        chain.reverse()
        return chain


@dataclass
class Structure:
    """What the walk found below one app."""

    root: Node
    complete: bool = True  # False when the walk hit its size limits

    def nodes(self) -> Iterator[Node]:
        yield self.root
        yield from self.root.descendants()


# Walking -------------------------------------------------------------------------------


def walk(app: object, classifier: CodeClassifier | None = None) -> Structure | None:
    """The lifespan-relevant structure below `app`, or None if nothing could be read."""
    walker = _Walker(classifier or CodeClassifier())
    try:
        root = walker.visit(app, None, "top", FORWARDS, "")
    except Exception:
        return None
    return Structure(root, complete=not walker.truncated)


class _Walker:
    def __init__(self, classifier: CodeClassifier) -> None:
        self.classifier = classifier
        self.seen: set[int] = set()
        self.count = 0
        self.truncated = False

    def visit(
        self, obj: object, parent: Node | None, relation: str, forwards: bool | None, path: str
    ) -> Node:
        node = Node(
            obj=obj,
            type_name=_type_name(obj),
            framework=_framework(obj),
            relation=relation,
            forwards=forwards,
            path=path,
            parent=parent,
            codes=_call_codes(obj),
        )
        self.count += 1
        depth = 0
        up = parent
        while up is not None:
            depth += 1
            up = up.parent
        if id(obj) in self.seen or self.count > _MAX_NODES or depth > _MAX_DEPTH:
            self.truncated = self.truncated or id(obj) not in self.seen
            return node
        self.seen.add(id(obj))
        for probe in (self._starlette_app, self._router, self._litestar, self._quart):
            try:
                if probe(node):
                    return node
            except Exception:
                continue  # fail soft: a framework version we do not know
        with contextlib.suppress(Exception):
            self._generic(node)
        return node

    def child(
        self, node: Node, obj: object, relation: str, forwards: bool | None, path: str = ""
    ) -> None:
        if self.count >= _MAX_NODES:
            self.truncated = True
            return
        node.children.append(self.visit(obj, node, relation, forwards, node.path + path))

    # Starlette / FastAPI ----------------------------------------------------------------

    def _starlette_app(self, node: Node) -> bool:
        obj = node.obj
        if not _is(obj, "starlette.applications.Starlette"):
            return False
        stack = getattr(obj, "middleware_stack", None)
        router = getattr(obj, "router", None)
        if stack is not None:
            self.child(node, stack, "middleware", FORWARDS)
            return True
        # Not called yet: the stack is built on the first call from user_middleware.
        # An edge is unknown below a layer of the user's (it may drop the lifespan).
        parent = node
        passes: bool | None = FORWARDS
        for entry in list(getattr(obj, "user_middleware", None) or ()):
            cls = getattr(entry, "cls", None)
            if cls is None:
                continue
            layer = Node(
                obj=cls,
                type_name=_type_name(cls),
                framework=_framework(cls),
                relation="middleware",
                forwards=passes,
                path=parent.path,
                parent=parent,
                codes=_class_call_codes(cls),
            )
            parent.children.append(layer)
            parent = layer
            passes = FORWARDS if _is_framework_code(cls) else UNKNOWN
        if router is not None:
            self.child(parent, router, "router", passes)
        return True

    def _router(self, node: Node) -> bool:
        obj = node.obj
        if not _is(obj, "starlette.routing.Router"):
            return False
        node.handlers, node.shadowed = _router_handlers(obj, self.classifier)
        for route in list(getattr(obj, "routes", None) or ()):
            if _is(route, "starlette.routing.Mount"):
                sub = getattr(route, "app", None)
                if sub is not None:
                    self.child(node, sub, "mount", NEVER, str(getattr(route, "path", "")) or "/")
            elif _is(route, "starlette.routing.Host"):
                sub = getattr(route, "app", None)
                if sub is not None:
                    self.child(node, sub, "host", NEVER)
                    if node.children and node.children[-1].obj is sub:
                        node.children[-1].host = str(getattr(route, "host", ""))
        return True

    # Litestar and Quart -------------------------------------------------------------------

    def _litestar(self, node: Node) -> bool:
        obj = node.obj
        if not _is(obj, "litestar.app.Litestar"):
            return False
        managers = list(getattr(obj, "_lifespan_managers", None) or ())
        node.handlers = [
            *(
                _handler("lifespan", m, self.classifier)
                for m in managers
                if not _is_framework_code(m)
            ),
            *_handlers("startup", getattr(obj, "on_startup", None), self.classifier),
            *_handlers("shutdown", getattr(obj, "on_shutdown", None), self.classifier),
        ]
        for route in list(getattr(obj, "routes", None) or ()):
            handler = getattr(route, "route_handler", None)
            if handler is None or not getattr(handler, "is_mount", False):
                continue
            fn = getattr(handler, "fn", None)
            if fn is not None and _framework(fn) is not None:
                self.child(node, fn, "mount", NEVER, str(getattr(route, "path", "")))
        return True

    def _quart(self, node: Node) -> bool:
        obj = node.obj
        if inspect.ismethod(obj) and _is(obj.__self__, "quart.app.Quart"):
            if obj.__name__ == "asgi_app":  # the real one, reached through a wrapper
                node.handlers = _quart_handlers(obj.__self__, self.classifier)
                return True
            return False
        if not _is(obj, "quart.app.Quart"):
            return False
        # `app.asgi_app = Middleware(app.asgi_app)` is Quart's documented way to wrap it;
        # then the hooks run only if the wrapper passes the lifespan on.
        wrapper = vars(obj).get("asgi_app")
        if wrapper is not None and getattr(wrapper, "__self__", None) is not obj:
            self.child(node, wrapper, "middleware", FORWARDS)
        else:
            node.handlers = _quart_handlers(obj, self.classifier)
        return True

    # Anything else ---------------------------------------------------------------------------

    def _generic(self, node: Node) -> None:
        obj = node.obj
        if inspect.isfunction(obj) or inspect.ismethod(obj) or inspect.isclass(obj):
            return
        inner = _safe_getattr(obj, "app")
        if inner is not None and inner is not obj and callable(inner):
            forwards = FORWARDS if _is_framework_code(obj) else UNKNOWN
            self.child(node, inner, "wraps", forwards)
            return
        attrs = _instance_attrs(obj)
        for name, value in attrs.items():
            if name.startswith("__"):
                continue
            for path, sub in _apps_in(value):
                self.child(node, sub, "dispatch", UNKNOWN, path)


def _quart_handlers(app: object, classifier: CodeClassifier) -> list[Handler]:
    return [
        *_handlers("startup", getattr(app, "before_serving_funcs", None), classifier),
        *_handlers("while-serving", getattr(app, "while_serving_gens", None), classifier),
        *_handlers("shutdown", getattr(app, "after_serving_funcs", None), classifier),
    ]


def _handlers(kind: str, hooks: Any, classifier: CodeClassifier) -> list[Handler]:
    return [_handler(kind, hook, classifier) for hook in list(hooks or ())]


def _router_handlers(
    router: object, classifier: CodeClassifier
) -> tuple[list[Handler], list[Handler]]:
    """(handlers that run, handlers registered on the router that never will)."""
    context = getattr(router, "lifespan_context", None)
    runs: list[Handler] = []
    ran_lists: set[int] = set()

    def unfold(ctx: object, depth: int = 0) -> None:
        if ctx is None or depth > 20:
            return
        owner = getattr(ctx, "_router", None)
        if type(ctx).__name__ == "_DefaultLifespan" and owner is not None:
            for kind in ("startup", "shutdown"):
                hooks = getattr(owner, f"on_{kind}", None) or []
                ran_lists.add(id(hooks))
                runs.extend(_handler(kind, h, classifier) for h in list(hooks))
            return
        inner = _unwrap(ctx)  # @asynccontextmanager keeps the closure on __wrapped__
        cells = _closure(inner)
        if getattr(inner, "__name__", "") == "merged_lifespan" and cells:
            for name in ("original_context", "nested_context"):
                unfold(cells.get(name), depth + 1)
            return
        if not _is_framework_code(_unwrap(ctx)):
            runs.append(_handler("lifespan", ctx, classifier))

    unfold(context)
    shadowed: list[Handler] = []
    for kind in ("startup", "shutdown"):
        hooks = getattr(router, f"on_{kind}", None)
        if isinstance(hooks, list) and id(hooks) not in ran_lists:
            registered = [_handler(kind, h, classifier) for h in hooks]
            running = {(h.name, h.location) for h in runs}
            shadowed.extend(h for h in registered if (h.name, h.location) not in running)
    return runs, shadowed


def _apps_in(value: object) -> list[tuple[str, object]]:
    """ASGI apps kept in an attribute: a dict path -> app, or a list of apps / pairs."""
    out: list[tuple[str, object]] = []
    if isinstance(value, Mapping):
        for key, item in itertools.islice(value.items(), 100):
            if isinstance(key, str) and _looks_asgi(item):
                out.append((key, item))
    elif isinstance(value, (list, tuple)):
        for item in value[:100]:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
                if _looks_asgi(item[1]):
                    out.append((item[0], item[1]))
            elif _looks_asgi(item):
                out.append(("", item))
    return out


def _looks_asgi(obj: Any) -> bool:
    if _framework(obj) is not None:
        return True
    if inspect.isclass(obj) or not callable(obj):
        return False
    call = obj if inspect.isfunction(obj) or inspect.ismethod(obj) else type(obj).__call__
    return inspect.iscoroutinefunction(call)


# Describing objects ---------------------------------------------------------------------


_FRAMEWORK_TYPES = (
    ("fastapi.applications.FastAPI", "fastapi"),
    ("starlette.applications.Starlette", "starlette"),
    ("starlette.routing.Router", "starlette"),
    ("litestar.app.Litestar", "litestar"),
    ("quart.app.Quart", "quart"),
)


def _qualnames(obj: object) -> Iterator[str]:
    cls = obj if inspect.isclass(obj) else type(obj)
    for klass in getattr(cls, "__mro__", ()):
        yield f"{klass.__module__}.{klass.__qualname__}"


def _is(obj: object, qualname: str) -> bool:
    """isinstance by name, so no framework is ever imported here."""
    if inspect.isclass(obj):
        return False
    return qualname in _qualnames(obj)


def _framework(obj: object) -> str | None:
    if inspect.isclass(obj):
        return None
    names = set(_qualnames(obj))
    for qualname, framework in _FRAMEWORK_TYPES:
        if qualname in names:
            return framework
    return None


def _type_name(obj: object) -> str:
    if inspect.isfunction(obj) or inspect.isclass(obj):
        return f"{obj.__module__}.{obj.__qualname__}"
    if inspect.ismethod(obj):
        return f"{type(obj.__self__).__module__}.{obj.__qualname__}"
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _module_of(obj: Any) -> str:
    target: Any = obj if inspect.isfunction(obj) or inspect.isclass(obj) else type(obj)
    if inspect.ismethod(obj):
        target = obj.__func__
    return str(getattr(target, "__module__", "") or "")


def _is_framework_code(obj: object) -> bool:
    return _module_of(obj).partition(".")[0] in _FRAMEWORK_PACKAGES


def _safe_getattr(obj: object, name: str) -> Any:
    try:
        return getattr(obj, name, None)
    except Exception:
        return None


def _instance_attrs(obj: object) -> dict[str, Any]:
    try:
        attrs = vars(obj)
    except TypeError:
        return {}
    return dict(attrs) if isinstance(attrs, Mapping) else {}


def _unwrap(fn: object) -> object:
    seen = 0
    while seen < 20:
        seen += 1
        if isinstance(fn, functools.partial):
            fn = fn.func
            continue
        inner = getattr(fn, "__wrapped__", None)
        if inner is None or inner is fn:
            break
        fn = inner
    return fn


def _closure(fn: object) -> dict[str, Any]:
    code = getattr(fn, "__code__", None)
    cells = getattr(fn, "__closure__", None)
    if code is None or not cells:
        return {}
    out: dict[str, Any] = {}
    for name, cell in zip(code.co_freevars, cells, strict=False):
        try:
            out[name] = cell.cell_contents
        except ValueError:
            continue
    return out


def _code_of(fn: object) -> CodeType | None:
    target = _unwrap(fn)
    if inspect.ismethod(target):
        target = target.__func__
    code = getattr(target, "__code__", None)
    if isinstance(code, CodeType):
        return code
    for attr in ("ag_code", "gi_code", "cr_code"):  # Quart keeps while_serving generators
        code = getattr(target, attr, None)
        if isinstance(code, CodeType):
            return code
    return None


def _def_line(code: CodeType) -> int:
    """The `def` line of a function: co_firstlineno is its first decorator's."""
    for line in range(code.co_firstlineno, code.co_firstlineno + 30):
        text = linecache.getline(code.co_filename, line).lstrip()
        if text.startswith(("def ", "async def ", "class ")):
            return line
        if not text:
            break
    return code.co_firstlineno


def _handler(kind: str, fn: object, classifier: CodeClassifier) -> Handler:
    target = _unwrap(fn)
    code = _code_of(target)
    if code is not None:
        name = code.co_qualname
        location = make_frame(code.co_filename, _def_line(code), name, classifier)
        return Handler(kind, name, location)
    # A context manager object or class: point at its class.
    cls = target if inspect.isclass(target) else type(target)
    name = getattr(cls, "__qualname__", repr(cls))
    for method in ("__aenter__", "__call__", "__init__"):
        code = _code_of(getattr(cls, method, None))
        if code is not None:
            where = make_frame(code.co_filename, code.co_firstlineno, name, classifier)
            return Handler(kind, name, where)
    return Handler(kind, name, None)


def _class_call_codes(cls: object) -> tuple[CodeType, ...]:
    call = cls.__dict__.get("__call__") if isinstance(cls, type) else None
    for klass in getattr(cls, "__mro__", ())[1:] if call is None else ():
        call = klass.__dict__.get("__call__")
        if call is not None:
            break
    code = _code_of(call)
    return (code,) if code is not None else ()


def _call_codes(obj: object) -> tuple[CodeType, ...]:
    """The code objects that run when `obj` is called as an ASGI app."""
    if inspect.isfunction(obj) or inspect.ismethod(obj) or isinstance(obj, functools.partial):
        code = _code_of(obj)
        return (code,) if code is not None else ()
    if inspect.isclass(obj):
        return ()
    return _class_call_codes(type(obj))


def layer_location(node: Node, classifier: CodeClassifier) -> Frame | None:
    """Where a layer is defined: its `__call__` (or the function itself)."""
    for code in node.codes:
        return make_frame(code.co_filename, code.co_firstlineno, code.co_qualname, classifier)
    return None


# Findings ---------------------------------------------------------------------------------


class MountWatch:
    """Routers' lifespans, watched during the run (see watch_lifespans)."""

    def __init__(self) -> None:
        self.entered: set[int] = set()  # ids of the routers whose lifespan was entered
        self.watched: set[int] = set()
        # The app's own lifespan function: where a failure inside the framework's handling
        # of it points, when its traceback holds no line of the user's.
        self.lifespan_definition: Frame | None = None
        self._swapped: list[tuple[object, object]] = []

    def restore(self) -> None:
        """Put the apps' own lifespan_context back (the app must end as it started)."""
        for router, original in self._swapped:
            with contextlib.suppress(AttributeError, TypeError):
                router.lifespan_context = original  # type: ignore[attr-defined]
        self._swapped.clear()


def watch_lifespans(structure: Structure) -> MountWatch:
    """Before the run: note which Starlette-family apps with lifespan code have their
    lifespan run. A mounted app's may be run by the parent's lifespan (as LC403's hint
    says to); an app the lifespan scope should reach may be cut off by a layer that
    answers the scope itself (LC404).

    The router's `lifespan_context` is replaced for the run by a pass-through that
    records the call; restore() puts it back.
    """
    watch = MountWatch()
    entered = watch.entered
    watch.lifespan_definition = next(
        (
            h.location
            for _, h in structure.root.reachable_handlers()
            if h.kind == "lifespan" and h.location is not None
        ),
        None,
    )
    for node in structure.nodes():
        if not node.reachable_handlers():
            continue
        router = getattr(node.obj, "router", None)
        original = getattr(router, "lifespan_context", None)
        if router is None or not callable(original) or id(router) in watch.watched:
            continue

        def recording(app: Any, _original: Any = original, _key: int = id(router)) -> Any:
            entered.add(_key)
            return _original(app)

        try:
            router.lifespan_context = recording
        except (AttributeError, TypeError):
            continue
        watch._swapped.append((router, original))
        watch.watched.add(id(router))
    return watch


def static_findings(structure: Structure, entered: Iterable[int] = ()) -> list[Finding]:
    """LC403 (mounted apps whose lifespan never runs) and LC405 (shadowed on_event);
    `entered` holds the routers whose lifespan ran anyway (watch_mounted_lifespans)."""
    ran = set(entered)
    out: list[Finding] = []
    for node in structure.nodes():
        if node.forwards is NEVER and id(getattr(node.obj, "router", None)) not in ran:
            handlers = node.reachable_handlers()
            if handlers:
                out.append(_never_mounted(node, handlers))
        if node.shadowed:
            out.append(_shadowed(node, structure.root))
    return out


def _mount_words(node: Node) -> str:
    if node.host is not None:
        return f"the app routed for host {node.host!r}"
    return f"the app mounted at {node.path or '/'!r}"


def _never_mounted(node: Node, handlers: list[tuple[Node, Handler]]) -> Finding:
    names = ", ".join(h.label for _, h in handlers)
    first = next((h.location for _, h in handlers if h.location is not None), None)
    message = (
        f"{_mount_words(node)} ({node.type_name}) has lifespan code that will never run: "
        f"{names}. A mounted app never receives the lifespan scope: the parent's router "
        "answers it and does not forward it."
    )
    return findings.make(
        "LC403",
        phase=None,
        message=message,
        location=first,
        hint="run the sub-app's lifespan from the parent's lifespan, e.g. "
        "`async with sub_app.router.lifespan_context(sub_app): yield`",
        details={
            "mount_path": node.path or "/",
            "host": node.host,
            "app_type": node.type_name,
            "handlers": [h.to_dict() for _, h in handlers],
        },
    )


def _shadowed(node: Node, root: Node) -> Finding:
    owner = node
    while owner.parent is not None and owner.relation in ("router", "middleware", "wraps"):
        owner = owner.parent
    names = ", ".join(h.label for h in node.shadowed)
    where = "" if owner is root or not node.path else f" (mounted at {node.path!r})"
    first = next((h.location for h in node.shadowed if h.location is not None), None)
    return findings.make(
        "LC405",
        phase=None,
        message=f"{owner.type_name}{where} has a lifespan= context, which takes precedence: "
        f"its on_event handlers will never run: {names}",
        location=first,
        hint="move the code of these handlers into the lifespan function (before and after "
        "its yield), and drop the on_event registrations",
        details={
            "app_type": owner.type_name,
            "mount_path": node.path or None,
            "handlers": [h.to_dict() for h in node.shadowed],
        },
    )


def refused_findings(
    structure: Structure, refusal: Refusal, classifier: CodeClassifier, t_s: float | None
) -> list[Finding]:
    """LC404: handlers exist below a top-level app that refused or ignored the lifespan."""
    root = structure.root
    reachable = root.reachable_handlers()
    if not reachable:
        return []
    culprit, where = _culprit(structure, refusal, reachable, classifier)
    below = [(n, h) for n, h in reachable if culprit is None or _below(n, culprit)]
    below = below or reachable
    handlers = [h for _, h in below]
    names = ", ".join(_label(n, h) for n, h in below)
    verb = "raised on" if refusal.kind == "raised" else "returned without answering"
    if culprit is not None:
        who = f"{culprit.type_name}"
        at = f" ({where.short})" if where is not None else ""
        message = (
            f"{who}{at} {verb} the lifespan scope, so the lifespan code below it never ran: {names}"
        )
    else:
        message = (
            f"the app {verb} the lifespan scope, so the lifespan code inside it never ran: {names}"
        )
    return [
        findings.make(
            "LC404",
            phase="startup",
            message=message,
            location=where,
            t_s=t_s,
            hint="make the middleware pass scopes it does not handle to the app it wraps "
            "(`await self.app(scope, receive, send)`) instead of returning or asserting",
            details={
                "middleware": culprit.type_name if culprit is not None else None,
                "handlers": [h.to_dict() for h in handlers],
            },
        )
    ]


def unreached_findings(
    structure: Structure,
    watch: MountWatch,
    trace_codes: Iterable[CodeType],
    received_at: tuple[Frame, ...],
    classifier: CodeClassifier,
    t_s: float | None,
) -> list[Finding]:
    """LC404 after a startup that succeeded: apps the lifespan scope should have reached
    whose lifespan never ran, because a layer above answered the scope itself or passed
    it to another app only."""
    entered_codes = set(trace_codes)
    by_culprit: dict[int, tuple[Node, list[tuple[Node, Handler]]]] = {}
    for node in structure.root.reachable():
        router = id(getattr(node.obj, "router", None))
        if router not in watch.watched or router in watch.entered:
            continue
        chain = structure.root.chain_to(node)
        _, culprit = _deepest_entered(chain[:-1], entered_codes) or (0, chain[0])
        by_culprit.setdefault(id(culprit), (culprit, []))[1].extend(node.reachable_handlers())
    out = []
    for culprit, missed in by_culprit.values():
        # The culprit's line on the way to receive(): the call that answered the scope,
        # or the one that passed it to another app.
        own = [f for f in received_at if _runs(culprit, f)]
        where = own[-1] if own else layer_location(culprit, classifier)
        answered = bool(own) and received_at[-1] is own[-1]
        at = f" ({where.short})" if where is not None else ""
        did = (
            "answered the lifespan scope itself"
            if answered
            else "passed the lifespan scope to another app only"
        )
        names = ", ".join(_label(n, h) for n, h in missed)
        out.append(
            findings.make(
                "LC404",
                phase="startup",
                message=f"{culprit.type_name}{at} {did}, so the lifespan code below it "
                f"never ran, though startup succeeded: {names}",
                location=where,
                t_s=t_s,
                hint="pass the lifespan scope on to every app below "
                "(`await self.app(scope, receive, send)`); a dispatcher over several apps "
                "must run each app's lifespan before it answers startup",
                details={
                    "middleware": culprit.type_name,
                    "handlers": [h.to_dict() for _, h in missed],
                    "problem": "answered" if answered else "passed-on",
                },
            )
        )
    return out


def _runs(node: Node, frame: Frame) -> bool:
    return any(c.co_filename == frame.file and c.co_qualname == frame.function for c in node.codes)


def _label(node: Node, handler: Handler) -> str:
    if node.path:
        return f"{handler.name} ({handler.kind}, for {node.path!r})"
    return handler.label


def _below(node: Node, ancestor: Node) -> bool:
    up: Node | None = node
    while up is not None:
        if up is ancestor:
            return True
        up = up.parent
    return False


def _culprit(
    structure: Structure,
    refusal: Refusal,
    reachable: list[tuple[Node, Handler]],
    classifier: CodeClassifier,
) -> tuple[Node | None, Frame | None]:
    """The deepest layer on the way to the handlers that ran, and the line that refused."""
    paths = [structure.root.chain_to(node) for node, _ in reachable]
    raised: list[Frame] = []
    entered = set(refusal.entered)
    if refusal.exc is not None:
        for leaf in leaf_exceptions(refusal.exc):
            for tb_frame, lineno in _tb_frames(leaf.__traceback__):
                entered.add(tb_frame.f_code)
                raised.append(from_frame(tb_frame, classifier, lineno))
    deepest = [found for path in paths if (found := _deepest_entered(path, entered))]
    best = max(deepest, key=lambda found: found[0])[1] if deepest else None
    if best is None:
        # Nothing matched (a C-level layer, or no trace): blame the outermost layer that
        # is not the framework's own, which is where a lifespan is usually dropped.
        # A layer whose edge to the next one is unknown may be the one that dropped it.
        path = paths[0]
        best = next(
            (path[i - 1] for i in range(1, len(path)) if path[i].forwards is UNKNOWN), path[0]
        )
    where = innermost_user(raised) if raised else None
    if where is None:
        # It returned: the line it returned from, as the entry trace saw it.
        for code in best.codes:
            line = refusal.last_line.get(code)
            if line:
                return best, make_frame(code.co_filename, line, code.co_qualname, classifier)
    return best, where or layer_location(best, classifier)


def _deepest_entered(path: list[Node], entered: set[CodeType]) -> tuple[int, Node] | None:
    """The deepest layer of `path` whose code ran (and its depth), if any did."""
    for depth in range(len(path) - 1, -1, -1):
        if any(code in entered for code in path[depth].codes):
            return depth, path[depth]
    return None


def _tb_frames(tb: TracebackType | None) -> Iterator[tuple[FrameType, int]]:
    while tb is not None:
        yield tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next


def asgi2_finding(app_type: str, location: Frame | None) -> Finding:
    """LC406: a legacy ASGI2 (double callable) app."""
    return findings.make(
        "LC406",
        phase=None,
        message=f"{app_type} is a legacy ASGI2 application (a double callable); uvicorn "
        "adapts it, but hypercorn and granian mis-detect it and answer every request "
        "with HTTP 500",
        location=location,
        hint="make it an ASGI3 app: `async def app(scope, receive, send)`, or wrap it with "
        "asgiref.compatibility.guarantee_single_callable",
    )


def misdetected_finding(app_type: str, location: Frame | None) -> Finding:
    """LC411: an ASGI3 app that uvicorn's interface detection takes for ASGI2."""
    return findings.make(
        "LC411",
        phase=None,
        message=f"{app_type} takes (scope, receive, send) and returns the coroutine, but is not "
        "itself a coroutine function (a plain def around one, a functools.partial, a sync "
        "__call__). uvicorn's interface detection takes such an app for ASGI2 and calls "
        "app(scope): a TypeError, so the lifespan is 'unsupported' (exit 3 with --lifespan "
        "on) and every request fails",
        location=location,
        hint="make it `async def app(scope, receive, send)` (or give the class an `async def "
        "__call__`), or start uvicorn with `--interface asgi3`",
    )


def definition_of(obj: object, classifier: CodeClassifier) -> Frame | None:
    """Where a function or a class (of an instance) is defined; a partial's function."""
    while isinstance(obj, functools.partial):
        obj = obj.func
    target = obj if inspect.isfunction(obj) or inspect.isclass(obj) else type(obj)
    code = _code_of(target)
    if code is not None:
        return make_frame(code.co_filename, code.co_firstlineno, code.co_qualname, classifier)
    try:
        file = inspect.getsourcefile(target)
        _, line = inspect.getsourcelines(target)
    except (OSError, TypeError):
        return None
    if file is None:
        return None
    return make_frame(file, max(1, line), getattr(target, "__qualname__", "?"), classifier)
