"""Command line: `python -m tuning_core <command> ...`.

Progress bars go to stderr, results as JSON to stdout, so the output pipes into `jq`. A user
error (bad file, bad option, missing model) prints one line and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

# The configuration is plain dataclasses (no torch): cheap to import before parsing arguments.
from tuning_core.config import EvalMode, OptimizerName, Precision, ScoringOptions, TrainConfig
from tuning_core.errors import ConfigError, TuningError, first_line

EXIT_USER_ERROR = 2


# ----------------------------------------------------------------------------------------------
# shared helpers


def _parse_label_map(text: str | None) -> dict[str, str] | None:
    """`{"0": "negative", "1": "positive"}` or `0=negative,1=positive`."""
    if not text:
        return None
    text = text.strip()
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"--label-map is not valid JSON: {exc}") from None
        if not isinstance(value, dict):
            raise ConfigError("--label-map must be a JSON object")
        return {str(k): str(v) for k, v in value.items()}
    out = {}
    for part in text.split(","):
        if "=" not in part:
            raise ConfigError(f"--label-map entry {part!r} is not RAW=WORDS")
        raw, words = part.split("=", 1)
        out[raw.strip()] = words.strip()
    return out


def _add_data_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("data columns")
    g.add_argument(
        "--input-template", help='input text with {column} placeholders, e.g. "review: {text}"'
    )
    g.add_argument(
        "--text-column", default=None, help="input column when no template is given (default: text)"
    )
    g.add_argument("--label-column", default=None, help="target column (default: label)")
    g.add_argument("--label-map", help='verbalizer, e.g. "0=negative,1=positive" or a JSON object')
    g.add_argument(
        "--format",
        choices=["csv", "tsv", "jsonl", "json", "parquet"],
        help="file format (default: from the extension)",
    )


def _split(path: str, args: argparse.Namespace) -> Any:
    """Read a file and format it into input_text/target_text (used as is when it has them)."""
    from tuning_core.data import format_examples, read_table

    table = read_table(path, args.format)
    cols = table.column_names
    if (
        args.input_template is None
        and args.text_column is None
        and args.label_column is None
        and "input_text" in cols
        and "target_text" in cols
    ):
        return table.select_columns(["input_text", "target_text"])
    template = args.input_template or "{" + (args.text_column or "text") + "}"
    return format_examples(
        table,
        input_template=template,
        target_column=args.label_column or "label",
        label_map=_parse_label_map(args.label_map),
        file=Path(path).name,
    )


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
    sys.stdout.flush()


def _bar(total: int, desc: str, unit: str = "it") -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True, leave=False)


def _progress(desc: str) -> Any:
    """An evaluate/ensemble progress callback drawing a tqdm bar; returns (callback, close)."""
    state: dict[str, Any] = {}

    def callback(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = _bar(total, desc, "ex")
        bar = state["bar"]
        bar.update(done - bar.n)

    def close() -> None:
        if "bar" in state:
            state["bar"].close()

    return callback, close


def _base(args: argparse.Namespace, dropout: float | None = None) -> Any:
    from tuning_core.model import load_base_model

    return load_base_model(args.base_model, device=args.device, dropout=dropout)


# ----------------------------------------------------------------------------------------------
# commands


def train_config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The `train` command's recipe, from its parsed arguments."""
    return TrainConfig(
        learning_rate=args.lr,
        batch_size=args.batch_size,
        grad_accum_steps=args.grad_accum_steps,
        max_steps=args.max_steps,
        eval_every=args.eval_every,
        patience=args.patience,
        seed=args.seed,
        dropout=args.dropout,
        shuffle=not args.no_shuffle,
        # The file's order means no grouping by length either, which would reorder every window.
        group_by_length=not (args.no_shuffle or args.no_group_by_length),
        log_every=args.log_every,
        max_input_length=args.max_input_length,
        max_target_length=args.max_target_length,
        eval_mode=args.eval_mode,
        optimizer=args.optimizer,
        eval_sample=args.eval_sample or None,
        attention_dropout=not args.no_attention_dropout,
        precision=args.precision,
    )


