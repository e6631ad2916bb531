"""Benchmarks for tuning_core, each as a ratio measured in the same run on the same machine.

1. Training step: ours vs PEFT prompt tuning (same model, prompt, batch, Adafactor).
2. Evaluation: rank classification (encoder once, every label scored in one decoder pass) vs
   `generate`-based evaluation (greedy decoding), same examples.
3. Ensemble of N prompts: one batched multi-prompt pass vs N single-prompt passes.

Defaults finish in about a minute on 2 CPU cores with a small random T5 built on the fly:

    .venv/bin/python bench/train_step.py
    .venv/bin/python bench/train_step.py --d-model 512 --layers 6 --batch-size 32 --input-length 128
    .venv/bin/python bench/train_step.py --base-model google/t5-base-lm-adapt --device cuda
    .venv/bin/python bench/train_step.py --smoke   # seconds: that it runs, not what it says

Times are medians over `--repeats`, the two sides alternating, after `--warmup` runs. Never assert on these in tests.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tuning_core.batches import collate
from tuning_core.config import InitMethod, PromptConfig, TrainConfig
from tuning_core.data import TokenizedData, tokenize
from tuning_core.evaluate import generate_texts, label_token_ids, score_labels
from tuning_core.model import FrozenT5, SoftPrompt, load_base_model, resolve_precision
from tuning_core.prompt_init import init_prompt
from tuning_core.tiny import build_tiny_t5
from tuning_core.train import _train_step, make_optimizer

WORDS = [
    "good",
    "great",
    "wonderful",
    "bad",
    "terrible",
    "awful",
    "the",
    "movie",
    "film",
    "story",
    "was",
    "really",
    "not",
    "very",
    "plot",
    "actor",
    "music",
    "ending",
    "scene",
]
# --smoke: the smallest sizes that still take every path of the full run (the generated model, the
# PEFT copy, warm-up and timed runs of all three benches, an ensemble of more than one prompt), so
# that CI notices a bench that no longer runs (tests/integration/test_every_bench_runs.py).
SMOKE = {"base_model": None, "d_model": 32, "layers": 2, "batch_size": 4, "prompt_length": 5, "input_length": 8,
         "eval_examples": 8, "eval_batch_size": 4, "ensemble_size": 2, "repeats": 1, "warmup": 1, "threads": 1}


def _once(fn: Callable[[], Any], device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def compare(
    a: Callable[[], Any], b: Callable[[], Any], *, repeats: int, warmup: int, device: torch.device
) -> tuple[float, float]:
    """Median wall times (s) of a() and b(), run alternately so that drifting machine load
    (other processes, CPU clocks) affects both sides alike."""
    for _ in range(warmup):
        a()
        b()
    times_a, times_b = [], []
    for i in range(repeats):
        # Alternate which side goes first as well.
        first, second = (a, b) if i % 2 == 0 else (b, a)
        t_first, t_second = _once(first, device), _once(second, device)
        ta, tb = (t_first, t_second) if i % 2 == 0 else (t_second, t_first)
        times_a.append(ta)
        times_b.append(tb)
    return statistics.median(times_a), statistics.median(times_b)


def make_rows(n: int, length: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    return [
        {
            "input_text": " ".join(rng.choice(WORDS) for _ in range(length)),
            "target_text": rng.choice(["positive", "negative"]),
        }
        for _ in range(n)
    ]


def bench_train_step(
    base: FrozenT5, data: TokenizedData, args: argparse.Namespace
) -> dict[str, float]:
    from peft import PromptTuningConfig, TaskType, get_peft_model
    from transformers import T5ForConditionalGeneration

    config = TrainConfig(batch_size=args.batch_size)
    prompt = init_prompt(
        base, PromptConfig(prompt_length=args.prompt_length, init=InitMethod.VOCAB)
    )
    indices = list(range(args.batch_size))
    pad_id = base.tokenizer.pad_token_id
    precision = resolve_precision("auto", base.device)  # both sides: base.autocast()'s auto

    soft = SoftPrompt(prompt).to(base.device)
    ours_opt = make_optimizer([soft.weight], config)
    base.model.train()

    def ours() -> None:
        _train_step(base, soft, ours_opt, data, indices, 1, pad_id, precision)

    # PEFT wraps (and would modify) the model it is given, so it gets its own copy.
    model = T5ForConditionalGeneration.from_pretrained(base.info.source).to(base.device)
    peft_model = get_peft_model(
        model,
        PromptTuningConfig(
            task_type=TaskType.SEQ_2_SEQ_LM,
            num_virtual_tokens=args.prompt_length,
            token_dim=base.info.d_model,
            num_transformer_submodules=1,
            num_layers=base.info.num_layers,
            num_attention_heads=int(base.model.config.num_heads),
        ),
    )
    embedding = peft_model.prompt_encoder["default"].embedding
    with torch.no_grad():
        embedding.weight.copy_(prompt)
    peft_opt = make_optimizer([embedding.weight], config)
    peft_model.train()
    batch = collate(data, indices, pad_id).to(base.device)

    def peft() -> None:
        peft_opt.zero_grad(set_to_none=True)
        with base.autocast():
            loss = peft_model(
                input_ids=batch.input_ids, attention_mask=batch.attention_mask, labels=batch.labels
            ).loss
        loss.backward()
        peft_opt.step()
        float(loss.detach())  # both sides read the loss back (ours checks it is finite)

    t_ours, t_peft = compare(
        ours, peft, repeats=args.repeats, warmup=args.warmup, device=base.device
    )
    base.model.eval()
    return {"ours_s": t_ours, "peft_s": t_peft, "peft_over_ours": t_peft / t_ours}


def bench_eval(base: FrozenT5, data: TokenizedData, args: argparse.Namespace) -> dict[str, float]:
    prompt = init_prompt(
        base, PromptConfig(prompt_length=args.prompt_length, init=InitMethod.VOCAB)
    )
    labels = label_token_ids(base, ["positive", "negative"], 16)
    max_new = max(len(x) for x in labels)

    def rank() -> None:
        score_labels(base, [prompt], data, labels, batch_size=args.eval_batch_size)

    def generate() -> None:
        # A random model may stop at once; a trained one writes its label and EOS.
        generate_texts(
            base,
            prompt,
            data,
            max_new_tokens=max_new,
            min_new_tokens=max_new,
            batch_size=args.eval_batch_size,
        )

    t_rank, t_gen = compare(rank, generate, repeats=args.repeats, warmup=1, device=base.device)
    return {
        "rank_s": t_rank,
        "generate_s": t_gen,
        "generate_over_rank": t_gen / t_rank,
        "examples": len(data),
    }


def bench_ensemble(
    base: FrozenT5, data: TokenizedData, args: argparse.Namespace
) -> dict[str, float]:
    prompts = [
        init_prompt(
            base, PromptConfig(prompt_length=args.prompt_length, init=InitMethod.VOCAB), seed=s
        )
        for s in range(args.ensemble_size)
    ]
    labels = label_token_ids(base, ["positive", "negative"], 16)

    def one_pass() -> None:
        # Same number of (example, prompt) rows per forward as the separate passes below.
        score_labels(base, prompts, data, labels, batch_size=args.eval_batch_size * len(prompts))

    def separate() -> None:
        for p in prompts:
            score_labels(base, [p], data, labels, batch_size=args.eval_batch_size)

    t_one, t_sep = compare(one_pass, separate, repeats=args.repeats, warmup=1, device=base.device)
    return {
        "one_pass_s": t_one,
        "separate_passes_s": t_sep,
        "separate_over_one_pass": t_sep / t_one,
        "prompts": len(prompts),
    }


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--base-model", help="T5 directory or hub id (default: build a small random T5)")
    p.add_argument("--d-model", type=int, default=256, help="width of the generated model")
    p.add_argument(
        "--layers", type=int, default=4, help="encoder and decoder layers of the generated model"
    )
    p.add_argument("--device", default=None)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--prompt-length", type=int, default=20)
    p.add_argument("--input-length", type=int, default=48, help="words per generated input")
    p.add_argument("--eval-examples", type=int, default=64)
    p.add_argument("--eval-batch-size", type=int, default=32)
    p.add_argument("--ensemble-size", type=int, default=5)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--json", action="store_true", help="print JSON only")
    p.add_argument(
        "--smoke", action="store_true",
        help="a tiny generated model, batch 4, one repeat: seconds; that it runs, not what it says",
    )
    return p


def generated_model(args: argparse.Namespace, out: Path) -> str:
    """A random T5 1.1 of --d-model and --layers (no download), in `out`."""
    heads = max(1, args.d_model // 32)
    return str(
        build_tiny_t5(
            out,
            shape="t5.1.1",
            d_model=args.d_model,
            d_kv=args.d_model // heads,
            num_heads=heads,
            d_ff=args.d_model * 2,
            num_layers=args.layers,
            num_decoder_layers=args.layers,
            relative_attention_num_buckets=32,
            relative_attention_max_distance=128,
        )
    )


def measure(args: argparse.Namespace, source: str) -> dict[str, dict[str, Any]]:
    base = load_base_model(source, device=args.device)
    rows = make_rows(max(args.batch_size, args.eval_examples), args.input_length, seed=0)
    data = tokenize(rows, base.tokenizer, max_input_length=512, max_target_length=16)
    eval_data = TokenizedData(
        data.input_ids[: args.eval_examples], data.target_ids[: args.eval_examples], 0, 0
    )
    return {
        "setup": {
            "model": args.base_model or f"random T5 1.1 d={args.d_model} layers={args.layers}",
            "parameters": base.info.num_parameters,
            "device": str(base.device),
            "threads": torch.get_num_threads(),
            "batch_size": args.batch_size,
            "prompt_length": args.prompt_length,
            "input_tokens_mean": sum(len(x) for x in data.input_ids) / len(data),
            "repeats": args.repeats,
            "torch": torch.__version__,
        },
        "train_step": bench_train_step(base, data, args),
        "evaluation": bench_eval(base, eval_data, args),
        "ensemble": bench_ensemble(base, eval_data, args),
    }


def show(results: dict[str, dict[str, Any]]) -> None:
    s, t, e, n = results["setup"], results["train_step"], results["evaluation"], results["ensemble"]
    print(
        f"model: {s['model']} ({s['parameters']:,} parameters) on {s['device']}, "
        f"{s['threads']} threads, torch {s['torch']}"
    )
    print(
        f"batch {s['batch_size']} x ~{s['input_tokens_mean']:.0f} input tokens, prompt {s['prompt_length']}, "
        f"median of {s['repeats']}"
    )
    print(
        f"train step     ours {t['ours_s'] * 1e3:8.1f} ms   peft {t['peft_s'] * 1e3:8.1f} ms   "
        f"peft/ours = {t['peft_over_ours']:.2f}"
    )
    print(
        f"evaluation     rank {e['rank_s'] * 1e3:8.1f} ms   generate {e['generate_s'] * 1e3:8.1f} ms   "
        f"generate/rank = {e['generate_over_rank']:.2f}   ({e['examples']} examples)"
    )
    print(
        f"ensemble of {n['prompts']}  one pass {n['one_pass_s'] * 1e3:8.1f} ms   "
        f"{n['prompts']} passes {n['separate_passes_s'] * 1e3:8.1f} ms   "
        f"passes/one = {n['separate_over_one_pass']:.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.smoke:
        vars(args).update(SMOKE)
    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        source = args.base_model or generated_model(args, Path(tmp) / "model")
        results = measure(args, source)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        show(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
