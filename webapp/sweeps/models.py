"""Sweeps: a grid of tuning jobs on one dataset and base model (the paper's ablations).

A sweep's runs are ordinary jobs, so they train together on the worker's shared model like any
other; the sweep keeps the grid and where each job sits in it. Its status is derived from its
jobs, never stored.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class SweepQuerySet(models.QuerySet["Sweep"]):
    def for_user(self, user: object) -> SweepQuerySet:
        """The ownership rule: a sweep is its owner's alone (no teams yet)."""
        return self.filter(owner=user)


class Sweep(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sweeps")
    name = models.CharField(max_length=80)
    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.PROTECT, related_name="sweeps")
    base_model = models.ForeignKey("basemodels.BaseModel", on_delete=models.PROTECT, related_name="sweeps")
    recipe = models.JSONField(help_text="The settings every run shares (the launch form's fields)")
    # [[axis, [values]], ...]: a list, because PostgreSQL's jsonb does not keep an object's key order
    # and the grid's order is the runs' order.
    axes = models.JSONField(help_text="The swept axes and their values, in grid order (tuning_core.sweep.Grid)")
    skipped = models.JSONField(default=list, blank=True,
                               help_text="Grid points left out because they cannot train, with the reason")
    created_at = models.DateTimeField(default=timezone.now)

    objects = SweepQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="unique_sweep_name_per_owner")]

    def __str__(self) -> str:
        return self.name

    def axis_names(self) -> list[str]:
        return [name for name, _ in self.axes]


class SweepRun(models.Model):
    """One point of the grid: its coordinates and the job that trains it."""

    sweep = models.ForeignKey(Sweep, on_delete=models.CASCADE, related_name="runs")
    job = models.OneToOneField("jobs.TuningJob", on_delete=models.CASCADE, related_name="sweep_run")
    position = models.PositiveIntegerField()
    coordinates = models.JSONField()
    attempt = models.PositiveIntegerField(default=1, help_text="Grows each time a failed run is launched again")

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["sweep", "position"], name="unique_sweep_position")]


def coordinates_label(coordinates: dict[str, Any]) -> str:
    return " ".join(f"{axis.replace('_', ' ')} {value}" for axis, value in coordinates.items())
