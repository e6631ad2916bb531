"""Websocket routes of every app, in one list for the ASGI router."""

from django.urls import re_path

from webapp.core.consumers import refuse_unknown_path
from webapp.core.routing import websocket_urlpatterns as core_routes
from webapp.jobs.routing import websocket_urlpatterns as job_routes

# The last route takes any path the others did not: refused quietly rather than a 500.
websocket_urlpatterns = [*core_routes, *job_routes, re_path(r"", refuse_unknown_path)]
