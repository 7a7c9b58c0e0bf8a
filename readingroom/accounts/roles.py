"""The roles, as Django groups with permissions (created and kept up to date after every migrate).

* Administrators: everything, including the audit log and users.
* Editors: all documents, scans and jobs; publish and withdraw.
* Reviewers: read and correct every document; publish and withdraw (approve).
* Contributors: create documents and change their own drafts; submit them for review. A contributor
  never sees another's drafts, never publishes, never changes a document once it has left draft.

A public visitor (not signed in) sees only published documents.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

ROLES = {
    "Administrators": "__all__",
    "Editors": [
        "documents.add_document",
        "documents.change_document",
        "documents.delete_document",
        "documents.view_document",
        "documents.publish_document",
        "documents.submit_document",
        *[
            f"documents.{a}_{m}"
            for m in (
                "text",
                "contentitem",
                "contributor",
                "documentlanguage",
                "collection",
                "subject",
                "place",
                "language",
                "repository",
                "person",
            )
            for a in ("add", "change", "delete", "view")
        ],
        "scans.view_page",
        "scans.change_page",
        "scans.delete_page",
        "scans.view_job",
        "scans.change_job",
        "scans.view_storedfile",
        "history.view_documentversion",
    ],
    "Reviewers": [
        "documents.change_document",
        "documents.view_document",
        "documents.publish_document",
        *[
            f"documents.{a}_{m}"
            for m in ("text", "contentitem", "contributor", "documentlanguage")
            for a in ("change", "view", "add")
        ],
        "scans.view_page",
        "scans.view_job",
        "history.view_documentversion",
    ],
    "Contributors": [
        "documents.add_document",
        "documents.change_document",
        "documents.view_document",
        "documents.submit_document",
        *[
            f"documents.{a}_{m}"
            for m in ("text", "contentitem", "contributor", "documentlanguage")
            for a in ("add", "change", "delete", "view")
        ],
        "scans.view_page",
        "scans.view_job",
    ],
}


def ensure_roles(**kwargs) -> None:
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        if perms == "__all__":
            group.permissions.set(Permission.objects.all())
            continue
        wanted = []
        for perm in perms:
            app, codename = perm.split(".")
            found = Permission.objects.filter(content_type__app_label=app, codename=codename).first()
            if found:
                wanted.append(found)
        group.permissions.set(wanted)


def is_restricted(user) -> bool:
    """A contributor: sees and changes only their own drafts."""
    return not (user.is_superuser or user.has_perm("documents.publish_document"))
