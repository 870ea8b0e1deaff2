"""Writes to stdout and stderr at import time and during the lifespan."""

import sys

print("noisy: importing the app module")
print("noisy: import-time warning", file=sys.stderr)


async def app(scope, receive, send):
    await receive()
    print('{"not": "the report"}')
    print("noisy: startup on stderr", file=sys.stderr, flush=True)
    await send({"type": "lifespan.startup.complete"})
    await receive()
    print("noisy: bye", flush=True)
    await send({"type": "lifespan.shutdown.complete"})
