"""Sends lifespan.shutdown.complete, then keeps running."""

import anyio


async def app(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})
    await anyio.sleep(30)  # <- linger
