"""Prompt files: our own format, PEFT adapters and .npy.

Our format is a directory with
- `prompt.safetensors`: one float32 tensor named `prompt`, shape (p, d);
- `prompt.json`: base model id, p, d, init, training config and the sha256 of the tensor file.

A PEFT prompt-tuning adapter (`adapter_config.json` + `adapter_model.safetensors` holding
`prompt_embeddings`) is what `PeftModel.from_pretrained(base, dir)` loads; for T5 we write
`num_transformer_submodules: 1`, since PEFT's prompt tuning only prepends to the encoder input.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from tuning_core.checksum import sha256_file
from tuning_core.errors import PromptFileError
from tuning_core.model import FrozenT5

TENSOR_FILE = "prompt.safetensors"
METADATA_FILE = "prompt.json"
TENSOR_NAME = "prompt"
FORMAT_NAME = "soft-prompt-studio/prompt"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class PromptFiles:
    directory: Path
    tensor_path: Path
    metadata_path: Path
    sha256: str
    metadata: dict[str, Any]


def _as_matrix(prompt: Tensor) -> Tensor:
    if not isinstance(prompt, Tensor) or prompt.dim() != 2:
        raise PromptFileError("A prompt must be a (length, width) matrix")
    return prompt.detach().to("cpu", torch.float32).contiguous()


def tensor_sha256(tensor: Tensor) -> str:
    """sha256 of the matrix's float32 values, row-major: what a file's header can carry about
    itself (a file cannot hold its own hash)."""
    return hashlib.sha256(_as_matrix(tensor).numpy().astype("<f4", copy=False).tobytes()).hexdigest()


def header_metadata(tensor: Tensor, metadata: dict[str, Any]) -> dict[str, str]:
    """What the safetensors header says about the prompt, so the file explains itself without
    prompt.json: its base model, label words, input template and the sha256 of its values."""
    header = {"format": "pt", "tensor_sha256": tensor_sha256(tensor)}
    for key in ("base_model", "input_template", "init"):
        if metadata.get(key):
            header[key] = str(metadata[key])
    if metadata.get("label_words"):
        header["label_words"] = json.dumps(list(metadata["label_words"]))
    return header


def save_prompt(
    prompt: Tensor, out_dir: str | Path, metadata: dict[str, Any] | None = None
) -> PromptFiles:
    """Write `prompt.safetensors` and `prompt.json` into `out_dir` (created if needed).

    metadata: anything JSON-serialisable to keep beside the tensor; by convention `base_model`,
    `init`, `prompt_config`, `train_config`, `label_words`, `metrics`. The file's p, d and sha256
    are filled in here.
    """
    from safetensors.torch import save_file

    tensor = _as_matrix(prompt)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tensor_path = out / TENSOR_FILE
    save_file({TENSOR_NAME: tensor}, str(tensor_path), metadata=header_metadata(tensor, metadata or {}))
    digest = sha256_file(tensor_path)
    meta = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        **(metadata or {}),
        "prompt_length": int(tensor.shape[0]),
        "d_model": int(tensor.shape[1]),
        "tensor_file": TENSOR_FILE,
        "sha256": digest,
    }
    meta_path = out / METADATA_FILE
    meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True, default=str) + "\n")
    return PromptFiles(out, tensor_path, meta_path, digest, meta)


def load_prompt(
    path: str | Path, *, base: FrozenT5 | None = None
) -> tuple[Tensor, dict[str, Any]]:
    """Read a prompt: our directory or its .safetensors file, a PEFT adapter directory, or a .npy.

    Returns the (p, d) float32 CPU tensor and its metadata (empty when there is none). Raises
    PromptFileError for a missing or corrupt file, a checksum mismatch, or (with `base`) a width
    that differs from the base model's d_model.
    """
    p = Path(path)
    if not p.exists():
        raise PromptFileError(f"Prompt file {str(p)!r} does not exist")
    if p.is_dir():
        if (p / TENSOR_FILE).exists():
            tensor, meta = _load_ours(p / TENSOR_FILE)
        elif (p / "adapter_config.json").exists():
            tensor, meta = import_peft(p)
        else:
            raise PromptFileError(f"{p} holds neither {TENSOR_FILE} nor a PEFT adapter_config.json")
    elif p.suffix == ".npy":
        try:
            tensor, meta = torch.from_numpy(np.load(p, allow_pickle=False)).float(), {}
        except Exception as exc:  # noqa: BLE001 - any failure means an unusable file
            raise PromptFileError(f"{p.name} is not a readable .npy array: {exc}") from None
    else:
        tensor, meta = _load_ours(p)
    if tensor.dim() != 2 or 0 in tensor.shape:
        raise PromptFileError(
            f"{p.name} holds an array of shape {tuple(tensor.shape)}, not (length, width)"
        )
    if not torch.isfinite(tensor).all():
        raise PromptFileError(f"{p.name} holds NaN or infinite values")
    if base is not None and tensor.shape[1] != base.info.d_model:
        raise PromptFileError(
            f"{p.name} holds a prompt of width {tensor.shape[1]}, but {base.info.source} has "
            f"d_model {base.info.d_model}: a prompt only works with the base model it was trained on"
            + (f" ({meta['base_model']})" if meta.get("base_model") else "")
        )
    return tensor, meta


def _load_ours(tensor_path: Path) -> tuple[Tensor, dict[str, Any]]:
    from safetensors import safe_open

    try:
        with safe_open(str(tensor_path), framework="pt") as fh:
            names = list(fh.keys())
            if TENSOR_NAME in names:
                tensor = fh.get_tensor(TENSOR_NAME)
            elif len(names) == 1:
                tensor = fh.get_tensor(names[0])
            else:
                raise PromptFileError(
                    f"{tensor_path.name} has no tensor named {TENSOR_NAME!r} (it has {names})"
                )
    except PromptFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure means an unusable file
        raise PromptFileError(
            f"{tensor_path.name} is not a readable safetensors file: {exc}"
        ) from None
    meta: dict[str, Any] = {}
    meta_path = tensor_path.with_name(METADATA_FILE)
    if meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text())
        except json.JSONDecodeError as exc:
            raise PromptFileError(f"{meta_path.name} is not valid JSON: {exc}") from None
        expected = meta.get("sha256")
        if expected and expected != sha256_file(tensor_path):
            raise PromptFileError(
                f"{tensor_path.name} does not match the sha256 in {meta_path.name}; the file was "
                "changed or damaged after it was saved"
            )
    return tensor.float(), meta


@dataclass(frozen=True)
class T5Shape:
    """What a PEFT adapter config records about its base model (from its config.json)."""

    source: str  # where the model's user loads it from: its hub id, or a name to replace
    d_model: int
    num_heads: int
    num_layers: int


# Our initialisations as PEFT names them: a class-label prompt starts from the label words'
# embeddings (PEFT's TEXT), a vocab one from sampled vocabulary (SAMPLE_VOCAB). A prompt continued
# from another file has no PEFT counterpart: RANDOM. Loading an adapter never re-initialises it.
PEFT_INITS = {"class_labels": "TEXT", "vocab": "SAMPLE_VOCAB", "random": "RANDOM", "from_file": "RANDOM"}


def peft_adapter_files(prompt: Tensor, shape: T5Shape, *, init: str = "random",
                       label_words: Sequence[str] = ()) -> dict[str, bytes]:
    """The two files of a PEFT prompt-tuning adapter that `PeftModel.from_pretrained` loads:
    adapter_config.json and adapter_model.safetensors. Needs the base model's shape only, not the
    model (a web request can build the download from the checkpoint's config.json). `init` is
    how the prompt was initialised (ours: class_labels, vocab, random, from_file), recorded as
    PEFT's prompt_tuning_init; class labels with their words as the init text."""
    from peft import PromptTuningConfig, TaskType
    from safetensors.torch import save

    tensor = _as_matrix(prompt)
    if tensor.shape[1] != shape.d_model:
        raise PromptFileError(f"The prompt is {tensor.shape[1]} wide; {shape.source} needs {shape.d_model}")
    config = PromptTuningConfig(
        task_type=TaskType.SEQ_2_SEQ_LM,
        num_virtual_tokens=int(tensor.shape[0]),
        token_dim=shape.d_model,
        # PEFT's seq2seq prompt tuning only prepends to the encoder input; with 1 the saved
        # matrix is exactly our (p, d) prompt instead of (2p, d) with an unused half.
        num_transformer_submodules=1,
        num_attention_heads=shape.num_heads,
        num_layers=shape.num_layers,
        base_model_name_or_path=shape.source,
        inference_mode=True,
        **_peft_init(init, label_words, shape.source),
    )
    return {
        "adapter_config.json": json.dumps(config.to_dict(), indent=2, sort_keys=True, default=str).encode(),
        "adapter_model.safetensors": save({"prompt_embeddings": tensor}, metadata={"format": "pt"}),
    }


def _peft_init(init: str, label_words: Sequence[str], source: str) -> dict[str, Any]:
    from peft import PromptTuningInit

    peft_init = PEFT_INITS.get(init, "RANDOM")
    if peft_init == "TEXT" and not label_words:
        peft_init = "RANDOM"  # class labels without their words: nothing to name
    fields: dict[str, Any] = {"prompt_tuning_init": PromptTuningInit[peft_init]}
    if peft_init == "TEXT":
        fields.update(prompt_tuning_init_text=" ".join(label_words), tokenizer_name_or_path=source)
    return fields


def export_peft(prompt: Tensor, base: FrozenT5, out_dir: str | Path, *, init: str = "random",
                label_words: Sequence[str] = ()) -> Path:
    """Write a PEFT prompt-tuning adapter for `base` that `PeftModel.from_pretrained` loads."""
    cfg = base.model.config
    shape = T5Shape(source=base.info.source, d_model=int(cfg.d_model), num_heads=int(cfg.num_heads),
                    num_layers=int(cfg.num_layers))
    if _as_matrix(prompt).shape[1] != base.info.d_model:
        raise PromptFileError(f"The prompt is {_as_matrix(prompt).shape[1]} wide; {base.info.source} needs "
                              f"{base.info.d_model}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, content in peft_adapter_files(prompt, shape, init=init, label_words=label_words).items():
        (out / name).write_bytes(content)
    return out


def import_peft(adapter_dir: str | Path) -> tuple[Tensor, dict[str, Any]]:
    """Read the encoder prompt (p, d) of a PEFT prompt-tuning adapter directory."""
    d = Path(adapter_dir)
    try:
        config = json.loads((d / "adapter_config.json").read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise PromptFileError(f"{d} has no readable adapter_config.json: {exc}") from None
    if config.get("peft_type") != "PROMPT_TUNING":
        raise PromptFileError(f"{d} is a {config.get('peft_type')} adapter, not prompt tuning")
    weights = d / "adapter_model.safetensors"
    try:
        if weights.exists():
            from safetensors.torch import load_file

            state = load_file(str(weights))
        else:
            state = torch.load(d / "adapter_model.bin", map_location="cpu", weights_only=True)
        matrix = state["prompt_embeddings"]
    except KeyError:
        raise PromptFileError(f"{d} holds no 'prompt_embeddings' tensor") from None
    except Exception as exc:  # noqa: BLE001 - any failure means an unusable file
        raise PromptFileError(f"Cannot read the adapter weights in {d}: {exc}") from None
    p = int(config.get("num_virtual_tokens") or matrix.shape[0])
    # With num_transformer_submodules=2 the matrix is (2p, d); the encoder uses the first p rows.
    tensor = matrix[:p].float().contiguous()
    meta = {
        "base_model": config.get("base_model_name_or_path"),
        "init": "peft",
        "source": "peft",
        "peft_config": config,
    }
    return tensor, meta


def export_npy(prompt: Tensor, path: str | Path) -> Path:
    """Save the (p, d) prompt as a float32 .npy array."""
    out = Path(path)
    if out.suffix != ".npy":
        out = out.with_suffix(".npy") if not out.is_dir() else out / "prompt.npy"
    out.parent.mkdir(parents=True, exist_ok=True)
    np.save(out, _as_matrix(prompt).numpy())
    return out
