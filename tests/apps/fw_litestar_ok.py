"""Litestar with startup and shutdown hooks."""

from litestar import Litestar, get


@get("/")
async def index() -> str:
    return "ok"


async def connect(app: Litestar) -> None:
    app.state.db = "db"


async def disconnect(app: Litestar) -> None:
    app.state.db = None


app = Litestar([index], on_startup=[connect], on_shutdown=[disconnect])
