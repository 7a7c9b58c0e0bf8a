"""Original scans: stored files (content-addressed, with checksums), pages, OCR, IIIF and the combined PDF.

``storage`` keeps the original bytes; ``attach`` validates and adds files to a document; ``images`` answers
IIIF Image API requests; ``manifest`` builds IIIF Presentation manifests; ``jobs`` and ``ocr`` recognise
text in the background; ``contentsearch`` answers IIIF Content Search; ``pdf`` assembles the download.
"""
