# Many named tokens per user, stored as a hash: the new columns, still nullable (0004 fills them).
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('api', '0002_token_expiry'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='apitoken',
            options={'ordering': ['-created_at', '-pk']},
        ),
        migrations.AlterField(
            model_name='apitoken',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='apitoken',
            name='name',
            field=models.CharField(default='made by manage.py api_token', max_length=100),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='apitoken',
            name='key_hash',
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.AddField(
            model_name='apitoken',
            name='prefix',
            field=models.CharField(default='', help_text='The key\'s first characters, for display', max_length=16),
            preserve_default=False,
        ),
    ]
