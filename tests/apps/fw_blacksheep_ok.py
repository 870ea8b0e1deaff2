"""BlackSheep with on_start and on_stop handlers."""

from blacksheep import Application

app = Application()


@app.on_start
async def connect(application: Application) -> None:
    application.services.register(str, instance="db")


@app.on_stop
async def disconnect(application: Application) -> None:
    pass
