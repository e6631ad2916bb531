"""What the compare page shows, read from the database: 2 to 8 of a user's versions on one base
model, their configurations side by side, their metrics on a common dataset split with paired
statistics against a reference, the examples they disagree on, and their prompts' geometry.
Reads only: the one thing it keeps is a memo of the bootstrap (a pure function of two immutable
runs) in Django's cache."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.contrib.postgres.aggregates import StringAgg
from django.core.cache import cache
from django.db.models import Case, Count, Max, Min, Value, When
from django.http import Http404

from tuning_core.prompt_geometry import PromptNorms, label_words_among, pairwise_cosine, prompt_norms
from tuning_core.significance import N_RESAMPLES, PairedComparison, compare_paired
from webapp.lib.paging import PageLinks
from webapp.prompts.models import EvalRun, ExamplePrediction, PromptVersion
from webapp.prompts.queries import CONFIG_LABELS, config_rows, confusion_table

logger = logging.getLogger(__name__)

MIN_VERSIONS, MAX_VERSIONS = 2, 8
DISAGREEMENTS_PER_PAGE = 50


class CannotCompare(Exception):
    """The chosen versions cannot be compared; the message says what to change."""


def versions_to_compare(user: Any, ids: list[int]) -> list[PromptVersion]:
    """The user's versions `ids`, by prompt name and version number (the first, the oldest, is
    the default reference). A version that is not the user's is a 404
    (as on every page); too few, too many or several base models is CannotCompare."""
    ids = list(dict.fromkeys(ids))
    if len(ids) < MIN_VERSIONS:
        raise CannotCompare(f"Pick at least {MIN_VERSIONS} versions to compare (you picked {len(ids)}).")
    if len(ids) > MAX_VERSIONS:
        raise CannotCompare(f"Compare at most {MAX_VERSIONS} versions at once (you picked {len(ids)}).")
    found = {v.pk: v for v in PromptVersion.objects.for_user(user).filter(pk__in=ids).select_related(
        "prompt", "base_model", "parent", "parent__prompt", "job", "job__dataset")}
    if len(found) != len(ids):
        raise Http404("No such prompt version")
    versions = sorted(found.values(), key=lambda v: (v.prompt.name, v.prompt_id, v.version))
    bases = sorted({v.base_model.name for v in versions})
    if len(bases) > 1:
        raise CannotCompare(
            "These versions run on different base models (" + ", ".join(bases) + "): a prompt only means "
            "something to the model it was trained on. Pick versions of one base model.")
    kinds = {v.job.dataset.task_kind: v for v in versions if v.job is not None}
    if len(kinds) > 1:
        named = " and ".join(f"{version} was trained for {kind}" for kind, version in sorted(kinds.items()))
        raise CannotCompare(f"{named}: their metrics and predictions do not compare. Pick versions of one "
                            "kind of task.")
    return versions


# --- configuration side by side ---------------------------------------------------------------

@dataclass(frozen=True)
class ConfigRow:
    label: str
    values: list[str]

    @property
    def differs(self) -> bool:
        return len(set(self.values)) > 1


def config_table(versions: list[PromptVersion]) -> list[ConfigRow]:
    """One row per setting, one value per version; settings a version's job lacks show "—"."""
    leading: list[tuple[str, list[str]]] = [
        ("Prompt", [v.prompt.name for v in versions]),
        ("Version", [f"v{v.version}" for v in versions]),
        ("Prompt length (tokens)", [str(v.prompt_length) for v in versions]),
        ("Initialisation", [v.init_description for v in versions]),
        ("Trained on", [v.job.dataset.name if v.job else "—" for v in versions]),
        ("Steps run", [str(v.job.step) if v.job else "—" for v in versions]),
        ("Best step", [str(v.best_step) if v.best_step is not None else "—" for v in versions]),
    ]
    shown = {label for label, _ in leading}
    per_version = [dict(config_rows(v)) for v in versions]
    order = list(CONFIG_LABELS.values())
    labels = sorted({label for rows in per_version for label in rows if label not in shown},
                    key=lambda label: (order.index(label) if label in order else len(order), label))
    rows = [ConfigRow(label, values) for label, values in leading]
    rows += [ConfigRow(label, [rows_of.get(label, "—") for rows_of in per_version]) for label in labels]
    return rows


