from django.apps import AppConfig

from readingroom.records.seeding import seed_after_migrate


class ArchivesConfig(AppConfig):
    name = "readingroom.archives"
    label = "archives"
    verbose_name = "Archives, hierarchy and links"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        # the seed authorities the database lacks (readingroom/archives/seeddata.py)
        seed_after_migrate(self, "Archive", "readingroom.archives.seeddata.seed")
