"""Startup raises with a long message that has to wrap on an 80-column terminal."""


def check_settings():
    missing = ["DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SENTRY_DSN", "S3_BUCKET", "SMTP_HOST"]
    raise RuntimeError(  # <- raise
        "the following settings are required and were not found: "
        + ", ".join(missing)
        + " (set them in the environment or in the .env file passed with --env-file)"
    )


async def app(scope, receive, send):
    await receive()
    check_settings()
