from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('api', '0004_hash_existing_keys'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='apitoken',
            name='key',
        ),
        migrations.AlterField(
            model_name='apitoken',
            name='key_hash',
            field=models.CharField(help_text='SHA-256 of the key, hex', max_length=64, unique=True),
        ),
    ]
