"""Sends lifespan.startup.complete twice."""


async def app(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await send({"type": "lifespan.startup.complete"})  # <- send
    await receive()
    await send({"type": "lifespan.shutdown.complete"})
