"""``readingroom manage name_variants [--replace]``: give every person its source and automatic name variants
(for an archive imported before name variants existed; ``--replace`` makes the automatic ones anew)."""

from django.core.management.base import BaseCommand

from readingroom.names.services import refresh_all


class Command(BaseCommand):
    help = "Make the source and automatic name variants of every person"

    def add_arguments(self, parser):
        parser.add_argument("--replace", action="store_true", help="make the automatic variants anew")

    def handle(self, *args, replace=False, **options):
        added = refresh_all(replace=replace)
        self.stdout.write(f"{added} name variants added")
