"""Module-level code raises while the module is being imported."""


def load_settings():
    raise LookupError("setting 'DATABASE_URL' is not set")  # <- raise


SETTINGS = load_settings()


async def app(scope, receive, send):
    pass
