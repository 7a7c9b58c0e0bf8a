"""What happened to the archive: the append-only audit log of every write, and the version history of
published documents (with errata shown publicly)."""
