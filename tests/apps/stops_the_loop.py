"""Calls loop.stop() during startup: under a server, asyncio.run() ends there."""

import asyncio


async def app(scope, receive, send):
    await receive()
    asyncio.get_running_loop().stop()  # <- stop
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})
