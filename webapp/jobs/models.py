"""Tuning jobs (training and evaluations), and the metric series behind the live chart."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone

from tuning_core.task import headline_metric_of, resolve
from webapp.lib import media
from webapp.lib.charts import ChartSpec, training_charts


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class JobMethod(models.TextChoices):
    """What a job does: one lifecycle (queued → running → final), three kinds of work."""

    PROMPT_TUNING = "prompt_tuning"  # training a prompt
    EVALUATION = "evaluation"  # one version on one dataset split
    ENSEMBLE_EVALUATION = "ensemble_evaluation"  # an ensemble's K members in one pass


# What each kind is called on the pages, and what its progress counts.
KIND_NAMES = {JobMethod.PROMPT_TUNING: "Training", JobMethod.EVALUATION: "Evaluation",
              JobMethod.ENSEMBLE_EVALUATION: "Ensemble evaluation"}
KIND_CHOICES = [(str(method), name) for method, name in KIND_NAMES.items()]

ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)
FINAL_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class TuningJobQuerySet(models.QuerySet["TuningJob"]):
    def for_user(self, user: object) -> TuningJobQuerySet:
        """Jobs a user may see: their own (teams come later)."""
        return self.filter(owner=user)

    def active(self) -> TuningJobQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def evaluations(self) -> TuningJobQuerySet:
        """Evaluation jobs of single versions (a version's page lists them through `child_jobs`)."""
        return self.filter(method=JobMethod.EVALUATION)

    def training_with(self, job: TuningJob) -> TuningJobQuerySet:
        """Other jobs running now in `job`'s fused training group (any owner: count them, never
        show them to the job's owner)."""
        if not job.fused_group or job.status != JobStatus.RUNNING:
            return self.none()
        return self.filter(fused_group=job.fused_group, status=JobStatus.RUNNING).exclude(pk=job.pk)

    def queued_ahead_of(self, job: TuningJob) -> TuningJobQuerySet:
        """Queued jobs on `job`'s queue that a worker takes before it (any owner: count them only)."""
        return self.filter(status=JobStatus.QUEUED, queue=job.queue).filter(
            Q(created_at__lt=job.created_at) | Q(created_at=job.created_at, pk__lt=job.pk))

    def running_on(self, queue: str) -> dict[str, int]:
        """How many jobs each worker runs now on `queue` (any owner: counts only)."""
        running = (self.filter(status=JobStatus.RUNNING, queue=queue).order_by()  # no ordering in the GROUP BY
                   .values("worker").annotate(n=Count("id")))
        return {row["worker"] or "a worker": row["n"] for row in running}

    def claimable(self, stale_before: object) -> TuningJobQuerySet:
        """Queued jobs, and running jobs whose worker stopped beating before `stale_before`
        (it died: the job resumes from its checkpoint)."""
        return self.filter(
            Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, heartbeat_at__lt=stale_before)
        )


