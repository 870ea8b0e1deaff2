"""Apps that use scope["state"] in ways some servers break."""

import asyncio
from contextlib import asynccontextmanager

from starlette.applications import Starlette


@asynccontextmanager
async def yields_state(app):  # <- lifespan
    yield {"client": object()}


needs_state = Starlette(lifespan=yields_state)


async def replaces_value(scope, receive, send):
    await receive()
    scope["state"]["client"] = "first"
    await send({"type": "lifespan.startup.complete"})
    await asyncio.sleep(0)
    scope["state"]["client"] = "second"  # <- replace
    await receive()
    await send({"type": "lifespan.shutdown.complete"})


async def removes_value(scope, receive, send):
    await receive()
    scope["state"]["cache"] = {}
    await send({"type": "lifespan.startup.complete"})
    await asyncio.sleep(0)
    scope["state"].pop("cache")  # <- remove
    await receive()
    await send({"type": "lifespan.shutdown.complete"})


async def behaves(scope, receive, send):
    state = scope["state"]
    await receive()
    state["pool"] = [1, 2]
    state["pool"].append(3)
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})


async def rebinds_state(scope, receive, send):
    await receive()
    scope["state"] = {"db": "pool"}  # <- rebind
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})
