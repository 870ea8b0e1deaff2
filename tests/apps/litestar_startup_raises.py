"""Litestar whose on_startup hook raises."""

from litestar import Litestar


async def open_pool():
    raise RuntimeError("litestar pool failed to open")  # <- raise


app = Litestar(route_handlers=[], on_startup=[open_pool])
