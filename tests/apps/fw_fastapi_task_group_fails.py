"""A FastAPI lifespan connecting two services at once: both connections fail."""

import asyncio
from contextlib import asynccontextmanager

from fastapi import FastAPI


async def connect_database():
    raise ConnectionRefusedError("database refused")  # <- first


async def connect_cache():
    raise TimeoutError("cache timed out")  # <- second


@asynccontextmanager
async def lifespan(app):
    async with asyncio.TaskGroup() as group:
        group.create_task(connect_database())
        group.create_task(connect_cache())
    yield


app = FastAPI(lifespan=lifespan)
