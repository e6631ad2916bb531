from __future__ import annotations

from typing import Any

from django import forms

from tuning_core.config import InitMethod, Precision, TrainConfig
from tuning_core.task import TaskKind
from webapp.basemodels.models import BaseModel
from webapp.datasets.models import Dataset
from webapp.jobs.launch_hints import default_max_target_length
from webapp.jobs.models import KIND_CHOICES, JobStatus
from webapp.jobs.services import JobRequest
from webapp.prompts.models import PromptVersion

PROMPT_LENGTH_PRESETS = (1, 5, 20, 100, 150)
INIT_CHOICES = [
    (InitMethod.CLASS_LABELS.value, "Class labels (label words' embeddings; best for classification)"),
    (InitMethod.VOCAB.value, "Vocabulary (embeddings of common tokens)"),
    (InitMethod.RANDOM.value, "Random (uniform in [-0.5, 0.5])"),
]
PRECISION_CHOICES = [
    (Precision.AUTO.value, "Auto (bf16 where the CPU or GPU computes it natively, else fp32)"),
    (Precision.FP32.value, "fp32"),
    (Precision.BF16.value, "bf16 autocast (the prompt stays fp32)"),
]
# The launch form's fields under "Advanced"; the template shows them in their own fieldset.
ADVANCED_FIELDS = ("precision", "eval_sample", "attention_dropout", "exclusive")
# Fields whose choices are long sentences: the whole form's width, so no option is cut.
WIDE_FIELDS = ("dataset", "base_model", "continue_from", "init", "precision")


class BaseModelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: BaseModel) -> str:
        label = f"{obj.name} — {obj.size_label} params, width {obj.d_model}"
        return label + " — random weights: accuracy is meaningless" if obj.random_weights else label


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: PromptVersion) -> str:
        return f"{obj.prompt.name} v{obj.version} ({obj.prompt_length} tokens, {obj.base_model.name})"


class StrictNullBooleanField(forms.NullBooleanField):
    """True, False, or None when left out; anything else is refused (Django's maps it to None)."""

    TRUE, FALSE = (True, "true", "True", "1", "on"), (False, "false", "False", "0", "off")

    def to_python(self, value: Any) -> bool | None:
        if value in self.TRUE:
            return True
        if value in self.FALSE:
            return False
        if value in self.empty_values:
            return None
        raise forms.ValidationError("Select a valid choice: true or false.", code="invalid_choice")

    def validate(self, value: Any) -> None:
        pass


