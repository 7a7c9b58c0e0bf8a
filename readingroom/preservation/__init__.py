"""Proving nothing was lost or altered: fixity checks with an event log, BagIt packages (export and
restore, also the path between SQLite and PostgreSQL), and online backups of the embedded database."""
