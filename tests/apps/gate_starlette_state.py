"""Starlette apps whose handlers read the lifespan state through request.state."""

from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


async def healthz(request):
    return JSONResponse({"cache": request.state.cache["ready"]})  # <- reads state


async def mutate(request):
    request.state.cache = "replaced"  # a per-request copy: the lifespan's state is untouched
    return JSONResponse({"ok": True})


@asynccontextmanager
async def lifespan(app):
    yield {"cache": {"ready": True}}


@asynccontextmanager
async def lifespan_without_state(app):
    yield


routes = [Route("/healthz", healthz), Route("/mutate", mutate, methods=["POST"])]
app = Starlette(routes=routes, lifespan=lifespan)
app_without_state = Starlette(routes=routes, lifespan=lifespan_without_state)
