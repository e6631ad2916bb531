"""Fused training (issue 19 item 5): K jobs on one base model trained together, as ratios from one run.

For K = 1, 2, 4, 8 jobs of the default recipe (prompt 100, batch 32, different seeds) on Rotten
Tomatoes, each side a fresh process so that its peak RSS is its own:

- fused: one `FusedTrainer`, one model copy, one forward/backward per step for all K jobs;
- sequential: the same K jobs one after another with `train()` (one worker, one job at a time);
- processes: K processes at once, each loading its own model copy and training one job.

It prints aggregate training examples per second and peak RSS for each, their ratios to fused, and
the time from launch to the first step of a short job launched while a long one trains: fused (it
joins at the long job's next step) vs sequential (it waits for the long job's remaining steps,
computed from the measured step time).

    .venv/bin/python bench/fused.py --threads 1
    .venv/bin/python bench/fused.py --threads 1 --shape t5-small --steps 2 --jobs 1,2,4
    .venv/bin/python bench/fused.py --smoke        # seconds: that it runs, not what it says

Never assert on these in tests.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _children import last_json_line, run_python  # noqa: E402
from engine import SHAPES, build_model, data_files, read_rows  # noqa: E402

from tuning_core.config import PromptConfig, TrainConfig  # noqa: E402
from tuning_core.fused import FusedTrainer  # noqa: E402
from tuning_core.model import load_base_model  # noqa: E402
from tuning_core.train import TrainingRun, train  # noqa: E402


def _configs(args: argparse.Namespace, k: int) -> list[tuple[PromptConfig, TrainConfig]]:
    prompt = PromptConfig(prompt_length=args.prompt_length, label_words=("negative", "positive"))
    return [(prompt, TrainConfig(batch_size=args.batch_size, max_steps=args.steps, eval_every=10**6, seed=seed,
                                 max_input_length=args.max_length, precision=args.precision))
            for seed in range(k)]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def child(args: argparse.Namespace) -> None:
    """One side, in this fresh process: prints {"seconds", "examples", "peak_rss_mb", "start", "end"}
    (training only: loading the model and importing are not counted)."""
    torch.set_num_threads(args.threads)
    base = load_base_model(args.model, device="cpu")
    rows = read_rows(Path(args.train))[: args.rows]
    configs = _configs(args, args.k)
    wall_start = time.time()
    started = time.perf_counter()
    if args.mode == "fused":
        trainer = FusedTrainer(base)
        futures = [trainer.add(TrainingRun(base, p, c, rows)) for p, c in configs]
        trainer.train_all()
        for future in futures:
            future.result()
    elif args.mode == "first-step":
        print(json.dumps(_first_step(base, rows, args)))
        return
    else:  # sequential, or one job of the processes side
        for p, c in configs:
            train(base, p, c, rows)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "examples": args.k * args.steps * args.batch_size,
                      "peak_rss_mb": _peak_rss_mb(), "start": wall_start, "end": wall_start + seconds}))


def _first_step(base: Any, rows: list[dict[str, str]], args: argparse.Namespace) -> dict[str, float]:
    """A long job trains; after its second step a short one is launched. Seconds until the short
    job's first step, fused; and what the short job would wait one-at-a-time."""
    (prompt, config), (short_prompt, short_config) = _configs(args, 2)
    long_steps = args.steps * 5
    long_config = TrainConfig(**{**config.to_dict(), "max_steps": long_steps, "log_every": 1})
    short_config = TrainConfig(**{**short_config.to_dict(), "log_every": 1})
    trainer = FusedTrainer(base)
    step_times: list[float] = []
    launched = threading.Event()
    first_step = threading.Event()
    marks: dict[str, float] = {}

    def long_progress(event: Any) -> None:
        step_times.append(time.perf_counter())
        if event.step == 2:
            launched.set()

    def short_progress(event: Any) -> None:
        if not first_step.is_set():
            marks["first"] = time.perf_counter()
            first_step.set()

    trainer.add(TrainingRun(base, prompt, long_config, rows, on_progress=long_progress))
    stepper = threading.Thread(target=trainer.train_all)
    stepper.start()
    launched.wait()
    marks["launch"] = time.perf_counter()
    short = TrainingRun(base, short_prompt, short_config, rows, on_progress=short_progress)  # tokenising counts
    trainer.add(short)
    first_step.wait()
    stepper.join()
    solo_step = (step_times[1] - step_times[0])  # the long job's second step, alone
    return {"fused_first_step_s": marks["first"] - marks["launch"],
            "one_at_a_time_first_step_s": (long_steps - 2) * solo_step,
            "solo_step_s": solo_step}


