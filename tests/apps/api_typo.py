"""Sends a misspelled message type."""


async def app(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.completed"})  # <- send
