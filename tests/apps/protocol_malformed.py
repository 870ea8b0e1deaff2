"""Three apps that send malformed messages (one attribute each)."""


async def not_a_dict(scope, receive, send):
    await receive()
    await send(["lifespan.startup.complete"])  # <- not a dict


async def no_type(scope, receive, send):
    await receive()
    await send({"kind": "lifespan.startup.complete"})  # <- no type


async def non_str_message(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.failed", "message": 42})  # <- non-str message
