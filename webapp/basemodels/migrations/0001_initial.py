"""BaseModel moves from the jobs app to its own: the same table (`jobs_basemodel`), now in this
app's state. Nothing changes in the database."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("jobs", "0004_job_exclusive_fused_group"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="BaseModel",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("name", models.CharField(max_length=120, unique=True)),
                        ("source", models.CharField(
                            help_text="Hub id (google/t5-base-lm-adapt) or local directory", max_length=500)),
                        ("d_model", models.PositiveIntegerField(
                            help_text="Embedding width: a prompt is a [p, d_model] matrix")),
                        ("num_layers", models.PositiveIntegerField()),
                        ("num_parameters", models.BigIntegerField()),
                        ("vocab_size", models.PositiveIntegerField()),
                        ("random_weights", models.BooleanField(
                            default=False,
                            help_text="A locally built model with random weights: mechanics only, no accuracy")),
                        ("description", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={"ordering": ["name"], "db_table": "jobs_basemodel"},
                ),
            ],
        ),
    ]