# --- the common dataset split ----------------------------------------------------------------

@dataclass(frozen=True)
class SplitChoice:
    dataset_id: int
    dataset_name: str
    split: str
    versions_with_runs: int

    @property
    def key(self) -> str:
        return f"{self.dataset_id}:{self.split}"

    @property
    def label(self) -> str:
        return f"{self.dataset_name} · {self.split} ({self.versions_with_runs} evaluated)"


SPLIT_PREFERENCE = {"test": 0, "validation": 1, "train": 2}


def split_choices(versions: list[PromptVersion]) -> list[SplitChoice]:
    """Dataset splits on which any of the versions has an evaluation, most-covered first (then
    test before validation)."""
    rows = (EvalRun.objects.filter(prompt_version__in=versions)
            .values("dataset_id", "dataset__name", "split")
            .annotate(n=Count("prompt_version", distinct=True)).order_by())
    choices = [SplitChoice(r["dataset_id"], r["dataset__name"], r["split"], r["n"]) for r in rows]
    return sorted(choices, key=lambda c: (-c.versions_with_runs, SPLIT_PREFERENCE.get(c.split, 9),
                                          c.dataset_name, c.dataset_id))


def runs_on(versions: list[PromptVersion], choice: SplitChoice | None) -> dict[int, EvalRun | None]:
    """Each version's latest evaluation on the chosen split (None where it has none)."""
    runs: dict[int, EvalRun | None] = {v.pk: None for v in versions}
    if choice is None:
        return runs
    for run in (EvalRun.objects.filter(prompt_version__in=versions, dataset_id=choice.dataset_id,
                                       split=choice.split).order_by("created_at", "pk")):
        assert run.prompt_version_id is not None
        runs[run.prompt_version_id] = run  # the latest wins
    return runs


# --- paired outcomes and statistics -----------------------------------------------------------

def outcome_vectors(runs: list[EvalRun]) -> dict[int, np.ndarray]:
    """Per run, whether each example was right, over the examples every run scored, in index
    order, each run's outcomes packed by PostgreSQL into a string of 0/1.

    Runs of full splits hold the same indexes 0..n-1: one aggregate query shows it (count, min and
    max agree) and is all it takes. Otherwise the rows are first narrowed to the common indexes.
    """
    if not runs:
        return {}
    ids = [run.pk for run in runs]
    bit = Case(When(correct=True, then=Value("1")), default=Value("0"))
    rows = list(ExamplePrediction.objects.filter(eval_run__in=ids).order_by().values("eval_run_id").annotate(
        bits=StringAgg(bit, delimiter="", order_by="index"), n=Count("id"), lo=Min("index"), hi=Max("index")))
    shapes = {(int(row["n"]), int(row["lo"]), int(row["hi"])) for row in rows}
    aligned = len(rows) == len(ids) and len(shapes) == 1 and all(n == hi - lo + 1 for n, lo, hi in shapes)
    if not aligned:
        common = (ExamplePrediction.objects.filter(eval_run__in=ids).values("index")
                  .annotate(n=Count("id")).filter(n=len(ids)).values("index"))
        rows = list(ExamplePrediction.objects.filter(eval_run__in=ids, index__in=common).order_by()
                    .values("eval_run_id").annotate(bits=StringAgg(bit, delimiter="", order_by="index")))
    vectors = {row["eval_run_id"]: np.frombuffer(row["bits"].encode(), dtype=np.uint8) == ord("1")
               for row in rows}
    return {pk: vectors.get(pk, np.zeros(0, dtype=bool)) for pk in ids}


def pair_key(reference: EvalRun, other: EvalRun) -> str:
    return f"compare-paired:v1:{reference.pk}:{other.pk}:{N_RESAMPLES}"


