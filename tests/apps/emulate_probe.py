"""Prints what the server showed it and what send() raised, then behaves per its name."""

import json


def _show(scope, what):
    print(
        json.dumps({"asgi": scope.get("asgi", "<missing>"), "has_state": "state" in scope, **what}),
        flush=True,
    )


async def scope_probe(scope, receive, send):
    _show(scope, {})
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})


async def fails_startup(scope, receive, send):
    await receive()
    try:
        await send({"type": "lifespan.startup.failed", "message": "no database"})
    except Exception as exc:
        _show(scope, {"send_raised": type(exc).__name__})
        raise  # <- reraise


async def sends_typo(scope, receive, send):
    await receive()
    try:
        await send({"type": "lifespan.startup.completed"})
    except Exception as exc:
        _show(scope, {"send_raised": type(exc).__name__})
        raise


async def completes_twice(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    try:
        await send({"type": "lifespan.startup.complete"})
    except Exception as exc:
        _show(scope, {"send_raised": type(exc).__name__})
        raise


async def sends_first(scope, receive, send):
    try:
        await send({"type": "lifespan.startup.complete"})
    except Exception as exc:
        _show(scope, {"send_raised": type(exc).__name__})
        raise
