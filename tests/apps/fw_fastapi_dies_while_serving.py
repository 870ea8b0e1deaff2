"""A FastAPI lifespan whose background consumer crashes while the app serves.

The task group cancels the lifespan body; Starlette then sends lifespan.shutdown.failed
(with the traceback) before any lifespan.shutdown, and re-raises.
"""

from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI


async def consume_queue() -> None:
    await anyio.sleep(0.1)
    raise ConnectionResetError("broker closed the connection")  # <- die


@asynccontextmanager
async def lifespan(app: FastAPI):
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(consume_queue)
        yield
        tasks.cancel_scope.cancel()


app = FastAPI(lifespan=lifespan)
