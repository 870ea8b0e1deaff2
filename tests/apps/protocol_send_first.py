"""Calls send() before its first receive()."""


async def app(scope, receive, send):
    await send({"type": "lifespan.startup.complete"})  # <- send
    await receive()
    await receive()
    await send({"type": "lifespan.shutdown.complete"})
