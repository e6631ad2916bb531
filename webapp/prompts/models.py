"""Named prompts, their versions (tensor files), and evaluation runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from webapp.lib import media


class PromptQuerySet(models.QuerySet["Prompt"]):
    def for_user(self, user: object) -> PromptQuerySet:
        """The ownership rule: a prompt is its owner's alone (no teams yet)."""
        return self.filter(owner=user)


class PromptVersionQuerySet(models.QuerySet["PromptVersion"]):
    def for_user(self, user: object) -> PromptVersionQuerySet:
        """A version belongs to whoever owns its prompt."""
        return self.filter(prompt__in=Prompt.objects.for_user(user))


class EvalRunQuerySet(models.QuerySet["EvalRun"]):
    def for_user(self, user: object) -> EvalRunQuerySet:
        """An evaluation is its owner's: the owner of the version (or the ensemble) it evaluated,
        set when it is recorded."""
        return self.filter(owner=user)


class Prompt(models.Model):
    """A name under which successive trained versions are kept (v1, v2, …)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prompts")
    name = models.CharField(max_length=120)
    base_model = models.ForeignKey("basemodels.BaseModel", on_delete=models.PROTECT, related_name="prompts")
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = PromptQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="unique_prompt_name_per_owner")]

    def __str__(self) -> str:
        return self.name

    def latest_version(self) -> PromptVersion | None:
        return self.versions.order_by("-version").first()


class PromptVersion(models.Model):
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    job = models.OneToOneField(
        "jobs.TuningJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="result_version"
    )
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    base_model = models.ForeignKey("basemodels.BaseModel", on_delete=models.PROTECT, related_name="prompt_versions")
    prompt_length = models.PositiveIntegerField()
    d_model = models.PositiveIntegerField()
    init = models.CharField(max_length=20)
    tensor_file = models.CharField(max_length=300, help_text="Path of prompt.safetensors under MEDIA_ROOT")
    sha256 = models.CharField(max_length=64)
    best_step = models.PositiveIntegerField(null=True, blank=True)
    metrics = models.JSONField(default=dict, help_text="Best validation metrics during training")
    notes = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True, help_text="Free-text labels such as production, baseline")
    nearest_tokens = models.JSONField(
        default=dict, blank=True,
        help_text="Nearest vocabulary tokens per prompt position, computed by a worker: "
                  "{status: queued | done | failed, k, rows: [[[token, cosine], …], …], error}",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = PromptVersionQuerySet.as_manager()

    class Meta:
        ordering = ["prompt", "-version"]
        constraints = [models.UniqueConstraint(fields=["prompt", "version"], name="unique_version_per_prompt")]

    def __str__(self) -> str:
        return f"{self.prompt.name} v{self.version}"

    @property
    def tensor_path(self) -> Path:
        """Where this machine writes the tensor file (in local mode, where it is kept)."""
        return media.scratch_path(self.tensor_file)

    def local_tensor(self) -> Path:
        """A local copy of the tensor file, checked against its sha256 when fetched from object
        storage. Raises FileNotFoundError when it is gone."""
        return media.local_path(self.tensor_file, sha256=self.sha256 or None)

    def prompt_matrix(self) -> Any:
        """The (p, d) prompt as float32 numpy, read straight from its safetensors file (a few
        hundred KB: no model, no torch work); None when the file is gone or damaged."""
        from safetensors.numpy import load_file

        try:
            path = self.local_tensor()
        except OSError:  # gone, or not the recorded bytes (CorruptCopy): nothing to show
            return None
        tensors = load_file(str(path))
        return tensors.get("prompt", next(iter(tensors.values()), None))

    INIT_LABELS = {
        "class_labels": "class labels",
        "vocab": "vocabulary sample",
        "random": "random uniform",
        "from_file": "from a prompt file",
    }

    @property
    def init_description(self) -> str:
        """How the version started: "continued from v2" rather than the engine's `from_file`."""
        if self.parent_id is not None:
            parent = self.parent
            assert parent is not None
            return f"continued from v{parent.version}" if parent.prompt_id == self.prompt_id \
                else f"continued from {parent}"
        return self.INIT_LABELS.get(self.init, self.init or "—")


