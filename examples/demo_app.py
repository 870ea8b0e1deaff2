"""A small FastAPI app with a lifespan that opens and closes a resource.

Startup takes a visible moment (it "connects" to a database); shutdown closes it.
Try it with:  lifespan-check --app-dir examples demo_app:app
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request


class Database:
    """A stand-in for a connection pool."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.connected = False

    async def connect(self) -> None:
        await asyncio.sleep(0.3)  # the handshake a real pool would do
        self.connected = True

    async def close(self) -> None:
        await asyncio.sleep(0.05)
        self.connected = False


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Database]]:
    db = Database("postgresql://localhost/demo")
    await db.connect()
    yield {"db": db}
    await db.close()


app = FastAPI(lifespan=lifespan)


@app.get("/healthz")
async def healthz(request: Request) -> dict[str, bool]:
    return {"db": request.state.db.connected}