class JobLaunchForm(forms.Form):
    dataset = forms.ModelChoiceField(queryset=Dataset.objects.none(), empty_label=None)
    base_model = BaseModelChoiceField(queryset=BaseModel.objects.all(), empty_label=None)
    prompt_name = forms.CharField(
        max_length=120, required=False, help_text="A new prompt name; its first version is v1",
        widget=forms.TextInput(attrs={"placeholder": "e.g. sentiment"}),
    )
    continue_from = VersionChoiceField(
        queryset=PromptVersion.objects.none(), required=False, empty_label="— start a new prompt —",
        help_text="Or continue training an existing version: the result is the next version of that prompt",
    )
    prompt_length = forms.IntegerField(
        min_value=1, max_value=2048, initial=100,
        help_text="Tokens in the soft prompt. The paper sweeps 1, 5, 20, 100, 150; gains flatten above ~20.",
        widget=forms.NumberInput(attrs={"list": "prompt-length-presets"}),
    )
    init = forms.ChoiceField(choices=INIT_CHOICES, initial=InitMethod.CLASS_LABELS.value, label="Initialisation")
    learning_rate = forms.FloatField(min_value=1e-6, max_value=10.0, initial=0.3,
                                     help_text="Adafactor, constant (paper: 0.3)")
    batch_size = forms.IntegerField(min_value=1, max_value=1024, initial=32)
    max_steps = forms.IntegerField(min_value=1, max_value=1_000_000, initial=2000,
                                   help_text="The paper trains 30,000 steps and keeps the best evaluation")
    eval_every = forms.IntegerField(min_value=1, max_value=1_000_000, initial=100, label="Evaluate every (steps)")
    patience = forms.IntegerField(min_value=1, max_value=1000, required=False,
                                  help_text="Stop after this many evaluations without improvement (empty: never)")
    max_input_length = forms.IntegerField(min_value=8, max_value=4096, initial=256,
                                          help_text="Input tokens kept; longer rows are truncated")
    max_target_length = forms.IntegerField(
        min_value=2, max_value=1024, required=False,
        help_text="Target tokens kept (the answer, or the label words, with its end token); longer targets "
                  "are cut. Empty: the dataset's longest target, up to 128",
    )
    seed = forms.IntegerField(min_value=0, max_value=2**31 - 1, initial=0, required=False,
                              help_text="Empty: 0")
    # One per rendered form: sending the same form twice (back, then Launch again) answers the
    # job the first sending made instead of launching a second one.
    launch_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    # Advanced. Each may be left out (an API client that omits it gets the engine's default).
    precision = forms.ChoiceField(
        choices=PRECISION_CHOICES, required=False, initial=Precision.AUTO.value,
        help_text="bf16 autocast made a step ~1.6× faster on a CPU with AMX (and runs natively on recent "
                  "GPUs); CPUs without AVX512-BF16/AMX emulate it, slower than fp32. The prompt stays fp32",
    )
    eval_sample = forms.IntegerField(
        min_value=0, max_value=1_000_000, required=False, initial=TrainConfig.eval_sample,
        label="Evaluation sample (rows)",
        help_text="Validation rows (a fixed stratified sample) scored at each evaluation during training; "
                  "0: the whole split. The kept prompt is scored on the whole splits at the end",
    )
    attention_dropout = StrictNullBooleanField(
        required=False, initial="true",
        widget=forms.Select(choices=[("true", "On (the paper's recipe)"),
                                     ("false", "Off: dropout on layer outputs only, a faster step")]),
        help_text="Dropout on attention probabilities, as T5 trains",
    )
    exclusive = forms.BooleanField(
        required=False, label="Train alone",
        help_text="Jobs on the same base model normally train together on one copy of the model. Alone, this "
                  "job waits for the others to finish and keeps them out until it ends: for timing runs",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dataset"].queryset = Dataset.objects.for_user(user)
        self.fields["continue_from"].queryset = PromptVersion.objects.for_user(user).select_related(
            "prompt", "base_model"
        )

    def main_fields(self) -> list[forms.BoundField]:
        return [f for f in self if f.name not in ADVANCED_FIELDS and not f.is_hidden]

    def advanced_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ADVANCED_FIELDS]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        name = (data.get("prompt_name") or "").strip()
        parent = data.get("continue_from")
        if name and parent:
            self.add_error("prompt_name", "Either name a new prompt or continue from a version, not both")
        elif not name and not parent:
            self.add_error("prompt_name", "Name the new prompt, or choose a version to continue from")
        data["prompt_name"] = name or None
        dataset = data.get("dataset")
        if (data.get("init") == InitMethod.CLASS_LABELS and dataset is not None and not parent
                and dataset.task_kind != TaskKind.CLASSIFICATION):
            self.add_error("init", f"{dataset.name!r} is a generation dataset: it has no label words to start "
                                   "from. Choose vocabulary or random")
        if data.get("max_target_length") is None and dataset is not None:
            data["max_target_length"] = default_max_target_length(dataset)
        eval_every, max_steps = data.get("eval_every"), data.get("max_steps")
        if eval_every and max_steps and eval_every > max_steps:
            self.add_error("eval_every", f"Evaluate at least once: at most max steps ({max_steps})")
        return data

    def to_request(self) -> JobRequest:
        d = self.cleaned_data
        return JobRequest(
            dataset=d["dataset"], base_model=d["base_model"], prompt_name=d["prompt_name"],
            continue_from=d["continue_from"], prompt_length=d["prompt_length"], init=d["init"],
            learning_rate=d["learning_rate"], batch_size=d["batch_size"], max_steps=d["max_steps"],
            eval_every=d["eval_every"], patience=d["patience"], max_input_length=d["max_input_length"],
            max_target_length=d["max_target_length"], seed=d["seed"] or 0,
            precision=Precision(d["precision"] or Precision.AUTO),
            eval_sample=TrainConfig.eval_sample if d["eval_sample"] is None else (d["eval_sample"] or None),
            attention_dropout=d["attention_dropout"] is not False,
            exclusive=bool(d.get("exclusive")), launch_key=d.get("launch_key"),
        )


class JobFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "All")] + KIND_CHOICES, required=False)
    status = forms.ChoiceField(choices=[("", "All")] + list(JobStatus.choices), required=False)


def initial_from_job(job: Any) -> dict[str, Any]:
    """The launch form filled in as `job` was launched: "launch again with changes".

    A new prompt needs a new name, so the old one gets a suffix the user can change.
    """
    prompt, train = job.prompt_config, job.train_config
    initial: dict[str, Any] = {
        "dataset": job.dataset_id, "base_model": job.base_model_id,
        "prompt_length": prompt.get("prompt_length"), "init": prompt.get("init"),
        **{name: train.get(name) for name in ("learning_rate", "batch_size", "max_steps", "eval_every", "patience",
                                              "max_input_length", "max_target_length", "seed", "precision")},
        "eval_sample": train.get("eval_sample") or 0,
        "attention_dropout": "false" if train.get("attention_dropout") is False else "true",
        "exclusive": job.exclusive,
    }
    if job.parent_version_id:
        initial["continue_from"] = job.parent_version_id
    else:
        initial["prompt_name"] = f"{job.prompt.name}-again"
    return {name: value for name, value in initial.items() if value is not None}

