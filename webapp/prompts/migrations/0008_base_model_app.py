"""Base models now live in the basemodels app: this app's references follow, in state only
(the table and its constraints are unchanged)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("prompts", "0007_eval_run_owner"),
        ("basemodels", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="prompt",
                    name="base_model",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="prompts",
                                            to="basemodels.basemodel"),
                ),
                migrations.AlterField(
                    model_name="promptversion",
                    name="base_model",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="prompt_versions",
                                            to="basemodels.basemodel"),
                ),
            ],
        ),
    ]
