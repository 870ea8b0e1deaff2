"""A clean lifespan that leaves a non-daemon thread running after shutdown."""

import threading

stop = threading.Event()


def poll():
    while not stop.is_set():
        stop.wait(0.05)  # <- waits


async def app(scope, receive, send):
    await receive()
    threading.Thread(target=poll, name="config-poller", daemon=False).start()  # <- start
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})  # forgot stop.set()
