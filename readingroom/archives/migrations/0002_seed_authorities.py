"""The seed list of well-known authorities with their variants (readingroom/archives/seeddata.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    from readingroom.archives.seeddata import seed as store

    store(apps, schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("archives", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
