"""Every input of the prompt pages: notes and tags, renaming, prediction filters."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms

from webapp.prompts.predictions import PredictionFilter, Sort

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


SORT_CHOICES = [("", "Dataset order"), ("confidence", "Least confident first"),
                ("-confidence", "Most confident first")]


class PredictionFilterForm(forms.Form):
    """The query string of an evaluation page; an unknown label is an error naming the field."""

    errors_only = forms.BooleanField(required=False, label="Errors only")
    gold = forms.ChoiceField(required=False, label="Gold")
    predicted = forms.ChoiceField(required=False, label="Predicted")
    q = forms.CharField(required=False, max_length=200, label="Search")
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES, label="Sort")
    page = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args: Any, gold_labels: list[str], predicted_labels: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        gold_field, predicted_field = self.fields["gold"], self.fields["predicted"]
        assert isinstance(gold_field, forms.ChoiceField) and isinstance(predicted_field, forms.ChoiceField)
        gold_field.choices = [("", "Any")] + [(label, label) for label in gold_labels]
        predicted_field.choices = [("", "Any")] + [(label, label) for label in predicted_labels]
        if not gold_labels:
            del self.fields["gold"], self.fields["predicted"]

    def to_filter(self) -> PredictionFilter:
        """The filter the form describes; an invalid form filters nothing (its errors are shown)."""
        if not self.is_valid():
            return PredictionFilter()
        data = self.cleaned_data
        return PredictionFilter(
            errors_only=bool(data["errors_only"]), gold=data.get("gold") or "", predicted=data.get("predicted") or "",
            search=data["q"].strip(), sort=cast(Sort, data["sort"] or ""), page=data["page"] or 1,
        )


class EvaluateVersionForm(forms.Form):
    """Which of the user's ready datasets, and which split, to evaluate a version on."""

    dataset = forms.ModelChoiceField(queryset=None, empty_label=None)  # type: ignore[arg-type]
    split = forms.ChoiceField(choices=[("validation", "validation"), ("test", "test"), ("train", "train")],
                              initial="test", required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from webapp.datasets.models import Dataset

        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["dataset"])
        field.queryset = Dataset.objects.for_user(user)

    def clean_split(self) -> str:
        return str(self.cleaned_data.get("split") or "test")
