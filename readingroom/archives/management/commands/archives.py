"""``readingroom manage archives resolve|suggest``: place every document again (after upgrading an archive
imported before authorities existed, or after editing names), or compute link suggestions for editors."""

from django.core.management.base import BaseCommand

from readingroom.archives import services
from readingroom.documents.models import Document
from readingroom.records.unitofwork import UnitOfWork


class Command(BaseCommand):
    help = "resolve: resolve every document's holding archive and hierarchy again; suggest: link suggestions"

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["resolve", "suggest"])
        parser.add_argument("--days", type=int, default=3)

    def handle(self, what, days, **options):
        # the changes and their audit event commit together (one unit of work)
        if what == "resolve":
            with UnitOfWork() as uow:
                n = services.replace_documents(Document.objects.all())
                uow.audit("archive.resolve", "", details={"documents": n})
            self.stdout.write(f"{n} documents placed anew")
        else:
            with UnitOfWork() as uow:
                n = services.suggest_links(days=days)
                uow.audit("suggestion.compute", "", details={"added": n, "days": days})
            self.stdout.write(f"{n} suggestions added")
