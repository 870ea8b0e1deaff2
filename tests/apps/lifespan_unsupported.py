"""Rejects the lifespan scope before its first receive(), Django-style."""


async def app(scope, receive, send):
    if scope["type"] != "http":
        raise ValueError(f"unsupported scope type {scope['type']!r}")  # <- raise
