"""The engine of the replica databases: PostgreSQL's, connecting with a short timeout and reading from the
primary while the replica refuses or does not answer (see ``readingroom.dbrouter``)."""

from __future__ import annotations

from django.db import connections
from django.db.backends.postgresql import base

from readingroom import dbrouter

# the DB-API module Django chose (psycopg or psycopg2); django-stubs does not declare the attribute
Database = base.Database  # type: ignore[attr-defined]

_primary_identity: list = []  # [system identifier of the primary's cluster] once read


def _identity(conn) -> int | None:
    """The cluster's system identifier (the same on a primary and its streaming replicas), None if unknown."""
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT system_identifier FROM pg_control_system()")
            return int(cur.fetchone()[0])
    except Database.Error:
        return None
    finally:
        try:
            conn.rollback()  # a new connection: leave no transaction open (Django sets autocommit next)
        except Database.Error:
            pass


class DatabaseWrapper(base.DatabaseWrapper):
    #: this connection is to the primary, because the replica did not answer
    fallback = False

    def get_new_connection(self, conn_params):
        if not dbrouter.is_down(self.alias):
            try:
                conn = super().get_new_connection(conn_params)
            except Database.Error as exc:
                dbrouter.mark_down(self.alias, exc)
            else:
                if self._same_cluster(conn):
                    self.fallback = False
                    dbrouter.mark_up(self.alias)
                    return conn
                conn.close()
        self.fallback = True
        return super().get_new_connection(connections[dbrouter.DEFAULT].get_connection_params())

    def _same_cluster(self, conn) -> bool:
        mine = _identity(conn)
        if mine is None:
            return True  # not allowed to ask (not a superuser): trust the operator
        if not _primary_identity:
            primary = Database.connect(**connections[dbrouter.DEFAULT].get_connection_params())
            try:
                theirs = _identity(primary)
            finally:
                primary.close()
            if theirs is None:
                return True
            _primary_identity.append(theirs)
        if mine != _primary_identity[0]:
            dbrouter.mark_foreign(self.alias, f"cluster {mine}, the primary's is {_primary_identity[0]}")
            return False
        return True

    def is_usable(self):
        if self.fallback and not dbrouter.is_down(self.alias):
            return False  # time to try the replica again: close, and the next cursor reconnects
        return super().is_usable()