def cached_pairs(reference: EvalRun, others: list[EvalRun]) -> dict[int, PairedComparison]:
    """The paired statistics already cached for `reference` against each of `others`, by run id."""
    keys = {pair_key(reference, other): other.pk for other in others}
    try:
        found = cache.get_many(list(keys)) if keys else {}
    except Exception:  # noqa: BLE001 - a cache outage costs time, never the page
        logger.warning("cache unavailable", exc_info=True)
        return {}
    return {keys[key]: value for key, value in found.items() if isinstance(value, PairedComparison)}


def paired_statistics(reference: EvalRun, other: EvalRun, outcomes: dict[int, np.ndarray], *,
                      interval: bool = True) -> PairedComparison:
    """compare_paired on two runs' outcomes. The bootstrap interval depends only on the two runs
    (never changed once written) and the resample count, and costs ~0.3 s on 10,000 examples: it
    is remembered in the cache. `interval=False` answers from the cache or without the interval
    (counts and McNemar's test are cheap), so a page can show the rest at once."""
    key = pair_key(reference, other)
    try:
        cached = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache outage costs time, never the page
        logger.warning("cache unavailable for %s", key, exc_info=True)
        cached = None
    if isinstance(cached, PairedComparison):
        return cached
    result = compare_paired(outcomes[reference.pk], outcomes[other.pk], interval=interval)
    if interval:
        try:
            cache.set(key, result, timeout=30 * 24 * 3600)
        except Exception:  # noqa: BLE001
            logger.warning("cache unavailable for %s", key, exc_info=True)
    return result


@dataclass(frozen=True)
class MetricRow:
    version: PromptVersion
    run: EvalRun | None
    cells: list[tuple[float | None, float | None]]  # per metric: (value, delta against the reference)
    pair: PairedComparison | None  # None for the reference itself and for versions without a run
    is_reference: bool

    @property
    def interval_pending(self) -> bool:
        """Paired statistics shown without their bootstrap interval yet (n ≥ 2)."""
        return self.pair is not None and self.pair.ci_low is None and self.pair.n >= 2


def metric_rows(versions: list[PromptVersion], runs: dict[int, EvalRun | None], reference: PromptVersion, *,
                intervals: bool = True) -> tuple[list[str], list[MetricRow]]:
    """Headline metrics per version with deltas and paired statistics against `reference`;
    `intervals=False` leaves out bootstrap intervals not already cached."""
    present = [run for run in runs.values() if run is not None]
    names = [name for name in EvalRun.SUMMARY_METRICS
             if any(isinstance((run.metrics or {}).get(name), (int, float)) for run in present)]
    ref_run = runs.get(reference.pk)
    cached = cached_pairs(ref_run, [run for run in present if run is not ref_run]) if ref_run is not None else {}
    # The outcome vectors are read only when a pair is not cached yet.
    needed = ref_run is not None and any(run.pk not in cached for run in present if run is not ref_run)
    outcomes = outcome_vectors(present) if needed else {}
    rows = []
    for version in versions:
        run = runs[version.pk]
        values: list[float | None] = [_number((run.metrics or {}).get(name)) if run else None for name in names]
        ref_values = [_number((ref_run.metrics or {}).get(name)) if ref_run else None for name in names]
        deltas = [v - r if v is not None and r is not None else None for v, r in zip(values, ref_values)]
        pair = None
        if run is not None and ref_run is not None and version.pk != reference.pk and run.mode == ref_run.mode:
            pair = cached.get(run.pk) or paired_statistics(ref_run, run, outcomes, interval=intervals)
        rows.append(MetricRow(version, run, list(zip(values, deltas)), pair, version.pk == reference.pk))
    return names, rows


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return None
    return float(value)


# --- training curves ------------------------------------------------------------------------

# charts.js's palette, so a version's curve has its swatch's colour (compare.css .v-color-N).
VERSION_COLORS = ["#2f5fd0", "#d55e00", "#1d7a3e", "#cc79a7", "#e69f00", "#0072b2", "#7b3fa0", "#5b6575"]


