"""Scoring a prompt on a dataset: rank classification or greedy generation.

Rank classification (how T5 papers score classification): run the encoder once per example, then
score every label's target sequence with the decoder and take the label of highest
log-likelihood (sum over its tokens). The model can never answer outside the label set, and
the scores are a confidence per label. Generation decodes greedily and compares the text to the
label set; outputs that are no label count as wrong (their rate is reported).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import torch
from torch import Tensor

from tuning_core.batches import collate, eval_batches, pad
from tuning_core.config import DEFAULT_SCORING, Precision, ScoringOptions
from tuning_core.data import TokenizedData, as_text_dataset, label_set, tokenize
from tuning_core.errors import DataError, DataProblem, PromptFileError
from tuning_core.metrics import classification_metrics, text_metrics
from tuning_core.model import (
    FrozenT5,
    decode,
    encode,
    label_word_ids,
    prepend_prompt,
    sequence_log_likelihood,
    shift_right,
    stack_prompts,
)
from tuning_core.task import resolve

Mode = Literal["rank", "generate"]
Progress = Callable[[int, int], None]  # (examples done, examples total)


@dataclass(frozen=True)
class Prediction:
    """One example's outcome. `scores` maps each label to its log-likelihood (rank mode)."""

    index: int
    input_text: str
    target_text: str
    predicted: str
    correct: bool
    valid: bool = True  # False: generated text outside the label set
    scores: dict[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EvalResult:
    mode: Mode
    metrics: dict[str, Any]
    predictions: list[Prediction]
    label_words: list[str] | None = None
    truncated_rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "metrics": self.metrics,
            "label_words": self.label_words,
            "truncated_rows": self.truncated_rows,
            "predictions": [p.to_dict() for p in self.predictions],
        }


@contextlib.contextmanager
def inference(base: FrozenT5, precision: Precision | str = Precision.AUTO) -> Iterator[None]:
    """Eval mode (no dropout), no autograd and `precision`'s autocast, restoring the model's mode
    afterwards; holds the model's lock, so keep it around one batch where threads share the model."""
    with base.lock:
        was_training = base.model.training
        if was_training:  # walking every module costs ~2 ms: a serving loop's model is already in eval mode
            base.model.eval()
        try:
            with torch.inference_mode(), base.autocast(precision):
                yield
        finally:
            if was_training:
                base.model.train()


def check_prompt(base: FrozenT5, prompt: Tensor) -> Tensor:
    """The prompt as (p, d) float32 on the model's device, or a clear error."""
    if not isinstance(prompt, Tensor) or prompt.dim() != 2:
        shape = tuple(prompt.shape) if isinstance(prompt, Tensor) else type(prompt).__name__
        raise PromptFileError(f"A prompt must be a (length, width) matrix; got {shape}")
    if prompt.shape[1] != base.info.d_model:
        raise PromptFileError(
            f"The prompt is {prompt.shape[1]} wide but {base.info.source} has d_model "
            f"{base.info.d_model}; a prompt only runs on the base model it was trained for"
        )
    return prompt.detach().to(base.device, torch.float32)


def label_token_ids(
    base: FrozenT5, labels: Sequence[str], max_target_length: int
) -> list[list[int]]:
    """Each label's target ids as in training (ending in EOS, so 'good' and 'goodness' differ)."""
    eos = base.tokenizer.eos_token_id
    out = []
    for label in labels:
        ids = label_word_ids(base.tokenizer, label)[: max_target_length - 1] + [eos]
        out.append(ids)
    return out


