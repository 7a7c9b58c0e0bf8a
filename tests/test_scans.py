"""Scans: attaching files (checksums, formats, limits), OCR in the background, IIIF Image API 3,
Presentation 3 manifests, Content Search, and the combined PDF, on a real SQLite file and real files."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import socket
from pathlib import Path

import pytest
from django.test import override_settings
from PIL import Image

from readingroom.documents.models import Document
from readingroom.ingest.pipeline import import_paths
from readingroom.records.queries import DocumentNotFound
from readingroom.scans import jobs
from readingroom.scans.attach import AttachError, attach_paths
from readingroom.scans.models import Job, OcrText, Page, StoredFile
from tests.conftest import CORPUS, RECORD_ID, need

pytestmark = pytest.mark.django_db
CREST = CORPUS / "cia-crest-typewritten-scans" / "pages"
CREST_PAGE = CREST / "CIA-RDP86-00513R000204310001-0_p003.png"  # "Experimental neurosis ... splenic ..."
DOC = RECORD_ID


@pytest.fixture
def doc(record_path):
    assert import_paths([record_path]).imported == 1
    return DOC


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_image(path: Path, size=(600, 800), mode="RGB", fmt=None, **kw) -> Path:
    image = Image.new(mode, size, "white" if mode != "1" else 1)
    from PIL import ImageDraw

    ImageDraw.Draw(image).rectangle((50, 50, 300, 200), fill="black" if mode != "1" else 0)
    image.save(path, fmt, **kw)
    return path


def stored_files(settings) -> list[Path]:
    root = Path(settings.DATA_DIR) / "files"
    return [p for p in root.rglob("*") if p.is_file() and "tmp" not in p.parts] if root.exists() else []


def test_attach_every_format_keeps_the_original_bytes_and_their_checksums(client, doc, tmp_path, settings):
    png = make_image(tmp_path / "a.png")
    jpeg = make_image(tmp_path / "b.jpg", fmt="JPEG", quality=90)
    tiff = tmp_path / "c.tif"
    frames = [Image.new("L", (400, 500), 255), Image.new("L", (400, 500), 128), Image.new("RGB", (300, 200), "red")]
    frames[0].save(tiff, save_all=True, append_images=frames[1:])
    pdf = tmp_path / "d.pdf"
    Image.new("RGB", (595, 842), "white").save(pdf, save_all=True, append_images=[Image.new("RGB", (842, 595), "grey")])
    pages = attach_paths(doc, [png, jpeg, tiff, pdf], ocr=False)
    assert [p.position for p in pages] == list(range(1, 8))
    assert [(p.source.original_name.rsplit("/", 1)[-1], p.source_page) for p in pages] == [
        ("a.png", 0),
        ("b.jpg", 0),
        ("c.tif", 0),
        ("c.tif", 1),
        ("c.tif", 2),
        ("d.pdf", 0),
        ("d.pdf", 1),
    ]
    for path, media in ((png, "image/png"), (jpeg, "image/jpeg"), (tiff, "image/tiff"), (pdf, "application/pdf")):
        stored = StoredFile.objects.get(sha256=sha(path))
        assert stored.size == path.stat().st_size and stored.media_type == media
        assert stored.path.read_bytes() == path.read_bytes()  # the original, byte for byte
        assert sha(stored.path) == stored.sha256
    # single images are served as they are; TIFF frames and PDF pages as derived PNGs
    assert pages[0].image.sha256 == sha(png) and pages[2].image.media_type == "image/png"
    assert (pages[4].width, pages[4].height) == (300, 200)
    assert pages[5].width == round(595 * 200 / 72) or abs(pages[5].width - 595 * 200 / 72) <= 2  # 200 dpi
    # attaching the same file again stores no second copy
    attach_paths(doc, [png], ocr=False)
    assert StoredFile.objects.filter(sha256=sha(png)).count() == 1
    record = client.get(f"/api/documents/{doc}").json()
    assert len(record["pages"]) == 8 and record["pages"][0]["file"]["sha256"] == sha(png)
    assert record["iiif_manifest"].endswith(f"/iiif/presentation/{doc}/manifest")
    assert [c["available"] for c in record["contents"] if c["kind"] == "scan"] == [True]


BAD = {
    "corrupt.png": lambda p: p.write_bytes(make_image(p).read_bytes()[:300]),
    "unsupported.gif": lambda p: Image.new("RGB", (10, 10)).save(p, "GIF"),
    "text.png": lambda p: p.write_text("not an image at all"),
    "empty.jpg": lambda p: p.write_bytes(b""),
    "broken.pdf": lambda p: p.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage\n"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_files_are_refused_by_name_and_nothing_is_stored(doc, tmp_path, settings, name):
    good = make_image(tmp_path / "good.png")
    bad = tmp_path / name
    BAD[name](bad)
    with pytest.raises(AttachError) as err:
        attach_paths(doc, [good, bad])
    assert str(bad) in str(err.value)
    assert not Page.objects.exists() and not StoredFile.objects.exists() and not Job.objects.exists()
    assert stored_files(settings) == []
    assert not any((Path(settings.DATA_DIR) / "files" / "tmp").glob("*"))


def test_decompression_bombs_and_oversized_uploads_are_refused(doc, tmp_path, settings):
    bomb = tmp_path / "bomb.png"
    Image.new("1", (20000, 20000), 1).save(bomb, optimize=True)  # a tiny file of 400 megapixels
    assert bomb.stat().st_size < 200_000
    with pytest.raises(AttachError, match="more than the limit"):
        attach_paths(doc, [bomb])
    with override_settings(READINGROOM_MAX_UPLOAD_MB=1):
        big = tmp_path / "big.png"
        big.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * (2 << 20))
        with pytest.raises(AttachError, match="larger than the 1 MB limit"):
            attach_paths(doc, [big])
    assert not StoredFile.objects.exists() and stored_files(settings) == []


def test_attach_refuses_an_unknown_document_or_language(doc, tmp_path):
    png = make_image(tmp_path / "a.png")
    with pytest.raises(DocumentNotFound):
        attach_paths("nope", [png])
    with pytest.raises(AttachError, match="language"):
        attach_paths(doc, [png], languages=["klingonish"])


# ---------------------------------------------------------------- IIIF Image API
@pytest.fixture
def page(doc, tmp_path):
    [p] = attach_paths(doc, [make_image(tmp_path / "p.png", size=(1200, 1600))], ocr=False)
    return p


def test_info_json_and_derived_images(client, page, settings):
    base = f"/iiif/image/{page.iiif_id}"
    r = client.get(base)
    assert r.status_code == 303 and r["Location"] == f"http://testserver{base}/info.json"
    info = client.get(f"{base}/info.json", HTTP_ACCEPT="application/ld+json").json()
    assert info["id"] == f"http://testserver{base}" and info["type"] == "ImageService3" and info["profile"] == "level2"
    assert (info["width"], info["height"]) == (1200, 1600)
    assert info["tiles"] == [{"width": 512, "height": 512, "scaleFactors": [1, 2, 4]}]
    r = client.get(f"{base}/info.json", HTTP_ACCEPT="application/ld+json")
    assert r["Content-Type"].startswith("application/ld+json") and r["Access-Control-Allow-Origin"] == "*"

    def get(path):
        r = client.get(f"{base}/{path}")
        return r.status_code, (Image.open(io.BytesIO(b"".join(r.streaming_content))) if r.status_code == 200 else None)

    status, im = get("full/max/0/default.jpg")
    assert status == 200 and im.size == (1200, 1600) and im.format == "JPEG"
    status, im = get("0,0,512,512/256,/0/default.png")
    assert im.size == (256, 256) and im.format == "PNG"
    assert get("pct:50,50,50,50/max/0/default.jpg")[1].size == (600, 800)
    assert get("square/!100,100/0/default.jpg")[1].size == (100, 100)
    assert get("full/,400/90/gray.png")[1].size == (400, 300)  # rotated: width and height swap
    assert get("full/,400/90/gray.png")[1].mode == "L"
    assert get("full/pct:10/!0/bitonal.png")[1].mode == "1"
    assert get("full/^2400,/0/default.jpg")[1].size == (2400, 3200)
    assert get("full/150,/22.5/default.png")[1].size[0] > 150  # arbitrary rotation grows the canvas
    assert get("full/100,100/0/color.webp")[1].format == "WEBP"
    # derived images are cached on disk
    assert list((Path(settings.DATA_DIR) / "cache" / "iiif").rglob("*.jpg"))


@pytest.mark.parametrize(
    "path, status",
    [
        ("1200,0,10,10/max/0/default.jpg", 400),  # region outside the image
        ("0,0,0,10/max/0/default.jpg", 400),  # empty region
        ("full/99999,/0/default.jpg", 400),  # larger than the region without ^
        ("full/^99999,99999/0/default.jpg", 400),  # past maxWidth / maxArea
        ("full/0,/0/default.jpg", 400),
        ("full/max/361/default.jpg", 400),
        ("full/max/0/sepia.jpg", 400),
        ("full/max/0/default.tif", 400),
        ("full/max/0/default.exe", 400),
        ("nonsense/max/0/default.jpg", 400),
    ],
)
def test_bad_image_requests_are_400(client, page, path, status):
    r = client.get(f"/iiif/image/{page.iiif_id}/{path}")
    assert r.status_code == status and r["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "path",
    [
        "/iiif/image/0000/info.json",
        "/iiif/image/..%2F..%2Fsecret_key/info.json",
        "/iiif/image/../../secret_key/full/max/0/default.jpg",
        "/iiif/image/%2e%2e/full/max/0/default.jpg",
        "/iiif/image/a%00b/info.json",
    ],
)
def test_unknown_and_traversing_identifiers_are_404(client, page, path):
    assert client.get(path).status_code == 404


# ---------------------------------------------------------------- OCR, search, manifest, content search, PDF
@pytest.fixture
def crest(doc, typed_scans):
    """Two typewritten pages attached and read by OCR ("Experimental neurosis ... splenic ..." on the first)."""
    need(shutil.which("tesseract") is not None, "tesseract is not installed (make test installs it)")
    pages = attach_paths(doc, typed_scans, languages=["en"])
    assert Job.objects.filter(state="queued").count() == 2
    assert jobs.work(once=True) == 2
    return pages


@pytest.mark.corpus
def test_ocr_reads_a_real_typewritten_crest_page(client, doc):
    need(CREST_PAGE.exists(), f"the typewritten scans are not at {CREST}")
    need(shutil.which("tesseract") is not None, "tesseract is not installed (make test installs it)")
    [page] = attach_paths(doc, [CREST_PAGE], languages=["en"])
    assert jobs.work(once=True) == 1
    ocr = OcrText.objects.get(page=page)
    assert "neurosis" in ocr.text.lower() and "splenic" in ocr.text.lower()
    assert [r["id"] for r in client.get("/api/search", {"q": "neurosis splenic"}).json()["results"]] == [DOC]


def test_ocr_makes_the_typewritten_scan_searchable_and_is_kept_apart(client, crest):
    assert Job.objects.filter(state="done").count() == 2
    ocr = OcrText.objects.get(page=crest[0])
    assert "neurosis" in ocr.text.lower() and ocr.languages == "eng" and ocr.engine.startswith("tesseract")
    assert any(w[0].lower().startswith("neurosis") for w in ocr.words) and "ocrx_word" in ocr.hocr
    results = client.get("/api/search", {"q": "neurosis splenic"}).json()
    assert [r["id"] for r in results["results"]] == [DOC] and results["results"][0]["has_scans"]
    record = client.get(f"/api/documents/{DOC}").json()
    # machine OCR never becomes an edited transcript: the record keeps its own (Albanian) one only
    assert [t["label"] for t in record["transcripts"]] == ["Transcript - Albanian"]
    assert record["ocr"][0]["kind"] == "machine-ocr" and record["ocr"][0]["page"] == 1
    page = client.get("/search", {"q": "splenic"}).content.decode()
    assert f'href="/documents/{DOC}?q=splenic#scans"' in page


def test_manifest_validates_with_iiif_prezi3(client, crest):
    from iiif_prezi3 import Manifest

    r = client.get(f"/iiif/presentation/{DOC}/manifest")
    assert r.status_code == 200 and r["Access-Control-Allow-Origin"] == "*"
    data = r.json()
    manifest = Manifest(**data)  # the Presentation 3 schema, as pydantic models
    assert manifest.type == "Manifest" and len(manifest.items) == 2
    assert data["label"]["en"][0].startswith("Record of a Conversation")
    canvas = data["items"][0]
    body = canvas["items"][0]["items"][0]["body"]
    assert (canvas["width"], canvas["height"]) == (1275, 1650)
    assert body["service"][0] == {
        "id": f"http://testserver/iiif/image/{crest[0].iiif_id}",
        "type": "ImageService3",
        "profile": "level2",
    }
    assert data["rendering"][0]["id"] == f"http://testserver/documents/{DOC}.pdf"
    assert data["requiredStatement"]["value"]["en"][0].endswith(f"<http://testserver/documents/{DOC}>")
    assert client.get(f"/iiif/presentation/{DOC}x/manifest").status_code == 404


def test_a_manifest_that_is_not_there_is_answered_without_loading_a_record(client, doc):
    """Most documents of an archive have no scans, and a harvester asks for every manifest: each 404 says why
    (no scans, no such document, withdrawn) from the document's state, not from its whole record (a dozen
    queries: its joins and prefetches)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from readingroom.documents import services

    def manifest(doc_id: str) -> tuple[int, str, int]:
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(f"/iiif/presentation/{doc_id}/manifest")
        return r.status_code, r.json()["error"]["message"], len(ctx.captured_queries)

    status, message, queries = manifest(DOC)
    assert (status, message) == (404, f"document {DOC!r} has no scans") and queries <= 3, queries
    status, message, queries = manifest("no-such-document")
    assert status == 404 and "no-such-document" in message and "scans" not in message and queries <= 2, queries
    services.set_status(DOC, "withdrawn", note="gone")
    status, message, queries = manifest(DOC)
    assert status == 404 and "withdrawn" in message.lower() and queries <= 2, (message, queries)


