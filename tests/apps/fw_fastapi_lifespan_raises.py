"""FastAPI whose lifespan= context raises during startup."""

from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app):
    raise ConnectionError("database is down")  # <- raise
    yield


app = FastAPI(lifespan=lifespan)
