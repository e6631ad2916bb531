"""What users of the engine feel (issue 13 item 5), each as a ratio of two timings from one run.

a. End to end: training examples per second of `python -m tuning_core train` (its defaults:
   precision auto, in-training evaluation on a 512-row sample, the kept prompt scored on the
   whole validation split at the end) vs a plain PEFT + transformers loop that pads every input
   to the maximum length and evaluates on the whole split; same model, data, steps, batch and
   prompt length. Both run as fresh processes; wall time includes loading and tokenising.
b. Precision: one training step in fp32 vs bf16 autocast, the two alternating on the same
   batches, and how far their losses drift apart.
c. Ensemble of 5 prompts scored in one multi-prompt pass vs 5 single-prompt passes.
d. Evaluation cost as training-step equivalents: one in-training evaluation (the 512-row
   sample, and the whole split) divided by one training step.

The model is a random T5 1.1 built on the fly (no download): by default small (d_model 256,
4 + 4 layers) so that everything finishes in a few minutes on 2 CPU cores; `--shape t5-small`
gives t5-small's sizes (d_model 512, 6 + 6 layers, 8 heads, d_ff 2048), with the tiny models'
900-token vocabulary. Data: Rotten Tomatoes from ../shared/data/rotten_tomatoes, or a synthetic
set of the same size when it is absent.

    .venv/bin/python bench/engine.py --threads 1
    .venv/bin/python bench/engine.py --threads 1 --shape t5-small --steps 6 --only a,b
    .venv/bin/python bench/engine.py --smoke       # seconds: that it runs, not what it says

Never assert on these in tests.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _children import last_json_line, run_python  # noqa: E402
from train_step import WORDS, compare  # noqa: E402

from tuning_core.batches import epoch_batches  # noqa: E402
from tuning_core.config import InitMethod, PromptConfig, TrainConfig  # noqa: E402
from tuning_core.data import as_text_dataset, stratified_sample, tokenize  # noqa: E402
from tuning_core.evaluate import label_token_ids, score_labels  # noqa: E402
from tuning_core.model import FrozenT5, SoftPrompt, dropout_override, load_base_model, native_bf16  # noqa: E402
from tuning_core.prompt_init import init_prompt  # noqa: E402
from tuning_core.tiny import build_tiny_t5  # noqa: E402
from tuning_core.train import _train_step, make_optimizer  # noqa: E402

RT = ROOT.parent / "shared" / "data" / "rotten_tomatoes"
SHAPES = {
    "small": {"d_model": 256, "num_heads": 8, "d_kv": 32, "d_ff": 512, "num_layers": 4},
    "t5-small": {"d_model": 512, "num_heads": 8, "d_kv": 64, "d_ff": 2048, "num_layers": 6},
    # For --smoke (here, in fused.py and serving.py): the sizes of tuning_core.tiny's test model.
    "smoke": {"d_model": 32, "num_heads": 4, "d_kv": 8, "d_ff": 64, "num_layers": 2},
}
# --smoke: the smallest sizes that still take every path of the full run (both end-to-end
# processes with an evaluation at each step, b, c with --wide, d), so that CI notices a bench that
# no longer runs (tests/integration/test_every_bench_runs.py). Its numbers mean nothing.
SMOKE = {"shape": "smoke", "only": "a,b,c,d", "steps": 2, "eval_every": 1, "batch_size": 4, "prompt_length": 5,
         "max_length": 32, "eval_rows": 8, "rows": 48, "wide": True, "repeats": 1, "threads": 1}


def build_model(shape: str, out: Path) -> Path:
    sizes = SHAPES[shape]
    return build_tiny_t5(
        out, shape="t5.1.1", num_decoder_layers=sizes["num_layers"],
        relative_attention_num_buckets=32, relative_attention_max_distance=128, **sizes,
    )


def data_files(out: Path, rows: int | None = None) -> tuple[Path, Path, str]:
    """train.csv and validation.csv (columns text,label) and where they came from; with `rows`, at
    most that many rows of each split, written to `out`."""
    if (RT / "train.csv").exists() and (RT / "validation.csv").exists():
        if rows is None:
            return RT / "train.csv", RT / "validation.csv", f"Rotten Tomatoes ({RT})"
        for name in ("train", "validation"):
            with open(RT / f"{name}.csv", newline="", encoding="utf-8") as fh:
                records = [(r["text"], r["label"]) for r in csv.DictReader(fh)]
            # Evenly spaced rather than the first ones, so that both labels are there whatever the order.
            _write_csv(out / f"{name}.csv", records[:: max(1, len(records) // rows)][:rows])
        return out / "train.csv", out / "validation.csv", f"Rotten Tomatoes ({RT}), {rows} rows a split"
    rng = random.Random(0)
    for name, n in (("train", 10_238), ("validation", 1_360)):
        _write_csv(out / f"{name}.csv", [(" ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 40))),
                                          rng.choice(["positive", "negative"])) for _ in range(min(n, rows or n))])
    return out / "train.csv", out / "validation.csv", "synthetic (Rotten Tomatoes not found)"


def _write_csv(path: Path, records: list[tuple[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        w.writerows(records)


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [{"input_text": r["text"], "target_text": r["label"]} for r in csv.DictReader(fh)]


# ----------------------------------------------------------------------------------------------
# a. end to end


def run_ours(args: argparse.Namespace, model: Path, train: Path, val: Path, out: Path) -> dict[str, Any]:
    argv = ["-m", "tuning_core", "train", "--base-model", str(model), "--train", str(train),
            "--validation", str(val), "--max-steps", str(args.steps), "--batch-size", str(args.batch_size),
            "--eval-every", str(args.eval_every), "--prompt-length", str(args.prompt_length),
            "--max-input-length", str(args.max_length), "--device", "cpu", "--out", str(out)]
    started = time.perf_counter()
    done = run_python(argv, in_process=args.smoke, env=_env(args))
    wall = time.perf_counter() - started
    last_json_line(done)  # raises with its stderr if it failed
    result = json.loads(done.stdout)["result"]
    return {"wall_s": wall, "train_loop_s": result["elapsed_seconds"], "precision": result["precision"]}


def run_peft(args: argparse.Namespace, model: Path, train: Path, val: Path) -> dict[str, Any]:
    argv = [str(Path(__file__)), "--peft-loop", "--model", str(model), "--train", str(train),
            "--validation", str(val), "--steps", str(args.steps), "--batch-size", str(args.batch_size),
            "--eval-every", str(args.eval_every), "--prompt-length", str(args.prompt_length),
            "--max-length", str(args.max_length)]
    started = time.perf_counter()
    done = run_python(argv, in_process=args.smoke, env=_env(args))
    wall = time.perf_counter() - started
    return {"wall_s": wall, **json.loads(last_json_line(done))}


def _env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ, TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1")
    if args.threads:
        env["OMP_NUM_THREADS"] = str(args.threads)
    return env


def peft_loop(args: argparse.Namespace) -> None:
    """The loop a PEFT user writes: pad to max length, transformers' Adafactor, evaluate the whole
    split by greedy generation every eval_every steps and at the end."""
    from peft import PromptTuningConfig, PromptTuningInit, TaskType, get_peft_model
    from transformers import AutoTokenizer, T5ForConditionalGeneration
    from transformers.optimization import Adafactor

    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(args.model)
    model = T5ForConditionalGeneration.from_pretrained(args.model)
    model = get_peft_model(model, PromptTuningConfig(
        task_type=TaskType.SEQ_2_SEQ_LM, num_virtual_tokens=args.prompt_length,
        prompt_tuning_init=PromptTuningInit.RANDOM))
    train, val = read_rows(Path(args.train)), read_rows(Path(args.validation))

    def encode(rows: list[dict[str, str]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = tok([r["input_text"] for r in rows], padding="max_length", truncation=True,
                max_length=args.max_length, return_tensors="pt")
        y = tok([r["target_text"] for r in rows], padding="max_length", truncation=True, max_length=16,
                return_tensors="pt").input_ids
        y[y == tok.pad_token_id] = -100
        return x.input_ids, x.attention_mask, y

    started = time.perf_counter()
    ids, mask, labels = encode(train)
    v_ids, v_mask, _ = encode(val)
    optimizer = Adafactor(model.prompt_encoder["default"].parameters(), lr=0.3, relative_step=False,
                          scale_parameter=False, warmup_init=False, weight_decay=1e-5, decay_rate=-0.8)
    order = torch.randperm(len(train)).tolist()

    def evaluate() -> float:
        model.eval()
        correct = 0
        with torch.inference_mode():
            for i in range(0, len(val), 64):
                out = model.generate(input_ids=v_ids[i:i + 64], attention_mask=v_mask[i:i + 64],
                                     max_new_tokens=3, do_sample=False, num_beams=1)
                texts = tok.batch_decode(out, skip_special_tokens=True)
                correct += sum(t.strip() == r["target_text"] for t, r in zip(texts, val[i:i + 64]))
        model.train()
        return correct / len(val)

    model.train()
    loop_started = time.perf_counter()
    for step in range(1, args.steps + 1):
        batch = order[(step - 1) * args.batch_size:step * args.batch_size]
        optimizer.zero_grad(set_to_none=True)
        loss = model(input_ids=ids[batch], attention_mask=mask[batch], labels=labels[batch]).loss
        loss.backward()
        optimizer.step()
        if step % args.eval_every == 0 or step == args.steps:
            evaluate()
    print(json.dumps({"train_loop_s": time.perf_counter() - loop_started,
                      "after_load_s": time.perf_counter() - started}))


def bench_end_to_end(args: argparse.Namespace, model: Path, train: Path, val: Path, tmp: Path) -> dict[str, Any]:
    ours = run_ours(args, model, train, val, tmp / "ours")
    peft = run_peft(args, model, train, val)
    examples = args.steps * args.batch_size
    return {
        "examples": examples,
        "ours_examples_per_s": examples / ours["wall_s"],
        "peft_examples_per_s": examples / peft["wall_s"],
        "ours_over_peft": peft["wall_s"] / ours["wall_s"],
        "ours_loop_examples_per_s": examples / ours["train_loop_s"],
        "peft_loop_examples_per_s": examples / peft["train_loop_s"],
        "loop_ours_over_peft": peft["train_loop_s"] / ours["train_loop_s"],
        "ours_precision": ours["precision"],
    }


# ----------------------------------------------------------------------------------------------
# b, c, d: in process


def _batches(base: FrozenT5, rows: list[dict[str, str]], args: argparse.Namespace) -> tuple[Any, list[list[int]]]:
    data = tokenize(as_text_dataset(rows), base.tokenizer, max_input_length=args.max_length,
                    max_target_length=16)
    return data, epoch_batches(data.input_lengths, args.batch_size, seed=0, epoch=0, shuffle=True,
                               group_by_length=True)


def bench_precision(base: FrozenT5, rows: list[dict[str, str]], args: argparse.Namespace) -> dict[str, Any]:
    data, batches = _batches(base, rows, args)
    prompt = init_prompt(base, PromptConfig(prompt_length=args.prompt_length, init=InitMethod.VOCAB))
    config = TrainConfig(batch_size=args.batch_size)
    pad_id = base.tokenizer.pad_token_id
    sides = {}
    for name in ("fp32", "bf16"):
        soft = SoftPrompt(prompt).to(base.device)
        sides[name] = (soft, make_optimizer([soft.weight], config), [])
    from tuning_core.config import Precision

    position = {"fp32": 0, "bf16": 0}

    def step(name: str) -> None:
        soft, opt, losses = sides[name]
        indices = batches[position[name] % len(batches)]
        position[name] += 1
        losses.append(_train_step(base, soft, opt, data, indices, 1, pad_id, Precision(name)))

    base.model.train()
    try:
        # Dropout 0: both sides then see the same arithmetic but for its precision, so the loss
        # differences below measure bf16's rounding alone, not two sets of dropout masks.
        # Emulated bf16 (no AVX512-BF16/AMX) is an order of magnitude slower: two repeats do.
        repeats = args.repeats if native_bf16(base.device) else min(args.repeats, 2)
        with dropout_override(base.model, 0.0):
            t32, t16 = compare(lambda: step("fp32"), lambda: step("bf16"), repeats=repeats,
                               warmup=1, device=base.device)
    finally:
        base.model.eval()
    l32, l16 = sides["fp32"][2], sides["bf16"][2]
    return {"fp32_s": t32, "bf16_s": t16, "fp32_over_bf16": t32 / t16,
            "first_loss_rel_diff": abs(l32[0] - l16[0]) / l32[0],
            "mean_loss_rel_diff": abs(statistics.mean(l32) - statistics.mean(l16)) / statistics.mean(l32),
            "steps": len(l32)}


def bench_ensemble(base: FrozenT5, rows: list[dict[str, str]], args: argparse.Namespace) -> dict[str, Any]:
    data, _ = _batches(base, rows[: args.eval_rows], args)
    prompts = [init_prompt(base, PromptConfig(prompt_length=args.prompt_length, init=InitMethod.VOCAB), seed=s)
               for s in range(5)]
    labels = label_token_ids(base, ["positive", "negative"], 16)

    def one_pass() -> None:
        # As evaluate_ensemble calls it: batch_size counts (example, prompt) rows, so each forward
        # holds 12 examples x 5 prompts, as many rows as a single-prompt pass's 64 examples.
        score_labels(base, prompts, data, labels, batch_size=64)

    def one_pass_wide() -> None:
        # 64 examples x 5 prompts = 320 rows per forward (train_step.py's setting): 5x larger
        # activations, the same arithmetic per row.
        score_labels(base, prompts, data, labels, batch_size=64 * len(prompts))

    def separate() -> None:
        for p in prompts:
            score_labels(base, [p], data, labels, batch_size=64)

    t_one, t_sep = compare(one_pass, separate, repeats=args.repeats, warmup=1, device=base.device)
    out = {"one_pass_s": t_one, "five_passes_s": t_sep, "five_passes_over_one": t_sep / t_one,
           "rows": len(data)}
    if args.wide:
        t_wide, t_sep2 = compare(one_pass_wide, separate, repeats=args.repeats, warmup=1, device=base.device)
        out.update({"one_pass_320_rows_s": t_wide, "five_passes_over_one_320_rows": t_sep2 / t_wide})
    return out


def bench_eval_cost(base: FrozenT5, train_rows: list[dict[str, str]], val_rows: list[dict[str, str]],
                    args: argparse.Namespace) -> dict[str, Any]:
    data, batches = _batches(base, train_rows, args)
    val = tokenize(as_text_dataset(val_rows), base.tokenizer, max_input_length=args.max_length,
                   max_target_length=16)
    from tuning_core.data import select_rows

    rows = stratified_sample([r["target_text"] for r in val_rows], 512, seed=0, stratify=True)
    val_sample = select_rows(val, rows)
    prompt = init_prompt(base, PromptConfig(prompt_length=args.prompt_length, init=InitMethod.VOCAB))
    soft = SoftPrompt(prompt).to(base.device)
    opt = make_optimizer([soft.weight], TrainConfig(batch_size=args.batch_size))
    labels = label_token_ids(base, ["positive", "negative"], 16)
    pad_id = base.tokenizer.pad_token_id
    from tuning_core.model import resolve_precision

    precision = resolve_precision("auto", base.device)
    position = [0]

    def step() -> None:
        _train_step(base, soft, opt, data, batches[position[0] % len(batches)], 1, pad_id, precision)
        position[0] += 1

    def sample_eval() -> None:
        score_labels(base, [soft.weight.detach()], val_sample, labels, batch_size=64, precision=precision)

    base.model.train()
    try:
        t_step, t_sample = compare(step, sample_eval, repeats=args.repeats, warmup=1, device=base.device)
    finally:
        base.model.eval()
    started = time.perf_counter()
    score_labels(base, [soft.weight.detach()], val, labels, batch_size=64, precision=precision)
    t_full = time.perf_counter() - started
    return {"step_s": t_step, "sample_eval_s": t_sample, "full_eval_s": t_full,
            "sample_eval_in_steps": t_sample / t_step, "full_eval_in_steps": t_full / t_step,
            "sample_rows": len(val_sample), "full_rows": len(val)}


# ----------------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shape", choices=sorted(SHAPES), default="small")
    p.add_argument("--only", default="a,b,c,d", help="comma-separated subset of a,b,c,d")
    p.add_argument("--steps", type=int, default=10, help="training steps of the end-to-end runs")
    p.add_argument("--eval-every", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--prompt-length", type=int, default=100)
    p.add_argument("--max-length", type=int, default=128, help="input tokens kept (PEFT pads to it)")
    p.add_argument("--eval-rows", type=int, default=32, help="validation rows of the ensemble bench")
    p.add_argument("--rows", type=int, default=None, help="rows of each split (default: all of them)")
    p.add_argument("--wide", action="store_true",
                   help="(c) also with 320 (example, prompt) rows per forward, as train_step.py does")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (all processes)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--smoke", action="store_true",
                   help="a tiny model, 2 steps, 48 rows, one repeat: seconds; that it runs, not what it says")
    # The PEFT side of (a), run by (a) itself as a fresh process.
    p.add_argument("--peft-loop", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--model", help=argparse.SUPPRESS)
    p.add_argument("--train", help=argparse.SUPPRESS)
    p.add_argument("--validation", help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.smoke:
        vars(args).update(SMOKE)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.peft_loop:
        peft_loop(args)
        return 0
    only = set(args.only.split(","))
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        model = build_model(args.shape, tmp / "model")
        train, val, source = data_files(tmp, args.rows)
        cpu = [f for f in ("avx512_bf16", "amx_bf16", "avx512f", "avx2")
               if f in Path("/proc/cpuinfo").read_text().split()] if Path("/proc/cpuinfo").exists() else []
        results["machine"] = {"cores": os.cpu_count(), "cpu_flags": cpu, "threads": torch.get_num_threads(),
                              "torch": torch.__version__, "shape": args.shape, "data": source}
        if not args.json:
            print(json.dumps(results["machine"]))
        if "a" in only:
            results["a"] = bench_end_to_end(args, model, train, val, tmp)
            _show("a end to end", results["a"], args)
        base = load_base_model(str(model), device="cpu")
        train_rows, val_rows = read_rows(train), read_rows(val)
        if "b" in only:
            results["b"] = bench_precision(base, train_rows, args)
            _show("b precision", results["b"], args)
        if "c" in only:
            results["c"] = bench_ensemble(base, val_rows, args)
            _show("c ensemble of 5", results["c"], args)
        if "d" in only:
            results["d"] = bench_eval_cost(base, train_rows, val_rows, args)
            _show("d evaluation cost", results["d"], args)
    if args.json:
        print(json.dumps(results))
    return 0


def _show(title: str, values: dict[str, Any], args: argparse.Namespace) -> None:
    if args.json:
        return
    parts = [f"{k} {v:.3g}" if isinstance(v, float) and math.isfinite(v) else f"{k} {v}"
             for k, v in values.items()]
    print(f"{title}: " + "  ".join(parts), flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
