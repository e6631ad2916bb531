"""The login forms of the site and the admin, throttled (see throttle.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from webapp.accounts import throttle
from webapp.lib.client_address import client_address


class ThrottledLogin:
    """Mixin for an AuthenticationForm: refuse while locked, count failures, clear on success."""

    request: Any

    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "") if hasattr(self, "data") else ""  # type: ignore[attr-defined]
        address = client_address(self.request) if self.request is not None else "unknown"
        if throttle.is_locked(username, address):
            raise forms.ValidationError(throttle.lockout_message(), code="throttled")
        try:
            data: dict[str, Any] = super().clean()  # type: ignore[misc]
        except forms.ValidationError as exc:
            if getattr(exc, "code", None) == "invalid_login":
                throttle.record_failure(username, address)
            raise
        throttle.clear(username=username)
        return data


class LoginForm(ThrottledLogin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledLogin, AdminAuthenticationForm):
    pass
