"""A Dataset row exists only once it is ready (0002 moved the others into uploads): no status, no
progress. A migration of its own: PostgreSQL refuses to alter a table in the transaction that
deleted rows referenced by deferred foreign keys."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("datasets", "0002_upload_model"),
    ]

    operations = [
        migrations.RemoveField(
            model_name='dataset',
            name='progress',
        ),
        migrations.RemoveField(
            model_name='dataset',
            name='status',
        ),
    ]