def _prompt_config_from_args(args: argparse.Namespace, train_data: Any, validation: Any) -> Any:
    """The prompt's settings: its init and label words follow the task the targets make."""
    from tuning_core.config import InitMethod, PromptConfig
    from tuning_core.export import load_prompt
    from tuning_core.task import resolve

    targets = list(train_data["target_text"]) + (list(validation["target_text"]) if validation else [])
    task = resolve(targets, label_words=_given_label_words(args), mode="auto")
    init = args.init or ("from_file" if args.init_from else "class_labels" if task.is_classification else "vocab")
    prompt_length = args.prompt_length
    if args.init_from and prompt_length is None:
        prompt_length = load_prompt(args.init_from)[0].shape[0]
    return PromptConfig(
        prompt_length=prompt_length or 100,
        init=InitMethod(init),
        init_from=args.init_from,
        label_words=(task.label_words or ()) if task.is_classification else (),
    )


def _metrics_line(event: Any) -> dict[str, Any]:
    """One line of metrics.jsonl for a training step or an evaluation."""
    if event.kind == "step":
        return {"kind": "step", "step": event.step, "loss": event.loss,
                "learning_rate": event.learning_rate, "elapsed_seconds": event.elapsed_seconds}
    return {"kind": "eval", "step": event.step, **event.metrics, "is_best": event.is_best}


def _train_logging_progress(args: argparse.Namespace, prompt_config: Any, train_config: Any,
                            train_data: Any, validation: Any, base: Any, out: Path,
                            checkpoint_dir: Path) -> Any:
    """Train, writing each step and evaluation to metrics.jsonl and the bar as they come."""
    from tuning_core.train import ProgressEvent, train

    metrics_path = out / "metrics.jsonl"
    if args.resume:
        _drop_metrics_after_checkpoint(metrics_path, checkpoint_dir)
    bar = _bar(train_config.max_steps, "train", "step")
    # A resumed run continues the metrics of the run it continues; anything else starts them.
    with open(metrics_path, "a" if args.resume else "w", encoding="utf-8") as metrics_file:

        def on_progress(event: ProgressEvent) -> None:
            if event.kind == "step":
                bar.update(event.step - bar.n)
                bar.set_postfix(loss=f"{event.loss:.4f}")
            else:
                bar.set_postfix({k: f"{v:.4f}" for k, v in list(event.metrics.items())[:2]})
            metrics_file.write(json.dumps(_metrics_line(event)) + "\n")
            metrics_file.flush()

        try:
            return train(base, prompt_config, train_config, train_data, validation,
                         checkpoint_dir=checkpoint_dir, on_progress=on_progress)
        finally:
            bar.close()


def cmd_train(args: argparse.Namespace) -> None:
    from tuning_core.export import save_prompt

    train_data = _split(args.train, args)
    validation = _split(args.validation, args) if args.validation else None
    prompt_config = _prompt_config_from_args(args, train_data, validation)
    train_config = train_config_from_args(args)
    out = Path(args.out)
    checkpoint_dir = Path(args.checkpoint_dir) if args.checkpoint_dir else out / "checkpoint"
    _claim_out_dir(out, checkpoint_dir, resume=args.resume, overwrite=args.overwrite)
    base = _base(args)
    result = _train_logging_progress(args, prompt_config, train_config, train_data, validation, base, out,
                                     checkpoint_dir)
    files = save_prompt(result.prompt, out, {
        "base_model": base.info.source,
        "init": prompt_config.init.value,
        "prompt_config": prompt_config.to_dict(),
        "train_config": train_config.to_dict(),
        "label_words": result.label_words,
        "eval_mode": result.eval_mode,
        "best_step": result.best_step,
        "best_metrics": result.best_metrics,
        "steps_completed": result.steps_completed,
        "stopped_reason": result.stopped_reason,
    })
    summary = result.to_dict()
    summary.pop("train_losses")
    if validation is not None and result.eval_sample_rows is not None:
        # Training chose the best step on a sample; report the full split's score as well.
        summary["validation_metrics"] = _score_full_split(base, result, validation, train_config)
    summary["final_loss"] = result.train_losses[-1] if result.train_losses else None
    _print_json({"prompt": str(files.tensor_path), "metadata": str(files.metadata_path),
                 "metrics": str(out / "metrics.jsonl"), "sha256": files.sha256, "result": summary})