class EvalRun(models.Model):
    """One evaluation of a prompt version or an ensemble on a dataset split.

    An ensemble's pass makes one run for the vote (`ensemble` set, no `prompt_version`) and one
    per member (both set); each keeps the ensemble's revision and member ids it was computed for.
    """

    class Mode(models.TextChoices):
        RANK = "rank"
        GENERATE = "generate"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="eval_runs")
    prompt_version = models.ForeignKey(
        PromptVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="eval_runs"
    )
    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.CASCADE, related_name="eval_runs")
    job = models.ForeignKey(
        "jobs.TuningJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="eval_runs",
        help_text="The job that ran this evaluation (training or an evaluation job)",
    )
    ensemble = models.ForeignKey(
        "ensembles.Ensemble", null=True, blank=True, on_delete=models.CASCADE, related_name="eval_runs",
        help_text="The ensemble whose pass made this run: its vote (no version) or one member's scores",
    )
    ensemble_revision = models.PositiveIntegerField(null=True, blank=True)
    ensemble_members = models.JSONField(default=list, blank=True,
                                        help_text="Member version ids of that revision, in voting order")
    split = models.CharField(max_length=20)
    mode = models.CharField(max_length=10, choices=Mode.choices)
    metrics = models.JSONField(default=dict)
    num_examples = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    objects = EvalRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"EvalRun {self.pk} {self.split} ({self.mode})"

    SUMMARY_METRICS = ("accuracy", "macro_f1", "mcc", "exact_match", "f1", "invalid_rate")

    @property
    def summary_metrics(self) -> list[tuple[str, float]]:
        """The headline numbers, in a fixed order (per-class tables and matrices aside)."""
        return [(name, self.metrics[name]) for name in self.SUMMARY_METRICS
                if isinstance(self.metrics.get(name), (int, float))]


class ExamplePredictionQuerySet(models.QuerySet["ExamplePrediction"]):
    def for_user(self, user: object) -> ExamplePredictionQuerySet:
        """A prediction belongs to whoever owns its evaluation."""
        return self.filter(eval_run__in=EvalRun.objects.for_user(user))


class ExamplePrediction(models.Model):
    """One example's outcome in one EvalRun: a row, so pages filter, sort, page and join in SQL.

    `index` is the example's row position in its dataset split, so runs of different versions on
    the same dataset split join on it (the comparison's disagreement table). Written only by
    `webapp.prompts.services.record_eval_run`.
    """

    eval_run = models.ForeignKey(EvalRun, on_delete=models.CASCADE, related_name="example_predictions")
    index = models.PositiveIntegerField(help_text="Row position in the dataset split")
    input_text = models.TextField()
    gold = models.TextField(help_text="The gold label word, or the target text in generation")
    predicted = models.TextField(help_text="The predicted label word, or the generated text")
    correct = models.BooleanField()
    valid = models.BooleanField(default=True, help_text="False: generated text outside the label set")
    confidence = models.FloatField(null=True, blank=True,
                                   help_text="Softmax probability of the predicted label among the labels")
    margin = models.FloatField(null=True, blank=True,
                               help_text="Log-likelihood of the best label minus the runner-up's")
    scores = models.JSONField(null=True, blank=True, help_text="Each label's log-likelihood (rank mode)")

    objects = ExamplePredictionQuerySet.as_manager()

    class Meta:
        ordering = ["eval_run", "index"]
        constraints = [models.UniqueConstraint(fields=["eval_run", "index"], name="unique_example_per_eval_run")]
        indexes = [
            models.Index(fields=["eval_run", "correct"], name="prediction_run_correct"),
            # Label words only: a generation target can pass the ~2.7 kB limit of a btree entry.
            models.Index(fields=["eval_run", "gold"], name="prediction_run_gold",
                         condition=models.Q(scores__isnull=False)),
            models.Index(fields=["eval_run", "confidence"], name="prediction_run_confidence"),
        ]

    def __str__(self) -> str:
        return f"EvalRun {self.eval_run_id} example {self.index}"
