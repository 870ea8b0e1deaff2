"""FastAPI with on_event startup and shutdown handlers that work."""

import warnings

from fastapi import FastAPI

warnings.simplefilter("ignore", DeprecationWarning)
app = FastAPI()


@app.on_event("startup")
async def connect():
    app.state.db = "db"


@app.on_event("shutdown")
async def disconnect():
    app.state.db = None
