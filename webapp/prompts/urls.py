from django.urls import path

from webapp.prompts import compare_views, transfer_views, views

app_name = "prompts"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
    path("versions/<int:pk>/notes/", views.version_notes, name="version_notes"),
    path("versions/<int:pk>/rename/", views.version_rename, name="version_rename"),
    path("versions/<int:pk>/evaluate/", views.version_evaluate, name="version_evaluate"),
    path("versions/<int:pk>/delete/", views.version_delete, name="version_delete"),
    path("versions/<int:pk>/download/", views.download, name="download"),
    path("versions/<int:pk>/download.npy", views.download_npy, name="download_npy"),
    path("versions/<int:pk>/download-peft.zip", views.download_peft, name="download_peft"),
    path("evaluations/<int:pk>/", views.evaluation, name="evaluation"),
    path("compare/", compare_views.compare, name="compare"),
    path("compare/evaluate/", compare_views.compare_evaluate, name="compare_evaluate"),
    path("compare/neighbours/", compare_views.compare_neighbours, name="compare_neighbours"),
    path("transfer/", transfer_views.transfer, name="transfer"),
    path("transfer/evaluate/", transfer_views.transfer_evaluate, name="transfer_evaluate"),
]
