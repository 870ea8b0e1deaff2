"""Channels' ProtocolTypeRouter without a "lifespan" key."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fw_django_settings")

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

application = ProtocolTypeRouter({"http": get_asgi_application()})  # <- router
