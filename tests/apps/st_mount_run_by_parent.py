"""A mounted Starlette app whose lifespan the parent's lifespan runs itself (LC403's fix)."""

from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import Mount


@asynccontextmanager
async def admin_lifespan(app):
    app.state.ready = True
    yield


admin = Starlette(lifespan=admin_lifespan)


@asynccontextmanager
async def lifespan(app):
    async with admin.router.lifespan_context(admin):
        yield


app = Starlette(lifespan=lifespan, routes=[Mount("/admin", app=admin)])
