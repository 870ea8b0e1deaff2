"""Sends lifespan.shutdown.complete before lifespan.shutdown was received."""


async def app(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await send({"type": "lifespan.shutdown.complete"})  # <- send
    await receive()
