"""Starlette with a mounted Starlette app that has its own lifespan=, which never runs."""

from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import Mount


@asynccontextmanager
async def reports_lifespan(app):  # <- handler
    app.state.cache = {}
    yield
    app.state.cache = None


reports = Starlette(lifespan=reports_lifespan)
app = Starlette(routes=[Mount("/reports", app=reports)])
