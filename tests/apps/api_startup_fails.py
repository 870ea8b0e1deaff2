"""FastAPI: the lifespan's startup cannot reach its database."""

from contextlib import asynccontextmanager

from fastapi import FastAPI


async def connect(dsn):
    raise ConnectionRefusedError(f"connection to {dsn} refused")  # <- raise


@asynccontextmanager
async def lifespan(app):
    await connect("db.internal:5432")
    yield


app = FastAPI(lifespan=lifespan)
