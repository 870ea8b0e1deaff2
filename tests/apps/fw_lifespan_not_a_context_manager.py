"""A FastAPI lifespan written without @asynccontextmanager (and without a yield)."""

from fastapi import FastAPI


async def lifespan(app):  # <- handler
    app.state.db = "connected"


app = FastAPI(lifespan=lifespan)
