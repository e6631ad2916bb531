# Per-example predictions move from the EvalRun.predictions JSON list into a table of their own,
# one row per example, so pages filter, sort, page and join runs in SQL. Existing lists are copied
# row by row, then the JSON column is dropped: a second copy nobody writes would only drift.

import math

import django.db.models.deletion
from django.db import migrations, models


def _confidence(scores, predicted):
    # Frozen copy of webapp.prompts.predictions.label_confidence as of this migration.
    if not scores:
        return None, None
    top = max(scores.values())
    weights = {label: math.exp(value - top) for label, value in scores.items()}
    ranked = sorted(scores.values(), reverse=True)
    margin = ranked[0] - ranked[1] if len(ranked) > 1 else None
    return weights.get(predicted, 0.0) / sum(weights.values()), margin


def copy_predictions_to_rows(apps, schema_editor):
    EvalRun = apps.get_model("prompts", "EvalRun")
    ExamplePrediction = apps.get_model("prompts", "ExamplePrediction")
    for run in EvalRun.objects.order_by("pk").iterator(chunk_size=20):
        rows, seen = [], set()
        for position, item in enumerate(run.predictions or []):
            if not isinstance(item, dict):
                continue
            index = item.get("index", position)
            index = position if not isinstance(index, int) or index < 0 or index in seen else index
            seen.add(index)
            predicted = str(item.get("predicted", ""))
            scores = {str(k): float(v) for k, v in (item.get("scores") or {}).items()} or None
            confidence, margin = _confidence(scores or {}, predicted)
            rows.append(ExamplePrediction(
                eval_run_id=run.pk, index=index, input_text=str(item.get("input_text", "")),
                gold=str(item.get("target_text", "")), predicted=predicted, correct=bool(item.get("correct")),
                valid=bool(item.get("valid", True)), confidence=confidence, margin=margin, scores=scores,
            ))
        ExamplePrediction.objects.bulk_create(rows, batch_size=2000)


def copy_rows_to_predictions(apps, schema_editor):
    EvalRun = apps.get_model("prompts", "EvalRun")
    ExamplePrediction = apps.get_model("prompts", "ExamplePrediction")
    for run in EvalRun.objects.order_by("pk").iterator(chunk_size=20):
        run.predictions = [
            {"index": p.index, "input_text": p.input_text, "target_text": p.gold, "predicted": p.predicted,
             "correct": p.correct, "valid": p.valid, "scores": p.scores}
            for p in ExamplePrediction.objects.filter(eval_run_id=run.pk).order_by("index")
        ]
        run.save(update_fields=["predictions"])


class Migration(migrations.Migration):

    dependencies = [
        ('prompts', '0004_eval_run_ensemble'),
    ]

    operations = [
        migrations.CreateModel(
            name='ExamplePrediction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('index', models.PositiveIntegerField(help_text='Row position in the dataset split')),
                ('input_text', models.TextField()),
                ('gold', models.TextField(help_text='The gold label word, or the target text in generation')),
                ('predicted', models.TextField(help_text='The predicted label word, or the generated text')),
                ('correct', models.BooleanField()),
                ('valid', models.BooleanField(default=True, help_text='False: generated text outside the label set')),
                ('confidence', models.FloatField(blank=True, help_text='Softmax probability of the predicted label among the labels', null=True)),
                ('margin', models.FloatField(blank=True, help_text="Log-likelihood of the best label minus the runner-up's", null=True)),
                ('scores', models.JSONField(blank=True, help_text="Each label's log-likelihood (rank mode)", null=True)),
                ('eval_run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='example_predictions', to='prompts.evalrun')),
            ],
            options={
                'ordering': ['eval_run', 'index'],
                'indexes': [models.Index(fields=['eval_run', 'correct'], name='prediction_run_correct'), models.Index(condition=models.Q(('scores__isnull', False)), fields=['eval_run', 'gold'], name='prediction_run_gold'), models.Index(fields=['eval_run', 'confidence'], name='prediction_run_confidence')],
                'constraints': [models.UniqueConstraint(fields=('eval_run', 'index'), name='unique_example_per_eval_run')],
            },
        ),
        migrations.RunPython(copy_predictions_to_rows, copy_rows_to_predictions),
        migrations.RemoveField(
            model_name='evalrun',
            name='predictions',
        ),
    ]
