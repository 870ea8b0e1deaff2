"""Raw ASGI apps that get the http side of a probe wrong, one way each."""

import asyncio


async def _lifespan(receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})


async def no_response(scope, receive, send):
    if scope["type"] == "lifespan":
        return await _lifespan(receive, send)
    await receive()


async def hangs(scope, receive, send):
    if scope["type"] == "lifespan":
        return await _lifespan(receive, send)
    await asyncio.Event().wait()  # <- request hangs


async def body_first(scope, receive, send):
    if scope["type"] == "lifespan":
        return await _lifespan(receive, send)
    await send({"type": "http.response.body", "body": b"oops"})


async def echo_scope(scope, receive, send):
    """Answers with what a server-built scope looks like, to check the probe builds one."""
    if scope["type"] == "lifespan":
        scope["state"]["token"] = "from-lifespan"
        return await _lifespan(receive, send)
    import json

    body = json.dumps(
        {
            "method": scope["method"],
            "path": scope["path"],
            "query": scope["query_string"].decode(),
            "state": scope.get("state"),
            "has_host": any(k == b"host" for k, _ in scope["headers"]),
        }
    ).encode()
    scope["state"]["token"] = "changed-by-request"  # must not reach the lifespan's state
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})
