"""One runtime stack per web app (issue #10): Create Web App's Runtime stack
(appservice/runtimes.py) replaces General settings' stack and version. An
app keeps what it ran: a version the lab's stack lists name becomes that
stack; a blank one was its OS's default (ASP.NET V4.8 on Windows, .NET 8
on Linux); a version the lists don't have becomes none."""

from django.db import migrations, models

# (OS, the old siteConfig version) -> the runtime stack's key.
RUNTIME_OF = {
    ("Windows", ""): "aspnet|4.8",
    ("Windows", "v8.0"): "dotnet|8",
    ("Windows", "v4.0"): "aspnet|4.8",
    ("Windows", "v2.0"): "aspnet|3.5",
    ("Windows", "17"): "java|17",
    ("Windows", "11"): "java|11",
    ("Windows", "1.8"): "java|8",
    ("Windows", "~20"): "node|20-lts",
    ("Linux", ""): "dotnet|8",
    ("Linux", "DOTNETCORE|8.0"): "dotnet|8",
    ("Linux", "NODE|20-lts"): "node|20-lts",
    ("Linux", "PYTHON|3.12"): "python|3.12",
    ("Linux", "PYTHON|3.11"): "python|3.11",
    ("Linux", "PHP|8.2"): "php|8.2",
    ("Linux", "JAVA|17-java17"): "java|17",
    ("Linux", "JAVA|11-java11"): "java|11",
}


def forwards(apps, schema_editor) -> None:
    WebApp = apps.get_model("appservice", "WebApp")
    for app in WebApp.objects.select_related("plan").only("pk", "stack_version", "plan__os"):
        runtime = RUNTIME_OF.get((app.plan.os, app.stack_version), "")
        WebApp.objects.filter(pk=app.pk).update(runtime_stack=runtime)


class Migration(migrations.Migration):
    dependencies = [
        ("appservice", "0006_site_config"),
    ]

    operations = [
        migrations.AddField(
            model_name="webapp",
            name="runtime_stack",
            field=models.CharField(blank=True, default="", max_length=24),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RemoveField(model_name="webapp", name="stack"),
        migrations.RemoveField(model_name="webapp", name="stack_version"),
    ]
