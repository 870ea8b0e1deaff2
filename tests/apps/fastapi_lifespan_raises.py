"""FastAPI whose lifespan raises during startup."""

from contextlib import asynccontextmanager

from fastapi import FastAPI


async def connect(url):
    raise ConnectionRefusedError(f"{url} refused the connection")  # <- raise


@asynccontextmanager
async def lifespan(app):
    await connect("redis://cache:6379")
    yield


app = FastAPI(lifespan=lifespan)
