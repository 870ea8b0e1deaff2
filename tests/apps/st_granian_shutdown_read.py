"""Reads the lifespan state at shutdown: granian has cleared it by then."""


async def app(scope, receive, send):
    assert scope["type"] == "lifespan"
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            scope["state"]["pool"] = object()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            pool = scope["state"]["pool"]  # <- read
            del pool
            await send({"type": "lifespan.shutdown.complete"})
            return