class TuningJob(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tuning_jobs")
    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.PROTECT, related_name="jobs")
    base_model = models.ForeignKey("basemodels.BaseModel", on_delete=models.PROTECT, related_name="jobs")
    prompt = models.ForeignKey("prompts.Prompt", on_delete=models.CASCADE, related_name="jobs")
    parent_version = models.ForeignKey(
        "prompts.PromptVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="child_jobs",
        help_text="The version this job continues training from",
    )
    method = models.CharField(max_length=40, choices=JobMethod.choices, default=JobMethod.PROMPT_TUNING)
    prompt_config = models.JSONField(help_text="tuning_core.PromptConfig.to_dict()")
    train_config = models.JSONField(help_text="tuning_core.TrainConfig.to_dict()")

    status = models.CharField(max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    step = models.PositiveIntegerField(default=0)
    total_steps = models.PositiveIntegerField(default=0)
    last_loss = models.FloatField(null=True, blank=True)
    best_metric = models.FloatField(null=True, blank=True)
    best_metric_name = models.CharField(max_length=40, blank=True)
    best_step = models.PositiveIntegerField(null=True, blank=True)
    eta_seconds = models.FloatField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    queue = models.CharField(max_length=60, default="gpu", help_text="Celery queue the job is sent to")
    attempts = models.PositiveIntegerField(default=0, help_text="How many times a worker claimed the job")
    resumed_from_step = models.PositiveIntegerField(null=True, blank=True)
    model_reused = models.BooleanField(
        null=True, blank=True, help_text="The worker already held the base model in memory"
    )
    cancel_requested = models.BooleanField(default=False)
    exclusive = models.BooleanField(
        default=False, help_text="Train alone: never share the model's passes with other jobs (timing runs)"
    )
    fused_group = models.CharField(
        max_length=32, blank=True,
        help_text="The worker's fused training group the job trains in (one model copy for all its jobs)",
    )
    error_message = models.TextField(blank=True)
    launch_key = models.UUIDField(
        null=True, blank=True, editable=False,
        help_text="The launch form's one-time key: the same form sent twice makes one job",
    )
    stop_reason = models.CharField(
        max_length=20, blank=True, choices=[(r, r.replace("_", " ")) for r in ("max_steps", "early_stopping", "cancelled")],
        help_text="Why training ended (tuning_core's stopped_reason)",
    )

    objects = TuningJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["owner", "launch_key"], name="one_job_per_launch_key")]

    def __str__(self) -> str:
        return f"Job {self.pk} ({self.prompt.name})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_training(self) -> bool:
        return self.method == JobMethod.PROMPT_TUNING

    @property
    def is_evaluation(self) -> bool:
        return self.method == JobMethod.EVALUATION

    @property
    def is_ensemble_evaluation(self) -> bool:
        return self.method == JobMethod.ENSEMBLE_EVALUATION

    @property
    def kind_name(self) -> str:
        """"Training", "Evaluation" or "Ensemble evaluation"."""
        return KIND_NAMES.get(self.method, self.method)  # type: ignore[call-overload]

    @property
    def run_seconds(self) -> float | None:
        """How long a finished job ran, from its first claim to its end."""
        if self.started_at is None or self.finished_at is None:
            return None
        return max(0.0, (self.finished_at - self.started_at).total_seconds())

    @property
    def progress_unit(self) -> str:
        """Training counts steps; an evaluation counts the examples it scored."""
        return "steps" if self.is_training else "examples"

    @property
    def title(self) -> str:
        """What the job is called in lists: its prompt, or for an ensemble's evaluation the ensemble."""
        if self.is_ensemble_evaluation:
            return f"ensemble {self.prompt_config.get('ensemble', '')}".strip()
        return self.prompt.name

    @property
    def metric_label(self) -> str:
        """What the validation curve measures ("validation accuracy"), before any point names it."""
        return "validation " + (self.best_metric_name or resolve(kind=self.dataset.task_kind).headline_metric)

    def training_series(self) -> dict[str, list[list[float]]]:
        """`{"loss": [[step, loss], …], "metric": [[step, value], …]}` from the job's metric points."""
        train, evals = [], []
        for point in self.metrics.all():
            if point.kind == JobMetric.Kind.TRAIN and point.loss is not None:
                train.append([point.step, point.loss])
            elif point.kind == JobMetric.Kind.EVAL and point.values:
                name = self.best_metric_name or headline_metric_of(point.values)
                if name in point.values:
                    evals.append([point.step, point.values[name]])
        return {"loss": train, "metric": evals}

    def training_charts(self) -> dict[str, ChartSpec]:
        """The job's loss and validation charts, as the job page and its version's page draw them."""
        return training_charts(self.training_series(), self.metric_label, self.total_steps or None)

    @property
    def stop_explanation(self) -> str:
        """Why a job ended before its last step, in words; empty when it ran them all."""
        if self.stop_reason != "early_stopping":
            return ""
        patience = self.train_config.get("patience")
        best = f"; best at step {self.best_step}" if self.best_step is not None else ""
        return (f"Stopped early at step {self.step}: no improvement in {patience} evaluation"
                f"{'' if patience == 1 else 's'}{best}")

    @property
    def progress_percent(self) -> int:
        return int(100 * self.step / self.total_steps) if self.total_steps else 0

    @property
    def storage_prefix(self) -> str:
        """Where this job's files are stored (its checkpoint), by the job's id alone."""
        return f"jobs/{self.pk}"

    @property
    def work_dir(self) -> Path:
        """This job's files on this machine (in local mode, where they are kept)."""
        return media.scratch_path(self.storage_prefix)

    @property
    def checkpoint_dir(self) -> Path:
        return self.work_dir / "checkpoint"

    def checkpoint_name(self, file_name: str) -> str:
        return f"{self.storage_prefix}/checkpoint/{file_name}"


class JobMetric(models.Model):
    """One point of the live chart: a logged training step or a validation run."""

    class Kind(models.TextChoices):
        TRAIN = "train"
        EVAL = "eval"

    job = models.ForeignKey(TuningJob, on_delete=models.CASCADE, related_name="metrics")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    step = models.PositiveIntegerField()
    loss = models.FloatField(null=True, blank=True)
    learning_rate = models.FloatField(null=True, blank=True)
    values = models.JSONField(default=dict, help_text="Validation metrics for eval points")
    elapsed_seconds = models.FloatField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["step", "kind"]
        # A resumed job re-runs steps after its checkpoint: the later value replaces the earlier.
        constraints = [models.UniqueConstraint(fields=["job", "kind", "step"], name="unique_job_metric_point")]


class JobLogEntry(models.Model):
    """A line of the job page's event log (model loaded, resumed, evaluation, cancellation…)."""

    job = models.ForeignKey(TuningJob, on_delete=models.CASCADE, related_name="log_entries")
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
