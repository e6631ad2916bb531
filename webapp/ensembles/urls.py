from django.urls import path

from webapp.ensembles import views

app_name = "ensembles"

urlpatterns = [
    path("", views.index, name="index"),
]