def _run(args: argparse.Namespace, mode: str, k: int, model: Path, train_csv: Path) -> dict[str, Any]:
    argv = [__file__, "--child", "--mode", mode, "--k", str(k), "--model", str(model),
            "--train", str(train_csv), *_shared_flags(args)]
    return json.loads(last_json_line(run_python(argv, in_process=args.smoke)))


def _processes(args: argparse.Namespace, k: int, model: Path, train_csv: Path) -> dict[str, Any]:
    argv = [__file__, "--child", "--mode", "sequential", "--k", "1", "--model", str(model),
            "--train", str(train_csv), *_shared_flags(args)]
    if args.smoke:  # one after another in this process (bench/_children.py): that it runs
        outs = [json.loads(last_json_line(run_python(argv, in_process=True))) for _ in range(k)]
    else:
        procs = [subprocess.Popen([sys.executable, *argv], stdout=subprocess.PIPE, text=True) for _ in range(k)]
        outs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    # From the first training step anywhere to the last one: loading and imports are left out,
    # as they are on the other sides.
    seconds = max(o["end"] for o in outs) - min(o["start"] for o in outs)
    return {"seconds": seconds, "examples": k * args.steps * args.batch_size,
            "peak_rss_mb": sum(o["peak_rss_mb"] for o in outs)}


def _shared_flags(args: argparse.Namespace) -> list[str]:
    return ["--steps", str(args.steps), "--batch-size", str(args.batch_size), "--prompt-length",
            str(args.prompt_length), "--max-length", str(args.max_length), "--threads", str(args.threads),
            "--rows", str(args.rows), "--precision", args.precision]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shape", choices=sorted(SHAPES), default="small")
    p.add_argument("--jobs", default="1,2,4,8", help="the values of K")
    p.add_argument("--steps", type=int, default=4, help="training steps of each job")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--prompt-length", type=int, default=100)
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument("--rows", type=int, default=2048, help="training rows tokenised by each job")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads of each process")
    p.add_argument("--precision", default="fp32", choices=["auto", "fp32", "bf16"])
    p.add_argument("--smoke", action="store_true", help="a tiny model and K=2 for two steps: seconds")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--mode", help=argparse.SUPPRESS)
    p.add_argument("--k", type=int, default=1, help=argparse.SUPPRESS)
    p.add_argument("--model", help=argparse.SUPPRESS)
    p.add_argument("--train", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(args)
        return 0
    if args.smoke:
        # The tiny model of engine.py's --smoke; the children get these sizes through _shared_flags.
        # One K (2: more than one job everywhere) is every path: each K costs 4 fresh processes.
        args.shape, args.jobs, args.steps, args.batch_size, args.prompt_length, args.rows = "smoke", "2", 2, 4, 5, 64
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        model = build_model(args.shape, tmp / "model")
        train_csv, _, source = data_files(tmp)
        print(json.dumps({"shape": args.shape, "threads": args.threads,
                          "precision": args.precision, "steps": args.steps, "batch": args.batch_size,
                          "prompt_length": args.prompt_length, "data": source}))
        one_job = _run(args, "sequential", 1, model, train_csv)  # the memory every ratio below is against
        for k in (int(x) for x in args.jobs.split(",")):
            sides = {"fused": _run(args, "fused", k, model, train_csv),
                     "sequential": _run(args, "sequential", k, model, train_csv),
                     "processes": _processes(args, k, model, train_csv)}
            rates = {name: s["examples"] / s["seconds"] for name, s in sides.items()}
            print(json.dumps({
                "k": k,
                **{f"{name}_examples_per_s": round(rate, 2) for name, rate in rates.items()},
                "fused_over_sequential": round(rates["fused"] / rates["sequential"], 2),
                "fused_over_processes": round(rates["fused"] / rates["processes"], 2),
                **{f"{name}_peak_rss_mb": round(s["peak_rss_mb"]) for name, s in sides.items()},
                **{f"{name}_rss_over_one_job": round(s["peak_rss_mb"] / one_job["peak_rss_mb"], 2)
                   for name, s in sides.items()},
            }))
        first = _run(args, "first-step", 2, model, train_csv)
        print(json.dumps({"first_step": {k: round(v, 2) for k, v in first.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
