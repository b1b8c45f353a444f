# The service association link moves from networking.Subnet.serverfarm to this
# app (issue #9: networking names no app above it). Every link is copied here
# before networking 0005 drops the field.

import django.db.models.deletion
from django.db import migrations, models


def copy_links(apps, schema_editor):
    Subnet = apps.get_model("networking", "Subnet")
    ServiceAssociationLink = apps.get_model("appservice", "ServiceAssociationLink")
    ServiceAssociationLink.objects.bulk_create(
        ServiceAssociationLink(subnet_id=subnet_id, plan_id=plan_id)
        for subnet_id, plan_id in Subnet.objects.filter(serverfarm__isnull=False).values_list("pk", "serverfarm_id")
    )


def copy_links_back(apps, schema_editor):
    Subnet = apps.get_model("networking", "Subnet")
    ServiceAssociationLink = apps.get_model("appservice", "ServiceAssociationLink")
    for subnet_id, plan_id in ServiceAssociationLink.objects.values_list("subnet_id", "plan_id"):
        Subnet.objects.filter(pk=subnet_id).update(serverfarm_id=plan_id)


class Migration(migrations.Migration):

    dependencies = [
        ('appservice', '0002_initial'),
        ('networking', '0004_peering_outlives_remote'),
    ]

    operations = [
        migrations.CreateModel(
            name='ServiceAssociationLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='subnet_links', to='appservice.appserviceplan')),
                ('subnet', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='service_association_link', to='networking.subnet')),
            ],
        ),
        migrations.RunPython(copy_links, copy_links_back),
    ]
