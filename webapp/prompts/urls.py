from django.urls import path

from webapp.prompts import views

app_name = "prompts"

urlpatterns = [
    path("", views.index, name="index"),
]
