"""Holding archives as authority records, the archival hierarchy built from references, the chronology,
and typed links between documents (docs/archives.md)."""