def _score_full_split(base: Any, result: Any, data: Any, config: Any) -> dict[str, Any]:
    from tuning_core.evaluate import evaluate
    from tuning_core.metrics import scalar_metrics

    callback, close = _progress("validation")
    try:
        evaluation = evaluate(
            base,
            result.prompt,
            data,
            mode=result.eval_mode,
            label_words=result.label_words,
            scoring=ScoringOptions.of_training(config),
            progress=callback,
        )
    finally:
        close()
    return scalar_metrics(evaluation.metrics)


def _claim_out_dir(out: Path, checkpoint_dir: Path, *, resume: bool, overwrite: bool) -> None:
    """Refuse to train into a folder that holds an earlier run unless told what to do with it.

    --resume continues from the checkpoint there (train() refuses one from another run);
    --overwrite deletes that checkpoint and starts over (the prompt and metrics files are
    rewritten; nothing else in the folder is touched).
    """
    from tuning_core.train import CHECKPOINT_FILE

    checkpoint = checkpoint_dir / CHECKPOINT_FILE
    held = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    if checkpoint.exists() and checkpoint_dir.name not in held:
        held.append(str(checkpoint_dir))
    if held and not (resume or overwrite):
        shown = ", ".join(held[:5]) + (f" and {len(held) - 5} more" if len(held) > 5 else "")
        raise ConfigError(
            f"--out {out} is not empty ({shown}); pass --resume to continue the run whose "
            "checkpoint is there, or --overwrite to start a new run in it"
        )
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file, not a folder")
    if overwrite and checkpoint.exists():
        checkpoint.unlink()
    out.mkdir(parents=True, exist_ok=True)


def _drop_metrics_after_checkpoint(metrics_path: Path, checkpoint_dir: Path) -> None:
    """Keep only the metrics lines up to the checkpoint's step: the resumed run redoes the rest."""
    from tuning_core.train import CHECKPOINT_FILE, load_checkpoint

    checkpoint = checkpoint_dir / CHECKPOINT_FILE
    if not checkpoint.exists() or not metrics_path.exists():
        return
    step = int(load_checkpoint(checkpoint)["step"])
    kept = []
    for line in metrics_path.read_text(encoding="utf-8").splitlines():
        try:
            if int(json.loads(line)["step"]) <= step:
                kept.append(line)
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by the crash
    metrics_path.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")


def _given_label_words(args: argparse.Namespace) -> list[str] | None:
    """--label-words as a list; None when not given."""
    if getattr(args, "label_words", None):
        return [w.strip() for w in args.label_words.split(",") if w.strip()] or None
    return None


def _label_words(args: argparse.Namespace, meta: dict[str, Any]) -> list[str] | None:
    return _given_label_words(args) or meta.get("label_words") or None


def cmd_evaluate(args: argparse.Namespace) -> None:
    from tuning_core.evaluate import evaluate
    from tuning_core.export import load_prompt

    base = _base(args)
    prompt, meta = load_prompt(args.prompt, base=base)
    data = _split(args.data, args)
    labels = _label_words(args, meta)
    if labels is not None and not set(data["target_text"]) <= set(labels):
        labels = None  # the prompt's labels do not cover this data (transfer): use the data's own
    callback, close = _progress(f"evaluate ({args.mode})")
    try:
        result = evaluate(
            base,
            prompt,
            data,
            mode=args.mode,
            label_words=labels,
            scoring=_scoring_from_args(args),
            progress=callback,
        )
    finally:
        close()
    _report_predictions(result, args)


