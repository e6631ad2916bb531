from django.urls import path

from webapp.prompts import views

app_name = "prompts"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
    path("versions/<int:pk>/notes/", views.version_notes, name="version_notes"),
    path("versions/<int:pk>/rename/", views.version_rename, name="version_rename"),
    path("versions/<int:pk>/delete/", views.version_delete, name="version_delete"),
    path("versions/<int:pk>/download/", views.download, name="download"),
    path("versions/<int:pk>/download.npy", views.download_npy, name="download_npy"),
    path("versions/<int:pk>/download-peft.zip", views.download_peft, name="download_peft"),
    path("evaluations/<int:pk>/", views.evaluation, name="evaluation"),
]
