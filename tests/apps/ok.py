"""A correct raw-ASGI lifespan: puts two keys in the state, answers both events."""


async def app(scope, receive, send):
    assert scope["type"] == "lifespan"
    await receive()
    scope["state"]["db"] = "connection"
    scope["state"]["cache"] = {"secret": "never reported"}
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})
