"""The sweep form: what every run shares, and the values of each swept axis."""

from __future__ import annotations

from typing import Any

from django import forms

from tuning_core.sweep import AXES, PRESETS
from webapp.basemodels.models import BaseModel
from webapp.datasets.models import Dataset
from webapp.jobs.forms import INIT_CHOICES, BaseModelChoiceField

PRESET_CHOICES = [("", "None: type the values")] + [(key, preset["label"]) for key, preset in PRESETS.items()]
# The recipe's fields on the form (each run takes the launch form's default for the rest).
RECIPE_ON_FORM = ("prompt_length", "init", "learning_rate", "batch_size", "max_steps", "eval_every",
                  "max_input_length", "seed")


class SweepForm(forms.Form):
    name = forms.CharField(max_length=60, help_text="Each run's prompt is named after the sweep and its point")
    dataset = forms.ModelChoiceField(queryset=Dataset.objects.none())
    base_model = BaseModelChoiceField(queryset=BaseModel.objects.all(), empty_label=None)
    preset = forms.ChoiceField(choices=PRESET_CHOICES, required=False,
                               help_text="Fills the axes below; leave them empty to use it as it is")
    skip_impossible = forms.BooleanField(
        required=False, initial=True, label="Leave out runs that cannot train",
        help_text="e.g. class-label initialisation of a 1-token prompt for 2 labels (Figure 3's shortest prompt); "
                  "unticked, such a run stops the whole sweep")
    # What every run shares.
    prompt_length = forms.IntegerField(min_value=1, max_value=2048, initial=100)
    init = forms.ChoiceField(choices=INIT_CHOICES, initial="class_labels")
    learning_rate = forms.FloatField(min_value=1e-6, max_value=100, initial=0.3)
    batch_size = forms.IntegerField(min_value=1, max_value=4096, initial=32)
    max_steps = forms.IntegerField(min_value=1, max_value=1_000_000, initial=2000)
    eval_every = forms.IntegerField(min_value=1, max_value=1_000_000, initial=100, label="Evaluate every (steps)")
    max_input_length = forms.IntegerField(min_value=2, max_value=4096, initial=256)
    seed = forms.IntegerField(min_value=0, max_value=2**31 - 1, initial=0)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dataset"].queryset = Dataset.objects.for_user(user)
        for axis in AXES:  # one "values" field per axis, after the recipe
            self.fields[f"sweep_{axis}"] = forms.CharField(
                required=False, label=f"Sweep {axis.replace('_', ' ')}",
                help_text="Values separated by commas; empty: every run takes the value above")

    def axis_fields(self) -> list[forms.BoundField]:
        return [self[f"sweep_{axis}"] for axis in AXES]

    def recipe_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in RECIPE_ON_FORM]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        axes = {axis: [v.strip() for v in (data.get(f"sweep_{axis}") or "").split(",") if v.strip()]
                for axis in AXES}
        axes = {axis: values for axis, values in axes.items() if values}
        preset = data.get("preset")
        if not axes and preset:
            axes = dict(PRESETS[preset]["axes"])
        if not axes:
            raise forms.ValidationError("Sweep at least one axis: type its values, or choose a preset")
        data["axes"] = axes
        data["recipe"] = {name: data.get(name) for name in RECIPE_ON_FORM if name not in axes}
        return data


class BestKForm(forms.Form):
    """How many of the best runs to ensemble."""

    k = forms.IntegerField(min_value=2, max_value=16, initial=3, label="Best k")
