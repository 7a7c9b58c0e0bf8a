"""The seed list of well-known authorities with their variants (readingroom/archives/seeddata.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    from readingroom.archives.resolve import name_key
    from readingroom.archives.seeddata import AUTHORITIES

    Archive = apps.get_model("archives", "Archive")
    ArchiveName = apps.get_model("archives", "ArchiveName")
    for entry in AUTHORITIES:
        if Archive.objects.filter(identifier=entry["identifier"]).exists():
            continue
        archive = Archive.objects.create(
            identifier=entry["identifier"], name=entry["name"], place=entry.get("place", ""),
            isil=entry.get("isil", ""), description=entry.get("description", ""),
            series_names=entry.get("series_names", []),
        )
        for name, kind, language, subunit in entry["names"]:
            key = name_key(name)
            if key and not ArchiveName.objects.filter(key=key).exists():
                ArchiveName.objects.create(archive=archive, name=name, key=key, kind=kind, language=language,
                                           subunit=subunit)


class Migration(migrations.Migration):
    dependencies = [("archives", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
