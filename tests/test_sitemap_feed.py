"""``/sitemap.xml`` (split into pages), ``/feed.atom`` and ``robots.txt``."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from lxml import etree

from readingroom.documents import models as m
from readingroom.ingest.pipeline import import_paths
from readingroom.publish.sitemaps import DocumentSitemap

pytestmark = pytest.mark.django_db
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def archive(record_path, tmp_path):
    path = tmp_path / "records.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(
                {
                    "id": f"doc-{i:03d}",
                    "title": f"Document {i}",
                    "date": "1961-05-01",
                    "summary": f"Summary {i}",
                    "subjects": ["Berlin"],
                    "translations": [{"language": "en", "text": "t"}],
                }
            )
            for i in range(250)
        )
        + "\n"
    )
    assert import_paths([record_path, path]).imported == 251
    return 251


def test_sitemap_index_splits_documents_into_pages(client, archive, monkeypatch):
    monkeypatch.setattr(DocumentSitemap, "limit", 100)
    index = etree.fromstring(client.get("/sitemap.xml").content)
    locations = [loc.text for loc in index.iter(f"{SM}loc")]
    assert locations == [
        "http://testserver/sitemap-pages.xml",
        "http://testserver/sitemap-documents.xml",
        "http://testserver/sitemap-documents.xml?p=2",
        "http://testserver/sitemap-documents.xml?p=3",
    ]
    urls = []
    for page in (1, 2, 3):
        response = client.get("/sitemap-documents.xml", {"p": page})
        assert response.status_code == 200 and response["Content-Type"] == "application/xml"
        root = etree.fromstring(response.content)
        urls += [u.find(f"{SM}loc").text for u in root.iter(f"{SM}url")]
        assert all(u.find(f"{SM}lastmod") is not None for u in root.iter(f"{SM}url"))
    expected = {f"http://testserver/documents/{i}" for i in m.Document.objects.values_list("identifier", flat=True)}
    assert len(urls) == archive and set(urls) == expected
    assert client.get("/sitemap-documents.xml", {"p": 4}).status_code == 404


def test_sitemap_uses_the_configured_base_url(client, archive, settings):
    settings.READINGROOM_BASE_URL = "https://archive.example.org"
    root = etree.fromstring(client.get("/sitemap-documents.xml").content)
    assert next(root.iter(f"{SM}loc")).text.startswith("https://archive.example.org/documents/")


def test_atom_feed_lists_newly_published_documents(client, archive):
    newest = m.Document.objects.get(identifier="doc-007")
    newest.published_at = timezone.now() + dt.timedelta(minutes=5)
    newest.save()
    response = client.get("/feed.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = etree.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 50
    first = entries[0]
    assert first.find(f"{ATOM}title").text == "Document 7"
    assert first.find(f"{ATOM}link").get("href") == "http://testserver/documents/doc-007"
    assert first.find(f"{ATOM}id").text == "http://testserver/documents/doc-007"
    assert "Summary 7" in first.find(f"{ATOM}summary").text
    assert [c.get("term") for c in first.findall(f"{ATOM}category")] == ["Berlin"]
    published = [e.find(f"{ATOM}published").text for e in entries]
    assert published == sorted(published, reverse=True)
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "http://testserver/feed.atom"


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_search(client):
    body = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in body
    assert "Disallow: /search" in body and "Disallow: /admin/" in body
