"""Falcon (ASGI) whose process_startup raises."""

import falcon.asgi


class Database:
    async def process_startup(self, scope, event):
        raise TimeoutError("database did not answer")  # <- raise


app = falcon.asgi.App(middleware=[Database()])
