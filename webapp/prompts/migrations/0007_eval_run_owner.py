"""EvalRun gets its own owner, so its ownership rule needs no other app's model: the owner of
the version it evaluated, or of the ensemble whose vote it is."""

from django.conf import settings
from django.db import migrations, models


def fill_owners(apps, schema_editor):
    EvalRun = apps.get_model("prompts", "EvalRun")
    for run in EvalRun.objects.select_related("prompt_version__prompt", "ensemble").iterator():
        owner_id = run.prompt_version.prompt.owner_id if run.prompt_version_id else run.ensemble.owner_id
        EvalRun.objects.filter(pk=run.pk).update(owner_id=owner_id)


class Migration(migrations.Migration):

    dependencies = [
        ("prompts", "0006_version_nearest_tokens"),
        ("ensembles", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="evalrun",
            name="owner",
            field=models.ForeignKey(null=True, on_delete=models.CASCADE, related_name="eval_runs",
                                    to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(fill_owners, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="evalrun",
            name="owner",
            field=models.ForeignKey(on_delete=models.CASCADE, related_name="eval_runs",
                                    to=settings.AUTH_USER_MODEL),
        ),
    ]