def _scoring_from_args(args: argparse.Namespace) -> ScoringOptions:
    return ScoringOptions(batch_size=args.batch_size, max_input_length=args.max_input_length,
                          precision=args.precision)


def _report_predictions(result: Any, args: argparse.Namespace, **extra: Any) -> None:
    """Per-example predictions to --predictions (JSONL), the summary as JSON on stdout."""
    if args.predictions:
        with open(args.predictions, "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(p.to_dict()) + "\n" for p in result.predictions)
    out = result.to_dict()
    out.pop("predictions")
    out.update(extra)
    out["examples"] = len(result.predictions)
    _print_json(out)


def cmd_ensemble(args: argparse.Namespace) -> None:
    from tuning_core.ensemble import evaluate_ensemble
    from tuning_core.export import load_prompt

    base = _base(args)
    loaded = [load_prompt(p, base=base) for p in args.prompt]
    data = _split(args.data, args)
    labels = _label_words(args, loaded[0][1])
    if labels is not None and not set(data["target_text"]) <= set(labels):
        labels = None
    callback, close = _progress(f"ensemble of {len(loaded)}")
    try:
        result = evaluate_ensemble(
            base,
            [t for t, _ in loaded],
            data,
            labels,
            scoring=_scoring_from_args(args),
            progress=callback,
            voting=args.voting,
        )
    finally:
        close()
    _report_predictions(result, args, prompts=list(args.prompt))


def cmd_neighbors(args: argparse.Namespace) -> None:
    from tuning_core.export import load_prompt
    from tuning_core.interpret import nearest_tokens

    base = _base(args)
    prompt, _ = load_prompt(args.prompt, base=base)
    rows = nearest_tokens(base, prompt, k=args.k)
    _print_json(
        [
            {"position": i, "neighbors": [{"token": t, "similarity": s} for t, s in row]}
            for i, row in enumerate(rows)
        ]
    )


def cmd_export(args: argparse.Namespace) -> None:
    from tuning_core.export import export_npy, export_peft, load_prompt

    base = _base(args)
    prompt, meta = load_prompt(args.prompt, base=base)
    path = (
        export_peft(prompt, base, args.out, init=str(meta.get("init") or "random"),
                    label_words=meta.get("label_words") or ())
        if args.format == "peft"
        else export_npy(prompt, args.out)
    )
    _print_json(
        {
            "format": args.format,
            "path": str(path),
            "prompt_length": prompt.shape[0],
            "d_model": prompt.shape[1],
        }
    )


def _grid_spec(args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    """The grid and recipe of `sweep`: a YAML or JSON file {recipe: {...}, axes: {...}}, or a preset."""
    from tuning_core.sweep import PRESETS, Grid

    if args.preset:
        return Grid.parse(PRESETS[args.preset]["axes"]), {}
    import yaml

    try:
        spec = yaml.safe_load(Path(args.grid).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"--grid {args.grid}: {first_line(exc)}") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("axes"), dict):
        raise ConfigError(f"--grid {args.grid}: give a mapping with 'axes' (and optionally 'recipe'), e.g. "
                          "axes: {prompt_length: [5, 20], seed: [0, 1]}")
    recipe = spec.get("recipe") or {}
    if not isinstance(recipe, dict):
        raise ConfigError(f"--grid {args.grid}: 'recipe' must be a mapping of settings")
    return Grid.parse(spec["axes"]), recipe


def cmd_sweep(args: argparse.Namespace) -> None:
    import csv

    from tuning_core.export import save_prompt
    from tuning_core.sweep import panels, train_grid
    from tuning_core.task import resolve

    grid, recipe = _grid_spec(args)
    recipe = {**recipe, **({"precision": args.precision} if args.precision else {})}
    train_data = _split(args.train, args)
    validation = _split(args.validation, args) if args.validation else None
    targets = list(train_data["target_text"]) + (list(validation["target_text"]) if validation else [])
    label_words = resolve(targets).label_words or ()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = train_grid(_base(args), grid, recipe, train_data, validation, label_words=label_words)
    rows = []
    for i, run in enumerate(results):
        result = run.result
        row: dict[str, Any] = {"run": i + 1, **run.coordinates, "metric": None, "metric_name": None,
                               "best_step": None, "steps": None, "stopped": None, "prompt": None,
                               "error": run.error}
        if result is not None:
            prompt_file = save_prompt(result.prompt, out / f"run-{i + 1:03d}").tensor_path
            metric = result.best_metrics.get(result.metric_name) if result.metric_name else None
            row.update(metric=metric, metric_name=result.metric_name, best_step=result.best_step,
                       steps=result.steps_completed, stopped=result.stopped_reason, prompt=str(prompt_file))
        rows.append(row)
    with open(out / "results.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    figure = [panel.to_dict() for panel in panels(grid, [(r.coordinates, row["metric"]) for r, row in
                                                        zip(results, rows)])]
    (out / "panels.json").write_text(json.dumps(figure, indent=2))
    scored = [row for row in rows if row["metric"] is not None]
    best = max(scored, key=lambda row: row["metric"]) if scored else None
    _print_json({"runs": len(rows), "failed": sum(1 for row in rows if row["error"]), "best": best,
                 "results": str(out / "results.csv"), "panels": str(out / "panels.json")})


