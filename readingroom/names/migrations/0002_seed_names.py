"""The curated names of well-known figures (readingroom/names/seeddata.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    from readingroom.names.seeddata import seed as store

    store(apps, schema_editor.connection.alias)


def unseed(apps, schema_editor):
    from readingroom.names.seeddata import SEED

    apps.get_model("names", "SeedName").objects.filter(group__in=list(SEED)).delete()


def variants_for_existing_persons(apps, schema_editor):
    """An archive imported before name variants: every person gets its source and automatic variants."""
    from django.db import transaction

    from readingroom.names.services import refresh_all

    try:
        with transaction.atomic():
            refresh_all()
    except Exception:  # the app's current code against an older schema: `readingroom manage name_variants` does it
        pass


class Migration(migrations.Migration):
    dependencies = [("names", "0001_initial")]

    operations = [
        migrations.RunPython(seed, unseed),
        migrations.RunPython(variants_for_existing_persons, migrations.RunPython.noop),
    ]
