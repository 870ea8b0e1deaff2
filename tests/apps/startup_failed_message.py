"""Answers lifespan.startup with lifespan.startup.failed and a message with both quote kinds."""

MESSAGE = """Could not connect to "postgres://db:5432": the server isn't running"""


async def app(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.failed", "message": MESSAGE})  # <- send
