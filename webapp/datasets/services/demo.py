"""The demo dataset `make run` seeds for each user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from webapp.datasets.models import SPLITS, Dataset
from webapp.datasets.processing import Mapping
from webapp.datasets.services.ingest import submit_mapping
from webapp.datasets.services.uploads import IncomingFile, stage_upload

DEMO_NAME = "Rotten Tomatoes"


def seed_rotten_tomatoes(owner: Any, data_dir: Path) -> Dataset | None:
    """The demo dataset from `data_dir/{train,validation,test}.csv`, once per owner; None when the
    files are not there."""
    existing = Dataset.objects.for_user(owner).filter(name=DEMO_NAME).first()
    if existing is not None:
        return existing
    paths = {split: data_dir / f"{split}.csv" for split in SPLITS}
    if not paths["train"].is_file():
        return None
    files = [IncomingFile(role=s, name=p.name, path=p, size=p.stat().st_size) for s, p in paths.items() if p.is_file()]
    upload = stage_upload(owner, DEMO_NAME, files)
    mapping = Mapping(input_template="review: {text}", label_column="label",
                      label_map={"negative": "negative", "positive": "positive"}, split_mode="files")
    return submit_mapping(upload, mapping, inline=True)
