"""Raw ASGI apps, one per app behaviour of the server outlook (protocol edge cases)."""

import threading
import time


async def raises_before_receive(scope, receive, send):
    raise RuntimeError("no lifespan here")  # <- before


async def raises_in_startup(scope, receive, send):
    await receive()
    raise ValueError("bad setting")  # <- startup


async def returns_without_reply(scope, receive, send):
    await receive()


async def duplicate_complete(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await send({"type": "lifespan.startup.complete"})  # <- duplicate
    await receive()


async def unknown_message(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.completed"})  # <- typo


async def dies_while_running(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})


async def blocks_loop(scope, receive, send):
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            time.sleep(0.4)  # <- block
            await send({"type": "lifespan.startup.complete"})
        else:
            await send({"type": "lifespan.shutdown.complete"})
            return


_stop = threading.Event()


async def leaks_thread(scope, receive, send):
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            threading.Thread(target=_stop.wait, args=(3,), name="poller").start()
            await send({"type": "lifespan.startup.complete"})
        else:
            await send({"type": "lifespan.shutdown.complete"})
            return


async def shutdown_fails(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.failed", "message": "could not flush"})


class Asgi2App:
    def __init__(self, scope):
        self.scope = scope

    async def __call__(self, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return


async def clean(scope, receive, send):
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        else:
            await send({"type": "lifespan.shutdown.complete"})
            return
