"""An app that passes with a warning: it lingers after shutdown.complete (LC206)."""

import asyncio


async def app(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})
    await asyncio.sleep(60)  # <- lingers
