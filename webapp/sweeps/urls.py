from django.urls import path

from webapp.sweeps import views

app_name = "sweeps"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/ensemble/", views.ensemble, name="ensemble"),
    path("<int:pk>/rerun/", views.rerun, name="rerun"),
]
