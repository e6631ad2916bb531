"""The frozen T5 and the soft prompt in front of it.

Prompt tuning (Lester et al., 2021) learns one matrix P of shape (p, d) and feeds the frozen
encoder-decoder `[P; X_e]` instead of `X_e`, with p ones prepended to the attention mask. Nothing
else changes, so a single copy of the model serves every prompt, and one batch may mix prompts:
row b is encoded as `[P_{k(b)}; X_b]`. Prompts of different lengths are left-padded in the prompt
region and masked there. Because T5 only uses *relative* positions, shifting a row right by the
padding leaves every real query-key distance, hence the result, unchanged.

Where a prompt starts (random, vocab, class labels, a file) is `tuning_core.prompt_init`.

Shapes: B batch rows, p prompt tokens, n input tokens, T target tokens, d model width, V vocab.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from tuning_core.config import Precision
from tuning_core.errors import ConfigError, ModelLoadError, first_line
from tuning_core.hub import is_hub_id

# ----------------------------------------------------------------------------------------------
# base model


@dataclass(frozen=True)
class BaseModelInfo:
    """What a user (and the web app's BaseModel row) needs to know about a loaded model."""

    source: str
    d_model: int
    num_layers: int
    num_decoder_layers: int
    num_parameters: int
    vocab_size: int
    tied_embeddings: bool  # original T5 (tied, scaled head) vs T5 1.1 / LM-adapted (separate head)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(eq=False)
class FrozenT5:
    """A frozen T5 with its tokenizer, on its device. Shared by every prompt; never trained."""

    model: Any  # transformers.T5ForConditionalGeneration
    tokenizer: Any  # transformers tokenizer
    device: torch.device
    info: BaseModelInfo
    # The folder the weights were read from (a local directory, or the hub cache's snapshot);
    # None when it cannot be told. Resume fingerprints hash its config and weights files.
    directory: Path | None = None
    # Held around every pass when threads share the model (a fused trainer's steps and an
    # evaluation's batches in one worker): train/eval mode, dropout and the attention function
    # are the model's state, so only one pass may set them at a time. Re-entrant: a trainer
    # evaluates its runs while holding it.
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def embeddings(self) -> Tensor:
        """The input embedding matrix, (V, d)."""
        return self.model.get_input_embeddings().weight

    def autocast(
        self, precision: Precision | str = Precision.AUTO
    ) -> contextlib.AbstractContextManager[Any]:
        """bf16 autocast when `precision` resolves to bf16 on this device, else nothing.

        bf16, not fp16: T5 overflows in fp16, and bf16 has fp32's range. Parameters (the prompt
        included) stay float32; autocast only lowers the matrix products' inputs.
        """
        if resolve_precision(precision, self.device) is Precision.BF16:
            return torch.autocast(self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()


# Forces what `native_bf16` answers: "1" bf16 is native, "0" it is not, unset asks the hardware.
# Tests set it so that `precision: auto` means the same on every CPU, and force either answer
# where they test a path.
NATIVE_BF16_ENV = "SPS_NATIVE_BF16"


def native_bf16(device: torch.device) -> bool:
    """Whether `device` computes bf16 matrix products natively (not emulated, so faster).

    CUDA: what torch reports (Ampere and later). CPU: AVX512-BF16 or AMX, which oneDNN uses for
    bf16 matmuls; without them bf16 is converted back and forth and is slower than fp32.
    The environment variable SPS_NATIVE_BF16 (0 or 1), when set, is the answer instead.
    """
    forced = os.environ.get(NATIVE_BF16_ENV, "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    if forced:
        raise ConfigError(f"{NATIVE_BF16_ENV} must be 0 or 1 (or unset to ask the hardware); got {forced!r}")
    return _hardware_bf16(device)


@functools.cache
def _hardware_bf16(device: torch.device) -> bool:
    if device.type == "cuda":
        return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    if device.type == "cpu":
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    return False


def resolve_precision(precision: Precision | str, device: torch.device) -> Precision:
    """fp32 or bf16: what `precision` means on `device` (auto: bf16 where it is native)."""
    try:
        chosen = Precision(precision)
    except ValueError:
        choices = ", ".join(m.value for m in Precision)
        raise ConfigError(f"precision must be one of {choices}; got {precision!r}") from None
    if chosen is Precision.AUTO:
        return Precision.BF16 if native_bf16(device) else Precision.FP32
    if chosen is Precision.BF16 and device.type not in ("cpu", "cuda"):
        raise ConfigError(f"precision bf16 is not available on device {device}")
    return chosen


def pick_device(device: str | None = None) -> torch.device:
    """The requested device, else CUDA when present, else CPU."""
    if device:
        try:
            dev = torch.device(device)
        except RuntimeError as exc:
            raise ConfigError(f"Unknown device {device!r}: {exc}") from None
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise ConfigError(f"Device {device!r} was requested but no CUDA device is available")
        return dev
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _dropout_sites(model: nn.Module) -> list[tuple[nn.Module, str]]:
    """Every (module, attribute) holding a dropout probability.

    T5 copies config.dropout_rate at init into nn.Dropout layers *and* into each attention
    module's float `dropout` (used for attention-probability dropout), so both must change.
    """
    sites: list[tuple[nn.Module, str]] = []
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            sites.append((module, "p"))
        elif isinstance(getattr(module, "dropout", None), float):
            sites.append((module, "dropout"))
    return sites


def set_dropout(model: Any, p: float) -> None:
    """Set every dropout probability in the model (layers and attention) to p."""
    for module, attr in _dropout_sites(model):
        setattr(module, attr, p)
    model.config.dropout_rate = p


@contextlib.contextmanager
def dropout_override(
    model: Any, p: float | None, *, attention: bool = True
) -> Iterator[None]:
    """Temporarily use dropout p (None: leave the model's own), restoring it afterwards.

    attention=False turns off dropout on attention probabilities only (the layers keep theirs).
    A worker shares one base model between jobs, so a job's dropout must not leak into the next.
    """
    if p is None and attention:
        yield
        return
    sites = _dropout_sites(model)
    saved = [(m, attr, getattr(m, attr)) for m, attr in sites]
    saved_rate = model.config.dropout_rate
    if p is not None:
        set_dropout(model, p)
    if not attention:
        for module, attr in sites:
            if attr == "dropout":  # an attention module's probability-dropout rate
                setattr(module, attr, 0.0)
    try:
        yield
    finally:
        for module, attr, old in saved:
            setattr(module, attr, old)
        model.config.dropout_rate = saved_rate


class _UntiedT5HeadIsExpected(logging.Filter):
    """Drops transformers' warning that a T5 1.1 checkpoint holds `lm_head.weight` apart from
    `shared.weight`. transformers 5 sets `tie_word_embeddings=True` on every T5Config (it reads
    the saved `false` only to choose output scaling), then warns on every T5 1.1 load, real
    checkpoints included, although keeping the head separate is right for them. Whether a loaded
    head is tied exactly when it should be is checked by `tuning_core.tiny.check_head_tying`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith("The tied weights mapping") and "lm_head.weight" in message)


def quiet_untied_head_warning() -> None:
    """Install the filter once on transformers' loading logger (idempotent)."""
    target = logging.getLogger("transformers.modeling_utils")
    if not any(isinstance(f, _UntiedT5HeadIsExpected) for f in target.filters):
        target.addFilter(_UntiedT5HeadIsExpected())


def load_base_model(
    source: str, *, device: str | None = None, dropout: float | None = None
) -> FrozenT5:
    """Load a T5 checkpoint (hub id or local directory), freeze it, and move it to `device`.

    Works for original T5 (tied, scaled output head) and T5 1.1 / LM-adapted checkpoints (own
    `lm_head`); transformers tells them apart from config.json. `dropout` overrides the model's
    own dropout rate. Raises ModelLoadError with the reason when the model cannot be loaded.
    """
    import transformers
    from transformers import AutoTokenizer, T5ForConditionalGeneration

    quiet_untied_head_warning()
    dev = pick_device(device)
    source = str(source)
    local = Path(source).expanduser()
    # Anything but a hub id that does not exist is a missing folder.
    if not local.exists() and not is_hub_id(source):
        raise ModelLoadError(f"Base model directory {source!r} does not exist")
    if local.is_dir() and not (local / "config.json").exists():
        raise ModelLoadError(
            f"{source!r} is a directory but holds no config.json; point to a saved T5 model "
            "(the folder written by save_pretrained or `python -m tuning_core tiny-model`)"
        )
    verbosity = transformers.logging.get_verbosity()
    bars_were_off = transformers.logging.is_progress_bar_enabled() is False
    # Tied-weight notices and per-tensor loading bars are not for our users.
    transformers.logging.set_verbosity_error()
    hub_logger = logging.getLogger("huggingface_hub")
    hub_level = hub_logger.level
    hub_logger.setLevel(logging.ERROR)  # retries while offline; our error says it once
    transformers.logging.disable_progress_bar()
    try:
        model: Any = T5ForConditionalGeneration.from_pretrained(
            str(local) if local.exists() else source
        )
    except Exception as exc:  # OSError, ValueError, HTTP errors: all mean "cannot load this"
        where = "local directory" if local.exists() else "Hugging Face hub id (or local path)"
        raise ModelLoadError(
            f"Could not load base model {source!r} as a {where}: {first_line(exc)}"
        ) from exc
    finally:
        transformers.logging.set_verbosity(verbosity)
        hub_logger.setLevel(hub_level)
        if not bars_were_off:
            transformers.logging.enable_progress_bar()
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(local) if local.exists() else source)
    except Exception as exc:
        raise ModelLoadError(
            f"Loaded the weights of {source!r} but not its tokenizer: {first_line(exc)}. "
            "A T5 tokenizer needs spiece.model or tokenizer.json (and the sentencepiece and "
            "protobuf packages)."
        ) from exc
    if model.config.model_type != "t5":
        raise ModelLoadError(f"{source!r} is a {model.config.model_type!r} model, not T5")

    model.requires_grad_(False)
    model.eval()
    if dropout is not None:
        set_dropout(model, dropout)
    model.to(dev)
    emb = model.get_input_embeddings().weight
    info = BaseModelInfo(
        source=source,
        d_model=int(model.config.d_model),
        num_layers=int(model.config.num_layers),
        num_decoder_layers=int(model.config.num_decoder_layers),
        num_parameters=sum(p.numel() for p in model.parameters()),
        vocab_size=int(emb.shape[0]),
        tied_embeddings=model.lm_head.weight.data_ptr() == emb.data_ptr(),
    )
    directory = local.resolve() if local.exists() else _hub_snapshot_dir(source)
    return FrozenT5(model=model, tokenizer=tokenizer, device=dev, info=info, directory=directory)


def _hub_snapshot_dir(repo_id: str) -> Path | None:
    """The cached snapshot folder a hub model was just loaded from (no network), or None."""
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(repo_id, "config.json")
    except Exception:  # noqa: BLE001 - an unusual id or cache layout: the identity falls back
        return None
    return Path(found).parent if isinstance(found, str) else None


# ----------------------------------------------------------------------------------------------
# the soft prompt


class SoftPrompt(nn.Module):
    """The only trainable tensor: a (p, d) matrix, kept in float32 whatever the autocast."""

    def __init__(self, init: Tensor):
        super().__init__()
        if init.dim() != 2:
            raise ConfigError(
                f"A prompt is a (length, width) matrix; got shape {tuple(init.shape)}"
            )
        self.weight = nn.Parameter(init.detach().clone().to(torch.float32))

    def forward(self) -> Tensor:
        return self.weight  # (p, d)


def label_word_ids(tokenizer: Any, word: str) -> list[int]:
    """Token ids of a label word as it appears in a target (no EOS)."""
    return list(tokenizer(word, add_special_tokens=False)["input_ids"])


# ----------------------------------------------------------------------------------------------
# prompted forward passes


def stack_prompts(prompts: Sequence[Tensor]) -> tuple[Tensor, Tensor]:
    """Stack prompts of possibly different lengths for one multi-prompt pass.

    Returns `stack` (N, p_max, d) with each prompt right-aligned (zeros on the left) and
    `mask` (N, p_max), 1 where a row holds a real prompt token.
    """
    if not prompts:
        raise ConfigError("No prompts given")
    widths = {tuple(p.shape[1:]) for p in prompts}
    if len(widths) != 1 or any(p.dim() != 2 for p in prompts):
        raise ConfigError(
            f"Prompts must all be (length, width) with one width; got {sorted(widths)}"
        )
    p_max = max(p.shape[0] for p in prompts)
    d = prompts[0].shape[1]
    stack = prompts[0].new_zeros(len(prompts), p_max, d)
    mask = torch.zeros(len(prompts), p_max, dtype=torch.long, device=prompts[0].device)
    for i, prompt in enumerate(prompts):
        stack[i, p_max - prompt.shape[0] :] = prompt
        mask[i, p_max - prompt.shape[0] :] = 1
    return stack, mask


def prepend_prompt(base: FrozenT5, prompt: Tensor, input_ids: Tensor, attention_mask: Tensor,
                   prompt_mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """Build the encoder input `[P; X_e]` and its mask.

    prompt: (p, d) shared by every row, or (B, p, d) one per row (then `prompt_mask` (B, p) may
    mark left padding). input_ids, attention_mask: (B, n).
    Returns inputs_embeds (B, p+n, d) and attention_mask (B, p+n).
    """
    x = base.model.get_input_embeddings()(input_ids)  # (B, n, d)
    B = input_ids.shape[0]
    if prompt.dim() == 2:
        prompt = prompt.unsqueeze(0).expand(B, -1, -1)  # (B, p, d), no copy
    if prompt.shape[0] != B or prompt.shape[2] != x.shape[2]:
        raise ConfigError(
            f"Prompt of shape {tuple(prompt.shape)} does not fit a batch of {B} rows of width "
            f"{x.shape[2]}"
        )
    if prompt_mask is None:
        prompt_mask = attention_mask.new_ones(B, prompt.shape[1])
    embeds = torch.cat([prompt.to(x.dtype), x], dim=1)  # (B, p+n, d)
    mask = torch.cat([prompt_mask.to(attention_mask.dtype), attention_mask], dim=1)  # (B, p+n)
    return embeds, mask


def encode(base: FrozenT5, prompt: Tensor, input_ids: Tensor, attention_mask: Tensor,
           prompt_mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """Run the encoder on `[P; X_e]`. Returns hidden states (B, p+n, d) and their mask (B, p+n)."""
    embeds, mask = prepend_prompt(base, prompt, input_ids, attention_mask, prompt_mask)
    hidden = base.model.encoder(inputs_embeds=embeds, attention_mask=mask).last_hidden_state
    return hidden, mask


def decode(base: FrozenT5, hidden: Tensor, mask: Tensor, decoder_input_ids: Tensor) -> Tensor:
    """Decoder + LM head over encoder states: logits (B, T, V).

    Goes through `T5ForConditionalGeneration.forward` so the tied-head output scaling of
    original T5 (d**-0.5) is applied exactly when the checkpoint wants it.
    """
    from transformers.modeling_outputs import BaseModelOutput

    out = base.model(
        encoder_outputs=BaseModelOutput(last_hidden_state=hidden),
        attention_mask=mask,
        decoder_input_ids=decoder_input_ids,
        use_cache=False,
    )
    return out.logits


def prompted_forward(
    base: FrozenT5,
    prompt: Tensor,
    input_ids: Tensor,
    attention_mask: Tensor,
    decoder_input_ids: Tensor,
    prompt_mask: Tensor | None = None,
) -> Tensor:
    """Logits (B, T, V) of the frozen model with `prompt` ((p, d) or (B, p, d)) in front."""
    hidden, mask = encode(base, prompt, input_ids, attention_mask, prompt_mask)
    return decode(base, hidden, mask, decoder_input_ids)


def multi_prompt_forward(
    base: FrozenT5,
    prompts: Tensor | Sequence[Tensor],
    prompt_index: Tensor,
    input_ids: Tensor,
    attention_mask: Tensor,
    decoder_input_ids: Tensor,
    prompt_mask: Tensor | None = None,
) -> Tensor:
    """One pass where row b uses prompt `prompt_index[b]`.

    prompts: a list of (p_k, d) tensors, or an already stacked (N, p_max, d) with `prompt_mask`
    (N, p_max) from `stack_prompts`. prompt_index: (B,) long. Returns logits (B, T, V), equal
    row for row to `prompted_forward` with that row's prompt alone.
    """
    if not isinstance(prompts, Tensor):
        prompts, prompt_mask = stack_prompts(prompts)
    if prompt_mask is None:
        prompt_mask = torch.ones(prompts.shape[:2], dtype=torch.long, device=prompts.device)
    index = prompt_index.to(prompts.device)
    return prompted_forward(
        base,
        prompts[index],  # (B, p_max, d)
        input_ids,
        attention_mask,
        decoder_input_ids,
        prompt_mask=prompt_mask[index].to(attention_mask.device),
    )


def shift_right(base: FrozenT5, labels: Tensor) -> Tensor:
    """Decoder inputs for teacher forcing: labels shifted right, starting with the start token."""
    return base.model._shift_right(labels)


def target_nll(logits: Tensor, labels: Tensor) -> Tensor:
    """Per-token negative log-likelihood (B, T) in float32; 0 where labels == -100 (padding)."""
    logp = F.log_softmax(logits.float(), dim=-1)  # (B, T, V)
    safe = labels.clamp(min=0)
    nll = -logp.gather(-1, safe.unsqueeze(-1)).squeeze(-1)  # (B, T)
    return nll.masked_fill(labels == -100, 0.0)


def sequence_log_likelihood(logits: Tensor, labels: Tensor) -> Tensor:
    """Sum of target-token log-probabilities per row, (B,). Labels padded with -100."""
    return -target_nll(logits, labels).sum(dim=-1)