def score_labels(
    base: FrozenT5,
    prompts: Sequence[Tensor],
    data: TokenizedData,
    label_ids: Sequence[Sequence[int]],
    *,
    batch_size: int = 64,
    progress: Progress | None = None,
    precision: Precision | str = Precision.AUTO,
) -> Tensor:
    """Log-likelihood of every label under every prompt, in one pass per batch.

    prompts: K tensors (p_k, d) (lengths may differ: see model.stack_prompts).
    label_ids: L token-id lists. Returns (K, N, L) float32 on CPU.
    precision: auto, fp32 or bf16 (see TrainConfig.precision).
    Each batch row is (example, prompt): the encoder runs once per pair, then every label is
    scored against it (see `label_log_likelihoods`).
    """
    K, N, L = len(prompts), len(data), len(label_ids)
    stack, pmask = stack_prompts(
        [check_prompt(base, p) for p in prompts]
    )  # (K, p_max, d), (K, p_max)
    labels = pad(label_ids, -100).to(base.device)  # (L, T)
    dec_in = shift_right(base, labels)  # (L, T)
    out = torch.empty(K, N, L)
    pad_id = base.tokenizer.pad_token_id
    rows_per_batch = max(1, batch_size // K)
    done = 0
    for idx in eval_batches(data.input_lengths, rows_per_batch):
        batch = collate(data, idx, pad_id).to(base.device)
        B = len(idx)
        which = torch.arange(K, device=base.device).repeat(B)  # (B*K,) row b*K+k -> prompt k
        with inference(base, precision):
            hidden, mask = encode(
                base,
                stack[which],  # (B*K, p_max, d)
                batch.input_ids.repeat_interleave(K, 0),  # (B*K, n)
                batch.attention_mask.repeat_interleave(K, 0),
                pmask[which],
            )  # hidden (B*K, p_max+n, d)
            ll = label_log_likelihoods(base, hidden, mask, labels, dec_in).view(B, K, L)
        out[:, idx, :] = ll.permute(1, 0, 2).float().cpu()
        done += B
        if progress:
            progress(done, N)
    return out


def label_log_likelihoods(
    base: FrozenT5, hidden: Tensor, mask: Tensor, labels: Tensor, dec_in: Tensor
) -> Tensor:
    """Sum log-likelihood of each of L labels after each of R encoded rows: (R, L) float32.

    hidden (R, S, d) and mask (R, S) from `encode`; labels (L, T) padded with -100; dec_in
    (L, T) their teacher-forcing inputs. The first decoder step (the start token, common to
    all labels) runs once per row with the KV cache on; the cache, which holds each layer's
    cross-attention keys and values of the encoder states, is then repeated for the L labels.
    Projecting the p+n encoder states to keys and values is most of the decoder's work for short
    labels, so this does it once per row instead of once per (row, label).
    """
    from transformers.modeling_outputs import BaseModelOutput

    R, L, T = hidden.shape[0], labels.shape[0], labels.shape[1]
    first = base.model(
        encoder_outputs=BaseModelOutput(last_hidden_state=hidden),
        attention_mask=mask,
        decoder_input_ids=dec_in[:1, :1].expand(R, 1),  # the start token, (R, 1)
        use_cache=True,
    )
    logp0 = torch.log_softmax(first.logits[:, 0].float(), dim=-1)  # (R, V)
    ll = logp0[:, labels[:, 0]]  # (R, L): every label has at least its EOS
    if T > 1:
        cache = first.past_key_values
        cache.batch_repeat_interleave(L)  # row r*L+l continues row r with label l
        rest = base.model(
            # Only the shape of these states is used: cross-attention reads the cached keys and
            # values. A stride-0 view gives the shape without copying (R*L, S, d) floats.
            encoder_outputs=BaseModelOutput(last_hidden_state=hidden[:1].expand(R * L, -1, -1)),
            attention_mask=mask.repeat_interleave(L, 0),
            decoder_input_ids=dec_in[:, 1:].repeat(R, 1),  # (R*L, T-1)
            past_key_values=cache,
            use_cache=True,
        )
        ll = ll + sequence_log_likelihood(rest.logits, labels[:, 1:].repeat(R, 1)).view(R, L)
    return ll


def label_log_likelihoods_naive(
    base: FrozenT5, hidden: Tensor, mask: Tensor, labels: Tensor, dec_in: Tensor
) -> Tensor:
    """Reference for `label_log_likelihoods`: one full decoder pass per (row, label)."""
    R, L = hidden.shape[0], labels.shape[0]
    logits = decode(
        base,
        hidden.repeat_interleave(L, 0),  # (R*L, S, d)
        mask.repeat_interleave(L, 0),
        dec_in.repeat(R, 1),  # (R*L, T)
    )
    return sequence_log_likelihood(logits, labels.repeat(R, 1)).view(R, L)


def generate_texts(
    base: FrozenT5,
    prompt: Tensor,
    data: TokenizedData,
    *,
    max_new_tokens: int,
    batch_size: int = 64,
    progress: Progress | None = None,
    min_new_tokens: int = 0,
    precision: Precision | str = Precision.AUTO,
) -> list[str]:
    """Greedy decoding with the prompt in front of each input; texts in data order.

    `min_new_tokens` forbids EOS before that many tokens (benchmarks use it so that a random
    model decodes as many steps as a trained one answering with a label).
    """
    prompt = check_prompt(base, prompt)
    texts: list[str] = [""] * len(data)
    pad_id = base.tokenizer.pad_token_id
    done = 0
    for idx in eval_batches(data.input_lengths, batch_size):
        batch = collate(data, idx, pad_id).to(base.device)
        with inference(base, precision):
            embeds, mask = prepend_prompt(base, prompt, batch.input_ids, batch.attention_mask)
            out = base.model.generate(
                inputs_embeds=embeds,
                attention_mask=mask,
                max_new_tokens=max_new_tokens,
                min_new_tokens=min_new_tokens,
                do_sample=False,
                num_beams=1,
                decoder_start_token_id=base.model.config.decoder_start_token_id,
                eos_token_id=base.tokenizer.eos_token_id,
                pad_token_id=pad_id,
            )
        for i, text in zip(idx, base.tokenizer.batch_decode(out, skip_special_tokens=True)):
            texts[i] = text.strip()
        done += len(idx)
        if progress:
            progress(done, len(data))
    return texts


def resolve_labels(targets: Sequence[str], label_words: Sequence[str] | None) -> list[str]:
    """The label set: the given words (every gold target must be one) or the distinct targets."""
    if label_words is None:
        return label_set(targets)
    labels = list(dict.fromkeys(label_words))
    unknown = sorted(set(targets) - set(labels))
    if unknown:
        rows = [i + 1 for i, t in enumerate(targets) if t in set(unknown)][:5]
        raise DataError(
            DataProblem(
                f"Target(s) {unknown[:10]} are not among the label words {labels} (rows {rows}...)",
                column="target_text",
            )
        )
    return labels


def build_predictions(
    inputs: Sequence[str],
    targets: Sequence[str],
    predicted: Sequence[str],
    *,
    valid: Sequence[bool] | None = None,
    scores: Sequence[Sequence[float]] | None = None,
    labels: Sequence[str] | None = None,
) -> list[Prediction]:
    """The one place `Prediction` rows are made: row i of each sequence is example i.
    `scores` (N, L) pairs with `labels`; `valid` marks generated texts inside the label set."""
    return [
        Prediction(
            index=i,
            input_text=inputs[i],
            target_text=targets[i],
            predicted=predicted[i],
            correct=predicted[i] == targets[i],
            valid=True if valid is None else valid[i],
            scores=None if scores is None or labels is None else dict(zip(labels, scores[i])),
        )
        for i in range(len(predicted))
    ]


def rank_result(
    scores: Tensor, inputs: Sequence[str], targets: Sequence[str], labels: Sequence[str], truncated_rows: int,
) -> EvalResult:
    """A rank evaluation from its scores (N, L): each row's label is the most likely one."""
    predicted = [labels[j] for j in scores.argmax(dim=1).tolist()]
    metrics = classification_metrics(targets, predicted, labels)
    # one conversion of the scores, not one small tensor op per example
    preds = build_predictions(inputs, targets, predicted, scores=scores.tolist(), labels=labels)
    return EvalResult("rank", metrics, preds, list(labels), truncated_rows)


def generate_result(
    texts: Sequence[str], inputs: Sequence[str], targets: Sequence[str], labels: Sequence[str] | None,
    truncated_rows: int,
) -> EvalResult:
    """A generation evaluation from its texts: text metrics, and with a label set the
    classification metrics too (a text outside the set counts as wrong and invalid)."""
    metrics: dict[str, Any] = dict(text_metrics(targets, texts))
    valid = [True] * len(texts)
    if labels:
        label_index = set(labels)
        valid = [t in label_index for t in texts]
        cls = classification_metrics(targets, [t if v else None for t, v in zip(texts, valid)], labels)
        cls.setdefault("invalid_rate", 0.0)
        metrics = {**cls, "exact_match": metrics["exact_match"], "f1": metrics["f1"]}
    preds = build_predictions(inputs, targets, texts, valid=valid)
    return EvalResult("generate", metrics, preds, list(labels) if labels else None, truncated_rows)


def evaluate_tokenized(
    base: FrozenT5,
    prompt: Tensor,
    tokenized: TokenizedData,
    inputs: Sequence[str],
    targets: Sequence[str],
    *,
    mode: Mode,
    labels: Sequence[str] | None,
    batch_size: int,
    max_target_length: int,
    progress: Progress | None = None,
    precision: Precision | str = Precision.AUTO,
) -> EvalResult:
    """`evaluate` on already tokenised data (training reuses the validation split's tokens)."""
    if mode == "rank":
        if not labels:
            raise DataError(DataProblem("Rank classification needs a label set"))
        label_ids = label_token_ids(base, labels, max_target_length)
        scores = score_labels(
            base,
            [prompt],
            tokenized,
            label_ids,
            batch_size=batch_size,
            progress=progress,
            precision=precision,
        )[0]  # (N, L)
        return rank_result(scores, inputs, targets, labels, tokenized.truncated_inputs)
    if mode != "generate":
        raise DataError(DataProblem(f"Unknown evaluation mode {mode!r}; use 'rank' or 'generate'"))
    max_new = max_target_length
    if labels:
        max_new = min(max_target_length, max(len(x) for x in label_token_ids(base, labels, max_target_length)))
    texts = generate_texts(
        base, prompt, tokenized, max_new_tokens=max_new, batch_size=batch_size, progress=progress,
        precision=precision,
    )
    return generate_result(texts, inputs, targets, labels, tokenized.truncated_inputs)


def evaluate(
    base: FrozenT5,
    prompt: Tensor,
    data: Any,
    *,
    mode: Mode = "rank",
    label_words: Sequence[str] | None = None,
    scoring: ScoringOptions = DEFAULT_SCORING,
    progress: Progress | None = None,
) -> EvalResult:
    """Score `prompt` (p, d) on `data` (a Dataset with `input_text` and `target_text`).

    mode "rank": rank classification over `label_words` (default: the distinct targets).
    mode "generate": greedy decoding; with a label set (given, or the targets form a small set),
    classification metrics plus `invalid_rate`; otherwise free-text exact match and token F1.
    Metrics: accuracy, macro_f1, mcc, per_class, confusion_matrix (classification);
    exact_match and f1 (generate). `scoring`: batches, lengths and precision, as the prompt was trained.
    """
    ds = as_text_dataset(data)
    inputs = list(ds["input_text"])
    targets = list(ds["target_text"])
    task = resolve(targets, label_words=label_words, mode=mode)
    labels = resolve_labels(targets, task.label_words) if task.label_words is not None else None
    tokenized = tokenize(ds, base.tokenizer, max_input_length=scoring.max_input_length,
                         max_target_length=scoring.max_target_length)
    return evaluate_tokenized(
        base,
        prompt,
        tokenized,
        inputs,
        targets,
        mode=mode,
        labels=labels,
        batch_size=scoring.batch_size,
        max_target_length=scoring.max_target_length,
        progress=progress,
        precision=scoring.precision,
    )
