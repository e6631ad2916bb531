"""An ensemble's evaluation job: every member scored in one batched pass per batch.

It is an evaluation job (`TuningJob.method == JobMethod.ENSEMBLE_EVALUATION`): the same claim, live progress,
cancel, dead-worker reaping and lost-message reconciling as any job. Its train_config names the
ensemble, the revision and member ids it evaluates, so results are kept for the member set they
were computed for. The result of each split: the vote's EvalRun and one EvalRun per member, all
written by `record_eval_run`, in the transaction that ends the job.
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from django.db import transaction
from django.utils import timezone

from tuning_core.voting import EnsembleResult, Voting
from webapp.datasets.models import Dataset
from webapp.ensembles.models import Ensemble
from webapp.jobs.configs import EnsembleEvaluationConfig
from webapp.jobs.evaluations import evaluation_problem, trained_scoring, version_task
from webapp.jobs.models import JobMethod, JobStatus, TuningJob
from webapp.jobs.services import JobLaunchError, announce_job, log_job_event, queue_job
from webapp.prompts.models import EvalRun, PromptVersion
from webapp.prompts.services import record_eval_run

# Examples kept for "where the vote and the best member differ": enough to read, bounded in size.
MAX_DIFFERENCES = 200
SOFT_MARGIN_BINS = 10


def dataset_problem(members: list[PromptVersion], dataset: Dataset, split: str) -> str | None:
    """Why the ensemble cannot be evaluated on `dataset`'s `split`: the first member's problem."""
    for version in members:
        problem = evaluation_problem(version, dataset, split)
        if problem:
            return problem
    return None


def launch_ensemble_evaluation(owner: Any, ensemble: Ensemble, dataset: Dataset, splits: list[str]) -> TuningJob:
    """Queue one job scoring the ensemble's current members on each of `splits` of `dataset`
    (the caller fetched both for `owner`)."""
    members = ensemble.member_versions()
    splits = [s for s in dict.fromkeys(splits) if s]
    if not splits:
        raise JobLaunchError("Pick a split to evaluate on", field="split")
    for split in splits:
        problem = dataset_problem(members, dataset, split)
        if problem:
            raise JobLaunchError(problem, field="dataset")
    # Each member is scored as its own evaluation scores it: its own lengths and precision.
    config = EnsembleEvaluationConfig(
        ensemble_id=ensemble.pk, revision=ensemble.revision, member_ids=[m.pk for m in members],
        voting=ensemble.voting, splits=splits, label_words=version_task(members[0])[1],
        member_scoring=[trained_scoring(m) for m in members],
    ).to_dict()
    return queue_job(
        JobMethod.ENSEMBLE_EVALUATION, owner=owner, dataset=dataset, base_model=ensemble.base_model,
        prompt=members[0].prompt, prompt_config={"ensemble": ensemble.name, "members": len(members)},
        train_config=config, total_steps=sum(int(dataset.split_counts.get(s, 0)) for s in splits),
        queued=f"Queued: ensemble {ensemble.name} (revision {ensemble.revision}, {len(members)} members) "
               f"on {dataset.name} ({config['split']})",
    )


def margin_histogram(result: EnsembleResult, members: int) -> list[dict[str, Any]]:
    """How clearly each vote was won: vote counts 0..K (majority) or probability bins (soft)."""
    margins = [p.margin for p in result.predictions]
    if result.voting is Voting.SOFT:
        counts = Counter(min(int(m * SOFT_MARGIN_BINS), SOFT_MARGIN_BINS - 1) for m in margins)
        return [{"label": f"{b / SOFT_MARGIN_BINS:.1f}–{(b + 1) / SOFT_MARGIN_BINS:.1f}", "count": counts.get(b, 0)}
                for b in range(SOFT_MARGIN_BINS)]
    counts = Counter(int(m) for m in margins)
    return [{"label": str(m), "count": counts.get(m, 0)} for m in range(members + 1)]


def summarize(result: EnsembleResult, member_ids: list[int]) -> dict[str, Any]:
    """What the ensemble page shows beyond the vote's own metrics, computed once from the pass."""
    accuracies = [m["accuracy"] for m in result.member_metrics]
    best = max(range(len(accuracies)), key=lambda k: (accuracies[k], -k))
    best_predictions = result.member_predictions[best]
    differences: list[dict[str, Any]] = []
    counts = Counter[str]()
    for vote, alone in zip(result.predictions, best_predictions):
        if vote.predicted == alone.predicted:
            continue
        who = "vote" if vote.correct else "best member" if alone.correct else "neither"
        counts[who.split()[0]] += 1
        if len(differences) < MAX_DIFFERENCES:
            differences.append({"index": vote.index, "input_text": vote.input_text, "gold": vote.target_text,
                                "vote": vote.predicted, "best": alone.predicted, "right": who,
                                "votes": vote.votes, "margin": vote.margin})
    return {
        "voting": result.voting.value,
        "members": member_ids,
        "member_accuracy": accuracies,
        "member_mean_accuracy": statistics.fmean(accuracies),
        "member_sd_accuracy": statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0,
        "best_member": best,
        "best_member_accuracy": accuracies[best],
        "oracle_accuracy": result.agreement["oracle_accuracy"],
        "unanimous_rate": result.agreement["unanimous_rate"],
        "mean_pairwise_agreement": result.agreement["mean_pairwise_agreement"],
        "pairwise_counts": result.agreement["pairwise_counts"],
        "examples": len(result.predictions),
        "margin_histogram": margin_histogram(result, len(member_ids)),
        "differences": differences,
        "difference_counts": {"vote": counts["vote"], "best": counts["best"], "neither": counts["neither"],
                              "total": sum(counts.values())},
    }


