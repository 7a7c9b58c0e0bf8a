"""IIIF Presentation 3.0 manifests (https://iiif.io/api/presentation/3.0/): one per document with scans,
its pages as canvases in order, each painted by the page's IIIF Image API 3 service."""

from __future__ import annotations

from readingroom.scans.models import Page

PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"


def _lang(value: str, lang: str = "en") -> dict:
    return {lang: [value]}


def _entry(label: str, value: str) -> dict:
    return {"label": _lang(label), "value": {"none": [value]}}


def manifest_id(base: str, doc_id: str) -> str:
    return f"{base}/iiif/presentation/{doc_id}/manifest"


def image_service(base: str, page: Page) -> str:
    return f"{base}/iiif/image/{page.iiif_id}"


def build(record: dict, pages: list[Page], base: str, citation: str, pdf_url: str | None) -> dict:
    """The manifest for a document (``record`` is its public record)."""
    doc_id = record["id"]
    mid = manifest_id(base, doc_id)
    metadata = []
    if record["date"]["display"]:
        metadata.append(_entry("Date", record["date"]["display"]))
    if record.get("archive"):
        metadata.append(_entry("Archive", record["archive"]))
    ref = record["archival_reference"]
    if ref.get("text"):
        metadata.append(_entry("Archival reference", ref["text"]))
    for key, label in (
        ("repository", "Repository"),
        ("fonds", "Fonds"),
        ("series", "Series"),
        ("volume", "Volume"),
        ("file", "File"),
        ("folios", "Folios"),
    ):
        if ref.get(key):
            metadata.append(_entry(label, ref[key]))
    if record["original_languages"]:
        metadata.append(_entry("Original language", ", ".join(lang["name"] for lang in record["original_languages"])))
    for c in record["contributors"]:
        metadata.append(_entry(", ".join(r.capitalize() for r in c["roles"]) or "Contributor", c["name"]))
    if record["collections"]:
        metadata.append(_entry("Collection", "; ".join(c["title"] for c in record["collections"])))
    metadata.append(_entry("Identifier", doc_id))

    canvases = []
    for page in pages:
        cid = f"{base}/iiif/presentation/{doc_id}/canvas/p{page.position}"
        service = image_service(base, page)
        thumb_w = min(200, page.width)
        thumb_h = max(1, round(page.height * thumb_w / page.width))
        canvas = {
            "id": cid,
            "type": "Canvas",
            "label": {"none": [f"p. {page.label or page.position}"]},
            "width": page.width,
            "height": page.height,
            "thumbnail": [
                {
                    "id": f"{service}/full/{thumb_w},/0/default.jpg",
                    "type": "Image",
                    "format": "image/jpeg",
                    "width": thumb_w,
                    "height": thumb_h,
                    "service": [{"id": service, "type": "ImageService3", "profile": "level2"}],
                }
            ],
            "items": [
                {
                    "id": f"{cid}/page",
                    "type": "AnnotationPage",
                    "items": [
                        {
                            "id": f"{cid}/image",
                            "type": "Annotation",
                            "motivation": "painting",
                            "target": cid,
                            "body": {
                                "id": f"{service}/full/max/0/default.jpg",
                                "type": "Image",
                                "format": "image/jpeg",
                                "width": page.width,
                                "height": page.height,
                                "service": [{"id": service, "type": "ImageService3", "profile": "level2"}],
                            },
                        }
                    ],
                }
            ],
        }
        if hasattr(page, "ocr"):
            canvas["seeAlso"] = [
                {
                    "id": f"{base}/iiif/ocr/{doc_id}/p{page.position}.hocr",
                    "type": "Text",
                    "format": "text/vnd.hocr+html",
                    "profile": "http://kba.cloud/hocr-spec/1.2/",
                    "label": _lang("Machine OCR (hOCR)"),
                }
            ]
        canvases.append(canvas)

    manifest: dict[str, object] = {
        "@context": PRESENTATION_CONTEXT,
        "id": mid,
        "type": "Manifest",
        "label": _lang(record["title"]),
        "metadata": metadata,
        "requiredStatement": {"label": _lang("Citation"), "value": _lang(citation)},
        "homepage": [
            {"id": base + record["url"], "type": "Text", "label": _lang(record["title"]), "format": "text/html"}
        ],
        "seeAlso": [
            {
                "id": f"{base}/api/documents/{doc_id}",
                "type": "Dataset",
                "format": "application/json",
                "label": _lang("The record (JSON)"),
            }
        ],
        "service": [
            {
                "@context": "http://iiif.io/api/search/1/context.json",
                "@id": f"{base}/iiif/search/{doc_id}",
                "@type": "SearchService1",
                "profile": "http://iiif.io/api/search/1/search",
            }
        ],
        "items": canvases,
    }
    if record.get("summary"):
        manifest["summary"] = _lang(record["summary"])
    if pdf_url:
        manifest["rendering"] = [
            {
                "id": pdf_url,
                "type": "Text",
                "format": "application/pdf",
                "label": _lang("PDF: scans, transcripts and translations with the citation"),
            }
        ]
    if canvases:
        manifest["thumbnail"] = canvases[0]["thumbnail"]
        manifest["start"] = {"id": canvases[0]["id"], "type": "Canvas"}
    return manifest
