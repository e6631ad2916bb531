"""Base models now live in the basemodels app: this app's references follow, in state only
(the table and its constraints are unchanged)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("ensembles", "0002_playground_run"),
        ("basemodels", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="ensemble",
                    name="base_model",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="ensembles",
                                            to="basemodels.basemodel"),
                ),
                migrations.AlterField(
                    model_name="playgroundrun",
                    name="base_model",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="playground_runs",
                                            to="basemodels.basemodel"),
                ),
            ],
        ),
    ]
