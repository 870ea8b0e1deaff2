"""Completes startup, then the lifespan coroutine dies while the app runs."""

import anyio


async def app(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await anyio.sleep(0.1)
    raise RuntimeError("background consumer died")  # <- die
