from __future__ import annotations

from typing import Any

from django import forms

from webapp.api.models import ApiToken


class TokenCreateForm(forms.Form):
    name = forms.CharField(max_length=100, strip=True,
                           help_text="What the token is for, e.g. “laptop notebook” or “nightly CI”",
                           widget=forms.TextInput(attrs={"placeholder": "e.g. laptop notebook"}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"])
        if ApiToken.objects.for_user(self.user).filter(name=name).exists():
            raise forms.ValidationError(f"You already have a token named {name!r}: pick another name, "
                                        "or revoke that one first")
        return name
