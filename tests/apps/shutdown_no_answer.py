"""Receives lifespan.shutdown and returns without answering it."""


async def app(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    return
