"""Legacy ASGI 2 double callables, in class and function form, and an ASGI 3 class instance."""


class LegacyApp:
    def __init__(self, scope):
        self.scope = scope

    async def __call__(self, receive, send):
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.complete"})


def legacy_function(scope):
    async def instance(receive, send):
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.complete"})

    return instance


class Asgi3App:
    async def __call__(self, scope, receive, send):
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.complete"})


asgi3_instance = Asgi3App()
