"""Writes 50 MB to stdout during startup, then behaves."""

import sys


async def app(scope, receive, send):
    await receive()
    line = "x" * 1023 + "\n"
    for _ in range(50 * 1024):
        sys.stdout.write(line)
    sys.stdout.write("last line of the flood\n")
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})
