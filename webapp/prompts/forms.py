"""Every input of the prompt pages: notes and tags, renaming."""

from __future__ import annotations

import re

from django import forms

MAX_TAGS = 20


class VersionNotesForm(forms.Form):
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000)
    tags = forms.CharField(required=False, max_length=500,
                           help_text="Comma-separated, e.g. production, baseline")

    def clean_tags(self) -> list[str]:
        tags = [t.strip() for t in re.split(r"[,\n]", self.cleaned_data["tags"]) if t.strip()]
        too_long = [t for t in tags if len(t) > 40]
        if too_long:
            raise forms.ValidationError(f"A tag is at most 40 characters: {too_long[0][:50]!r}")
        if len(tags) > MAX_TAGS:
            raise forms.ValidationError(f"At most {MAX_TAGS} tags")
        return list(dict.fromkeys(tags))


class RenamePromptForm(forms.Form):
    name = forms.CharField(max_length=120, label="Prompt name")

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("A prompt needs a name")
        return name
