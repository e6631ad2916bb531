from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "webapp.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib import admin

        from webapp.accounts.forms import AdminLoginForm

        admin.site.login_form = AdminLoginForm