def cmd_tiny_model(args: argparse.Namespace) -> None:
    from tuning_core.tiny import build_tiny_t5

    path = build_tiny_t5(args.out, shape=args.shape, seed=args.seed)
    _print_json({"path": str(path), "shape": args.shape})


# ----------------------------------------------------------------------------------------------
# parser: one function per command. Defaults are TrainConfig's, one place for the recipe.


def _add_precision_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--precision",
        choices=[value.value for value in Precision],
        default=TrainConfig.precision.value,
        help="bf16 autocast of the frozen model (the prompt stays fp32); auto: bf16 where "
        "the CPU (AVX512-BF16/AMX) or GPU computes it natively, else fp32",
    )


def _add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--base-model", required=True, metavar="M", help="hub id or local T5 directory"
    )
    p.add_argument(
        "--device", default=None, help="cpu, cuda, cuda:1 (default: CUDA when present)"
    )


def _command(sub: Any, name: str, summary: str, run: Callable[[argparse.Namespace], None],
             description: str) -> argparse.ArgumentParser:
    """A sub-command: `summary` in the command list, `description` in its own --help; `run` runs it."""
    parser: argparse.ArgumentParser = sub.add_parser(name, help=summary, description=description)
    parser.set_defaults(func=run)
    return parser


def _add_train_command(sub: Any) -> None:
    t = _command(
        sub, "train", "train a soft prompt", cmd_train,
        "Train a soft prompt; writes prompt.safetensors, prompt.json and "
        "metrics.jsonl into --out (and a checkpoint to resume from).",
    )
    _add_model_options(t)
    t.add_argument(
        "--train", required=True, metavar="F", help="training file (csv, tsv, jsonl, json, parquet)"
    )
    t.add_argument(
        "--validation", metavar="F", help="validation file (enables evaluation and early stopping)"
    )
    _add_data_options(t)
    _add_prompt_options(t)
    _add_schedule_options(t)
    _add_step_options(t)
    _add_train_output_options(t)


def _add_prompt_options(t: argparse.ArgumentParser) -> None:
    """The prompt: its length, label words and initialisation."""
    t.add_argument(
        "--label-words", help="comma-separated label words (default: the distinct targets)"
    )
    t.add_argument(
        "--prompt-length", type=int, default=None, metavar="N", help="prompt tokens (default 100)"
    )
    t.add_argument(
        "--init",
        choices=["random", "vocab", "class_labels", "from_file"],
        help="initialisation (default: class_labels for classification, else vocab)",
    )
    t.add_argument("--init-from", metavar="FILE", help="start from this prompt file")


