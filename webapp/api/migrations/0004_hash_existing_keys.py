# Existing clear-text keys keep working: their SHA-256 is stored, and 0005 drops the clear text.
import hashlib

from django.db import migrations


def hash_keys(apps, schema_editor):
    ApiToken = apps.get_model("api", "ApiToken")
    for token in ApiToken.objects.all():
        token.key_hash = hashlib.sha256(token.key.encode()).hexdigest()
        token.prefix = token.key[:8]
        token.save(update_fields=["key_hash", "prefix"])


class Migration(migrations.Migration):

    dependencies = [
        ('api', '0003_named_tokens'),
    ]

    # No way back: the clear keys are gone once 0005 runs.
    operations = [
        migrations.RunPython(hash_keys, migrations.RunPython.noop),
    ]
