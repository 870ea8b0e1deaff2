"""Sends startup.failed with a forged traceback whose file and function carry escapes."""


async def app(scope, receive, send):
    await receive()
    text = (
        "Traceback (most recent call last):\n"
        '  File "/tmp/\x1b]0;pwned\x07evil\x1b[2J.py", line 3, in \x1b[31mboom\n'
        "RuntimeError: it failed\n"
    )
    await send({"type": "lifespan.startup.failed", "message": text})
