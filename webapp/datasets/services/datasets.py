"""A ready dataset: reading one's own, renaming, deleting."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.http import Http404

from tuning_core.errors import DataProblem
from webapp.datasets.models import Dataset
from webapp.lib import media


class DatasetInUse(Exception):
    """Deleting a dataset that a tuning job needs."""


def problem_dict(p: DataProblem) -> dict[str, Any]:
    return dict(p.to_dict())


def get_dataset_for_user(user: Any, pk: int) -> Dataset:
    """The user's own dataset; anyone else's (or none) is a 404, so ids leak nothing."""
    try:
        return Dataset.objects.for_user(user).get(pk=pk)
    except Dataset.DoesNotExist:
        raise Http404("No such dataset") from None


def rename_dataset(dataset: Dataset, name: str) -> Dataset:
    dataset.name = name.strip()[:200]
    dataset.save(update_fields=["name", "updated_at"])
    return dataset


def delete_dataset(dataset: Dataset) -> None:
    """Delete the row and its files; refused while a tuning job uses the dataset."""
    # The jobs' own rule for "active" (TuningJobQuerySet.active), through the relation: datasets
    # stand below jobs and import nothing of theirs.
    if hasattr(dataset, "jobs"):
        active = dataset.jobs.active().count()
        if active:
            raise DatasetInUse(
                f"{dataset.name!r} is used by {active} queued or running tuning job{'s' if active > 1 else ''}; "
                "cancel or wait for them before deleting it")
    files = dataset.storage_prefix
    try:
        with transaction.atomic():
            dataset.delete()
            transaction.on_commit(lambda: media.delete_prefix(files), robust=True)
    except ProtectedError as exc:
        names = ", ".join(f"#{job.pk}" for job in sorted(exc.protected_objects, key=lambda j: j.pk))
        raise DatasetInUse(
            f"{dataset.name!r} is kept because tuning job{'s' if len(exc.protected_objects) > 1 else ''} {names} "
            "trained on it; delete those jobs first (their prompt versions stay)") from None
