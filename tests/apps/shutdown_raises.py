"""Shutdown raises while flushing a buffer."""


def flush(buffer):
    raise OSError(f"cannot flush {len(buffer)} records: disk full")  # <- raise


async def app(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    flush([1, 2, 3])
    await send({"type": "lifespan.shutdown.complete"})
