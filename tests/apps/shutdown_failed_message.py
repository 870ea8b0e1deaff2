"""Answers lifespan.shutdown with lifespan.shutdown.failed."""

MESSAGE = "3 jobs were lost while draining"


async def app(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.failed", "message": MESSAGE})  # <- send