def version_label(version: PromptVersion, versions: list[PromptVersion]) -> str:
    """"v2" when all versions share a prompt, else "sentiment v2"."""
    return f"v{version.version}" if len({v.prompt_id for v in versions}) == 1 else str(version)


def training_curves(versions: list[PromptVersion]) -> dict[str, Any] | None:
    """Loss (log scale) and validation-metric charts with one series per version that has a job:
    every job's points in one query of plain values (no model instances: 4 jobs of 3,000 steps
    are thousands of points)."""
    from tuning_core.task import headline_metric_of
    from webapp.jobs.models import JobMetric
    from webapp.lib.charts import chart_spec, metric_bounds

    jobs = {v.job_id: v.job for v in versions if v.job is not None}
    if not jobs:
        return None
    loss: dict[int, list[list[float]]] = {job_id: [] for job_id in jobs}
    metric: dict[int, list[list[float]]] = {job_id: [] for job_id in jobs}
    points = JobMetric.objects.filter(job__in=list(jobs)).order_by("job_id", "step", "pk")
    # Loss points without their (empty) JSON column: decoding thousands of "{}" costs more than the query.
    for job_id, step, value in points.filter(kind=JobMetric.Kind.TRAIN, loss__isnull=False).values_list(
            "job_id", "step", "loss"):
        loss[job_id].append([step, value])
    for job_id, step, values in points.filter(kind=JobMetric.Kind.EVAL).values_list("job_id", "step", "values"):
        name = jobs[job_id].best_metric_name or headline_metric_of(values or {})  # as TuningJob.training_series
        if values and name in values:
            metric[job_id].append([step, values[name]])
    loss_series, metric_series, names = [], [], set()
    for i, version in enumerate(versions):
        if version.job_id not in jobs:
            continue
        label, color = version_label(version, versions), VERSION_COLORS[i % len(VERSION_COLORS)]
        loss_series.append({"label": label, "points": loss[version.job_id], "color": color})
        metric_series.append({"label": label, "points": metric[version.job_id], "color": color})
        names.add(jobs[version.job_id].metric_label)
    y_metric = names.pop() if len(names) == 1 else "validation metric"
    return {"loss": chart_spec("step", "training loss", loss_series, log_y=True),  # type: ignore[arg-type]
            "metric": chart_spec("step", y_metric, metric_series, y_bounds=metric_bounds(y_metric))}  # type: ignore[arg-type]


# --- confusion matrices -----------------------------------------------------------------------

def confusions(versions: list[PromptVersion], runs: dict[int, EvalRun | None]) -> list[tuple[PromptVersion, EvalRun, Any]]:
    out = []
    for version in versions:
        run = runs[version.pk]
        table = confusion_table(run.metrics) if run is not None else None
        if run is not None and table is not None:
            out.append((version, run, table))
    return out


# --- the disagreement table -------------------------------------------------------------------

@dataclass(frozen=True)
class Disagreement:
    index: int
    input_text: str
    gold: str
    predictions: list[tuple[str, bool] | None]  # per version (None: no run), (predicted, correct)


@dataclass
class DisagreementPage(PageLinks):
    rows: list[Disagreement] = field(default_factory=list)
    matching: int = 0
    page: int = 1
    num_pages: int = 1
    gold_labels: list[str] = field(default_factory=list)


