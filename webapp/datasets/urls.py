import uuid

from django.urls import path, register_converter

from webapp.datasets import views


class UploadIdConverter:
    """An upload's id as 32 hex digits, the form its addresses use."""

    regex = "[0-9a-f]{32}"

    def to_python(self, value: str) -> uuid.UUID:
        return uuid.UUID(hex=value)

    def to_url(self, value: uuid.UUID | str) -> str:
        return value.hex if isinstance(value, uuid.UUID) else uuid.UUID(str(value)).hex


register_converter(UploadIdConverter, "upload_id")

app_name = "datasets"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.upload, name="upload"),
    path("new/<upload_id:upload_id>/", views.upload_page, name="upload_page"),
    path("new/<upload_id:upload_id>/discard/", views.discard, name="discard"),
    path("new/<upload_id:upload_id>/labels/", views.mapping_distribution, name="mapping_distribution"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/token-lengths/", views.measure_tokens, name="measure_tokens"),
    path("<int:pk>/rename/", views.rename, name="rename"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/download/<str:split>.csv", views.download, name="download"),
]
