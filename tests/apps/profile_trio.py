"""A startup that awaits 150 ms in `connect` and spins 50 ms in `crunch`, for any backend."""

import time

import anyio


async def connect():
    await anyio.sleep(0.15)  # <- connect


def crunch():
    deadline = time.perf_counter() + 0.05
    while time.perf_counter() < deadline:
        sum(range(2000))  # <- crunch


async def app(scope, receive, send):
    await receive()
    await connect()
    crunch()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})
