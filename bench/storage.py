"""Files in object storage (issue 22 item 7): the same tiny job with local files and with
MEDIA_STORAGE=s3 on a local S3 server, as a ratio of wall times measured in the same run.

Each repeat runs, for each mode in turn (interleaved, so drifting load hits both alike) and on a
fresh machine's folders (empty MEDIA_ROOT and cache):

  upload   stage a CSV and process it into a dataset (through the services, inline)
  train    a job of --steps steps with a checkpoint at every evaluation (--evals of them), run
           in this process by the worker's own code (claim_job, run_job)
  predict  read the new version as the prediction server does (its prompt cache over storage)
           and score --predict inputs

It prints each mode's median wall time, the ratio s3 / local (goal: at most 1.15), and the bytes
published per checkpoint. The S3 server is moto's, in a process of its own (as MinIO would be);
deployments use MinIO or a cloud store, where the network adds its own time.

Measured here (2 cores, one torch thread): with the `small` shape, 1.00 (14.8 s either way, 76 KB
per checkpoint); with the test suite's tiny model (`--shape smoke`), whose whole job lasts 3 s,
1.2: storage costs a fixed ~0.5 s of requests (about 50, ~6 ms each to moto's Python server),
which a real model's steps dwarf.

Builds a throwaway test database on the configured PostgreSQL (that of `make run`, or
DATABASE_URL; `bin/services start` starts it) and uses the configured Redis.

    .venv/bin/python bench/storage.py [--shape smoke] [--steps 200] [--evals 4] [--repeats 3]
    .venv/bin/python bench/storage.py --smoke      # seconds: that it runs, not what it says
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
if "MEDIA_ROOT" not in os.environ:  # not setdefault: its argument would make a folder on every run
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="sps-bench-media-")

WORDS = {"positive": ["good", "great", "fine", "fun"], "negative": ["bad", "dull", "poor", "ugly"]}


def write_rows(path: Path, n: int) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["text", "label", "split"])
        writer.writeheader()
        for i in range(n):
            label = "positive" if i % 2 else "negative"
            split = "train" if i % 5 else "validation"
            writer.writerow({"text": f"the film was {WORDS[label][i % 4]} and {WORDS[label][(i * 3) % 4]} #{i}",
                             "label": label, "split": split})
    return path


@contextmanager
def machine(mode: str, folder: Path, s3: Any) -> Iterator[None]:
    """Settings as a fresh machine in `mode` sees them: its own empty scratch space and cache."""
    from django.test import override_settings

    from webapp.lib.env import media_storage_settings

    settings: dict[str, Any] = {"MEDIA_ROOT": folder / "media", "LOCAL_CACHE_DIR": folder / "cache"}
    if mode == "s3":
        from unittest import mock

        from django.conf import settings as django_settings

        bucket = f"bench-{uuid.uuid4().hex[:12]}"
        s3.create_bucket(Bucket=bucket)
        with mock.patch.dict(os.environ, {"MEDIA_STORAGE": "s3", "S3_ENDPOINT_URL": s3.meta.endpoint_url,
                                          "S3_BUCKET": bucket, "S3_ACCESS_KEY_ID": "bench",
                                          "S3_SECRET_ACCESS_KEY": "bench"}):
            settings.update(MEDIA_STORAGE="s3",
                            STORAGES={**django_settings.STORAGES, "default": media_storage_settings()})
    with override_settings(**settings):
        yield


def one_job(user: Any, base_model: Any, csv_path: Path, args: argparse.Namespace) -> dict[str, float]:
    """upload -> train -> predict; seconds of each."""
    from tuning_core.config import Precision
    from tuning_core.evaluate import evaluate
    from webapp.datasets.models import SplitMode
    from webapp.datasets.processing import Mapping
    from webapp.datasets.services import IncomingFile, stage_upload, submit_mapping
    from webapp.jobs.services import JobRequest, claim_job, launch_job
    from webapp.lib import media
    from webapp.prompts.models import PromptVersion
    from workers.model_pool import get_pool
    from workers.serving import PromptCache
    from workers.training import run_job

    marks = [time.perf_counter()]
    upload = stage_upload(user, "bench", [IncomingFile("file", csv_path.name, csv_path, csv_path.stat().st_size)])
    dataset = submit_mapping(upload, Mapping(input_template="review: {text}", label_column="label", label_map={},
                                             split_mode=SplitMode.COLUMN, split_column="split"), inline=True)
    marks.append(time.perf_counter())
    job = launch_job(user, JobRequest(
        dataset=dataset, base_model=base_model, prompt_name=f"bench-{uuid.uuid4().hex[:8]}", continue_from=None,
        prompt_length=args.prompt_length, init="class_labels", learning_rate=0.3, batch_size=8,
        max_steps=args.steps, eval_every=max(1, args.steps // args.evals), patience=None, max_input_length=32,
        seed=0, precision=Precision.FP32, exclusive=True))
    claimed = claim_job(job.pk, "bench")
    assert claimed is not None
    run_job(claimed, "bench")
    version = PromptVersion.objects.get(job=job)
    marks.append(time.perf_counter())
    base = get_pool().get(base_model.source).base
    prompt = PromptCache(media.local_path).get(base, version.tensor_file, version.sha256)
    rows = [{"input_text": f"review: the film was {w}", "target_text": "positive"}
            for w in (WORDS["positive"] * args.predict)[: args.predict]]
    evaluate(base, prompt, rows, mode="rank", label_words=["negative", "positive"])
    marks.append(time.perf_counter())
    return {name: b - a for name, a, b in zip(("upload", "train", "predict"), marks, marks[1:], strict=False)}


@contextmanager
def counting_checkpoints() -> Iterator[list[int]]:
    """Sizes of the checkpoints published while inside."""
    from webapp.lib import media

    published: list[int] = []
    original = media.publish

    def counted(path: Path, name: str) -> None:
        if "/checkpoint/" in name:
            published.append(path.stat().st_size)
        original(path, name)

    media.publish = counted  # type: ignore[assignment]
    try:
        yield published
    finally:
        media.publish = original  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", default="small", help="model shape of bench/engine.py: small (default), "
                        "t5-small, or smoke (the test suite's tiny model, where storage's fixed cost weighs most)")
    parser.add_argument("--steps", type=int, default=200, help="training steps of the job")
    parser.add_argument("--evals", type=int, default=4, help="evaluations, each with a checkpoint")
    parser.add_argument("--rows", type=int, default=400, help="rows of the uploaded CSV")
    parser.add_argument("--prompt-length", type=int, default=20)
    parser.add_argument("--predict", type=int, default=32, help="inputs scored with the new version")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="10 steps, 2 checkpoints, once: that it runs")
    args = parser.parse_args()
    if args.smoke:
        args.shape, args.steps, args.evals, args.rows, args.prompt_length, args.predict, args.repeats = (
            "smoke", 10, 2, 40, 4, 4, 1)

    import django

    django.setup()
    import boto3
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import setup_test_environment
    from engine import build_model

    from tests.support.processes import free_port, port_open
    from webapp.basemodels.services import register_base_model

    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not port_open(port):
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("moto's S3 server did not start")
            time.sleep(0.1)
        s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", aws_access_key_id="bench",
                          aws_secret_access_key="bench", region_name="us-east-1")
        with tempfile.TemporaryDirectory(prefix="sps-bench-storage-") as tmp_name:
            tmp = Path(tmp_name)
            model_dir = build_model(args.shape, tmp / "model")
            user = get_user_model().objects.create_user("bench", password="bench-password")
            base_model = register_base_model(f"bench-{args.shape}", str(model_dir), random_weights=True)
            csv_path = write_rows(tmp / "reviews.csv", args.rows)
            with machine("local", tmp / "warm-up", s3):  # imports, the model's first load
                one_job(user, base_model, csv_path, argparse.Namespace(**{**vars(args), "steps": 2, "evals": 1}))
            times: dict[str, list[float]] = {"local": [], "s3": []}
            parts: dict[str, list[dict[str, float]]] = {"local": [], "s3": []}
            checkpoint_bytes: list[int] = []
            for repeat in range(args.repeats):
                for mode in ("local", "s3"):
                    with machine(mode, tmp / f"{mode}-{repeat}", s3), counting_checkpoints() as published:
                        started = time.perf_counter()
                        parts[mode].append(one_job(user, base_model, csv_path, args))
                        times[mode].append(time.perf_counter() - started)
                    if mode == "s3":
                        checkpoint_bytes += published
        local, remote = statistics.median(times["local"]), statistics.median(times["s3"])
        print(f"{args.shape} model: {args.rows} rows uploaded, {args.steps} steps with {args.evals} checkpoints, "
              f"{args.predict} inputs predicted; {args.repeats} repeats, medians")
        for mode in ("local", "s3"):
            split = {name: statistics.median(p[name] for p in parts[mode]) for name in ("upload", "train", "predict")}
            print(f"{mode:5}: {statistics.median(times[mode]):.2f} s  ("
                  + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in split.items()) + ")")
        ratio = remote / local
        print(f"s3 / local wall time: {ratio:.2f} (goal at most 1.15: {'met' if ratio <= 1.15 else 'NOT met'})")
        if checkpoint_bytes:
            print(f"bytes published per checkpoint: {statistics.median(checkpoint_bytes):,.0f} "
                  f"({len(checkpoint_bytes)} checkpoints)")
    finally:
        server.terminate()
        server.wait(timeout=30)
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
