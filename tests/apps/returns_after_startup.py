"""Completes startup and returns at once, so it would never see lifespan.shutdown."""


async def app(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
