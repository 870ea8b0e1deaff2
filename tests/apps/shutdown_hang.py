"""Shutdown waits forever for a queue to drain."""

import anyio


async def drain():
    await anyio.sleep_forever()  # <- hang


async def app(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await drain()
    await send({"type": "lifespan.shutdown.complete"})
