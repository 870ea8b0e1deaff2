"""Django's own ASGI handler: it does not support the lifespan protocol."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fw_django_settings")

from django.core.asgi import get_asgi_application

application = get_asgi_application()
