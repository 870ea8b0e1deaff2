"""Starlette whose lifespan waits forever during startup."""

import asyncio
from contextlib import asynccontextmanager

from starlette.applications import Starlette


@asynccontextmanager
async def lifespan(app):
    await asyncio.Event().wait()  # <- wait
    yield


app = Starlette(lifespan=lifespan)
