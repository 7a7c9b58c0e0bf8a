"""Writing the records: :mod:`readingroom.records.unitofwork`, the one way a write reaches the archive."""
