"""Ensembles: several prompt versions of one task voting together on the shared frozen model."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

MIN_MEMBERS = 2
MAX_MEMBERS = 16


class Voting(models.TextChoices):
    # Values are tuning_core.ensemble.Voting's.
    MAJORITY = "majority", "Majority vote (ties by summed log-likelihood)"
    SOFT = "soft", "Soft vote (mean log-probability)"


class EnsembleQuerySet(models.QuerySet["Ensemble"]):
    def for_user(self, user: object) -> EnsembleQuerySet:
        """The ownership rule: an ensemble is its owner's alone (no teams yet)."""
        return self.filter(owner=user)


class Ensemble(models.Model):
    """Member versions (2 to 16, one base model, one label set) and how they vote.

    `revision` grows whenever the members or the voting rule change: an EvalRun keeps the revision
    it was computed for, so results of another member set are never shown as this one's.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ensembles")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    base_model = models.ForeignKey("basemodels.BaseModel", on_delete=models.PROTECT, related_name="ensembles")
    voting = models.CharField(max_length=10, choices=Voting.choices, default=Voting.MAJORITY)
    members = models.ManyToManyField("prompts.PromptVersion", through="EnsembleMember", related_name="ensembles")
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = EnsembleQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="unique_ensemble_name_per_owner")]

    def __str__(self) -> str:
        return self.name

    def member_versions(self) -> list:  # type: ignore[type-arg]
        """The members in the order they were chosen (the order of the vote's columns)."""
        return [m.version for m in self.memberships.select_related("version__prompt").order_by("position")]

    def member_ids(self) -> list[int]:
        return list(self.memberships.order_by("position").values_list("version_id", flat=True))


class EnsembleMember(models.Model):
    ensemble = models.ForeignKey(Ensemble, on_delete=models.CASCADE, related_name="memberships")
    # PROTECT as a last guard: deleting a version refuses first, with a message naming the ensemble.
    version = models.ForeignKey("prompts.PromptVersion", on_delete=models.PROTECT, related_name="ensemble_memberships")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["ensemble", "position"]
        constraints = [
            models.UniqueConstraint(fields=["ensemble", "version"], name="unique_member_per_ensemble"),
            models.UniqueConstraint(fields=["ensemble", "position"], name="unique_position_per_ensemble"),
        ]


class PlaygroundRunQuerySet(models.QuerySet["PlaygroundRun"]):
    def for_user(self, user: object) -> PlaygroundRunQuerySet:
        """A playground run is its owner's alone."""
        return self.filter(owner=user)


class PlaygroundRun(models.Model):
    """Typed inputs scored by chosen versions and ensembles on one base model, by a worker.

    The page shows `results` once a worker wrote them (`webapp.ensembles.playground`).
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playground_runs")
    base_model = models.ForeignKey("basemodels.BaseModel", on_delete=models.CASCADE, related_name="playground_runs")
    inputs = models.JSONField(help_text="The typed lines, in order")
    targets = models.JSONField(help_text="What scores them: the worker's plan (versions, templates, ensembles)")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    results = models.JSONField(default=dict, blank=True)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = PlaygroundRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
