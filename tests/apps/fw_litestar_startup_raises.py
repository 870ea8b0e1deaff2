"""Litestar whose on_startup hook raises."""

from litestar import Litestar


async def connect(app: Litestar) -> None:
    raise ConnectionRefusedError("redis refused the connection")  # <- raise


app = Litestar([], on_startup=[connect])
