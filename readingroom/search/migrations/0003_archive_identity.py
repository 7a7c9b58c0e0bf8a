import uuid

from django.db import migrations, models


def make_identity(apps, schema_editor):
    apps.get_model("search", "ArchiveIdentity").objects.using(schema_editor.connection.alias).get_or_create(pk=1)


class Migration(migrations.Migration):

    dependencies = [("search", "0002_change_feed")]

    operations = [
        migrations.CreateModel(
            name="ArchiveIdentity",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("uuid", models.UUIDField(default=uuid.uuid4, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.RunPython(make_identity, migrations.RunPython.noop),
    ]
