# Presenter mode (CLS-29): stored per sandbox.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0008_open_tab"),
    ]

    operations = [
        migrations.AddField(
            model_name="sandbox",
            name="presenter_mode",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="sandbox",
            name="presenter_zoom",
            field=models.PositiveSmallIntegerField(default=150),
        ),
    ]
