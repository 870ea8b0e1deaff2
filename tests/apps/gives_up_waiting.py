"""Waits a short while for the next lifespan message, then gives up and returns."""

import asyncio


async def app(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    try:
        await asyncio.wait_for(receive(), timeout=0.1)  # <- waits
    except asyncio.TimeoutError:
        return
