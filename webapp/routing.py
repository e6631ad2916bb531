"""Websocket routes of every app, in one list for the ASGI router."""

from webapp.core.routing import websocket_urlpatterns as core_routes
from webapp.jobs.routing import websocket_urlpatterns as job_routes

websocket_urlpatterns = [*core_routes, *job_routes]
