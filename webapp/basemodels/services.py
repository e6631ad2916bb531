"""The registry of base models: what a checkpoint is, read from its config alone."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from django.db import transaction

from webapp.basemodels import sources
from webapp.basemodels.models import BaseModel

TINY_MODEL_NAME = "tiny-t5 (random weights)"
RANDOM_WEIGHTS_NOTICE = "random weights: for trying the pipeline, accuracy is meaningless"


class BaseModelError(Exception):
    pass


def describe_checkpoint(source: str) -> dict[str, int]:
    """Width, layers, vocabulary and parameter count, without loading any weights."""
    import torch
    from transformers import AutoConfig, T5ForConditionalGeneration

    try:
        config = AutoConfig.from_pretrained(source)
    except Exception as exc:  # missing dir, bad json, unknown hub id: all "cannot use this"
        raise BaseModelError(f"Cannot read a model config from {source!r}: {exc}") from exc
    if config.model_type != "t5":
        raise BaseModelError(f"{source!r} is a {config.model_type!r} model; Soft Prompt Studio needs T5")
    # The meta device allocates no memory: counting parameters of T5-XXL costs nothing.
    with torch.device("meta"):
        model = T5ForConditionalGeneration(config)
    return {
        "d_model": int(config.d_model),
        "num_layers": int(config.num_layers),
        "vocab_size": int(config.vocab_size),
        "num_parameters": sum(p.numel() for p in model.parameters()),
    }


def register_base_model(name: str, source: str, *, random_weights: bool = False, description: str = "") -> BaseModel:
    """Create or refresh the registry entry called `name`. An s3://bucket/prefix source is read
    whole once, here (before any transaction: it may take minutes), to record each file's sha256."""
    files: dict[str, str] = {}
    readable = source
    if sources.is_s3(source):
        try:
            directory, files = sources.snapshot(source)
        except sources.STORE_ERRORS as exc:
            raise BaseModelError(f"Cannot read the model at {source}: {exc}") from exc
        readable = str(directory)
    facts = describe_checkpoint(readable)
    with transaction.atomic():
        model, _ = BaseModel.objects.update_or_create(
            name=name,
            defaults={"source": source, "random_weights": random_weights, "description": description,
                      "files": files, **facts},
        )
    return model


def local_source(base_model: BaseModel, *, fetch: bool = True) -> str:
    """Where transformers finds `base_model` on this machine (see `sources.local_source`)."""
    return sources.local_source(base_model.source, base_model.files, fetch=fetch)


def local_source_of(source: str, *, fetch: bool = True) -> str:
    """`local_source` for a source string, as model pools and tokenizers are keyed."""
    if not sources.is_s3(source):
        return source
    # Registered under several names, the source's latest registration holds its current files.
    files = BaseModel.objects.filter(source=source).order_by("-pk").values_list("files", flat=True).first()
    return sources.local_source(source, files or {}, fetch=fetch)


def ensure_tiny_model(directory: Path) -> BaseModel:
    """Build (once) and register the tiny random-weight T5 that demos and tests run on."""
    from tuning_core.tiny import build_tiny_t5

    if not (directory / "config.json").exists():
        build_tiny_t5(directory)
    return register_base_model(
        TINY_MODEL_NAME, str(directory), random_weights=True,
        description="Built locally by `make run`; " + RANDOM_WEIGHTS_NOTICE,
    )


@functools.lru_cache(maxsize=4)
def local_tokenizer(source: str, *, fetch: bool = False) -> Any:
    """A base model's tokenizer from local files only (a web request never waits on the network;
    a hub model is in the local cache once a job used it). Raises OSError when it is not here."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(local_source_of(source, fetch=fetch), local_files_only=True)


def as_the_model_sees(source: str, text: str, max_input_length: int) -> str:
    """`text` cut as the engine cuts it at `max_input_length` tokens (EOS included), marked where
    it was cut; the text itself when no tokenizer is at hand."""
    try:
        tokenizer = local_tokenizer(source)
    except OSError:
        return text
    ids = tokenizer(text)["input_ids"]
    if len(ids) <= max_input_length:
        return text
    kept = tokenizer.decode(ids[: max_input_length - 1], skip_special_tokens=True)
    return f"{kept} … [cut: {len(ids)} tokens, {max_input_length} kept]"
