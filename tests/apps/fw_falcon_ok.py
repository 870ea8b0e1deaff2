"""Falcon (ASGI) with a middleware component that handles startup and shutdown."""

import falcon.asgi


class Database:
    async def process_startup(self, scope, event):
        self.connected = True

    async def process_shutdown(self, scope, event):
        self.connected = False


app = falcon.asgi.App(middleware=[Database()])
