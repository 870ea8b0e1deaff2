"""Startup fails in two tasks of a task group at once: the exception is a group."""

import anyio


async def connect_db():
    raise ValueError("bad database url")  # <- first


async def connect_cache():
    raise KeyError("cache")


async def app(scope, receive, send):
    await receive()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(connect_db)
        tasks.start_soon(connect_cache)
    await send({"type": "lifespan.startup.complete"})
