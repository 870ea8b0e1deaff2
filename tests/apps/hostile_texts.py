"""Texts from the app that are hostile to a report: unprintable, or enormous."""


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("__str__ is broken")


async def unprintable(scope, receive, send):
    await receive()
    raise Unprintable()  # <- raises


async def huge_failed_message(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.failed", "message": "x" * 10_000_000})


async def huge_exception(scope, receive, send):
    await receive()
    raise RuntimeError("y" * 10_000_000)
