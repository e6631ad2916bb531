"""Objects for tests, made through the same services the app uses."""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from tests.support.jobs import launch_held
from tuning_core.export import save_prompt
from tuning_core.task import TaskKind
from webapp.basemodels.models import BaseModel
from webapp.datasets.models import Dataset, SplitMode, Upload
from webapp.datasets.processing import Mapping
from webapp.datasets.services import IncomingFile, stage_upload, submit_mapping
from webapp.jobs.services import cancel_job
from webapp.lib import media
from webapp.prompts.models import Prompt, PromptVersion
from webapp.prompts.services import new_version_dir, record_prompt_version

ROTTEN_TOMATOES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "rotten_tomatoes"

REVIEWS = [
    ("A warm, funny and beautiful film", "1"),
    ("Dull, slow and far too long", "0"),
    ("The best performance of the year", "1"),
    ("A terrible script and worse acting", "0"),
    ("Smart and sweet, I loved it", "1"),
    ("Boring from the first scene", "0"),
]


def review_rows(n: int = 60) -> list[dict[str, str]]:
    """`n` rows (text, label) with labels 0/1 alternating and every input distinct."""
    return [{"text": f"{REVIEWS[i % len(REVIEWS)][0]} #{i}", "label": REVIEWS[i % len(REVIEWS)][1]}
            for i in range(n)]


def write_csv(path: Path, rows: Sequence[dict[str, Any]], *, delimiter: str = ",") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def stage_file(owner: Any, path: Path, *, name: str = "") -> Upload:
    """Step 1 of an upload, for one file."""
    return stage_upload(owner, name or path.stem, [IncomingFile("file", path.name, path, path.stat().st_size)])


def submit_upload(owner: Any, path: Path, mapping: Mapping, *, name: str = "") -> Upload:
    """The two-step upload for one file, left `processing` with its message sent to a worker after commit."""
    upload = stage_file(owner, path, name=name)
    submit_mapping(upload, mapping)
    return upload


def upload_dataset(owner: Any, path: Path, mapping: Mapping, *, name: str = "") -> Dataset:
    """The two-step upload for one file, processed now: the ready dataset (DataError on a problem)."""
    dataset = submit_mapping(stage_file(owner, path, name=name), mapping, inline=True)
    assert dataset is not None
    return dataset


def make_dataset(owner: Any, tmp_path: Path, *, name: str = "Reviews", rows: int = 60,
                 label_map: dict[str, str] | None = None, **mapping: Any) -> Dataset:
    """A ready classification dataset (processed inline) of `rows` review rows."""
    path = write_csv(tmp_path / f"{name}.csv", review_rows(rows))
    options = {"input_template": "review: {text}", "label_column": "label",
               "label_map": {"0": "negative", "1": "positive"} if label_map is None else label_map,
               "split_mode": SplitMode.AUTO, **mapping}
    return upload_dataset(owner, path, Mapping(**options), name=name)


SENTIMENT_WORDS = {
    "positive": ["good", "great", "wonderful", "excellent", "fun", "beautiful", "loved", "sweet"],
    "negative": ["bad", "terrible", "awful", "boring", "dull", "ugly", "hated", "poor"],
}


def sentiment_rows(n: int, offset: int = 0) -> list[dict[str, str]]:
    """`n` short reviews, positive and negative alternating, each told apart by its adjectives."""
    rows = []
    for i in range(offset, offset + n):
        label = "positive" if i % 2 == 0 else "negative"
        words = SENTIMENT_WORDS[label]
        rows.append({"text": f"the movie was {words[i % len(words)]} and {words[(i * 3) % len(words)]}",
                     "label": label})
    return rows


def make_ready_dataset(owner: Any, name: str = "sentiment", *, train: int = 64, validation: int = 16,
                       test: int = 16, labels: Sequence[str] = ("negative", "positive"),
                       task_kind: str = TaskKind.CLASSIFICATION) -> Dataset:
    """A ready dataset of sentiment rows with exactly these split sizes, uploaded and processed
    inline through the services (a split column places each row). Inputs read "review: the movie
    was …"; for classification the targets are `labels` (negative, positive), for generation the
    words negative / positive."""
    rows = []
    offset = 0
    for split, count in (("train", train), ("validation", validation), ("test", test)):
        rows += [{**row, "split": split} for row in sentiment_rows(count, offset)]
        offset += count
    negative, positive = labels
    label_map = {"negative": negative, "positive": positive} if task_kind == TaskKind.CLASSIFICATION else {}
    mapping = Mapping(input_template="review: {text}", label_column="label", label_map=label_map,
                      task_kind=task_kind, split_mode=SplitMode.COLUMN, split_column="split")
    with tempfile.TemporaryDirectory() as directory:
        path = write_csv(Path(directory) / "reviews.csv", rows)
        return upload_dataset(owner, path, mapping, name=name)


def make_version(prompt: Prompt, *, seed: int, accuracy: float, parent: PromptVersion | None = None,
                 job: Any = None) -> PromptVersion:
    """A version of `prompt` with random values (seeded) and the given validation accuracy, recorded
    through the service training uses."""
    directory, relative = new_version_dir(prompt)
    files = save_prompt(torch.randn(4, 32, generator=torch.Generator().manual_seed(seed)), directory)
    media.publish_dir(directory, relative)  # as the worker does before recording a version
    return record_prompt_version(
        prompt=prompt, tensor_file=f"{relative}/prompt.safetensors", sha256=files.sha256, prompt_length=4,
        d_model=32, init="from_file" if parent else "class_labels", metrics={"accuracy": accuracy},
        best_step=10 * seed, parent=parent, job=job,
    )


def trained_version(owner: Any, prompt: Prompt, dataset: Dataset, base: BaseModel, *, seed: int,
                    accuracy: float, **launch_options: Any) -> PromptVersion:
    """A version of `prompt` whose training job (on `dataset`) was cancelled before it ran: the job
    says which labels the version answers with."""
    job = cancel_job(launch_held(owner, dataset, base, prompt_name=f"{prompt.name} run {seed}", max_input_length=32,
                                 **launch_options))
    return make_version(prompt, seed=seed, accuracy=accuracy, job=job)


def media_snapshot(root: Path) -> list[str]:
    """Every file and directory under MEDIA_ROOT, for "nothing was stored" assertions."""
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def api_key(user: Any, name: str = "tests") -> str:
    """A new API token's key for `user` (only its hash is stored; this is the one chance to read it)."""
    from webapp.api.services import create_token

    existing = user.api_tokens.filter(name__startswith=name).count()
    return create_token(user, name if not existing else f"{name} {existing + 1}").key
