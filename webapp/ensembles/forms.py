"""Every input of the ensemble pages: the builder (task, members, voting) and "evaluate on"."""

from __future__ import annotations

from typing import Any

from django import forms

from webapp.basemodels.models import BaseModel
from webapp.datasets.models import Dataset
from webapp.ensembles.models import MAX_MEMBERS, Ensemble, Voting
from webapp.prompts.models import PromptVersion

SPLITS = [("validation", "validation"), ("test", "test")]


def _ready_datasets(user: Any) -> Any:
    return Dataset.objects.for_user(user).filter(task_kind="classification").order_by("name")


class TaskForm(forms.Form):
    """The builder's first question (GET): which base model and task the members share."""

    base_model = forms.ModelChoiceField(queryset=BaseModel.objects.order_by("name"), required=False,
                                        empty_label="any base model")
    dataset = forms.ModelChoiceField(queryset=Dataset.objects.none(), required=False, label="Task",
                                     empty_label="any task", help_text="Versions trained on this dataset's labels")
    v = forms.ModelMultipleChoiceField(queryset=PromptVersion.objects.none(), required=False,
                                       widget=forms.MultipleHiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        dataset = self.fields["dataset"]
        versions = self.fields["v"]
        assert isinstance(dataset, forms.ModelChoiceField) and isinstance(versions, forms.ModelMultipleChoiceField)
        dataset.queryset = _ready_datasets(user)
        versions.queryset = PromptVersion.objects.for_user(user)


class EnsembleForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    voting = forms.ChoiceField(choices=Voting.choices, initial=Voting.MAJORITY, widget=forms.RadioSelect)
    versions = forms.ModelMultipleChoiceField(
        queryset=PromptVersion.objects.none(), widget=forms.CheckboxSelectMultiple,
        help_text=f"2 to {MAX_MEMBERS} versions on one base model with one label set",
        error_messages={"required": "Choose at least 2 versions",
                        "invalid_choice": "%(value)s is not one of your versions"},
    )
    dataset = forms.ModelChoiceField(queryset=Dataset.objects.none(), label="Evaluate on",
                                     help_text="The ensemble and its members are scored on these splits in one pass")
    splits = forms.MultipleChoiceField(choices=SPLITS, initial=["validation", "test"],
                                       widget=forms.CheckboxSelectMultiple, label="Splits")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = self.fields["versions"]
        dataset = self.fields["dataset"]
        assert isinstance(members, forms.ModelMultipleChoiceField) and isinstance(dataset, forms.ModelChoiceField)
        # Any of the user's versions is a valid choice, so that an incompatible one is refused by the
        # membership rule with a message naming it, not as "not a valid choice".
        members.queryset = PromptVersion.objects.for_user(user).select_related("prompt", "base_model", "job__dataset")
        dataset.queryset = _ready_datasets(user)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("An ensemble needs a name")
        return name

    def ordered_versions(self) -> list[PromptVersion]:
        """The chosen versions in the order they were posted (the vote's column order)."""
        chosen = {str(v.pk): v for v in self.cleaned_data["versions"]}
        order = [pk for pk in self.data.getlist("versions") if pk in chosen]
        return [chosen[pk] for pk in dict.fromkeys(order)]


class EvaluateEnsembleForm(forms.Form):
    dataset = forms.ModelChoiceField(queryset=Dataset.objects.none())
    split = forms.ChoiceField(choices=SPLITS, initial="test")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        dataset = self.fields["dataset"]
        assert isinstance(dataset, forms.ModelChoiceField)
        dataset.queryset = _ready_datasets(user)


class PlaygroundForm(forms.Form):
    inputs = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=50_000,
                             help_text="One input per line: the text that fills the version's input template")
    versions = forms.ModelMultipleChoiceField(queryset=PromptVersion.objects.none(), required=False,
                                              widget=forms.CheckboxSelectMultiple)
    ensembles = forms.ModelMultipleChoiceField(queryset=Ensemble.objects.none(), required=False,
                                               widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        versions, ensembles = self.fields["versions"], self.fields["ensembles"]
        assert isinstance(versions, forms.ModelMultipleChoiceField)
        assert isinstance(ensembles, forms.ModelMultipleChoiceField)
        versions.queryset = PromptVersion.objects.for_user(user).filter(job__isnull=False).select_related(
            "prompt", "base_model", "job__dataset").order_by("prompt__name", "-version")
        ensembles.queryset = Ensemble.objects.for_user(user).select_related("base_model").order_by("name")
