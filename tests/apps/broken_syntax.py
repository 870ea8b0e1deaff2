"""A module with a syntax error (excluded from ruff in pyproject.toml)."""


async def app(scope, receive, send):
    await receive()
    if scope["type"] == "lifespan"  # <- syntax
        await send({"type": "lifespan.startup.complete"})
