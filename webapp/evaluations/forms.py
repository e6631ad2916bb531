"""The compare page's choices and its "run the missing evaluations" action."""

from __future__ import annotations

from typing import Any, cast

from django import forms


class VersionIdsField(forms.Field):
    """Repeated `v` query parameters (`?v=1&v=5`): whole numbers, at least one."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = [str(v).strip() for v in (value or []) if str(v).strip()]
        if not values:
            raise forms.ValidationError("Pick the versions to compare (at least two)")
        bad = [v for v in values if not v.isdigit()]
        if bad:
            raise forms.ValidationError(f"A version is a number: {bad[0][:20]!r} is not one")
        return [int(v) for v in values]


class CompareVersionsForm(forms.Form):
    """Which versions the compare page shows."""

    v = VersionIdsField(label="Versions")


class CompareOptionsForm(forms.Form):
    """The compare page's other choices: the common dataset split, the reference version, the
    disagreement table's gold filter and page. An unknown choice is an error naming the field."""

    on = forms.ChoiceField(required=False, label="Dataset split")
    ref = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Reference")
    gold = forms.CharField(required=False, max_length=500, label="Gold label")
    page = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args: Any, split_choices: list[tuple[str, str]], versions: list[tuple[int, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["on"]).choices = split_choices
        cast(forms.ChoiceField, self.fields["ref"]).choices = [(str(pk), name) for pk, name in versions]


class CompareEvaluateForm(CompareVersionsForm):
    """"Run the missing evaluations": the versions and the dataset split (`dataset:split`)."""

    on = forms.RegexField(regex=r"^\d+:(train|validation|test)$", label="Dataset split",
                          error_messages={"invalid": "Pick a dataset split from the list"})
    ref = forms.IntegerField(required=False, min_value=1, label="Reference")  # kept on the way back
