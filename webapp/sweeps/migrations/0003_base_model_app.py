"""Base models now live in the basemodels app: this app's references follow, in state only
(the table and its constraints are unchanged)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("sweeps", "0002_run_attempt_and_skipped"),
        ("basemodels", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="sweep",
                    name="base_model",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="sweeps",
                                            to="basemodels.basemodel"),
                ),
            ],
        ),
    ]
