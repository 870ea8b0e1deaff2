"""A C call that keeps the GIL for 30 s during startup: even the watchdog cannot run."""

import ctypes

libc = ctypes.PyDLL(None)  # PyDLL, unlike CDLL, does not release the GIL around calls


async def app(scope, receive, send):
    await receive()
    libc.sleep(30)  # <- gil
    await send({"type": "lifespan.startup.complete"})
