# The service association link now lives in appservice (its 0003 copied every
# row there first), so networking no longer points at an App Service plan.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('networking', '0004_peering_outlives_remote'),
        ('appservice', '0003_service_association_link'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='subnet',
            name='serverfarm',
        ),
    ]
