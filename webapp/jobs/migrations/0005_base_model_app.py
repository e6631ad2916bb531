"""Base models now live in the basemodels app: this app's references follow, in state only
(the table and its constraints are unchanged)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("jobs", "0004_job_exclusive_fused_group"),
        ("basemodels", "0001_initial"),
        ("prompts", "0008_base_model_app"),
        ("ensembles", "0003_base_model_app"),
        ("sweeps", "0003_base_model_app"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="tuningjob",
                    name="base_model",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="jobs",
                                            to="basemodels.basemodel"),
                ),
                migrations.DeleteModel(name="BaseModel"),
            ],
        ),
    ]
