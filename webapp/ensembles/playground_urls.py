from django.urls import path

from webapp.ensembles import views

app_name = "playground"

urlpatterns = [
    path("", views.playground, name="index"),
]
