"""Sends lifespan.shutdown.failed while running, then keeps waiting for messages."""


async def app(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await send({"type": "lifespan.shutdown.failed", "message": "lost the database"})  # <- send
    await receive()