def disagreements(versions: list[PromptVersion], runs: dict[int, EvalRun | None], *, gold: str = "",
                  page: int = 1, per_page: int = DISAGREEMENTS_PER_PAGE) -> DisagreementPage:
    """Examples (joined on their index in the split) where the evaluated versions do not all
    predict the same, in index order; `gold` keeps one gold label. Grouping, counting and paging
    happen in SQL; only the page's rows come back."""
    present = [(v, runs[v.pk]) for v in versions if runs[v.pk] is not None]
    if len(present) < 2:
        return DisagreementPage()
    ids = [run.pk for _, run in present if run is not None]
    rows = ExamplePrediction.objects.filter(eval_run__in=ids)
    # The gold filter offers the label set of classification runs (their confusion matrices name
    # it); generation targets are free text, no filter.
    gold_labels = sorted({str(label) for _, run in present if run is not None
                          for label in ((run.metrics or {}).get("confusion_matrix") or {}).get("labels", [])})
    if gold:
        rows = rows.filter(gold=gold)
    keys = (rows.order_by().values("index").annotate(n=Count("id"), kinds=Count("predicted", distinct=True))
            .filter(n=len(ids), kinds__gt=1))
    matching = keys.count()
    num_pages = max(1, math.ceil(matching / per_page))
    page = min(max(1, page), num_pages)
    indexes = [k["index"] for k in keys.order_by("index")[(page - 1) * per_page:page * per_page]]
    by_index: dict[int, dict[int, ExamplePrediction]] = {}
    for item in ExamplePrediction.objects.filter(eval_run__in=ids, index__in=indexes).only(
            "eval_run_id", "index", "input_text", "gold", "predicted", "correct"):
        by_index.setdefault(item.index, {})[item.eval_run_id] = item
    out = []
    for index in indexes:
        items = by_index.get(index, {})
        first = next(iter(items.values()))
        predictions: list[tuple[str, bool] | None] = []
        for version in versions:
            run = runs[version.pk]
            item = items.get(run.pk) if run is not None else None
            predictions.append((item.predicted, item.correct) if item is not None else None)
        out.append(Disagreement(index, first.input_text, first.gold, predictions))
    return DisagreementPage(out, matching, page, num_pages, gold_labels)


# --- the prompts themselves -------------------------------------------------------------------

@dataclass(frozen=True)
class PromptGeometry:
    norms: list[PromptNorms | None]  # per version; None when its file is missing
    cosine: list[list[float | None]]


def prompt_geometry(versions: list[PromptVersion]) -> PromptGeometry:
    matrices = [v.prompt_matrix() for v in versions]
    norms = [prompt_norms(m) if m is not None else None for m in matrices]
    present = [i for i, m in enumerate(matrices) if m is not None]
    table = pairwise_cosine([matrices[i] for i in present])  # type: ignore[misc]
    cosine: list[list[float | None]] = [[None] * len(versions) for _ in versions]
    for a, i in enumerate(present):
        for b, j in enumerate(present):
            cosine[i][j] = table[a][b]
    return PromptGeometry(norms, cosine)


@dataclass(frozen=True)
class NeighbourRow:
    position: int
    tokens: list[tuple[str, float, bool]]  # (token, cosine, is a label word)


@dataclass(frozen=True)
class VersionNeighbours:
    version: PromptVersion
    status: str  # "" (never asked) | queued | done | failed
    error: str
    label_words: list[str]  # marked only for class-label-initialised versions
    rows: list[NeighbourRow]

    @property
    def label_positions(self) -> int:
        """Positions that still have a label word among their nearest tokens."""
        return sum(1 for row in self.rows if any(is_label for _, _, is_label in row.tokens))


def label_words_of(version: PromptVersion) -> list[str]:
    job = version.job
    if job is None:
        return []
    words = (job.prompt_config or {}).get("label_words") or (job.train_config or {}).get("label_words")
    return [str(w) for w in (words or job.dataset.label_words or [])]


def neighbours(versions: list[PromptVersion]) -> list[VersionNeighbours]:
    """Each version's stored nearest tokens (computed by a worker on request), label words marked
    for class-label-initialised versions (the paper's section 7 observation)."""
    out = []
    for version in versions:
        stored = version.nearest_tokens or {}
        rows = [[(str(token), float(sim)) for token, sim in row] for row in stored.get("rows") or []]
        words = label_words_of(version) if version.init == "class_labels" else []
        marked = label_words_among(rows, words)
        out.append(VersionNeighbours(
            version, str(stored.get("status") or ""), str(stored.get("error") or ""), words,
            [NeighbourRow(i, [(t, s, t.strip().casefold() in {w.casefold() for w in found}) for t, s in row])
             for i, (row, found) in enumerate(zip(rows, marked))]))
    return out