def _add_schedule_options(t: argparse.ArgumentParser) -> None:
    """How long to train, in what batches, and how it is evaluated and stopped."""
    t.add_argument("--max-steps", type=int, default=TrainConfig.max_steps, metavar="N")
    t.add_argument("--batch-size", type=int, default=TrainConfig.batch_size, metavar="N")
    t.add_argument("--grad-accum-steps", type=int, default=TrainConfig.grad_accum_steps, metavar="N")
    t.add_argument(
        "--lr", type=float, default=TrainConfig.learning_rate, metavar="X",
        help=f"Adafactor learning rate ({TrainConfig.learning_rate})"
    )
    t.add_argument("--eval-every", type=int, default=TrainConfig.eval_every, metavar="N")
    t.add_argument("--eval-mode", choices=[m.value for m in EvalMode], default=TrainConfig.eval_mode.value)
    t.add_argument(
        "--eval-sample",
        type=int,
        default=TrainConfig.eval_sample,
        metavar="N",
        help="validation rows (stratified) scored during training; 0: all. The best prompt is "
        f"then scored on the whole split (default {TrainConfig.eval_sample})",
    )
    t.add_argument(
        "--patience",
        type=int,
        default=TrainConfig.patience,
        metavar="N",
        help="stop after N evaluations without improvement",
    )


def _add_step_options(t: argparse.ArgumentParser) -> None:
    """What happens inside a step: seed, dropout, batching, lengths, optimizer, precision."""
    t.add_argument("--seed", type=int, default=TrainConfig.seed, metavar="N")
    t.add_argument(
        "--dropout", type=float, default=TrainConfig.dropout, metavar="X", help="default: the model's own"
    )
    t.add_argument(
        "--no-attention-dropout",
        action="store_true",
        help="no dropout on attention probabilities (the layers keep theirs); a faster step",
    )
    t.add_argument("--no-shuffle", action="store_true",
                   help="train on the rows in the file's order (no shuffling, no grouping by length)")
    t.add_argument("--no-group-by-length", action="store_true",
                   help="shuffle rows without grouping similar lengths into a batch (more padding)")
    t.add_argument("--log-every", type=int, default=TrainConfig.log_every, metavar="N")
    t.add_argument("--max-input-length", type=int, default=TrainConfig.max_input_length, metavar="N")
    t.add_argument("--max-target-length", type=int, default=TrainConfig.max_target_length, metavar="N")
    t.add_argument(
        "--optimizer",
        choices=[o.value for o in OptimizerName],
        default=TrainConfig.optimizer.value,
        help="adafactor: t5x's, as the paper's code (default); hf-adafactor: transformers'",
    )
    _add_precision_option(t)


def _add_train_output_options(t: argparse.ArgumentParser) -> None:
    """Where the run is written, and what to do with an earlier one there."""
    t.add_argument("--checkpoint-dir", metavar="DIR", help="default: OUT/checkpoint")
    t.add_argument("--out", required=True, metavar="DIR")
    again = t.add_mutually_exclusive_group()
    again.add_argument(
        "--resume",
        action="store_true",
        help="continue the run whose checkpoint is in --out (it must be the same run)",
    )
    again.add_argument(
        "--overwrite",
        action="store_true",
        help="start a new run in a non-empty --out, deleting its checkpoint",
    )


def _add_evaluate_command(sub: Any) -> None:
    e = _command(
        sub, "evaluate", "score a prompt on a dataset", cmd_evaluate,
        "Score a prompt by rank classification or greedy generation.",
    )
    _add_model_options(e)
    e.add_argument(
        "--prompt",
        required=True,
        metavar="FILE",
        help="prompt.safetensors, its folder, a PEFT adapter or .npy",
    )
    e.add_argument("--data", required=True, metavar="F")
    _add_data_options(e)
    e.add_argument("--mode", choices=["rank", "generate"], default="rank")
    _add_precision_option(e)
    e.add_argument(
        "--label-words", help="comma-separated label set (default: the prompt's, else the targets)"
    )
    e.add_argument("--batch-size", type=int, default=64, metavar="N")
    e.add_argument("--max-input-length", type=int, default=256, metavar="N")
    e.add_argument("--predictions", metavar="FILE", help="write per-example predictions (JSONL)")