def vote_predictions(result: EnsembleResult) -> list[dict[str, Any]]:
    """The vote's predictions in the shape every EvalRun stores; its label scores are the members'
    mean log-probabilities (the soft vote's, and the majority vote's tie-breaker)."""
    return [{"index": p.index, "input_text": p.input_text, "target_text": p.target_text, "predicted": p.predicted,
             "correct": p.correct, "valid": True, "scores": p.mean_log_probs} for p in result.predictions]


def record_ensemble_evaluation(job_id: int, worker: str, results: dict[str, EnsembleResult]) -> list[EvalRun]:
    """End an ensemble evaluation job with, per split, the vote's EvalRun and one per member; nothing
    when this worker no longer holds the job."""
    with transaction.atomic():
        job = TuningJob.objects.select_for_update(of=("self",)).select_related("dataset").get(pk=job_id)
        if job.status != JobStatus.RUNNING or job.worker != worker:
            return []
        config = EnsembleEvaluationConfig.from_dict(job.train_config)
        ensemble = Ensemble.objects.filter(pk=config.ensemble_id).first()
        member_ids = config.member_ids
        members = PromptVersion.objects.in_bulk(member_ids)
        if ensemble is None or len(members) != len(member_ids):
            job.status, job.finished_at = JobStatus.FAILED, timezone.now()
            job.error_message = "The ensemble or one of its members was deleted during the evaluation"
            job.save(update_fields=["status", "finished_at", "error_message"])
            runs: list[EvalRun] = []
        else:
            runs = []
            link = {"job": job, "ensemble": ensemble, "ensemble_revision": config.revision,
                    "ensemble_members": member_ids}
            for split, result in results.items():
                for k, version_id in enumerate(member_ids):
                    rows = [p.to_dict() for p in result.member_predictions[k]]
                    runs.append(record_eval_run(
                        version=members[version_id], dataset=job.dataset, split=split, mode="rank",
                        metrics=result.member_metrics[k], predictions=rows, **link))
                metrics = {**result.metrics, "ensemble": summarize(result, member_ids)}
                runs.append(record_eval_run(version=None, dataset=job.dataset, split=split, mode="rank",
                                            metrics=metrics, predictions=vote_predictions(result), **link))
            job.status, job.finished_at, job.step, job.eta_seconds = (
                JobStatus.SUCCEEDED, timezone.now(), job.total_steps, 0)
            job.save(update_fields=["status", "finished_at", "step", "eta_seconds"])
    if job.status == JobStatus.FAILED:
        log_job_event(job_id, f"Failed: {job.error_message}")
    else:
        log_job_event(job_id, f"Evaluated ensemble {ensemble} on {job.dataset.name} ({', '.join(config.splits)}): "
                              f"{len(runs)} evaluations")
    announce_job(job)
    return runs
