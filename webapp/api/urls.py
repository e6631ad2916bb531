from django.urls import path

from webapp.api import views

app_name = "api"

urlpatterns = [
    path("", views.index, name="index"),
]