def _add_ensemble_command(sub: Any) -> None:
    en = _command(
        sub, "ensemble", "majority vote of several prompts", cmd_ensemble,
        "Score several prompts in one batched pass and vote.",
    )
    _add_model_options(en)
    en.add_argument(
        "--prompt", required=True, action="append", metavar="FILE", help="repeat for each member"
    )
    en.add_argument("--data", required=True, metavar="F")
    _add_data_options(en)
    en.add_argument("--label-words", help="comma-separated label set")
    _add_precision_option(en)
    en.add_argument("--batch-size", type=int, default=64, metavar="N")
    en.add_argument("--max-input-length", type=int, default=256, metavar="N")
    en.add_argument("--predictions", metavar="FILE", help="write per-example votes (JSONL)")
    en.add_argument("--voting", choices=["majority", "soft"], default="majority",
                    help="majority vote, ties by summed log-likelihood (the paper); or soft: highest mean "
                         "log-probability over the label set")


def _add_neighbors_command(sub: Any) -> None:
    n = _command(
        sub, "neighbors", "nearest vocabulary tokens of each prompt position", cmd_neighbors,
        "For each prompt token, the k nearest vocabulary tokens (cosine).",
    )
    _add_model_options(n)
    n.add_argument("--prompt", required=True, metavar="FILE")
    n.add_argument("--k", type=int, default=5)


def _add_export_command(sub: Any) -> None:
    x = _command(
        sub, "export", "export a prompt as a PEFT adapter or .npy", cmd_export,
        "Write a PEFT prompt-tuning adapter directory or a .npy array.",
    )
    _add_model_options(x)
    x.add_argument("--prompt", required=True, metavar="FILE")
    x.add_argument("--format", choices=["peft", "npy"], required=True)
    x.add_argument("--out", required=True, metavar="PATH")


def _add_tiny_model_command(sub: Any) -> None:
    tm = _command(
        sub, "tiny-model", "build a tiny random T5 for tests and demos", cmd_tiny_model,
        "Write a tiny random T5 with a SentencePiece tokenizer (seconds, no download).",
    )
    tm.add_argument("--out", required=True, metavar="DIR")
    tm.add_argument("--shape", choices=["t5", "t5.1.1"], default="t5.1.1")
    tm.add_argument("--seed", type=int, default=0)


def _add_sweep_command(sub: Any) -> None:
    sw = _command(
        sub, "sweep", "train a grid of runs together on one model (the paper's ablations)", cmd_sweep,
        "Train every point of a grid together with the fused trainer (one model copy, every "
        "run stepped each step); writes results.csv (a row per run), panels.json (the metric against each "
        "numeric axis, mean and sd over the seeds) and each run's best prompt into --out.",
    )
    _add_model_options(sw)
    sw.add_argument("--train", required=True, metavar="F", help="training file")
    sw.add_argument("--validation", metavar="F", help="validation file (the metric of each run)")
    _add_data_options(sw)
    which = sw.add_mutually_exclusive_group(required=True)
    which.add_argument("--grid", metavar="FILE", help="YAML or JSON: {recipe: {max_steps: 500, ...}, "
                       "axes: {prompt_length: [5, 20], init: [vocab, class_labels], seed: [0, 1, 2]}}")
    which.add_argument("--preset", choices=["figure3", "lr_by_length", "seeds"], help="a ready-made grid")
    sw.add_argument("--precision", choices=[value.value for value in Precision], default=None,
                    help="for every run (default: the recipe's, else auto)")
    sw.add_argument("--out", required=True, metavar="DIR")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tuning_core",
        description="Prompt tuning (Lester et al., 2021) on a frozen T5: train, evaluate, ensemble, "
        "inspect and export soft prompts. Results are JSON on stdout.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_command in (_add_train_command, _add_evaluate_command, _add_ensemble_command,
                        _add_neighbors_command, _add_export_command, _add_sweep_command, _add_tiny_model_command):
        add_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except TuningError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
