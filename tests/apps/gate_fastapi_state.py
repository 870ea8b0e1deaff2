"""FastAPI apps whose handlers read the lifespan state through request.state."""

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request


class Database:
    def ping(self):
        return "pong"


@asynccontextmanager
async def lifespan(app):
    yield {"db": Database()}


@asynccontextmanager
async def lifespan_without_state(app):
    yield


app = FastAPI(lifespan=lifespan)
app_without_state = FastAPI(lifespan=lifespan_without_state)


@app.get("/healthz")
@app_without_state.get("/healthz")
async def healthz(request: Request):
    return {"db": request.state.db.ping()}  # <- reads state


@app.get("/teapot", status_code=418)
async def teapot():
    return {"short": "and stout"}


@app.get("/sync")
def sync_route(request: Request):
    return {"db": request.state.db.ping()}
