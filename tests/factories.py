"""Objects for tests, made through the same services the app uses."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from webapp.datasets.models import Dataset, SplitMode
from webapp.datasets.processing import Mapping
from webapp.datasets.services import create_dataset
from webapp.datasets.staging import IncomingFile, stage_upload

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


def make_dataset(owner: Any, tmp_path: Path, *, name: str = "Reviews", rows: int = 60,
                 label_map: dict[str, str] | None = None, **mapping: Any) -> Dataset:
    """A ready classification dataset (processed inline) of `rows` review rows."""
    path = write_csv(tmp_path / f"{name}.csv", review_rows(rows))
    staging = stage_upload(owner, name, [IncomingFile("file", path.name, path, path.stat().st_size)])
    options = {"input_template": "review: {text}", "label_column": "label",
               "label_map": {"0": "negative", "1": "positive"} if label_map is None else label_map,
               "split_mode": SplitMode.AUTO, **mapping}
    return create_dataset(owner, staging, Mapping(**options), inline=True)


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
