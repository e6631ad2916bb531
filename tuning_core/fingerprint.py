"""What makes two training runs the same run: the resume fingerprint.

A checkpoint may only continue the run that wrote it. The fingerprint therefore holds everything
that shapes the trajectory:
- the base model's identity: its source and the sha256 of its config.json and weights files (two
  checkpoints of the same width and vocabulary, t5-base and t5-base-lm-adapt, must not mix);
- the sha256 of the tokenised training and validation data (not their row counts: another
  dataset of the same size must not mix either);
- the initial prompt's sha256 (covers init, seed, label words and an init_from file's content);
- every TrainConfig field except those documented as safe to change on resume, with `precision`
  as it resolves on this device (fp32 or bf16).
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

import numpy as np
from torch import Tensor

from tuning_core.checksum import sha256_file
from tuning_core.config import PromptConfig, TrainConfig
from tuning_core.data import TokenizedData
from tuning_core.model import FrozenT5, resolve_precision

# TrainConfig fields a resumed run may change: they decide when to stop or how often to report,
# never what an optimizer step computes.
RESUMABLE_FIELDS = frozenset({"max_steps", "patience", "log_every", "eval_batch_size"})

# Files transformers reads the weights from (one of them, or the shards an index names).
WEIGHT_PATTERNS = ("*.safetensors", "pytorch_model*.bin", "*.index.json")

_hash_cache: dict[tuple[str, int, int], str] = {}
_hash_lock = threading.Lock()


def cached_sha256(path: Path) -> str:
    """sha256 of a file's content, computed once per (path, size, mtime) in this process.

    Size and mtime only decide whether to hash again; the identity is always the content hash.
    """
    resolved = path.resolve()
    stat = resolved.stat()
    key = (str(resolved), stat.st_size, stat.st_mtime_ns)
    with _hash_lock:
        if key in _hash_cache:
            return _hash_cache[key]
    digest = sha256_file(resolved)
    with _hash_lock:
        _hash_cache[key] = digest
    return digest


def model_identity(base: FrozenT5) -> dict[str, Any]:
    """Source, shape and content hashes of the base model's config.json and weights files."""
    identity: dict[str, Any] = {
        "base_model": base.info.source,
        "d_model": base.info.d_model,
        "vocab_size": base.info.vocab_size,
        "num_parameters": base.info.num_parameters,
        "tied_embeddings": base.info.tied_embeddings,
        "model_config_sha256": None,
        "model_weights_sha256": None,
    }
    directory = base.directory
    if directory is None or not directory.is_dir():
        return identity
    config = directory / "config.json"
    if config.exists():
        identity["model_config_sha256"] = cached_sha256(config)
    weights = sorted(
        {p for pattern in WEIGHT_PATTERNS for p in directory.glob(pattern) if p.is_file()}
    )
    if weights:
        digest = hashlib.sha256()
        for path in weights:
            digest.update(f"{path.name}\0{cached_sha256(path)}\n".encode())
        identity["model_weights_sha256"] = digest.hexdigest()
    return identity


def data_sha256(data: TokenizedData | None) -> str | None:
    """sha256 of the token ids, row by row (input and target), in order."""
    if data is None:
        return None
    digest = hashlib.sha256()
    for ids in (data.input_ids, data.target_ids):
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        flat = np.fromiter(
            (t for row in ids for t in row), dtype=np.int64, count=int(lengths.sum())
        )
        digest.update(lengths.tobytes())
        digest.update(flat.tobytes())
    return digest.hexdigest()


def tensor_sha256(tensor: Tensor) -> str:
    return hashlib.sha256(tensor.detach().float().cpu().contiguous().numpy().tobytes()).hexdigest()


def run_fingerprint(
    base: FrozenT5,
    prompt_config: PromptConfig,
    config: TrainConfig,
    initial_prompt: Tensor,
    train_data: TokenizedData,
    validation_data: TokenizedData | None,
) -> dict[str, Any]:
    """Everything that must match for a checkpoint to continue this run."""
    trajectory = {k: v for k, v in config.to_dict().items() if k not in RESUMABLE_FIELDS}
    # What the arithmetic is, not what was asked: "auto" is bf16 on one machine and fp32 on another.
    trajectory["precision"] = resolve_precision(config.precision, base.device).value
    # init_from's path is left out: the initial prompt's hash covers the file's content.
    prompt = {k: v for k, v in prompt_config.to_dict().items() if k != "init_from"}
    return {
        **model_identity(base),
        **prompt,
        "initial_prompt_sha256": tensor_sha256(initial_prompt),
        **trajectory,
        "train_rows": len(train_data),
        "train_data_sha256": data_sha256(train_data),
        "validation_rows": len(validation_data) if validation_data is not None else None,
        "validation_data_sha256": data_sha256(validation_data),
    }


def differences(saved: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """One line per field that differs: `name: <saved> there, <current> here`."""
    keys = list(current) + [k for k in saved if k not in current]
    return [
        f"{k}: {_short(saved.get(k))} there, {_short(current.get(k))} here"
        for k in keys
        if saved.get(k) != current.get(k)
    ]


def _short(value: Any) -> str:
    text = str(value)
    if len(text) == 64 and all(c in "0123456789abcdef" for c in text):
        return text[:12]  # a sha256: a prefix tells them apart
    return text

