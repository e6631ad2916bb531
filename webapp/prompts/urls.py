from django.urls import path

from webapp.prompts import views

app_name = "prompts"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("versions/<int:pk>/download/", views.download, name="download"),
]
