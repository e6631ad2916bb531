"""Ensembles: create, change members (a new revision), delete; the membership rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from webapp.ensembles.evaluations import launch_ensemble_evaluation
from webapp.ensembles.models import MAX_MEMBERS, MIN_MEMBERS, Ensemble, EnsembleMember, Voting
from webapp.jobs.evaluations import version_task
from webapp.jobs.models import JobMethod, TuningJob
from webapp.prompts.models import PromptVersion


class EnsembleError(Exception):
    """A refused change; the message says what to fix, `field` which form field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class EnsembleInUse(EnsembleError):
    pass


def get_ensemble_for_user(user: Any, pk: int) -> Ensemble:
    try:
        return Ensemble.objects.for_user(user).select_related("base_model").get(pk=pk)
    except Ensemble.DoesNotExist:
        raise Http404("No such ensemble") from None


def membership_problem(versions: Sequence[PromptVersion]) -> str | None:
    """Why these versions cannot vote together, naming the offending member; None when they can.

    Members are 2 to 16 distinct classification prompts on one base model answering with one
    label set (the first member's), since the vote counts their choices among the same words.
    """
    if len(versions) < MIN_MEMBERS:
        return f"An ensemble needs at least {MIN_MEMBERS} versions; {len(versions)} chosen"
    if len(versions) > MAX_MEMBERS:
        return f"An ensemble has at most {MAX_MEMBERS} versions; {len(versions)} chosen"
    seen: set[int] = set()
    first = versions[0]
    first_kind, first_labels = version_task(first)
    for version in versions:
        if version.pk in seen:
            return f"{version} is chosen twice"
        seen.add(version.pk)
        if version.base_model_id != first.base_model_id:
            return (f"{version} runs on {version.base_model.name}, but {first} runs on {first.base_model.name}: "
                    "every member must share one base model")
        kind, labels = version_task(version)
        if kind is None:
            return (f"{version} has lost the training job that says which labels it answers with, so it "
                    "cannot be checked against the other members")
        if kind != "classification":
            return f"{version} was trained for {kind}: an ensemble votes over class labels"
        if sorted(labels) != sorted(first_labels):
            return (f"{version} answers with the label words {', '.join(labels)}, but {first} answers with "
                    f"{', '.join(first_labels)}: every member must share one label set")
    assert first_kind == "classification"
    return None


def label_words(ensemble: Ensemble) -> list[str]:
    """The label set every member answers with, in the first member's order."""
    members = ensemble.member_versions()
    return version_task(members[0])[1] if members else []


def _check(versions: Sequence[PromptVersion], voting: str) -> None:
    problem = membership_problem(versions)
    if problem:
        raise EnsembleError(problem, field="versions")
    if voting not in Voting.values:
        raise EnsembleError(f"Unknown voting rule {voting!r}", field="voting")


def _set_members(ensemble: Ensemble, versions: Sequence[PromptVersion]) -> None:
    ensemble.memberships.all().delete()
    EnsembleMember.objects.bulk_create(
        EnsembleMember(ensemble=ensemble, version=version, position=i) for i, version in enumerate(versions))


def _name_taken(name: str) -> EnsembleError:
    return EnsembleError(f"You already have an ensemble named {name!r}: pick another name", field="name")


def create_ensemble(owner: Any, *, name: str, versions: Sequence[PromptVersion], voting: str = "majority",
                    description: str = "") -> Ensemble:
    """A new ensemble of `versions` (the caller fetched them for `owner`), at revision 1."""
    _check(versions, voting)
    try:
        with transaction.atomic():
            ensemble = Ensemble.objects.create(owner=owner, name=name, description=description, voting=voting,
                                               base_model=versions[0].base_model)
            _set_members(ensemble, versions)
    except IntegrityError:
        raise _name_taken(name) from None
    return ensemble


def update_ensemble(ensemble: Ensemble, *, name: str, versions: Sequence[PromptVersion], voting: str,
                    description: str = "") -> Ensemble:
    """Rename, describe, change members or voting. Other members or another voting rule make a new
    revision: results computed for the old one stay, marked as another member set's."""
    _check(versions, voting)
    new_members = [v.pk for v in versions] != ensemble.member_ids()
    try:
        with transaction.atomic():
            locked = Ensemble.objects.select_for_update().get(pk=ensemble.pk)
            changed = new_members or voting != locked.voting
            locked.name, locked.description, locked.voting = name, description, voting
            locked.base_model = versions[0].base_model
            locked.updated_at = timezone.now()
            if changed:
                locked.revision += 1
            locked.save()
            if new_members:
                _set_members(locked, versions)
    except IntegrityError:
        raise _name_taken(name) from None
    return locked


def save_ensemble(owner: Any, ensemble: Ensemble | None, *, name: str, description: str,
                  versions: Sequence[PromptVersion], voting: str, dataset: Any, splits: list[str]) -> tuple[Ensemble, bool]:
    """Create (ensemble None) or update an ensemble, and queue its evaluation on `splits` of
    `dataset` when its member set or voting rule is new: (the ensemble, whether it is evaluated
    anew). Nothing is kept when the evaluation cannot start. The builder and the API call this;
    raises EnsembleError or JobLaunchError (its field is "dataset")."""
    with transaction.atomic():
        if ensemble is None:
            saved = create_ensemble(owner, name=name, description=description, versions=versions, voting=voting)
            changed = True
        else:
            revision = ensemble.revision
            saved = update_ensemble(ensemble, name=name, description=description, versions=versions, voting=voting)
            changed = saved.revision != revision
        if changed:
            launch_ensemble_evaluation(owner, saved, dataset, splits)
    return saved, changed


def evaluation_jobs(ensemble: Ensemble) -> Any:
    """The jobs that evaluated (or evaluate) this ensemble, newest first."""
    return TuningJob.objects.filter(method=JobMethod.ENSEMBLE_EVALUATION, train_config__ensemble_id=ensemble.pk) \
        .select_related("dataset").order_by("-pk")


def delete_ensemble(ensemble: Ensemble) -> None:
    """Delete an ensemble with its results; refused while one of its evaluations is queued or running
    (the worker would write results for an ensemble that is gone)."""
    with transaction.atomic():
        locked = Ensemble.objects.select_for_update().get(pk=ensemble.pk)
        running = list(evaluation_jobs(locked).active())
        if running:
            jobs = ", ".join(f"#{job.pk} ({job.status})" for job in running)
            raise EnsembleInUse(f"{locked} cannot be deleted while its evaluation job {jobs} runs. "
                                "Cancel the job or wait for it to end, then delete.")
        locked.delete()
