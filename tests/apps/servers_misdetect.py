"""ASGI3 apps that are not themselves coroutine functions: uvicorn's interface detection
takes them for ASGI2."""

import functools


async def _lifespan(scope, receive, send, settings=None):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})


def wrapper(scope, receive, send):  # <- wrapper
    return _lifespan(scope, receive, send)


configured = functools.partial(_lifespan, settings={"debug": True})
