"""``readingroom manage archives resolve|suggest``: place every document again (after upgrading an archive
imported before authorities existed, or after editing names), or compute link suggestions for editors."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "resolve: resolve every document's holding archive and hierarchy again; suggest: link suggestions"

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["resolve", "suggest"])
        parser.add_argument("--days", type=int, default=3)

    def handle(self, what, days, **options):
        from readingroom.archives import services
        from readingroom.documents.models import Document
        from readingroom.history.services import audit

        if what == "resolve":
            n = services.replace_documents(Document.objects.all())
            audit("archive.resolve", "", details={"documents": n})
            self.stdout.write(f"{n} documents placed anew")
        else:
            n = services.suggest_links(days=days)
            audit("suggestion.compute", "", details={"added": n, "days": days})
            self.stdout.write(f"{n} suggestions added")
