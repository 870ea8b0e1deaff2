"""Apps that install their own SIGTERM handler during startup, and remove it at shutdown."""

import asyncio
import signal

draining = asyncio.Event()


def begin_draining():  # <- loop-handler
    draining.set()


def on_sigterm(signum, frame):  # <- plain-handler
    draining.set()


async def with_loop_handler(scope, receive, send):
    await receive()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, begin_draining)
    await send({"type": "lifespan.startup.complete"})
    await receive()
    loop.remove_signal_handler(signal.SIGTERM)
    await send({"type": "lifespan.shutdown.complete"})


async def with_signal_signal(scope, receive, send):
    await receive()
    previous = signal.signal(signal.SIGTERM, on_sigterm)
    await send({"type": "lifespan.startup.complete"})
    await receive()
    signal.signal(signal.SIGTERM, previous)
    await send({"type": "lifespan.shutdown.complete"})
