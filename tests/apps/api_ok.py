"""A well-behaved Starlette app: a background task runs from startup to shutdown.

Only anyio is used, so it runs on asyncio and on trio alike.
"""

import threading
from contextlib import asynccontextmanager

import anyio
import sniffio
from starlette.applications import Starlette

seen = []  # (async library, thread id) of every startup, for the tests to compare


async def ticker():
    while True:
        await anyio.sleep(0.01)


@asynccontextmanager
async def lifespan(app):
    seen.append((sniffio.current_async_library(), threading.get_ident()))
    async with anyio.create_task_group() as group:
        group.start_soon(ticker)
        yield {"ready": True}
        group.cancel_scope.cancel()


app = Starlette(lifespan=lifespan)
