"""Server-side render time of the compare page for 4 versions × 10,000 predictions (issue 10 item 6:
under 300 ms), against references measured in the same run on the same rows.

Builds a throwaway test database on the configured PostgreSQL (that of `make run`, or
DATABASE_URL; `bin/services start` starts it) and uses the configured Redis cache: one user,
4 versions of a (100 × 768) prompt with their training curves (300 loss and 30 validation points
each), and an EvalRun of 10,000 rank-mode predictions each, written through record_eval_run. Then
renders through Django's test client (the whole view, template included, no network):

  compare cold        the first render: no paired bootstrap cached yet, so the page shows the
                      counts and McNemar's test and leaves the intervals to a second request
  intervals cold      that second request (?intervals=1): 3 bootstraps computed and cached
  compare warm        later renders (median): the intervals come from the cache
  evaluation     one run's evaluation page (the same rows, one version)
  plain query    the 40,000 rows' (run, index, predicted, correct) fetched into Python

and prints each in ms with the ratios warm / evaluation and warm / plain query.

    .venv/bin/python bench/compare_page.py [--examples 10000] [--versions 4] [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
if "MEDIA_ROOT" not in os.environ:  # not setdefault: its argument would make a folder on every run
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="sps-bench-media-")
LABELS = ["negative", "positive"]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def predictions(n: int, seed: int) -> list[dict[str, Any]]:
    import numpy as np

    rng = np.random.default_rng(seed)
    accuracy = 0.75 + 0.03 * seed
    rows = []
    for i in range(n):
        gold = LABELS[i % 2]
        right = bool(rng.random() < accuracy)
        predicted = gold if right else LABELS[1 - i % 2]
        margin = float(rng.exponential(1.0))
        rows.append({"index": i, "input_text": f"review: a film, number {i}, with some words about it",
                     "target_text": gold, "predicted": predicted, "correct": right, "valid": True,
                     "scores": {predicted: -0.3, LABELS[1 - LABELS.index(predicted)]: -0.3 - margin}})
    return rows


def build(n_versions: int, n_examples: int) -> tuple[Any, list[Any], list[Any]]:
    import numpy as np
    import torch
    from django.contrib.auth import get_user_model

    from tuning_core.export import save_prompt
    from webapp.basemodels.models import BaseModel
    from webapp.datasets.models import Dataset
    from webapp.jobs.models import JobMetric, TuningJob
    from webapp.prompts.models import Prompt
    from webapp.prompts.services import new_version_dir, record_eval_run, record_prompt_version

    user = get_user_model().objects.create_user("bench", password="bench-password")
    base = BaseModel.objects.create(name="t5-base-shaped", source="/nowhere", d_model=768, num_layers=12,
                                    num_parameters=250_000_000, vocab_size=32_128, random_weights=True)
    dataset = Dataset.objects.create(owner=user, name="reviews", input_template="review: {text}",
                                     label_column="label", labels=LABELS,
                                     split_counts={"train": 10_000, "test": n_examples})
    prompt = Prompt.objects.create(owner=user, name="sentiment", base_model=base)
    versions, runs = [], []
    write_ms = []
    for k in range(n_versions):
        job = TuningJob.objects.create(
            owner=user, dataset=dataset, base_model=base, prompt=prompt, status="succeeded", step=3000,
            total_steps=3000, best_metric_name="accuracy",
            prompt_config={"prompt_length": 100, "init": "class_labels"},
            train_config={"learning_rate": [0.3, 0.1, 0.3, 1.0][k % 4], "batch_size": 32, "max_steps": 3000,
                          "eval_every": 100, "seed": k})
        JobMetric.objects.bulk_create(
            [JobMetric(job=job, kind="train", step=s, loss=3.0 / (1 + s / 100)) for s in range(10, 3001, 10)]
            + [JobMetric(job=job, kind="eval", step=s, values={"accuracy": 0.5 + s / 10_000})
               for s in range(100, 3001, 100)])
        directory, relative = new_version_dir(prompt)
        tensor = torch.from_numpy(np.random.default_rng(k).normal(size=(100, 768)).astype("float32"))
        files = save_prompt(tensor, directory)
        version = record_prompt_version(prompt=prompt, tensor_file=f"{relative}/prompt.safetensors",
                                        sha256=files.sha256, prompt_length=100, d_model=768, init="class_labels",
                                        job=job, metrics={"accuracy": 0.8})
        rows = predictions(n_examples, k)
        start = time.perf_counter()
        run = record_eval_run(version=version, dataset=dataset, split="test", mode="rank",
                              metrics={"accuracy": sum(r["correct"] for r in rows) / len(rows)}, predictions=rows)
        write_ms.append((time.perf_counter() - start) * 1000)
        versions.append(version)
        runs.append(run)
    print(f"record_eval_run of {n_examples:,} predictions: median {statistics.median(write_ms):.0f} ms")
    return user, versions, runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--versions", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--smoke", action="store_true", help="3 versions of 200 examples, once: that it runs")
    args = parser.parse_args()
    if args.smoke:
        args.examples, args.versions, args.repeats = 200, 3, 1
    if args.versions < 3:
        parser.error("--versions must be at least 3 (the warm-up compares two others)")

    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from tuning_core.significance import N_RESAMPLES
    from webapp.evaluations.compare import pair_key
    from webapp.prompts.models import ExamplePrediction

    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        user, versions, runs = build(args.versions, args.examples)
        client = Client()
        client.force_login(user)
        url = "/prompts/compare/?" + "&".join(f"v={v.pk}" for v in versions)
        for other in runs[1:]:
            cache.delete(pair_key(runs[0], other))

        def render(path: str) -> None:
            response = client.get(path)
            assert response.status_code == 200, response.status_code

        # A fresh process imports scipy and compiles templates on its first request: pay that on
        # another comparison (no interval asked, so nothing of the measured pairs gets cached).
        warmup, _ = timed(lambda: render(f"/prompts/compare/?v={versions[1].pk}&v={versions[2].pk}"))
        cold, _ = timed(lambda: render(url))
        intervals_cold, _ = timed(lambda: render(url + "&intervals=1"))
        ids = [run.pk for run in runs]

        def plain_query() -> None:
            list(ExamplePrediction.objects.filter(eval_run__in=ids).values_list(
                "eval_run_id", "index", "predicted", "correct"))

        cases = {"compare warm": lambda: render(url),
                 "evaluation (1 version)": lambda: render(f"/prompts/evaluations/{runs[0].pk}/"),
                 "plain query (all rows)": plain_query}
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.repeats):  # interleaved, so drifting load hits every case alike
            for name, case in cases.items():
                samples[name].append(timed(case)[0])
        medians = {name: statistics.median(values) for name, values in samples.items()}
        warm = medians["compare warm"]
        print(f"{args.versions} versions × {args.examples:,} predictions, {args.repeats} repeats, medians; "
              f"bootstrap {N_RESAMPLES} resamples per pair")
        print(f"first request of the process (imports, template compiling; another comparison): {warmup:.0f} ms")
        print(f"compare cold (intervals left to a second request): {cold:.0f} ms")
        print(f"intervals cold (3 bootstraps computed, then cached): {intervals_cold:.0f} ms")
        for name, value in medians.items():
            print(f"{name}: {value:.0f} ms")
        print(f"compare warm / evaluation: {warm / medians['evaluation (1 version)']:.2f}")
        print(f"compare warm / plain query: {warm / medians['plain query (all rows)']:.2f}")
        print(f"target: compare under 300 ms: warm {'met' if warm < 300 else 'NOT met'}, "
              f"cold {'met' if cold < 300 else 'NOT met'}")
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
