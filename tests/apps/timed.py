"""Startup takes 0.3 s and shutdown 0.1 s, awaited (never blocking the loop)."""

import asyncio


async def app(scope, receive, send):
    await receive()
    await asyncio.sleep(0.3)
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await asyncio.sleep(0.1)
    await send({"type": "lifespan.shutdown.complete"})
