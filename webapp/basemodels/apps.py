from django.apps import AppConfig


class BaseModelsConfig(AppConfig):
    name = "webapp.basemodels"
    label = "basemodels"
