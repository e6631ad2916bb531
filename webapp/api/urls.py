"""/api/v1/: the NinjaAPI's routes (the areas' routers, the schema at schema/)."""

from webapp.api.main import api

app_name = "api"
urlpatterns = api.urls[0]
