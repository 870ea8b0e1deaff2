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


class LazyProxy(Asgi3App):
    """An ASGI 3 app whose __getattr__ raises for unknown names, as lazy settings do."""

    def __getattr__(self, name):
        raise RuntimeError(f"settings are not configured yet: {name}")


lazy_proxy = LazyProxy()
