"""Returns from the lifespan scope without receiving or sending anything."""


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        return
