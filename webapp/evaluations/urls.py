"""Mounted under /prompts/ beside webapp.prompts.urls: the paths stayed where they were when these
pages were part of the prompts app."""

from django.urls import path

from webapp.evaluations import compare_views, transfer_views, views

app_name = "evaluations"

urlpatterns = [
    path("versions/<int:pk>/evaluate/", views.version_evaluate, name="version_evaluate"),
    path("compare/", compare_views.compare, name="compare"),
    path("compare/evaluate/", compare_views.compare_evaluate, name="compare_evaluate"),
    path("compare/neighbours/", compare_views.compare_neighbours, name="compare_neighbours"),
    path("transfer/", transfer_views.transfer, name="transfer"),
    path("transfer/evaluate/", transfer_views.transfer_evaluate, name="transfer_evaluate"),
]
