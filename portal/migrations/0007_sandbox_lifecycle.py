"""Sandbox lifecycle (SBX-01 to SBX-05): a secret the cookie carries apart
from the public ID, when the sandbox was last used, a keyed hash of the
address that asked for it, and the server's periodic chores."""

import uuid

import django.utils.timezone
from django.db import migrations, models


def fill(apps, schema_editor):
    """Each existing sandbox: its own secret (the old cookies carried the
    key, so they open nothing now) and last used when it was made."""
    Sandbox = apps.get_model("portal", "Sandbox")
    for sandbox in Sandbox.objects.only("pk", "created_at").iterator():
        Sandbox.objects.filter(pk=sandbox.pk).update(secret=uuid.uuid4(), last_used_at=sandbox.created_at)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0006_sandbox_show_annotations"),
    ]

    operations = [
        migrations.AddField(
            model_name="sandbox",
            name="secret",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="sandbox",
            name="last_used_at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name="sandbox",
            name="created_from",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="sandbox",
            name="secret",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AddIndex(
            model_name="sandbox",
            index=models.Index(fields=["created_from", "created_at"], name="sandbox_created_from"),
        ),
        migrations.CreateModel(
            name="Chore",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=40, unique=True)),
                ("last_run_at", models.DateTimeField()),
            ],
        ),
    ]
