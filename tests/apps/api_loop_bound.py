"""Starlette: startup installs a SIGHUP handler and keeps its loop, as servers' apps do.

`loop.add_signal_handler` only works on a loop running in the main thread.
"""

import asyncio
import signal
from contextlib import asynccontextmanager

from starlette.applications import Starlette


@asynccontextmanager
async def lifespan(app):
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGHUP, lambda: None)
    app.state.loop = loop
    yield
    loop.remove_signal_handler(signal.SIGHUP)


app = Starlette(lifespan=lifespan)
