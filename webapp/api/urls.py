from django.urls import path

from webapp.api import views
from webapp.api.registry import areas

app_name = "api"

urlpatterns = [
    path("", views.index, name="index"),
    path("schema/", views.schema, name="schema"),
]
for _module in areas():
    urlpatterns += _module.urlpatterns
