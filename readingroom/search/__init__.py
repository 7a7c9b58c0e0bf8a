"""Full-text search behind one small backend interface (``backends/base.py``).

The embedded default is tantivy (chosen by benchmark, see docs/performance.md); PostgreSQL full text is
the alternative for deployments on one shared PostgreSQL. The record database stays the source of truth:
every write queues an index operation in the same transaction (``models.IndexQueue``), and the queue is
worked off after commit, so a crash between the two heals itself on the next start.
"""