def test_content_search_gives_word_boxes_on_the_canvas(client, crest):
    data = client.get(f"/iiif/search/{DOC}", {"q": "neurosis"}).json()
    assert data["within"]["total"] >= 1
    hit = data["resources"][0]
    assert hit["on"].startswith(f"http://testserver/iiif/presentation/{DOC}/canvas/p1#xywh=")
    x, y, w, h = (int(v) for v in hit["on"].rsplit("=", 1)[1].split(","))
    assert 0 <= x < 1275 and 0 <= y < 1650 and w > 20 and h > 5
    assert data["hits"][0]["match"].lower().startswith("neurosis")
    assert client.get(f"/iiif/search/{DOC}", {"q": "zzzqqq"}).json()["within"]["total"] == 0


def test_combined_pdf_has_cover_scans_and_texts_and_is_cached(client, crest, settings, tmp_path):
    import pypdfium2 as pdfium

    page = client.get(f"/documents/{DOC}").content.decode()
    assert f'href="/documents/{DOC}.pdf"' in page
    r = client.get(f"/documents/{DOC}.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    data = b"".join(r.streaming_content)
    pdf = pdfium.PdfDocument(data)
    assert len(pdf) >= 1 + 2 + 1  # cover, two scans, the translation
    cover = " ".join(pdf[0].get_textpage().get_text_range().split())
    assert "How to cite" in cover and "Contributed and translated by Ledia Shtëpani" in cover
    assert f"http://testserver/documents/{DOC}" in cover
    last = " ".join(
        pdf[len(pdf) - 1].get_textpage().get_text_range().split() + pdf[3].get_textpage().get_text_range().split()
    )
    assert "Wang Delin" in last
    cached = list((Path(settings.DATA_DIR) / "cache" / "pdf").glob("*.pdf"))
    assert len(cached) == 1
    assert b"".join(client.get(f"/documents/{DOC}.pdf").streaming_content) == data
    attach_paths(DOC, [make_image(tmp_path / "p3.png")], ocr=False)  # a new version
    newer = b"".join(client.get(f"/documents/{DOC}.pdf").streaming_content)
    assert len(pdfium.PdfDocument(newer)) == len(pdf) + 1
    pdf.close()


def test_a_job_left_running_by_a_dead_worker_is_queued_again(doc, tmp_path):
    [p] = attach_paths(doc, [make_image(tmp_path / "p.png")])
    Job.objects.filter(page=p).update(state="running", worker=f"{socket.gethostname()}:999999")
    assert jobs.recover() == 1
    assert Job.objects.get(page=p).state == "queued"


def test_a_job_running_for_too_long_on_any_host_is_queued_again(doc, tmp_path):
    import datetime as dt

    from django.utils import timezone

    [p] = attach_paths(doc, [make_image(tmp_path / "p.png")])
    Job.objects.filter(page=p).update(
        state="running", worker="another-host:12", started_at=timezone.now() - dt.timedelta(hours=2)
    )
    assert jobs.recover() == 1 and Job.objects.get(page=p).state == "queued"


def test_a_failing_job_is_retried_then_left_failed_with_its_error(doc, tmp_path, monkeypatch):
    [p] = attach_paths(doc, [make_image(tmp_path / "p.png")])

    def broken(job):
        raise RuntimeError("tesseract exploded")

    monkeypatch.setitem(jobs.HANDLERS, "ocr", broken)
    jobs.work(once=True)
    job = Job.objects.get(page=p)
    assert job.state == "failed" and job.attempts == jobs.MAX_ATTEMPTS and "tesseract exploded" in job.error


def test_bulk_import_attaches_a_folder_per_document_once(cli, record_path, typed_scans, tmp_path):
    folder = tmp_path / "in"
    (folder / DOC).mkdir(parents=True)
    (folder / "no-such-document").mkdir()
    shutil.copy(record_path, folder)
    shutil.copy(typed_scans[0], folder / DOC / "p1.png")
    make_image(folder / DOC / "p2.jpg", fmt="JPEG")
    make_image(folder / "no-such-document" / "x.png")
    first = cli("import", str(folder), "--quiet")
    assert "attached 2 pages to 1 documents" in first.stderr and "no-such-document" in first.stderr
    again = cli("import", str(folder), "--quiet")
    assert "2 files were attached before" in again.stderr
    record = json.loads(cli("show", DOC, "--format", "json").stdout)
    assert [p["file"]["name"] for p in record["pages"]] == ["p1.png", "p2.jpg"]
    assert "queued 2" in cli("jobs").stdout


def test_editors_attach_scans_in_the_admin(client, doc, tmp_path, django_user_model):
    editor = django_user_model.objects.create_superuser("editor", "e@example.org", "a long pass phrase 1")
    client.force_login(editor)
    pk = Document.objects.get(identifier=doc).pk
    form = client.get(f"/admin/documents/document/{pk}/attach/")
    assert form.status_code == 200 and b'type="file"' in form.content
    with (
        make_image(tmp_path / "a.png").open("rb") as a,
        make_image(tmp_path / "b.png", size=(300, 300)).open("rb") as b,
    ):
        r = client.post(f"/admin/documents/document/{pk}/attach/", {"files": [a, b], "languages": "sq", "ocr": "on"})
    assert r.status_code == 302
    assert list(Page.objects.filter(document__identifier=doc).values_list("position", flat=True)) == [1, 2]
    assert Job.objects.filter(state="queued").count() == 2
    change = client.get(f"/admin/documents/document/{pk}/change/").content.decode()
    assert "Attach scans" in change and "/full/,80/0/default.jpg" in change
    (tmp_path / "bad.png").write_text("no image")
    with (tmp_path / "bad.png").open("rb") as bad:
        r = client.post(f"/admin/documents/document/{pk}/attach/", {"files": [bad]}, follow=True)
    assert "Nothing was attached" in r.content.decode() and Page.objects.count() == 2
    assert client.get("/admin/scans/job/").status_code == 200
