"""Interpretability: which vocabulary tokens each prompt position is closest to.

The paper (section 7) reads a prompt through the nearest neighbours of each of its tokens, by
cosine similarity to the model's input embeddings. Class-label-initialised prompts tend to keep
their label words among the neighbours of the first positions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from tuning_core.errors import PromptFileError
from tuning_core.evaluate import check_prompt
from tuning_core.model import FrozenT5


def nearest_tokens(
    base: FrozenT5, prompt: Tensor, k: int = 5, *, include_special: bool = False
) -> list[list[tuple[str, float]]]:
    """For each prompt row (p, d), the k vocabulary tokens of highest cosine similarity.

    Returns p lists of (decoded token, similarity), most similar first. Only ids the tokenizer
    knows are considered (T5's embedding matrix has unused rows beyond the vocabulary), and
    special tokens are skipped unless `include_special`.
    """
    prompt = check_prompt(base, prompt)  # (p, d)
    n_vocab = min(len(base.tokenizer), base.embeddings.shape[0])
    emb = base.embeddings.detach()[:n_vocab].float()  # (V, d)
    with torch.no_grad():
        sims = F.normalize(prompt, dim=-1) @ F.normalize(emb, dim=-1).T  # (p, V)
        if not include_special:
            special = torch.tensor(sorted(set(base.tokenizer.all_special_ids)), device=sims.device)
            special = special[special < n_vocab]
            sims[:, special] = float("-inf")
        k = max(1, min(k, n_vocab))
        values, ids = sims.topk(k, dim=-1)  # (p, k)
    out: list[list[tuple[str, float]]] = []
    for row_ids, row_vals in zip(ids.tolist(), values.tolist()):
        out.append([(token_text(base, i), float(v)) for i, v in zip(row_ids, row_vals)])
    return out


def token_text(base: FrozenT5, token_id: int) -> str:
    """A readable form of one token: its decoded text, or the raw piece when that is blank."""
    text = base.tokenizer.decode([token_id])
    if text.strip():
        return text.strip()
    piece = base.tokenizer.convert_ids_to_tokens(token_id)
    return str(piece)


# The input embedding matrix of a T5 checkpoint: shared by encoder and decoder.
EMBEDDING_KEYS = ("shared.weight", "encoder.embed_tokens.weight")


def _checkpoint_file(source: str, name: str) -> Path | None:
    """`name` in a local model directory or, for a hub id, in the local Hugging Face cache
    (never downloaded here)."""
    local = Path(source).expanduser()
    if local.is_dir():
        path = local / name
        return path if path.exists() else None
    from huggingface_hub import try_to_load_from_cache

    try:
        found = try_to_load_from_cache(source, name)
    except ValueError:  # not a hub id either (HFValidationError): a missing folder
        return None
    return Path(found) if isinstance(found, str) else None


def read_input_embeddings(source: str) -> np.ndarray | None:
    """The (V, d) input embedding matrix read straight from the checkpoint's safetensors file
    (one tensor of a memory-mapped file, not the model); None when the checkpoint has no
    safetensors file holding it."""
    from safetensors import safe_open

    candidates: list[tuple[Path, str]] = []
    single = _checkpoint_file(source, "model.safetensors")
    if single is not None:
        candidates += [(single, key) for key in EMBEDDING_KEYS]
    index = _checkpoint_file(source, "model.safetensors.index.json")
    if index is not None:
        weight_map = json.loads(index.read_text()).get("weight_map", {})
        for key in EMBEDDING_KEYS:
            shard = _checkpoint_file(source, weight_map[key]) if key in weight_map else None
            if shard is not None:
                candidates.append((shard, key))
    for path, key in candidates:
        with safe_open(str(path), framework="numpy") as handle:
            if key in handle.keys():
                return np.asarray(handle.get_tensor(key), dtype=np.float32)
    return None


def nearest_tokens_in_checkpoint(source: str, prompt: np.ndarray, k: int = 5) -> list[list[tuple[str, float]]]:
    """`nearest_tokens` for a prompt file's (p, d) matrix without building the model: the
    embeddings come from the checkpoint's safetensors file and the tokenizer from its folder.
    A checkpoint without safetensors falls back to loading the model."""
    from transformers import AutoTokenizer

    embeddings = read_input_embeddings(source)
    if embeddings is None:
        from tuning_core.model import load_base_model

        base = load_base_model(source, device="cpu")
        return nearest_tokens(base, torch.from_numpy(np.asarray(prompt, dtype=np.float32)), k)
    local = Path(source).expanduser()
    tokenizer = AutoTokenizer.from_pretrained(str(local) if local.exists() else source)
    matrix = np.asarray(prompt, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[1] != embeddings.shape[1]:
        raise PromptFileError(
            f"The prompt is {tuple(matrix.shape)} and this model's embeddings are {embeddings.shape[1]} wide")
    n_vocab = min(len(tokenizer), embeddings.shape[0])
    emb = embeddings[:n_vocab]
    emb = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)  # (V, d)
    rows = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)  # (p, d)
    sims = rows @ emb.T  # (p, V)
    special = [i for i in set(tokenizer.all_special_ids) if i < n_vocab]
    sims[:, special] = -np.inf
    k = max(1, min(k, n_vocab))
    top = np.argsort(-sims, axis=1, kind="stable")[:, :k]  # (p, k)
    out = []
    for row, ids in zip(sims, top):
        out.append([(_token_text(tokenizer, int(i)), float(row[i])) for i in ids])
    return out


def _token_text(tokenizer: Any, token_id: int) -> str:
    text = tokenizer.decode([token_id])
    return text.strip() if text.strip() else str(tokenizer.convert_ids_to_tokens(token_id))
