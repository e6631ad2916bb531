from django.urls import path

from webapp.datasets import views

app_name = "datasets"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.upload, name="upload"),
    path("new/<str:staging_id>/", views.mapping, name="mapping"),
    path("new/<str:staging_id>/discard/", views.discard, name="discard"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/token-lengths/", views.measure_tokens, name="measure_tokens"),
    path("<int:pk>/rename/", views.rename, name="rename"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/download/<str:split>.csv", views.download, name="download"),
]
