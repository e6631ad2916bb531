"""ASGI entry point: Django over HTTP, Channels consumers over websockets (served by Daphne)."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

# Django must be set up before the consumers (and their model imports) load.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from webapp.lib.body_limit import BodyLimitMiddleware, guard_daphne  # noqa: E402
from webapp.routing import websocket_urlpatterns  # noqa: E402

# Bodies over the upload limit are dropped as they arrive, never buffered (see body_limit).
guard_daphne()

application = ProtocolTypeRouter(
    {
        "http": BodyLimitMiddleware(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
